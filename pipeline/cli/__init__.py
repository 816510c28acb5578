"""The command line: parse arguments, call one library function, print.

This package is the only one that imports click. Commands live in one module per
noun; each registers its commands in `COMMANDS`. Every error a user can cause is a
`CheesecakeError`, turned here (and only here) into one sentence on stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from pipeline import __version__
from pipeline.cli import (
    articles,
    contacts,
    digest,
    feeds,
    ingest,
    jobs,
    mentions,
    relevance,
    workspace,
)
from pipeline.cli._app import App
from pipeline.errors import CheesecakeError
from pipeline.workspace import resolve_workspace


class _Boundary(click.Group):
    """The one error boundary: package errors become a sentence and an exit status."""

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


for _module in (workspace, feeds, ingest, articles, contacts, relevance, mentions, digest, jobs):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="cheesecake")
