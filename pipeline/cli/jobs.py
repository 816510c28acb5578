"""`run`, `schedule` and `demo`: the daily job, its timetable, and the one-command tour."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from pipeline.alerts import EVENT_LABELS
from pipeline.cli._app import App, emit_json, is_terminal, pass_app
from pipeline.cli.ingest import progress_bar
from pipeline.demo import DemoResult, run_demo
from pipeline.run import RunReport, run_pass, summary
from pipeline.scheduler import Daemon, job_specs, next_fire_times

STAGE_LABELS = {
    "match": "Matching articles to contacts…",
    "alerts": "Sending alerts…",
    "digest": "Writing the digest…",
}


def _stage_printer(quiet: bool) -> Callable[[str], None] | None:
    """Say which stage is running, on a terminal only (the fetch stage has its own bar)."""
    if quiet or not is_terminal():
        return None

    def say(stage: str) -> None:
        if stage in STAGE_LABELS:
            click.echo(STAGE_LABELS[stage], err=True)

    return say


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
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="How long to wait for a run already in progress (default: schedule.lock_wait_seconds).",
)
@click.option("--no-digest", is_flag=True, help="Fetch, match and alert only; skip the digest.")
@pass_app
def run(app: App, as_json: bool, quiet: bool, wait: float | None, no_digest: bool) -> None:
    """Fetch, match, alert and write today's digest: the scheduled job, run now."""
    quiet = quiet or as_json
    app.close()  # the pass opens its own connection under the lock
    with progress_bar("Fetching feeds") as bar:
        report = run_pass(
            app.workspace,
            digest=not no_digest,
            lock_timeout=wait,
            on_wait=_waiting(quiet),
            progress=None if quiet else bar,
            on_stage=_stage_printer(quiet),
        )
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
    click.echo(
        f"Scheduler started for {app.workspace.root}; stop it with Ctrl-C or SIGTERM.", err=True
    )
    daemon.start()


def _demo_text(result: DemoResult) -> str:
    report = result.report
    lines = [
        f"Demo workspace: {result.workspace}",
        f"{result.contacts} sample contacts. {summary(report, with_digest=False)}",
    ]
    if result.mentions:
        lines.append("In the news:")
        for m in result.mentions:
            label = EVENT_LABELS.get(m.event, m.event)
            draft = "draft ready" if m.drafted else "no draft"
            lines.append(f"  {m.contact} — {label} ({m.confidence} confidence), {draft}")
    root = result.workspace
    lines += [
        "Explore it:",
        f"  cheesecake --workspace {root} status",
        f"  cheesecake --workspace {root} mentions",
        f'  cheesecake --workspace {root} suggest --contact "Elena Vasquez"',
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
    with progress_bar("Fetching sample feeds") as bar:
        result = run_demo(keep, progress=None if as_json else bar)
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
