"""SIGKILL `cheesecake fetch` mid-run: the next run completes with no duplicate and no loss."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_fixtures import feeds_toml, rss, story

from pipeline.loopback import LoopbackServer, Response
from pipeline.workspace import Workspace

FEEDS, ENTRIES = 3, 8


def _cheesecake(workspace: Workspace, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: extraction workers included
    )


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute(sql).fetchone()[0])


@pytest.mark.slow
def test_a_killed_fetch_loses_nothing_and_duplicates_nothing(
    workspace: Workspace, server: LoopbackServer
) -> None:
    urls = []
    for f in range(FEEDS):
        items = [story(server, f"/f{f}/p{e}", f * 100 + e) for e in range(ENTRIES)]
        # The same story also in the next feed: linking across feeds is interrupted too.
        items.append(story(server, f"/f{(f + 1) % FEEDS}/p0", ((f + 1) % FEEDS) * 100))
        path = f"/feed{f}.xml"
        server.routes[path] = Response(rss(f"Feed {f}", server.base_url, items))
        urls.append(server.url(path))
    for path, route in list(server.routes.items()):
        if "/p" in path and isinstance(route, Response):
            server.routes[path] = Response(route.body, delay=0.15)  # a slow site
    workspace.config_path.write_text(feeds_toml(urls, per_host_concurrency=2))
    db = workspace.db_path()
    total = FEEDS * ENTRIES

    victim = _cheesecake(workspace, "fetch")
    deadline = time.monotonic() + 60
    while _count(db, "SELECT count(*) FROM articles") < 4:
        assert victim.poll() is None, victim.stderr.read() if victim.stderr else ""
        assert time.monotonic() < deadline, "the fetch stored nothing in 60 s"
        time.sleep(0.02)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    os.killpg(victim.pid, signal.SIGKILL)  # its orphaned extraction workers
    stored_before = _count(db, "SELECT count(*) FROM articles")
    assert 0 < stored_before < total, "the kill must land mid-run"
    with sqlite3.connect(db) as conn:
        before = {row[0] for row in conn.execute("SELECT url FROM articles")}

    rerun = _cheesecake(workspace, "fetch", "--json")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()

    with sqlite3.connect(db) as conn:
        urls_stored = [row[0] for row in conn.execute("SELECT url FROM articles")]
        links = conn.execute("SELECT count(*) FROM feed_entries").fetchone()[0]
        runs = conn.execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert len(urls_stored) == len(set(urls_stored)) == total  # none lost, none twice
    assert before <= set(urls_stored)
    assert links == FEEDS * (ENTRIES + 1)  # every feed linked to every story it carries
    for url in before:  # what was stored before the kill was not fetched again
        assert server.hits[url.removeprefix(server.base_url)] == 1
    assert [r[0] for r in runs] == ["failed", "ok"]  # the killed run is not left "running"

    quiet = _cheesecake(workspace, "fetch", "--json")
    out, err = quiet.communicate(timeout=60)
    assert quiet.returncode == 0, err.decode()
    assert b'"pages": 0' in out and b'"new_articles": 0' in out
