"""The schedule: when passes run, never how (that is `pipeline.run`).

This module owns turning the [schedule] table of feeds.toml into APScheduler 3.x
jobs (cron expressions in an IANA time zone, or the machine's), and the daemon's
life: misfires coalesced into one run, one instance per job and one pass at a time,
one daemon per workspace, a log line as each job starts and ends, and a clean stop
on SIGINT/SIGTERM that lets the current stage finish its transactions. It refuses
to run a pass itself, and to start with a cron expression or time zone it cannot
read, or one that never fires (ConfigError naming the key).

Without a [schedule] table: fetch + match + alerts hourly, and the digest daily at
07:00, in the machine's local time zone.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from types import FrameType

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from pipeline.config import Config
from pipeline.errors import CheesecakeError, ConfigError
from pipeline.run import RunReport, run_pass, workspace_zone
from pipeline.workspace import Workspace, scheduler_lock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job as configured: its name, cron expression and what a pass does."""

    name: str  # "run" or "digest", the key in [schedule]
    expression: str
    trigger: CronTrigger
    digest: bool  # does this job write the day's digest?
    email_digest: bool  # ...and e-mail it?

    @property
    def does(self) -> str:
        if not self.digest:
            return "fetch + match + alerts"
        return "fetch + match + alerts + digest" + (" (e-mailed)" if self.email_digest else "")


def job_specs(config: Config) -> list[JobSpec]:
    """The jobs [schedule] asks for; an empty expression leaves that job out."""
    zone = workspace_zone(config)
    settings = config.schedule
    if settings.misfire_grace_seconds <= 0:
        raise ConfigError(
            f"{config.path}: schedule.misfire_grace_seconds must be more than 0 "
            f"(it is {settings.misfire_grace_seconds})."
        )
    specs: list[JobSpec] = []
    for name, digest in (("run", False), ("digest", True)):
        expression = " ".join(getattr(settings, name).split())
        if not expression:
            continue
        try:
            trigger = CronTrigger.from_crontab(_apscheduler_weekdays(expression), timezone=zone)
        except ValueError as exc:
            raise ConfigError(
                f"{config.path}: schedule.{name} {expression!r} is not a valid cron "
                f"expression ({exc}); use five fields, minute hour day month weekday, "
                "like '0 7 * * *'."
            ) from None
        if trigger.get_next_fire_time(None, datetime.now(zone)) is None:
            # Every field is valid but the date never comes ("30 2": 30 February), and
            # APScheduler would keep such a job paused forever without a word.
            raise ConfigError(
                f"{config.path}: schedule.{name} {expression!r} never fires: no date "
                "matches its day and month fields; fix them, like '0 7 * * *'."
            )
        email = digest and settings.email_digest and config.alerts.email is not None
        specs.append(JobSpec(name, expression, trigger, digest, email))
    if not specs:
        raise ConfigError(
            f"{config.path}: [schedule] has neither 'run' nor 'digest'; set at least one "
            "cron expression."
        )
    return specs


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _apscheduler_weekdays(expression: str) -> str:
    """The expression with its day-of-week field spelled as names.

    APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (and 7), and
    `from_crontab` passes the numbers through: "1-5" would mean Tuesday to Saturday.
    Names mean the same to both, so numbers, ranges and steps are expanded to names.
    """
    fields = expression.split()
    if len(fields) != 5 or fields[4] == "*":
        return expression  # from_crontab reports a wrong field count itself
    days: set[int] = set()
    for item in fields[4].lower().split(","):
        span, _, step_text = item.partition("/")
        if span == "*":
            first, last = 0, 6
        else:
            low, _, high = span.partition("-")
            first, last = _day(low), _day(high) if high else _day(low)
            if step_text and not high:
                last = 7  # "1/2": from Monday to the end of the week, every other day
        step = int(step_text) if step_text.isdigit() else 1
        if (step_text and not step_text.isdigit()) or step < 1:
            raise ValueError(f"bad step {step_text!r} in the day-of-week field")
        if last < first:
            raise ValueError(f"the range {span!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    fields[4] = ",".join(_DAYS[d] for d in sorted(days))
    return " ".join(fields)


def _day(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)  # 7 is Sunday too; reduced modulo 7 by the caller
    if text[:3] in _DAYS:
        return _DAYS.index(text[:3])
    raise ValueError(f"{text!r} is not a day of the week (0-7 or sun-sat)")


def next_fire_times(
    specs: Sequence[JobSpec], *, count: int = 5, now: datetime | None = None
) -> list[tuple[JobSpec, list[datetime]]]:
    """The next `count` fire times of each job, in the schedule's time zone."""
    start = (now or datetime.now(UTC)).astimezone(UTC)
    out: list[tuple[JobSpec, list[datetime]]] = []
    for spec in specs:
        times: list[datetime] = []
        previous: datetime | None = None
        moment = start
        while len(times) < count:
            fire = spec.trigger.get_next_fire_time(previous, moment)
            if fire is None:
                break
            times.append(fire)
            previous = fire
            # Step in UTC: wall-clock arithmetic would land back on a repeated DST hour.
            moment = fire.astimezone(UTC) + timedelta(seconds=1)
        out.append((spec, times))
    return out


def describe(report: RunReport) -> str:
    """The figures of a pass on one log line."""
    text = (
        f"feeds={report.feeds} failed={report.feeds_failed} new={report.new_articles} "
        f"suggestions={report.suggestions} mentions={report.mentions} "
        f"alerts_sent={report.alerts_sent} alerts_failed={report.alerts_failed} "
        f"seconds={report.seconds:.1f}"
    )
    if report.digest:
        text += f" digest={report.digest}"
    if report.interrupted:
        text += " (interrupted)"
    return text


class Daemon:
    """The scheduler process: build it, `start()` blocks until a signal stops it."""

    def __init__(self, workspace: Workspace, *, run_now: bool = False):
        self.workspace = workspace
        config = workspace.config()
        self.specs = job_specs(config)
        self.zone: tzinfo = workspace_zone(config)
        self.stop = threading.Event()  # asks the running pass to end after its stage
        self.running = 0  # passes in progress (or waiting for the workspace lock)
        self.changed = threading.Condition()
        self.scheduler = BlockingScheduler(
            timezone=self.zone,
            # A worker per job, so each starts on time and then queues on the workspace lock:
            # a job queued in the pool instead would count that wait as lateness, and a long
            # hourly pass would make the 07:00 digest "miss" its slot.
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": config.schedule.misfire_grace_seconds,
            },
        )
        for spec in self.specs:
            self.scheduler.add_job(
                self._job,
                trigger=spec.trigger,
                args=(spec,),
                id=spec.name,
                name=f"{spec.name} ({spec.does})",
            )
        if run_now:  # one pass at start-up, then the cron slots as usual
            first = self.specs[0]
            self.scheduler.add_job(self._job, "date", args=(first,), id="now", name=first.name)
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)

    def _job(self, spec: JobSpec) -> None:
        if self.stop.is_set():
            return
        with self.changed:
            self.running += 1
        log.info("%s job started (%s)", spec.name, spec.does)
        try:
            report = run_pass(
                self.workspace,
                digest=spec.digest,
                email_digest=spec.email_digest,
                stop=self.stop,
                kind=spec.name,
            )
            log.info("%s job finished: %s", spec.name, describe(report))
            for feed in report.failed_feeds:
                log.warning("feed failing: %s: %s", feed.name or feed.url, feed.error)
        except CheesecakeError as exc:
            log.error("%s job failed: %s", spec.name, exc)
        except Exception:
            log.exception("%s job crashed; the next one will try again", spec.name)
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def _missed(self, event: JobExecutionEvent) -> None:
        log.warning(
            "%s job missed its %s slot by more than the grace time (machine asleep or "
            "busy); the next slot runs as usual",
            event.job_id,
            event.scheduled_run_time,
        )

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """From a signal handler: stop scheduling, let the running pass end after its stage."""
        if self.stop.is_set():
            return
        name = signal.Signals(signum).name if signum else "stop request"
        log.info("%s received: finishing the current stage, then stopping", name)
        self.stop.set()
        if self.scheduler.running:  # else `start` sees `stop` and never starts it
            self.scheduler.shutdown(wait=False)

    def start(
        self, *, install_signals: bool = True, on_ready: Callable[[], None] | None = None
    ) -> None:
        with scheduler_lock(self.workspace):  # LockedError when another daemon runs here
            if install_signals:
                signal.signal(signal.SIGINT, self.request_stop)
                signal.signal(signal.SIGTERM, self.request_stop)
            for spec, times in next_fire_times(self.specs, count=1):
                when = times[0].isoformat() if times else "never"
                log.info(
                    "scheduled %s %r: %s; next at %s", spec.name, spec.expression, spec.does, when
                )
            if on_ready is not None:
                on_ready()
            if not self.stop.is_set():  # a signal may have come during start-up
                self.scheduler.start()  # blocks until request_stop
            with self.changed:
                self.changed.wait_for(lambda: self.running == 0)
        log.info("scheduler stopped")
