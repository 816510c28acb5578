"""`cheesecake demo`: the whole product offline, in one command, as a newcomer runs it."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.demo import load_world
from pipeline.store import open_store


def _sections(markdown: str) -> dict[str, str]:
    """'### Name: event' headings of the digest's "In the news" part → their text."""
    news = markdown.split("## In the news", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### ", news, flags=re.M)[1:]
    return {part.split(":", 1)[0]: part for part in parts}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    keep = tmp_path_factory.mktemp("demo") / "workspace"
    result = CliRunner().invoke(cli, ["demo", "--keep", str(keep), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_demo_digest_congratulates_the_promotion_and_not_the_bad_news(demo_run) -> None:  # type: ignore[no-untyped-def]
    digest = Path(str(demo_run["digest"]))
    assert digest.is_absolute() and digest.suffix == ".html" and digest.exists()
    news = _sections(digest.with_suffix(".md").read_text(encoding="utf-8"))
    assert set(news) == {"Priya Raman", "Tomasz Kowalczyk", "Marcus Hale"}
    promotion = news["Priya Raman"]
    assert promotion.startswith("Priya Raman: new role")
    assert "Draft" in promotion and "ongratulations" in promotion
    negative = news["Marcus Hale"]
    assert negative.startswith("Marcus Hale: negative news")
    assert "No draft: negative news." in negative
    assert "Draft" not in negative and "ongratulat" not in negative
    assert "Tomasz Kowalczyk: award" in news["Tomasz Kowalczyk"]

    html = digest.read_text(encoding="utf-8")
    assert "No draft: negative news" in html and "Priya" in html


def test_demo_exercises_every_stage(demo_run) -> None:  # type: ignore[no-untyped-def]
    run = demo_run["run"]
    assert isinstance(run, dict)
    world = load_world()
    assert run["feeds"] == len(world.sites) + 1 and run["feeds_failed"] == 1
    assert [f["name"] for f in run["failed_feeds"]] == ["Coastal Power Wire"]
    assert run["new_articles"] == len(world.articles) == 28
    assert run["extracted"] == 28 and run["suggestions"] >= 8 and run["mentions"] == 3
    assert demo_run["contacts"] == 8
    drafted = {m["contact"]: m["drafted"] for m in demo_run["mentions"]}  # type: ignore[attr-defined]
    assert drafted == {"Priya Raman": True, "Tomasz Kowalczyk": True, "Marcus Hale": False}
    assert float(demo_run["seconds"]) < 30  # type: ignore[arg-type]

    workspace = Path(str(demo_run["workspace"]))
    with open_store(workspace / "cheesecake.db") as store:
        articles = store.articles()
    promotion = next(a for a in articles if "Priya Raman" in a.title)
    assert len(promotion.feed_urls) == 2  # one story listed by two feeds, stored once
    copies = [a for a in articles if a.title.startswith("Tidewater Storage raises")]
    assert len(copies) == 2 and len({a.story for a in copies}) == 1  # syndicated: one story


def test_demo_prints_the_digest_path_under_the_temp_folder(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("Digest: ")
    digest = Path(last.removeprefix("Digest: "))
    assert digest.is_absolute() and digest.exists()
    assert digest.is_relative_to(tmp_path) and digest.parent.parent.name.startswith(
        "cheesecake-demo-"
    )
    assert "Marcus Hale — negative news (high confidence), no draft" in result.stdout
    assert "Priya Raman — new role (high confidence), draft ready" in result.stdout


def test_demo_never_writes_into_a_folder_in_use(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path)])
    assert result.exit_code == 1
    assert "not an empty folder" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_demo_says_its_sample_feeds_end_with_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # QA: `demo --keep DIR` then `cheesecake --workspace DIR run` failed every feed with
    # connection errors, and nothing had said the feeds were the demo's own server.
    keep = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--keep", str(keep)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "only while `cheesecake demo` runs" in text and "feeds add URL" in text
    assert result.stdout.strip().splitlines()[-1].startswith("Digest: ")
    toml = (keep / "feeds.toml").read_text(encoding="utf-8")
    header = toml.split("\n\n", 1)[0]
    assert header.startswith("#") and all(line.startswith("#") for line in header.splitlines())
    header = " ".join(header.replace("#", " ").split())
    assert "only while `cheesecake demo` runs" in header and "feeds add URL" in header
    assert "feeds remove" in header
