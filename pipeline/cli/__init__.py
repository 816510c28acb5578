"""The command line: parse arguments, call one library function, print.

This package is the only one that imports click. Commands live in one module per
noun; each registers its commands in `COMMANDS`. Every error a user can cause is a
`CheesecakeError`, turned here (and only here) into one sentence on stderr.

Command modules are imported only when their command runs: the relevance stack
(scikit-learn, SciPy) costs about two seconds to import, which `feeds list` or
`contacts add` should not pay.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from pipeline import __version__
from pipeline.cli._app import App
from pipeline.errors import CheesecakeError
from pipeline.workspace import resolve_workspace

# command name -> the pipeline.cli module whose COMMANDS define it
COMMAND_MODULES = {
    "init": "workspace",
    "status": "workspace",
    "feeds": "feeds",
    "fetch": "ingest",
    "articles": "articles",
    "contacts": "contacts",
    "match": "relevance",
    "suggest": "relevance",
    "sent": "relevance",
    "dismiss": "relevance",
    "mentions": "mentions",
    "digest": "digest",
    "run": "jobs",
    "schedule": "jobs",
    "demo": "jobs",
}


class _Boundary(click.Group):
    """The one error boundary (package errors become a sentence and an exit status),
    and lazy loading of the command modules."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"pipeline.cli.{module_name}")
        for command in module.COMMANDS:
            if command.name == cmd_name:
                return command
        raise LookupError(f"pipeline.cli.{module_name} does not define `{cmd_name}`")

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CheesecakeError as exc:
            click.secho(f"Error: {exc}", err=True, fg="red")
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


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
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    app = App(resolve_workspace(workspace))
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    cli(prog_name="cheesecake")
