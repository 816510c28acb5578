"""`cheesecake run`: one pass end to end against a loopback feed server, the lock, failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import filelock
import pytest
from alert_receivers import SmtpSink, WebhookReceiver

from pipeline import run as run_module
from pipeline.config import add_feeds
from pipeline.contact_io import import_file
from pipeline.demo import CONTACTS_FILE, build_routes, load_world
from pipeline.loopback import LoopbackServer
from pipeline.records import FeedSource
from pipeline.run import run_pass
from pipeline.store import open_store
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
CONTRACT = {
    "feeds",
    "feeds_failed",
    "new_articles",
    "extracted",
    "fallbacks",
    "suggestions",
    "mentions",
    "alerts_sent",
    "digest",
    "seconds",
}


def serve_sample_world(server: LoopbackServer, workspace: Workspace) -> None:
    """The demo's fictional publications (one feed down) and contacts, in this workspace."""
    world = load_world()
    server.routes.update(build_routes(world, server.base_url, datetime.now(UTC)))
    sources = [
        FeedSource(server.url(site.feed_path), site.name, site.tags)
        for site in (*world.sites, world.broken)
    ]
    add_feeds(workspace.config_path, sources)
    with open_store(workspace.db_path()) as store:
        import_file(store, CONTACTS_FILE, "csv")


def _append(workspace: Workspace, text: str) -> None:
    path = workspace.config_path
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


@pytest.fixture
def sample(server: LoopbackServer, workspace: Workspace) -> LoopbackServer:
    serve_sample_world(server, workspace)
    return server


def test_run_end_to_end_then_nothing_new(run_cli, workspace, sample) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("run", "--json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)
    assert set(first) >= CONTRACT
    assert (first["feeds"], first["feeds_failed"]) == (5, 1)
    assert first["new_articles"] == 28 and first["extracted"] + first["fallbacks"] == 28
    assert first["mentions"] == 3 and first["suggestions"] > 0 and first["alerts_sent"] == 0
    assert [f["name"] for f in first["failed_feeds"]] == ["Coastal Power Wire"]
    digest = Path(first["digest"])
    assert digest.is_absolute() and digest.exists() and digest.parent == workspace.digests_dir
    assert "Priya Raman" in digest.read_text(encoding="utf-8")

    with open_store(workspace.db_path()) as store:
        last = store.last_run()
        assert last is not None and last["status"] == "ok" and last["finished_at"]
        assert last["report"]["new_articles"] == 28
        # A story naming a contact is news about them (a mention), never a suggestion to
        # them: Marcus Hale is not offered the story of his company's lawsuit.
        named = {(m.contact_id, m.story_id) for m in store.mentions()}
        offered = {(s.contact_id, s.story_id) for s in store.suggestions()}
        assert len(named) == 3 and not named & offered

    # One mention, one wording: `mentions` shows the draft the digest shows.
    drafted = [m for m in json.loads(run_cli("mentions", "--json").stdout) if m["draft"]]
    markdown = digest.with_suffix(".md").read_text(encoding="utf-8")
    assert drafted and all(f'subject "{m["subject"]}"' in markdown for m in drafted)

    again = json.loads(run_cli("run", "--json").stdout)
    assert (again["new_articles"], again["mentions"], again["suggestions"]) == (0, 0, 0)
    assert again["feeds_failed"] == 1 and again["digest"] == first["digest"]

    status = run_cli("status").stdout
    assert "5 feeds (1 failing), 0 new articles, 0 suggestions, 0 mentions, 0 alerts sent" in status


def test_run_prints_one_paragraph_and_quiet_prints_only_problems(run_cli, sample) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("run")
    assert result.exit_code == 0
    text = result.stdout.strip()
    assert "\n" not in text
    assert "Fetched 5 feeds (1 failing)" in text and "Coastal Power Wire" in text
    assert "3 press mentions" in text and "Digest: " in text

    quiet = run_cli("run", "--quiet")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert "Feed failing: Coastal Power Wire" in quiet.stderr


def test_run_alerts_each_mention_once(run_cli, workspace, sample) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver() as hook:
        _append(workspace, f'[alerts]\nwebhook_url = "{hook.url}"\nretry_delay = 0.01\n')
        first = json.loads(run_cli("run", "--json").stdout)
        second = json.loads(run_cli("run", "--json").stdout)
    assert (first["alerts_sent"], second["alerts_sent"]) == (3, 0)
    drafts = {b["mention"]["contact"]: b["mention"]["draft"] for b in hook.bodies}
    assert set(drafts) == {"Priya Raman", "Tomasz Kowalczyk", "Marcus Hale"}
    assert drafts["Marcus Hale"] is None and drafts["Priya Raman"]


def test_give_up_hours_zero_still_alerts_what_this_run_found(  # type: ignore[no-untyped-def]
    run_cli, workspace, sample, monkeypatch
) -> None:
    # 0 means "later runs do not retry a failed alert", not "never alert".
    scan = run_module.scan_new_articles

    def slow_scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = scan(*args, **kwargs)
        time.sleep(1.1)  # matching takes a while on a real corpus
        return found

    monkeypatch.setattr(run_module, "scan_new_articles", slow_scan)
    with WebhookReceiver() as hook:
        _append(workspace, f'[alerts]\nwebhook_url = "{hook.url}"\ngive_up_hours = 0\n')
        report = json.loads(run_cli("run", "--json").stdout)
    assert report["alerts_sent"] == 3 and len(hook.bodies) == 3


def test_failing_alert_channel_does_not_fail_the_run(run_cli, workspace, sample) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(fail_first=100) as hook:
        _append(workspace, f'[alerts]\nwebhook_url = "{hook.url}"\nretries = 0\n')
        result = run_cli("run", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["alerts_sent"], report["alerts_failed"]) == (0, 3)
    assert {e["stage"] for e in report["errors"]} >= {"alerts", "feed"}


def test_daily_digest_is_emailed(workspace, sample) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink() as smtp:
        _append(
            workspace,
            f'[alerts.email]\nto = "me@example.com"\nsmtp_host = "127.0.0.1"\n'
            f'smtp_port = {smtp.port}\nsecurity = "none"\n',
        )
        report = run_pass(workspace, email_digest=True)
    assert report.digest_emailed_to == "me@example.com" and report.alerts_sent == 3
    subjects = [m["Subject"] for m in smtp.messages]
    assert sum(s.startswith("Your cheesecake digest") for s in subjects) == 1
    assert sum("in the news" in s for s in subjects) == 3


def test_a_held_lock_makes_run_exit_with_a_clear_message(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    holder = filelock.FileLock(workspace.lock_path)
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:  # another thread, as another process would
        with holder:
            ready.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    try:
        result = run_cli("run", "--wait", "0.2")
    finally:
        release.set()
        thread.join()
    assert result.exit_code == 1
    assert "Another cheesecake run is still working" in result.stderr
    assert "Traceback" not in result.stderr
    with open_store(workspace.db_path()) as store:
        assert store.last_run() is None  # nothing started while locked out
    assert run_cli("run", "--wait", "0").exit_code == 0  # free again


def test_two_concurrent_runs_never_interleave(workspace) -> None:  # type: ignore[no-untyped-def]
    with LoopbackServer(latency=0.05) as slow:  # slow enough that the runs would overlap
        serve_sample_world(slow, workspace)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root)]
        procs = [
            subprocess.Popen(
                [*command, "run", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=120) for p in procs]
    outputs = [out for out, _ in results]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    reports = sorted((json.loads(o) for o in outputs), key=lambda r: r["run_id"])
    assert [r["new_articles"] for r in reports] == [28, 0]  # the second saw the first's work
    with open_store(workspace.db_path()) as store:
        runs = sorted(store.recent_runs(), key=lambda r: r["id"])
    assert [r["status"] for r in runs] == ["ok", "ok"]
    assert runs[0]["finished_at"] <= runs[1]["started_at"]


def test_bad_config_is_one_sentence_and_exit_1(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    workspace.config_path.write_text("[schedule]\ntimezone = 'Mars/Olympus_Mons'\n")
    result = run_cli("run")
    assert result.exit_code == 1
    assert "schedule.timezone" in result.stderr and "Traceback" not in result.stderr
    workspace.config_path.write_text("[alerts.email]\nto = 'a@b.c'\nsmtp_host = 'h'\n"
                                     "security = 'tls'\n")  # fmt: skip
    result = run_cli("run")
    assert result.exit_code == 1 and "alerts.email.security" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_workspace_is_explained(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    workspace.digests_dir.chmod(0o500)
    try:
        result = run_cli("run")
    finally:
        workspace.digests_dir.chmod(0o700)
    assert result.exit_code == 1 and "not writable" in result.stderr


def test_a_killed_run_is_recorded_as_failed_by_the_next(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    with open_store(workspace.db_path()) as store:
        killed = store.start_run("run")  # as a process killed mid-run leaves it
    assert run_cli("run").exit_code == 0
    with open_store(workspace.db_path()) as store:
        runs = {r["id"]: r for r in store.recent_runs()}
    assert runs[killed]["status"] == "failed"
    assert "ended before the run finished" in runs[killed]["report"]["error"]


def test_stop_between_stages_keeps_what_was_done(workspace, sample) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()

    def on_stage(stage: str) -> None:
        if stage == "fetch":
            stop.set()  # a SIGTERM arriving during the fetch

    report = run_pass(workspace, stop=stop, on_stage=on_stage)
    assert report.interrupted and report.new_articles == 28
    assert report.mentions == 0 and report.digest is None
    with open_store(workspace.db_path()) as store:
        last = store.last_run()
        assert last is not None and last["status"] == "failed" and last["report"]["interrupted"]
        assert store.count_articles() == 28
    resumed = run_pass(workspace)
    assert resumed.new_articles == 0 and resumed.mentions == 3 and not resumed.interrupted


def test_broken_digest_template_fails_the_run_after_alerts_went_out(  # type: ignore[no-untyped-def]
    run_cli, workspace, sample
) -> None:
    workspace.templates_dir.mkdir()
    (workspace.templates_dir / "digest.md").write_text("{{ no_such_value }}\n")
    with WebhookReceiver() as hook:
        _append(workspace, f'[alerts]\nwebhook_url = "{hook.url}"\n')
        result = run_cli("run")
    assert result.exit_code == 1 and "digest.md" in result.stderr
    assert len(hook.bodies) == 3  # alerts were not held back by the digest
    with open_store(workspace.db_path()) as store:
        last = store.last_run()
    assert last is not None and last["status"] == "failed"
    assert "digest.md" in last["report"]["error"] and last["report"]["alerts_sent"] == 3


def test_database_locked_past_the_timeout_is_a_clear_error(run_cli, workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    import pipeline.store

    monkeypatch.setattr(pipeline.store, "BUSY_TIMEOUT_SECONDS", 0.2)
    other = sqlite3.connect(workspace.db_path(), isolation_level=None)  # another program
    other.execute("BEGIN IMMEDIATE")
    try:
        result = run_cli("run")
    finally:
        other.rollback()
        other.close()
    assert result.exit_code == 1 and "locked" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("run").exit_code == 0


def test_a_pass_told_to_stop_while_waiting_for_the_lock_does_nothing(workspace) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    holder = filelock.FileLock(workspace.lock_path)
    with holder:  # another pass is running; a shutdown is requested meanwhile
        waiter = threading.Thread(
            target=lambda: results.append(run_pass(workspace, stop=stop, lock_timeout=10))
        )
        results: list[object] = []
        waiter.start()
        stop.set()
    waiter.join(10)
    (report,) = results
    assert report.interrupted and report.run_id == 0  # type: ignore[attr-defined]
    with open_store(workspace.db_path()) as store:
        assert store.last_run() is None


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "infinity"])
def test_run_wait_refuses_what_is_no_number_of_seconds(run_cli, value: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("run", "--wait", value)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"'{value}' is not a number of seconds" in result.stderr
    assert "run_id" not in result.output  # nothing ran
