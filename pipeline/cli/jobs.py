"""`run`, `schedule` and `demo`: the daily job, its timetable, and the one-command tour."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli._app import NO_FEEDS, App, Seconds, emit_json, is_terminal, pass_app
from pipeline.demo import DemoResult, run_demo
from pipeline.run import RunReport, run_pass, summary
from pipeline.scheduler import Daemon, job_specs, next_fire_times

STAGE_LABELS = {
    "match": "Matching articles to contacts…",
    "alerts": "Sending alerts…",
    "digest": "Writing the digest…",
}


class _Display:
    """On a terminal: a progress bar while fetching, then a line per later stage (stderr)."""

    def __init__(self, enabled: bool, label: str):
        self.enabled = enabled and is_terminal()
        self.label = label
        self.bar: Any = None
        self.console: Any = None
        self.task: Any = None

    def __enter__(self) -> _Display:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.console = Console(stderr=True)
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    @property
    def progress(self) -> Callable[[int, int], None] | None:
        return self._progress if self.enabled else None

    @property
    def on_stage(self) -> Callable[[str], None] | None:
        return self._stage if self.enabled else None

    def _progress(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def _stage(self, stage: str) -> None:
        if stage in STAGE_LABELS:
            self.bar.stop()  # the fetch bar is done; the later stages have no count
            self.console.print(STAGE_LABELS[stage], highlight=False)


def _waiting(quiet: bool) -> Callable[[], None]:
    def say() -> None:
        if not quiet:
            click.echo("Another run is in progress; waiting for it to finish…", err=True)

    return say


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the run's figures as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless something fails (cron).")
@click.option(
    "--wait",
    type=Seconds(),
    metavar="SECONDS",
    help="How long to wait for a run already in progress (default: schedule.lock_wait_seconds).",
)
@click.option("--no-digest", is_flag=True, help="Fetch, match and alert only; skip the digest.")
@pass_app
def run(app: App, as_json: bool, quiet: bool, wait: float | None, no_digest: bool) -> None:
    """Fetch, match, alert and write today's digest: the scheduled job, run now."""
    quiet = quiet or as_json
    app.close()  # the pass opens its own connection under the lock
    with _Display(not quiet, "Fetching feeds") as display:
        report = run_pass(
            app.workspace,
            digest=not no_digest,
            lock_timeout=wait,
            on_wait=_waiting(quiet),
            progress=display.progress,
            on_stage=display.on_stage,
        )
    if not report.feeds and not report.interrupted:
        click.echo(NO_FEEDS, err=True)  # even when quiet: cron should tell a human
    if as_json:
        emit_json(report.as_json())
        return
    _print_report(report, quiet)


def _print_report(report: RunReport, quiet: bool) -> None:
    if not quiet:
        click.echo(summary(report))
        return
    # Quiet still tells cron about what needs a human: failing feeds and alerts.
    for feed in report.failed_feeds:
        click.echo(f"Feed failing: {feed.name or feed.url}: {feed.error}", err=True)
    for error in report.errors:
        if error.stage == "alerts":
            click.echo(f"Alert not delivered: {error.item}: {error.message}", err=True)


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the next fire times and exit.")
@click.option("--count", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the times as JSON.")
@click.option("--now", "run_now", is_flag=True, help="Also run one pass right away at start.")
@pass_app
def schedule(app: App, dry_run: bool, count: int, as_json: bool, run_now: bool) -> None:
    """Run passes on the cron schedule in feeds.toml until stopped (Ctrl-C or SIGTERM)."""
    if as_json and not dry_run:
        # Only the timetable has a JSON form: a script must not find itself waiting on
        # a daemon that prints nothing.
        raise click.UsageError(
            "--json prints the timetable and needs --dry-run: give "
            "`cheesecake schedule --dry-run --json`, or leave --json out to run the scheduler."
        )
    config = app.config()
    app.close()
    if dry_run:
        specs = job_specs(config)
        upcoming = next_fire_times(specs, count=count, now=datetime.now(UTC))
        zone = str(upcoming[0][1][0].tzinfo) if upcoming and upcoming[0][1] else ""
        if as_json:
            emit_json(
                {
                    "timezone": zone,
                    "jobs": [
                        {
                            "name": spec.name,
                            "cron": spec.expression,
                            "does": spec.does,
                            "next": [t.isoformat() for t in times],
                        }
                        for spec, times in upcoming
                    ],
                }
            )
            return
        click.echo(f"Time zone: {zone}")
        for spec, times in upcoming:
            click.echo(f"{spec.name} ({spec.expression!r}): {spec.does}")
            for when in times:
                click.echo(f"  {when:%a %Y-%m-%d %H:%M %Z}")
        return
    for name in ("pipeline.scheduler", "pipeline.run"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    daemon = Daemon(app.workspace, run_now=run_now)
    root = app.workspace.root
    daemon.start(
        on_ready=lambda: click.echo(
            f"Scheduler started for {root}; stop it with Ctrl-C or SIGTERM.", err=True
        )
    )


def _demo_text(result: DemoResult) -> str:
    report = result.report
    lines = [
        f"Demo workspace: {result.workspace}",
        f"{result.contacts} sample contacts. {summary(report, with_digest=False)}",
    ]
    if result.mentions:
        lines.append("In the news:")
        for m in result.mentions:
            draft = "draft ready" if m.drafted else "no draft"
            lines.append(f"  {m.contact} — {m.label} ({m.confidence} confidence), {draft}")
    root = result.workspace
    lines += [
        "Explore it:",
        f"  cheesecake --workspace {root} status",
        f"  cheesecake --workspace {root} mentions",
        f'  cheesecake --workspace {root} suggest --contact "Elena Vasquez"',
        "The sample feeds exist only while `cheesecake demo` runs, so a `run` in this "
        "workspace finds them failing.",
        "For real news: `cheesecake init DIR`, then `cheesecake --workspace DIR feeds add URL` "
        "(or `feeds import FILE.opml`).",
        f"Digest: {result.digest}" if result.digest else "No digest was written.",
    ]
    return "\n".join(lines)


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Create the demo workspace in DIR (new or empty) instead of the temp folder.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(keep: Path | None, as_json: bool) -> None:
    """Run the whole pipeline offline on bundled sample feeds; print the digest's path."""
    with _Display(not as_json, "Fetching sample feeds") as display:
        result = run_demo(keep, progress=display.progress, on_stage=display.on_stage)
    if as_json:
        emit_json(
            {
                "workspace": str(result.workspace),
                "digest": str(result.digest) if result.digest else None,
                "contacts": result.contacts,
                "mentions": [
                    {
                        "contact": m.contact,
                        "event": m.event,
                        "confidence": m.confidence,
                        "title": m.title,
                        "drafted": m.drafted,
                    }
                    for m in result.mentions
                ],
                "run": result.report.as_json(),
                "seconds": round(result.seconds, 2),
            }
        )
        return
    click.echo(_demo_text(result))


COMMANDS: list[click.Command] = [run, schedule, demo]
