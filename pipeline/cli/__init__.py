"""The command line: parse arguments, call one library function, print.

This package is the only one that imports click. Commands live in one module per
noun; each registers its commands in `COMMANDS`. Every error a user can cause is a
`CheesecakeError`, turned here (and only here) into one sentence on stderr.

Command modules are imported only when their command runs: the relevance stack
(scikit-learn, SciPy) costs about two seconds to import, which `feeds list`,
`contacts add` or `cheesecake --help` should not pay. So the command table below
also holds each command's one-line summary for the listing (a test keeps it equal
to the command's own docstring).
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys
from typing import Any, NamedTuple

import click

from pipeline import __version__
from pipeline.cli._app import App
from pipeline.errors import CheesecakeError, StoreError
from pipeline.workspace import resolve_workspace


class CommandEntry(NamedTuple):
    module: str  # the pipeline.cli module whose COMMANDS define it
    summary: str  # the first paragraph of its docstring


COMMAND_TABLE = {
    "init": CommandEntry(
        "workspace", "Create a workspace: feeds.toml, models/, digests/ and the database."
    ),
    "status": CommandEntry("workspace", "Feeds' health, the last run, and what the store holds."),
    "feeds": CommandEntry(
        "feeds", "Manage the feeds in feeds.toml (comments and ordering are kept)."
    ),
    "fetch": CommandEntry("ingest", "Pull all feeds, then fetch and extract their new articles."),
    "articles": CommandEntry("articles", "Browse and search the stored articles."),
    "contacts": CommandEntry("contacts", "Manage the people you want to stay close to."),
    "match": CommandEntry(
        "relevance",
        "Score new articles against contacts (suggestions) and scan them for press mentions.",
    ),
    "suggest": CommandEntry(
        "relevance", "The best articles to send one contact now, with reasons and a draft."
    ),
    "sent": CommandEntry(
        "relevance",
        "Record that you sent a suggestion or a mention's message (starts the cooldown).",
    ),
    "dismiss": CommandEntry(
        "relevance",
        "Dismiss a suggestion (less like this) or a mention (--not-them: wrong person).",
    ),
    "mentions": CommandEntry(
        "mentions", "Press mentions of your contacts, newest first, with evidence and a draft."
    ),
    "digest": CommandEntry(
        "digest",
        "Write digests/YYYY-MM-DD.md and .html (and the index and feed); print their paths.",
    ),
    "run": CommandEntry(
        "jobs", "Fetch, match, alert and write today's digest: the scheduled job, run now."
    ),
    "schedule": CommandEntry(
        "jobs", "Run passes on the cron schedule in feeds.toml until stopped (Ctrl-C or SIGTERM)."
    ),
    "demo": CommandEntry(
        "jobs", "Run the whole pipeline offline on bundled sample feeds; print the digest's path."
    ),
}


class _Boundary(click.Group):
    """The one error boundary (package errors become a sentence and an exit status),
    and lazy loading of the command modules."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_TABLE)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMAND_TABLE.get(cmd_name)
        if entry is None:
            return None
        module_name = entry.module
        module = importlib.import_module(f"pipeline.cli.{module_name}")
        for command in module.COMMANDS:
            if command.name == cmd_name:
                return command
        raise LookupError(f"pipeline.cli.{module_name} does not define `{cmd_name}`")

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing from the table, as click would word it, without importing."""
        width = formatter.width - 6 - max(map(len, COMMAND_TABLE))
        rows = [
            (name, _shorten(entry.summary, width)) for name, entry in sorted(COMMAND_TABLE.items())
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as exc:
            if exc.option_name in ("--workspace", "-w"):
                command = ctx.invoked_subcommand or "status"
                raise click.UsageError(
                    f"{exc.option_name} is an option of cheesecake itself: give it before the "
                    f"command, as in `cheesecake --workspace DIR {command}`.",
                    ctx=exc.ctx,
                ) from None
            raise
        except CheesecakeError as exc:
            click.secho(f"Error: {exc}", err=True, fg="red")
            ctx.exit(exc.exit_code)
        except sqlite3.OperationalError as exc:
            # The machine, not the user: a full disk, a locked or read-only database.
            click.secho(f"Error: {_database_trouble(exc)}", err=True, fg="red")
            ctx.exit(StoreError.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


def _database_trouble(exc: sqlite3.OperationalError) -> str:
    """One sentence for a database failure in the middle of a command."""
    text = str(exc)
    if "full" in text:
        advice = "free some disk space and run the command again"
    elif "locked" in text or "busy" in text:
        advice = "another program holds it; run the command again when that one ends"
    elif "readonly" in text or "read-only" in text:
        advice = "check that you may write to the workspace folder and its files"
    else:
        advice = "check the disk and the workspace's files, then run the command again"
    return (
        f"The workspace database failed ({text}); {advice}. What was saved before this "
        "point is kept."
    )


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "-w",
    metavar="DIR",
    help="Workspace directory (default: $CHEESECAKE_HOME, else the current directory).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(__version__, prog_name="cheesecake")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None, verbose: int) -> None:
    """Curate industry news for the people you want to stay close to."""
    if workspace is not None and not workspace.strip():
        # `--workspace "$DIR"` with DIR unset: falling back to $CHEESECAKE_HOME or the
        # current folder would quietly work on another workspace.
        raise click.BadParameter(
            "it is blank; give the workspace's folder, or leave --workspace out to use "
            "$CHEESECAKE_HOME or the current folder.",
            param_hint="--workspace",
        )
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    app = App(resolve_workspace(workspace))
    ctx.obj = app
    ctx.call_on_close(app.close)


def _shorten(text: str, width: int) -> str:
    """`text` cut at a word boundary to fit `width`, as click shortens command help."""
    if len(text) <= width:
        return text
    return text[: width - 3].rsplit(" ", 1)[0] + "..."


def main() -> None:
    cli(prog_name="cheesecake")
