"""One pipeline pass: fetch → match (relevance, mentions) → alerts → digest.

This module owns the order of the stages, the run record in the store (start, end,
the `run --json` figures, per-item errors) and the workspace lock that keeps two
passes, manual or scheduled, from ever interleaving. It does no stage's work itself,
and a failing item (a feed, a page, an alert channel) never fails the pass: it is
recorded, reported, and the pass goes on. Only what stops the pass from happening at
all (bad config, an unwritable workspace, a lock held past the timeout) is an error.

Alerts go out before the digest is written, so that a broken digest template can
never delay the news that a contact was just promoted.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from pipeline.alerts import AlertReport, check_alert_settings, deliver_alerts, send_digest
from pipeline.config import Config
from pipeline.digest import digest_day, digest_zone, write_digest
from pipeline.errors import CheesecakeError, StoreError, WorkspaceError
from pipeline.ingest import fetch_all
from pipeline.mentions import scan_new_articles
from pipeline.records import FetchReport, ItemError
from pipeline.relevance import match_articles
from pipeline.store import BUSY_TIMEOUT_SECONDS, Store, open_store
from pipeline.templating import counted
from pipeline.workspace import Workspace, workspace_lock

log = logging.getLogger(__name__)

STAGES = ("fetch", "match", "alerts", "digest")


@dataclass(frozen=True)
class FailedFeed:
    url: str
    name: str | None
    error: str


@dataclass(frozen=True)
class RunReport:
    """What one pass did: the `run --json` figures and what went wrong, item by item."""

    run_id: int
    feeds: int = 0
    feeds_failed: int = 0
    new_articles: int = 0
    extracted: int = 0
    fallbacks: int = 0
    recovered: int = 0  # summary-only articles of earlier runs whose page came this time
    suggestions: int = 0
    mentions: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    digest: str | None = None  # absolute path of the HTML digest, when one was written
    digest_emailed_to: str | None = None
    seconds: float = 0.0
    failed_feeds: tuple[FailedFeed, ...] = ()
    errors: tuple[ItemError, ...] = ()
    interrupted: bool = False
    started_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The `run --json` object (the contract's keys first) and the run record's report."""
        return {
            "feeds": self.feeds,
            "feeds_failed": self.feeds_failed,
            "new_articles": self.new_articles,
            "extracted": self.extracted,
            "fallbacks": self.fallbacks,
            "suggestions": self.suggestions,
            "mentions": self.mentions,
            "alerts_sent": self.alerts_sent,
            "digest": self.digest,
            "seconds": round(self.seconds, 2),
            "run_id": self.run_id,
            "recovered": self.recovered,
            "alerts_failed": self.alerts_failed,
            "digest_emailed_to": self.digest_emailed_to,
            "failed_feeds": [
                {"url": f.url, "name": f.name, "error": f.error} for f in self.failed_feeds
            ],
            "errors": [
                {"stage": e.stage, "item": e.item, "message": e.message} for e in self.errors
            ],
            "interrupted": self.interrupted,
        }


@dataclass
class _Tally:
    """The figures as the stages report them, before they are frozen into a RunReport."""

    fetch: FetchReport = field(default_factory=FetchReport)
    suggestions: int = 0
    mentions: int = 0
    alerts: AlertReport = field(default_factory=AlertReport)
    digest: Path | None = None
    emailed_to: str | None = None


# --- time zone ---------------------------------------------------------------------------


def workspace_zone(config: Config) -> tzinfo:
    """The [schedule] time zone, else the machine's (the zone where a digest's day starts)."""
    return digest_zone(config)


# --- the lock -----------------------------------------------------------------------------


def _check_writable(workspace: Workspace) -> None:
    for folder in (workspace.root, workspace.digests_dir, workspace.models_dir):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"Cannot create {folder}: {exc.strerror or exc}; make the workspace writable."
            ) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise WorkspaceError(f"{folder} is not writable; fix its permissions.")


# --- one pass -----------------------------------------------------------------------------


def run_pass(
    workspace: Workspace,
    *,
    digest: bool = True,
    email_digest: bool = False,
    lock_timeout: float | None = None,
    on_wait: Callable[[], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    now: datetime | None = None,
    kind: str = "run",
) -> RunReport:
    """Run fetch → match → alerts → digest once, under the workspace lock.

    `on_stage` is told each stage's name (see STAGES) as it begins; `progress` is the
    fetch stage's (items done, items known) callback.

    `stop` is checked between stages: a shutdown lets the current stage finish its
    transactions, then records the run as interrupted. Raises only when the pass
    cannot happen (ConfigError, WorkspaceError, LockedError, StoreError) or when a
    stage raises a user-fixable error (a broken template, an unreadable model).
    """
    config = workspace.config()
    check_alert_settings(config)
    workspace_zone(config)  # an unknown time zone is a ConfigError before anything is locked
    _check_writable(workspace)
    wait = config.schedule.lock_wait_seconds if lock_timeout is None else lock_timeout
    with workspace_lock(workspace, timeout=wait, on_wait=on_wait):
        if stop is not None and stop.is_set():  # told to stop while waiting for the lock
            return RunReport(run_id=0, interrupted=True)
        store = open_store(workspace.db_path(config))
        try:
            return _locked_pass(
                store,
                workspace,
                config,
                digest=digest,
                email_digest=email_digest,
                progress=progress,
                on_stage=on_stage,
                stop=stop,
                now=now,
                kind=kind,
            )
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreError(
                f"The database {store.path} stayed locked by another program for more than "
                f"{BUSY_TIMEOUT_SECONDS:g} s; close whatever holds it (a database browser?) "
                "and run again."
            ) from None
        finally:
            store.close()


def _locked_pass(
    store: Store,
    workspace: Workspace,
    config: Config,
    *,
    digest: bool,
    email_digest: bool,
    progress: Callable[[int, int], None] | None,
    on_stage: Callable[[str], None] | None,
    stop: threading.Event | None,
    now: datetime | None,
    kind: str,
) -> RunReport:
    abandoned = store.abandon_stale_runs("the process ended before the run finished")
    if abandoned:
        log.warning("%d earlier run(s) had been killed mid-run; marked failed", abandoned)
    started = time.monotonic()
    started_at = datetime.now(UTC)
    day = digest_day(config, now)  # after any wait for the lock, which may span midnight
    run_id = store.start_run(kind)
    feeds = {source.url for source in config.feeds}
    tally = _Tally()
    interrupted = False
    templates = workspace.templates_dir if workspace.templates_dir.is_dir() else None

    def stage(name: str) -> bool:
        nonlocal interrupted
        if stop is not None and stop.is_set():
            interrupted = True
            return False
        if on_stage is not None:
            on_stage(name)
        return True

    try:
        if stage("fetch"):
            tally.fetch = fetch_all(store, config, run_id=run_id, progress=progress)
        if stage("match"):
            # Mentions first: a story naming a contact is never also suggested to them.
            tally.mentions = len(scan_new_articles(store, now=now))
            matched = match_articles(store, config, workspace.models_dir, now=now)
            tally.suggestions = matched.suggestions
        if stage("alerts"):
            tally.alerts = deliver_alerts(
                store,
                config,
                run_id=run_id,
                templates_dir=templates,
                now=now,
                fresh_since=started_at,
            )
        if digest and stage("digest"):
            partial = _report(store, feeds, run_id, tally, started, started_at, interrupted)
            written = write_digest(store, config, workspace, day=day, run_report=partial, now=now)
            tally.digest = written.html.resolve()
            if email_digest and config.alerts.email is not None:
                tally.emailed_to = _email_digest(store, config, run_id, day, tally.digest)
    except BaseException as exc:
        detail = str(exc) if isinstance(exc, CheesecakeError) else f"{type(exc).__name__}: {exc}"
        try:
            report = _report(store, feeds, run_id, tally, started, started_at, interrupted)
            store.finish_run(run_id, {**report.as_json(), "error": detail}, ok=False)
        except sqlite3.Error as also:  # a locked database may refuse this too; the next
            log.warning("could not record the failed run: %s", also)  # run marks it failed
        raise
    report = _report(store, feeds, run_id, tally, started, started_at, interrupted)
    store.finish_run(run_id, report.as_json(), ok=not interrupted)
    return report


def _email_digest(store: Store, config: Config, run_id: int, day: date, html: Path) -> str | None:
    try:
        return send_digest(config, day=day, markdown_path=html.with_suffix(".md"), html_path=html)
    except CheesecakeError as exc:  # a mail server being down does not fail the run
        store.record_error(run_id, ItemError("digest", "email", str(exc)))
        return None


def _report(
    store: Store,
    configured: set[str],
    run_id: int,
    tally: _Tally,
    started: float,
    started_at: datetime,
    interrupted: bool,
) -> RunReport:
    failed = [
        FailedFeed(url=state.url, name=state.name, error=state.last_error or "gone (HTTP 410)")
        for state in store.feed_states()
        if state.url in configured and (state.consecutive_failures > 0 or state.dead)
    ]
    errors = store.run_errors(run_id)
    return RunReport(
        run_id=run_id,
        feeds=tally.fetch.feeds,
        feeds_failed=tally.fetch.feeds_failed,
        new_articles=tally.fetch.new_articles,
        extracted=tally.fetch.extracted,
        fallbacks=tally.fetch.fallbacks,
        recovered=tally.fetch.recovered,
        suggestions=tally.suggestions,
        mentions=tally.mentions,
        alerts_sent=tally.alerts.sent,
        alerts_failed=tally.alerts.failed,
        digest=str(tally.digest) if tally.digest else None,
        digest_emailed_to=tally.emailed_to,
        seconds=time.monotonic() - started,
        failed_feeds=tuple(failed),
        errors=tuple(errors),
        interrupted=interrupted,
        started_at=started_at,
    )


def summary(report: RunReport, *, with_digest: bool = True) -> str:
    """The one paragraph a person reads after a run."""
    parts = [
        f"Fetched {report.feeds} feed{'s' * (report.feeds != 1)}"
        + (f" ({report.feeds_failed} failing)" if report.feeds_failed else ""),
        f"{report.new_articles} new article{'s' * (report.new_articles != 1)}"
        + (
            f" ({report.extracted} extracted, {report.fallbacks} from the feed summary)"
            if report.new_articles
            else ""
        ),
        *(
            [f"{report.recovered} earlier page{'s' * (report.recovered != 1)} extracted this time"]
            if report.recovered
            else []
        ),
        f"{report.suggestions} new suggestion{'s' * (report.suggestions != 1)}",
        f"{report.mentions} press mention{'s' * (report.mentions != 1)}",
        f"{report.alerts_sent} alert{'s' * (report.alerts_sent != 1)} sent"
        + (f", {report.alerts_failed} failed" if report.alerts_failed else ""),
    ]
    text = ", ".join(parts) + f" in {report.seconds:.1f} s."
    if report.failed_feeds:
        names = "; ".join(f"{f.name or f.url}: {f.error.rstrip('.')}" for f in report.failed_feeds)
        text += f" Failing feeds: {names}."
    if report.digest and with_digest:
        text += f" Digest: {report.digest}"
        text += f" (e-mailed to {report.digest_emailed_to})." if report.digest_emailed_to else "."
    if report.interrupted:
        text += " The run was interrupted before it finished; the next run picks up from here."
    return text


def record_summary(record: Mapping[str, Any]) -> str:
    """The figures of a stored run record on one line (how `status` shows the last run)."""
    report: Mapping[str, Any] = record.get("report") or {}
    parts: list[str] = []
    if "feeds" in report:
        failing = report.get("feeds_failed") or 0
        parts.append(
            counted(report["feeds"], "feed") + (f" ({failing} failing)" if failing else "")
        )
    for key, noun, verb in (
        ("new_articles", "new article", ""),
        ("suggestions", "suggestion", ""),
        ("mentions", "mention", ""),
        ("alerts_sent", "alert", " sent"),
    ):
        if key in report:
            parts.append(counted(report[key], noun) + verb)
    if report.get("alerts_failed"):
        parts.append(f"{counted(report['alerts_failed'], 'alert')} failed")
    if isinstance(report.get("seconds"), int | float):
        parts.append(f"{report['seconds']:.1f} s")
    text = ", ".join(parts)
    if report.get("interrupted"):
        text += "; interrupted before it finished"
    if report.get("error"):
        text += f"; error: {report['error']}"
    if report.get("digest"):
        text += f"; digest {report['digest']}"
    return text.lstrip("; ")
