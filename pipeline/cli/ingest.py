"""`fetch`: pull every feed, fetch and extract the new articles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from pipeline.cli._app import NO_FEEDS, App, counted, emit_json, is_terminal, pass_app
from pipeline.ingest import Progress, fetch_all
from pipeline.records import FetchReport
from pipeline.workspace import workspace_lock


@contextmanager
def progress_bar(label: str = "Fetching") -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal; None (quiet) otherwise."""
    if not is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def report_json(report: FetchReport) -> dict[str, Any]:
    """The `fetch --json` object, also stored as the run's report."""
    return {
        "feeds": report.feeds,
        "feeds_failed": report.feeds_failed,
        "feeds_unchanged": report.feeds_unchanged,
        "new_articles": report.new_articles,
        "extracted": report.extracted,
        "fallbacks": report.fallbacks,
        "duplicates": report.duplicates,
        "near_duplicates": report.near_duplicates,
        "pages": report.pages,
        "recovered": report.recovered,
        "requests": report.requests,
        "seconds": report.seconds,
        "errors": [{"stage": e.stage, "item": e.item, "message": e.message} for e in report.errors],
    }


def summary_line(report: FetchReport) -> str:
    feeds = (
        f"{counted(report.feeds, 'feed')} ({report.feeds_failed} failed, "
        f"{report.feeds_unchanged} unchanged)"
    )
    articles = (
        f"{counted(report.new_articles, 'new article')} "
        f"({report.extracted} extracted, "
        f"{report.fallbacks} from the feed summary)"
    )
    extra = f", {counted(report.duplicates, 'duplicate')}" if report.duplicates else ""
    if report.recovered:
        extra += f", {counted(report.recovered, 'earlier page')} extracted this time"
    errors = f", {counted(len(report.errors), 'error')}" if report.errors else ""
    return f"Fetched {feeds}: {articles}{extra}{errors} in {report.seconds:.1f} s."


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the run's figures as JSON.")
@pass_app
def fetch(app: App, as_json: bool) -> None:
    """Pull all feeds, then fetch and extract their new articles."""
    config = app.config()

    def waiting() -> None:
        click.echo("Another run is in progress; waiting for it to finish…", err=True)

    # The same lock as `run`: two passes writing one workspace would fetch everything twice.
    with workspace_lock(app.workspace, timeout=config.schedule.lock_wait_seconds, on_wait=waiting):
        store = app.store()
        store.abandon_stale_runs("the process ended before the run finished")
        run_id = store.start_run("fetch")
        try:
            with progress_bar() as progress:
                report = fetch_all(store, config, run_id=run_id, progress=progress)
        except BaseException as exc:
            store.finish_run(run_id, {"error": f"{type(exc).__name__}: {exc}"}, ok=False)
            raise
        store.finish_run(run_id, report_json(report))
    if not report.feeds:
        click.echo(NO_FEEDS, err=True)
    if as_json:
        emit_json(report_json(report))
    else:
        click.echo(summary_line(report))


COMMANDS: list[click.Command] = [fetch]
