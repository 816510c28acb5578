"""The scheduler: jobs from feeds.toml, fire times across DST, the daemon's life, SIGTERM."""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tzlocal
from apscheduler.schedulers.background import BackgroundScheduler
from test_run import serve_sample_world

from pipeline import scheduler
from pipeline.errors import ConfigError
from pipeline.loopback import LoopbackServer
from pipeline.scheduler import Daemon, job_specs, next_fire_times
from pipeline.store import open_store
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent


def _schedule(workspace: Workspace, text: str) -> None:
    path = workspace.config_path
    path.write_text(path.read_text(encoding="utf-8") + "\n[schedule]\n" + text, encoding="utf-8")


def test_defaults_are_hourly_run_and_daily_digest_in_local_time(workspace) -> None:  # type: ignore[no-untyped-def]
    specs = job_specs(workspace.config())
    assert [(s.name, s.expression, s.digest) for s in specs] == [
        ("run", "0 * * * *", False),
        ("digest", "0 7 * * *", True),
    ]
    assert str(specs[0].trigger.timezone) == str(tzlocal.get_localzone())
    (_, runs), (_, digests) = next_fire_times(specs, count=3)
    assert all(t.minute == 0 for t in runs) and all((t.hour, t.minute) == (7, 0) for t in digests)


def test_daily_digest_follows_the_zone_across_the_spring_change(workspace) -> None:  # type: ignore[no-untyped-def]
    _schedule(workspace, 'timezone = "Europe/Paris"\ndigest = "0 7 * * *"\n')
    specs = job_specs(workspace.config())
    start = datetime(2025, 3, 28, 12, 0, tzinfo=UTC)
    (_, _), (_, digests) = next_fire_times(specs, count=3, now=start)
    assert [t.isoformat() for t in digests] == [
        "2025-03-29T07:00:00+01:00",
        "2025-03-30T07:00:00+02:00",  # clocks went forward overnight: still 07:00 local
        "2025-03-31T07:00:00+02:00",
    ]
    assert [t.astimezone(UTC).hour for t in digests] == [6, 5, 5]


def test_hourly_run_through_the_autumn_change_fires_every_real_hour(workspace) -> None:  # type: ignore[no-untyped-def]
    _schedule(workspace, 'timezone = "Europe/London"\nrun = "0 * * * *"\n')
    (_, times), _ = next_fire_times(
        job_specs(workspace.config()), count=5, now=datetime(2025, 10, 25, 22, 30, tzinfo=UTC)
    )
    utc = [t.astimezone(UTC) for t in times]
    assert [b - a for a, b in itertools.pairwise(utc)] == [timedelta(hours=1)] * 4
    # 01:00 local happens twice that night (BST, then GMT): both are real hours.
    assert [t.strftime("%H:%M %Z") for t in times][1:4] == ["01:00 BST", "01:00 GMT", "02:00 GMT"]


def test_an_empty_expression_disables_that_job(workspace) -> None:  # type: ignore[no-untyped-def]
    _schedule(workspace, 'run = ""\ndigest = "30 6 * * 1-5"\ntimezone = "Asia/Tokyo"\n')
    (spec,) = job_specs(workspace.config())
    assert spec.name == "digest"
    ((_, times),) = next_fire_times([spec], count=5, now=datetime(2026, 1, 2, tzinfo=UTC))
    assert {t.strftime("%a %H:%M") for t in times} <= {
        f"{d} 06:30" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")
    }


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("6,0", ["Sat", "Sun"]),
        ("sat,sun", ["Sat", "Sun"]),
        ("1/2", ["Mon", "Wed", "Fri", "Sun"]),
    ],
)
def test_weekday_numbers_mean_what_they_mean_in_crontab(  # type: ignore[no-untyped-def]
    workspace, field: str, days: list[str]
) -> None:
    # APScheduler 3 counts Monday as 0; crontab counts Sunday as 0 (and as 7).
    _schedule(workspace, f'timezone = "UTC"\nrun = "0 9 * * {field}"\ndigest = ""\n')
    (spec,) = job_specs(workspace.config())
    ((_, times),) = next_fire_times([spec], count=7, now=datetime(2026, 1, 4, tzinfo=UTC))
    seen = {t.strftime("%a") for t in times}
    assert seen == set(days)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('run = "61 * * * *"\n', "schedule.run"),
        ('digest = "every morning"\n', "schedule.digest"),
        ('digest = "0 7 * * 2-9"\n', "schedule.digest"),
        ('run = "0 7 30 2 *"\n', "schedule.run"),  # valid fields, but no 30 February
        ('digest = "0 7 31 4,6 *"\n', "schedule.digest"),
        ('timezone = "Europe/Atlantis"\n', "schedule.timezone"),
        ("misfire_grace_seconds = 0\n", "schedule.misfire_grace_seconds"),
    ],
)
def test_bad_schedule_names_the_key(workspace, run_cli, text: str, key: str) -> None:  # type: ignore[no-untyped-def]
    _schedule(workspace, text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        job_specs(workspace.config())
    result = run_cli("schedule", "--dry-run")
    assert result.exit_code == 1 and key in result.stderr and "Traceback" not in result.stderr


def test_dry_run_prints_next_fire_times(workspace, run_cli) -> None:  # type: ignore[no-untyped-def]
    _schedule(workspace, 'timezone = "America/New_York"\nrun = "15 */2 * * *"\n')
    result = run_cli("schedule", "--dry-run", "--count", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Time zone: America/New_York"
    assert lines[1] == "run ('15 */2 * * *'): fetch + match + alerts"
    assert lines[2].endswith(("EST", "EDT")) and ":15 " in lines[2]
    assert "digest ('0 7 * * *'): fetch + match + alerts + digest" in result.stdout

    data = json.loads(run_cli("schedule", "--dry-run", "--json", "--count", "3").stdout)
    assert data["timezone"] == "America/New_York"
    run_job = data["jobs"][0]
    assert run_job["name"] == "run" and len(run_job["next"]) == 3
    first = datetime.fromisoformat(run_job["next"][0])
    assert first.minute == 15 and first.hour % 2 == 0 and first > datetime.now(UTC)


def test_json_without_dry_run_is_a_usage_error(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A script asking for JSON must get it (or an error), never a daemon that blocks it.
    started: list[object] = []
    monkeypatch.setattr("pipeline.cli.jobs.Daemon.start", lambda *a, **k: started.append(a))
    result = run_cli("schedule", "--json")
    assert result.exit_code == 2 and not result.stdout and not started
    assert "--dry-run" in result.stderr and "Traceback" not in result.stderr


def test_daemon_jobs_coalesce_one_instance_with_grace(workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _schedule(workspace, 'timezone = "Europe/Berlin"\nmisfire_grace_seconds = 120\n')
    # The same configuration on a scheduler that can be started without blocking.
    monkeypatch.setattr(scheduler, "BlockingScheduler", BackgroundScheduler)
    daemon = Daemon(workspace)
    daemon.scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
        assert set(jobs) == {"run", "digest"}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time == 120
            assert str(job.trigger.timezone) == "Europe/Berlin"
        assert jobs["digest"].next_run_time.strftime("%H:%M") == "07:00"
    finally:
        daemon.scheduler.shutdown(wait=False)


def test_a_job_logs_its_start_and_figures(workspace, caplog) -> None:  # type: ignore[no-untyped-def]
    daemon = Daemon(workspace)
    caplog.set_level(logging.INFO, logger="pipeline.scheduler")
    daemon._job(daemon.specs[0])
    messages = [r.getMessage() for r in caplog.records if r.name == "pipeline.scheduler"]
    assert messages[0] == "run job started (fetch + match + alerts)"
    assert messages[1].startswith("run job finished: feeds=0 failed=0 new=0")
    with open_store(workspace.db_path()) as store:
        last = store.last_run()
    assert last is not None and last["kind"] == "run" and last["status"] == "ok"


def test_sigterm_lets_the_current_stage_finish_then_stops(workspace) -> None:  # type: ignore[no-untyped-def]
    with LoopbackServer(latency=0.1) as slow:
        serve_sample_world(slow, workspace)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root)]
        daemon = subprocess.Popen(
            [*command, "schedule", "--now"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not any(path.startswith("/freight/news/") for path in slow.hits):
                if daemon.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the scheduler did not start a pass: {daemon.communicate()[1]}")
                time.sleep(0.05)
            daemon.send_signal(signal.SIGTERM)  # mid-fetch: pages are being downloaded
            _, stderr = daemon.communicate(timeout=60)
        finally:
            if daemon.poll() is None:
                daemon.kill()
    assert daemon.returncode == 0, stderr
    assert "SIGTERM received: finishing the current stage, then stopping" in stderr
    assert "run job finished:" in stderr and "(interrupted)" in stderr
    assert stderr.rstrip().endswith("scheduler stopped")
    with open_store(workspace.db_path()) as store:
        (run,) = store.recent_runs()
        assert run["status"] == "failed" and run["report"]["interrupted"] is True
        assert store.count_articles() == 28  # the fetch stage finished its work
        assert store.count_mentions() == 0  # and nothing after it started


def test_a_second_scheduler_on_the_same_workspace_is_refused(workspace) -> None:  # type: ignore[no-untyped-def]
    # Two daemons would run every pass twice and e-mail each morning's digest twice.
    _schedule(workspace, 'run = "0 3 1 1 *"\ndigest = ""\n')  # no pass during the test
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), "schedule"]
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stderr is not None
        for line in first.stderr:  # the scheduled-job log lines, then the ready line
            if "Scheduler started" in line:
                break
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "already running" in second.stderr and "Traceback" not in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        assert "Scheduler started" not in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert first.returncode == 0


def test_sigterm_while_the_daemon_is_starting_still_stops_it(workspace) -> None:  # type: ignore[no-untyped-def]
    # The handlers are installed before APScheduler runs: a signal in between must
    # neither raise from the handler nor leave the daemon running forever.
    daemon = Daemon(workspace)
    daemon.request_stop(signal.SIGTERM)
    runner = threading.Thread(target=daemon.start, kwargs={"install_signals": False})
    runner.daemon = True
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive()
