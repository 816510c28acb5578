"""Workspace, feeds.toml validation and editing, store migrations, CLI conventions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click
import pytest

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.records import NewArticle
from pipeline.starter import starter_toml
from pipeline.store import Store, migrate, open_store
from pipeline.store.migrations import MIGRATIONS
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent


def test_repository_feeds_toml_is_the_enabled_starter_list() -> None:
    text = (REPO / "feeds.toml").read_text(encoding="utf-8")
    assert text == starter_toml(enabled=True)
    config = load_config(REPO / "feeds.toml")
    assert 15 <= len(config.feeds) <= 30
    assert all(f.name and f.tags for f in config.feeds)


def test_init_writes_commented_starter_feeds(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    config = workspace.config()
    assert config.feeds == ()
    assert (workspace.root / "cheesecake.db").exists()
    assert workspace.models_dir.is_dir() and workspace.digests_dir.is_dir()
    mode = sqlite3.connect(workspace.db_path()).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_init_starter_enables_feeds(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "w"), "--starter"])
    assert result.exit_code == 0, result.output
    assert len(load_config(tmp_path / "w" / "feeds.toml").feeds) >= 15


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[settings]\nconcurency = 3\n", "line 2: unknown key 'settings.concurency'"),
        (
            "[settings]\nconcurrency = 'many'\n",
            "'settings.concurrency' must be an integer, not a string ('many')",
        ),
        ("[relevance]\nthreshold = 'high'\n", "'relevance.threshold' must be a number, not a"),
        ("[schedule]\nemail_digest = 'yes'\n", "'schedule.email_digest' must be true or false"),
        ("[schedule]\ntimezone = 1\n", "'schedule.timezone' must be a string, not an integer (1)"),
        ("[schedule]\nrun = false\n", "'schedule.run' must be a string, not false."),
        (
            "[schedule]\nrun = 2026-01-01\n",
            "'schedule.run' must be a string, not a date (2026-01-01)",
        ),
        ("[digest]\nnotable = 2.5\n", "'digest.notable' must be an integer, not a number (2.5)"),
        (
            "[[feeds]]\nurl = 'https://a.example/f'\nname = 3\n",
            "'name' of feed #1 must be a string",
        ),
        (
            "[[feeds]]\nurl = 'https://a.example/f'\ntags = 'x'\n",
            "'tags' of feed #1 must be a list",
        ),
        ("[[feeds]]\nurl = 'ftp://example.com/x'\n", "must start with http:// or https://"),
        ("[[feeds]]\nname = 'x'\n", "has no url"),
        ("[settings\n", "is not valid TOML"),
        # tomllib names no line for an error at the very end: the last line is named.
        ("[settings]\nconcurrency = 4\n\n[[feeds]]\nurl = ", "(at the end, line 5)"),
        ("[nonsense]\n", "unknown section or key 'nonsense'"),
        ("[alerts.email]\nsmtp_port = '25'\n", "'alerts.email.smtp_port' must be an integer"),
        (
            "[relevance]\nthreshold = 7\n",
            "line 2: 'relevance.threshold' must be between 0 and 1, not 7; change it or "
            "delete the line for the default (0.12).",
        ),
        ("[relevance]\nthreshold = -0.1\n", "must be between 0 and 1, not -0.1"),
        ("[relevance]\nthreshold = nan\n", "'relevance.threshold' must be a finite number"),
        ("[relevance]\nmax_age_days = 0\n", "'relevance.max_age_days' must be between 1 and"),
        ("[settings]\nconcurrency = 0\n", "'settings.concurrency' must be 1 or more, not 0"),
        ("[settings]\nper_host_delay = -1\n", "'settings.per_host_delay' must be 0 or more"),
        ("[settings]\nconnect_timeout = 0\n", "'settings.connect_timeout' must be more than 0"),
        ("[settings]\nread_timeout = inf\n", "'settings.read_timeout' must be a finite"),
        ("[digest]\nmax_suggestions = -3\n", "'digest.max_suggestions' must be 0 or more"),
        ("[digest]\ncooldown_days = 99999999999\n", "must be between 0 and 3650"),
        ("[alerts]\ngive_up_hours = -1\n", "'alerts.give_up_hours' must be between 0 and"),
        ("[alerts.email]\nsmtp_port = 70000\n", "must be between 1 and 65535, not 70000"),
        ("[schedule]\nlock_wait_seconds = -5\n", "'schedule.lock_wait_seconds' must be 0"),
    ],
)
def test_bad_feeds_toml_gets_one_sentence(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert fragment in message and str(path) in message
    assert "\n" not in message


def test_every_number_setting_has_a_range_its_default_is_in() -> None:
    from dataclasses import fields

    from pipeline.config import _SECTIONS, EmailSettings

    for section in [*_SECTIONS.values(), EmailSettings]:
        for setting in fields(section):
            if setting.type not in ("int", "float"):
                continue
            assert "range" in setting.metadata, f"{section.__name__}.{setting.name}"
            assert setting.metadata["range"].admits(setting.default), setting.name


def test_settings_at_the_ends_of_their_ranges_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        "[relevance]\nthreshold = 0\n[digest]\nmax_suggestions = 0\nnotable = 0\n"
        "[settings]\nretries = 0\nextract_workers = 0\n"
    )
    assert load_config(path).relevance.threshold == 0.0
    path.write_text("[relevance]\nthreshold = 1\n[digest]\ncooldown_days = 3650\n")
    assert load_config(path).digest.cooldown_days == 3650


def test_an_out_of_range_setting_is_a_clean_cli_error(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    workspace.config_path.write_text("[relevance]\nthreshold = 7\n")
    result = run_cli("status")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert str(workspace.config_path) in line and "'relevance.threshold'" in line


HUGE = "9" * 30  # more than SQLite's INTEGER can hold


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (("articles", "show", HUGE), 1, f"No article {HUGE}"),
        (("sent", f"m{HUGE}"), 1, f"No mention m{HUGE}"),
        (("dismiss", f"s{HUGE}"), 1, f"No suggestion s{HUGE}; see `cheesecake digest`"),
        (("dismiss", f"m{HUGE}", "--not-them"), 1, f"No mention m{HUGE}"),
        (("contacts", "show", HUGE), 1, f"No contact with id {HUGE}"),
        (("contacts", "show", "²"), 1, "No contact named '²'"),
        (("sent", "s²"), 2, "'s²' is not a suggestion or mention id"),
        (("articles", "list", "--limit", HUGE), 2, "is not in the range"),
        (("articles", "search", "x", "--limit", HUGE), 2, "is not in the range"),
    ],
)
def test_odd_ids_and_limits_get_one_sentence(run_cli, args, status: int, fragment: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*args)
    assert result.exit_code == status and "Traceback" not in result.output, result.output
    assert fragment in result.stderr


@pytest.mark.parametrize("noun", ["feeds", "contacts"])
def test_export_to_a_place_that_cannot_take_the_file(run_cli, tmp_path: Path, noun: str) -> None:  # type: ignore[no-untyped-def]
    nowhere = tmp_path / "no such folder" / "out.txt"
    result = run_cli(noun, "export", "-o", str(nowhere))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == f"Error: Cannot write {nowhere}: No such file or directory."
    folder = run_cli(noun, "export", "-o", str(tmp_path))
    assert folder.exit_code == 2 and f"'{tmp_path}' is a directory" in folder.stderr


def test_bad_config_is_a_clean_cli_error(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    workspace.config_path.write_text("[settings]\nper_host_delay = true\n")
    result = run_cli("feeds", "list")
    assert result.exit_code == 1
    assert "per_host_delay" in result.stderr and "Traceback" not in result.stderr


def test_alert_email_from_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[alerts.email]\nto = "a@example.com"\nfrom = "b@example.com"\n')
    email = load_config(path).alerts.email
    assert email is not None and email.from_ == "b@example.com"


def test_feeds_add_and_remove_keep_comments(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    path = workspace.config_path
    path.write_text(path.read_text() + "\n# my own note\n")
    assert run_cli("feeds", "add", "https://a.example/feed", "--tag", "x").exit_code == 0
    assert run_cli("feeds", "add", "https://b.example/rss", "--name", "B").exit_code == 0
    assert run_cli("feeds", "remove", "B").exit_code == 0
    text = path.read_text()
    assert "# my own note" in text and "# --- Technology ---" in text
    listed = json.loads(run_cli("feeds", "list", "--json").stdout)
    assert listed == [{"url": "https://a.example/feed", "name": None, "tags": ["x"]}]


@pytest.mark.parametrize(
    "option", [("--tag", ""), ("--tag", " "), ("--tag", "x", "--tag", ""), ("--name", "")]
)
def test_feeds_add_refuses_a_blank_tag_or_name(run_cli, workspace, option: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    before = workspace.config_path.read_text()
    result = run_cli("feeds", "add", "https://a.example/feed", *option)
    assert result.exit_code == 2 and "Traceback" not in result.output and not result.stdout
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "is blank" in message and option[-2] in message
    assert workspace.config_path.read_text() == before


def test_feeds_add_trims_its_name_and_tags(run_cli) -> None:  # type: ignore[no-untyped-def]
    added = run_cli("feeds", "add", "https://a.example/feed", "--name", " A ", "--tag", " x ")
    assert added.exit_code == 0, added.output
    listed = json.loads(run_cli("feeds", "list", "--json").stdout)
    assert listed == [{"url": "https://a.example/feed", "name": "A", "tags": ["x"]}]


def test_feeds_remove_by_url_as_typed_and_refuses_blank_or_unknown(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("feeds", "add", "https://a.example/feed").exit_code == 0
    blank = run_cli("feeds", "remove", " ")
    assert blank.exit_code == 2 and "The feed is blank" in blank.stderr
    unknown = run_cli("feeds", "remove", "nope")
    assert unknown.exit_code == 1 and "No feed 'nope'" in unknown.stderr
    assert "cheesecake feeds list" in unknown.stderr
    removed = run_cli("feeds", "remove", "HTTPS://A.example/feed#top")
    assert removed.exit_code == 0 and "Removed https://a.example/feed" in removed.stdout
    assert json.loads(run_cli("feeds", "list", "--json").stdout) == []


def test_feeds_remove_finds_a_hand_written_url_by_its_clean_form(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    # `feeds add` already calls this the same feed ("already in feeds.toml"), so
    # `feeds remove` and `articles list --feed` must find it under that URL too.
    path = workspace.config_path
    path.write_text(path.read_text() + '[[feeds]]\nurl = "HTTP://A.example/feed#top"\n')
    again = run_cli("feeds", "add", "http://a.example/feed")
    assert again.exit_code == 0 and "already in feeds.toml" in again.stdout
    assert (
        json.loads(run_cli("articles", "list", "--feed", "http://a.example/feed", "--json").stdout)
        == []
    )
    removed = run_cli("feeds", "remove", "http://a.example/feed")
    assert removed.exit_code == 0, removed.output
    assert json.loads(run_cli("feeds", "list", "--json").stdout) == []


def test_feeds_add_after_the_last_feed_was_removed(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    # Removing the only feed left `feeds = []` at the top of the file, an inline array
    # that the next `feeds add` could not append a table to ("not valid TOML").
    assert run_cli("feeds", "add", "https://a.example/feed").exit_code == 0
    assert run_cli("feeds", "remove", "https://a.example/feed").exit_code == 0
    again = run_cli("feeds", "add", "https://b.example/feed", "--name", "B")
    assert again.exit_code == 0, again.output
    listed = json.loads(run_cli("feeds", "list", "--json").stdout)
    assert listed == [{"url": "https://b.example/feed", "name": "B", "tags": []}]
    assert "# --- Technology ---" in workspace.config_path.read_text()


@pytest.mark.parametrize(
    "written", ["feeds = []\n", 'feeds = [{url = "https://a.example/feed"}]\n']
)
def test_feeds_add_to_an_inline_feeds_array(run_cli, workspace, written: str) -> None:  # type: ignore[no-untyped-def]
    # Valid TOML the settings accept, as a user may write it by hand.
    path = workspace.config_path
    path.write_text(written + path.read_text())
    added = run_cli("feeds", "add", "https://b.example/feed")
    assert added.exit_code == 0, added.output
    listed = [f["url"] for f in json.loads(run_cli("feeds", "list", "--json").stdout)]
    assert listed == [
        *(["https://a.example/feed"] if "url" in written else []),
        "https://b.example/feed",
    ]


def test_feeds_add_stores_the_cleaned_url_once(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    added = run_cli("feeds", "add", "HTTP://News.Example/feed?utm_source=nl&format=rss#top")
    assert added.exit_code == 0 and "Added http://news.example/feed?format=rss" in added.stdout
    again = run_cli("feeds", "add", "http://news.example/feed?format=rss#latest")
    assert again.exit_code == 0 and "already in feeds.toml" in again.stdout
    listed = json.loads(run_cli("feeds", "list", "--json").stdout)
    assert [f["url"] for f in listed] == ["http://news.example/feed?format=rss"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("feed://news.example/rss.xml", "https://news.example/rss.xml"),
        ("feed:https://news.example/rss.xml", "https://news.example/rss.xml"),
        ("news.example/rss.xml", "https://news.example/rss.xml"),
        ("localhost:8080/feed.xml", "http://localhost:8080/feed.xml"),
    ],
)
def test_feeds_add_suggests_the_http_url_meant(run_cli, typed: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("feeds", "add", typed)
    assert result.exit_code == 1
    assert f"must start with http:// or https:// (did you mean {meant}?)" in result.stderr


@pytest.mark.parametrize("typed", ["feed://", "feed://news example/rss", "notaurl", "a.b"])
def test_feeds_add_suggests_nothing_it_would_refuse(run_cli, typed: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("feeds", "add", typed)
    assert result.exit_code == 1
    assert "must start with http:// or https://" in result.stderr
    assert "did you mean" not in result.stderr


@pytest.mark.parametrize("under", ["", "sub"])
@pytest.mark.parametrize("command", [("status",), ("feeds", "list"), ("init",)])
def test_a_file_given_as_the_workspace_is_called_a_file(
    tmp_path: Path, under: str, command: tuple[str, ...]
) -> None:
    from click.testing import CliRunner

    file = tmp_path / "notes.txt"
    file.write_text("not a workspace")
    result = CliRunner().invoke(cli, ["--workspace", str(file / under), *command])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{file} is a file, not a folder" in result.stderr
    assert "cheesecake init" not in result.stderr  # it would fail on a file
    assert file.read_text() == "not a workspace"


@pytest.mark.parametrize("blank", ["", " "])
def test_a_blank_workspace_is_refused_not_replaced(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    # `--workspace "$DIR"` with DIR unset must not quietly work on $CHEESECAKE_HOME
    # (or the current folder) instead.
    from click.testing import CliRunner

    monkeypatch.setenv("CHEESECAKE_HOME", str(workspace.root))
    result = CliRunner().invoke(cli, ["--workspace", blank, "status", "--json"])
    assert result.exit_code == 2 and not result.stdout and "Traceback" not in result.output
    assert "--workspace" in result.stderr and "blank" in result.stderr


def test_not_a_workspace_is_explained(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "nowhere"), "status"])
    assert result.exit_code == 1
    assert "not a cheesecake workspace" in result.stderr


def test_migrations_are_ordered_named_and_idempotent(tmp_path: Path) -> None:
    names = [m.__name__ for m in MIGRATIONS]
    assert names == sorted(names) and len(set(names)) == len(names)
    store = open_store(tmp_path / "db.sqlite")
    assert migrate(store.conn) == []
    store.close()
    again = open_store(tmp_path / "db.sqlite")
    assert again.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    again.close()


def _story(n: int, text: str) -> NewArticle:
    url = f"https://n.example/story-{n}"
    return NewArticle(url=url, canonical_url=url, title=f"Story {n}", text=text, extracted=True)


def _fts_is_consistent(store: Store) -> bool:
    try:
        store.conn.execute(
            "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"
        )
    except sqlite3.DatabaseError:
        return False
    return True


def test_full_text_index_is_filled_in_bulk_and_complete_when_searched(tmp_path: Path) -> None:
    store = open_store(tmp_path / "db.sqlite")
    first, _ = store.add_article(_story(1, "Harbour cranes idle as dockworkers strike"))
    second, _ = store.add_article(_story(2, "Cocoa grinders report weaker demand"))
    assert store.conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 2
    # A search indexes what is pending first: nothing stored is ever unsearchable.
    assert [a.id for a in store.search_articles("dockworkers")] == [first]
    assert store.conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 0
    # Changing an indexed article re-indexes it; deleting one removes it.
    with store.conn:
        store.conn.execute(
            "UPDATE articles SET text = 'Cocoa grinders see demand recover' WHERE id = ?", (second,)
        )
    assert [a.id for a in store.search_articles("recover")] == [second]
    assert store.search_articles("weaker") == []
    with store.conn:
        store.conn.execute("DELETE FROM articles WHERE id = ?", (first,))
    assert store.search_articles("dockworkers") == []
    # Deleting or changing a row that was never indexed must not corrupt the index.
    third, _ = store.add_article(_story(3, "Copper smelter expands in Gdansk"))
    fourth, _ = store.add_article(_story(4, "Rubber prices slide"))
    with store.conn:
        store.conn.execute("DELETE FROM articles WHERE id = ?", (third,))
        store.conn.execute("UPDATE articles SET title = 'Rubber slides' WHERE id = ?", (fourth,))
    assert store.index_pending_text() == 1
    assert _fts_is_consistent(store)
    assert [a.id for a in store.search_articles("rubber")] == [fourth]
    store.close()


def test_articles_indexed_before_the_deferred_index_stay_searchable(tmp_path: Path) -> None:
    # A workspace from before m011: its rows were indexed by the old trigger.
    conn = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for migration in MIGRATIONS[: [m.__name__ for m in MIGRATIONS].index("m011_deferred_fts")]:
        conn.execute("BEGIN")
        migration(conn)
        conn.execute("INSERT INTO _migrations VALUES (?, '2026-01-01')", (migration.__name__,))
        conn.execute("COMMIT")
    conn.execute(
        "INSERT INTO articles (url, canonical_url, title, text, extracted, fetched_at)"
        " VALUES ('https://n.example/a', 'https://n.example/a', 'Old story',"
        " 'Tanker rates climb in the Gulf', 1, '2026-01-01T00:00:00+00:00')"
    )
    conn.close()
    store = open_store(tmp_path / "db.sqlite")
    assert store.conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 0
    assert [a.title for a in store.search_articles("tanker")] == ["Old story"]
    assert _fts_is_consistent(store)
    store.close()


def test_status_counts_what_the_listings_show(tmp_path: Path) -> None:
    # QA: a repost under a new guid made a feed's count 9 where `articles list --feed`
    # showed 8, and a mention marked as someone else was still counted.
    from pipeline.records import ContactFields, FeedSource

    store = open_store(tmp_path / "db.sqlite")
    (feed,) = store.sync_feeds((FeedSource("https://news.example/rss"),))
    url = "https://news.example/a"
    article_id, _ = store.add_article(
        NewArticle(url=url, canonical_url=url, title="A", text="Text.", extracted=True),
        feed_id=feed.id,
        entry_key="guid-1",
    )
    store.link_entry(feed.id, "guid-1-repost", article_id)
    assert store.feed_states()[0].articles == 1
    contact = store.add_contact(ContactFields(name="Ada Lindqvist"))
    mention = store.add_mention(
        contact.id, article_id, article_id, confidence="high", event="other",
        evidence="Ada Lindqvist spoke.", matched="Ada Lindqvist",
    )  # fmt: skip
    assert mention is not None and store.count_mentions() == 1
    store.set_mention_status(mention.id, "not_them")
    assert store.count_mentions() == 0
    store.close()


def test_schema_enforces_unique_canonical_url(tmp_path: Path) -> None:
    store = open_store(tmp_path / "db.sqlite")
    article = NewArticle(
        url="https://n.example/a",
        canonical_url="https://n.example/a",
        title="A",
        text="t",
        extracted=True,
    )
    first, created = store.add_article(article)
    second, created_again = store.add_article(article)
    assert created and not created_again and first == second
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO articles (url, canonical_url, fetched_at, extracted) "
            "VALUES ('x', 'https://n.example/a', '2026-01-01', 1)"
        )


def test_a_batch_commits_whole_items_and_a_failed_one_leaves_no_trace(tmp_path: Path) -> None:
    store = open_store(tmp_path / "db.sqlite")
    other = open_store(tmp_path / "db.sqlite")  # another process's view

    def article(n: int) -> NewArticle:
        url = f"https://n.example/{n}"
        return NewArticle(url=url, canonical_url=url, title=str(n), text="t", extracted=True)

    store.begin_batch()
    store.add_article(article(1), band_keys=[1])
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute(
            "INSERT INTO articles (url, canonical_url, fetched_at, extracted) "
            "VALUES ('https://n.example/2', 'https://n.example/2', '2026-01-01', 1)"
        )
        raise RuntimeError("the second item fails half-way")
    store.add_article(article(3), band_keys=[3])
    assert other.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0
    store.commit_batch()

    urls = [r[0] for r in other.conn.execute("SELECT url FROM articles ORDER BY url")]
    assert urls == ["https://n.example/1", "https://n.example/3"]
    assert other.conn.execute("SELECT COUNT(*) FROM article_band_keys").fetchone()[0] == 2
    assert not store.conn.in_transaction


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"`cheesecake {prefix}{name}` cannot be loaded"
        out.append((prefix + name, command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, prefix + name + " "))
    return out


def test_lazy_command_table_matches_the_modules() -> None:
    import importlib

    from pipeline.cli import COMMAND_TABLE, CommandEntry

    defined = {}
    for module_name in {entry.module for entry in COMMAND_TABLE.values()}:
        module = importlib.import_module(f"pipeline.cli.{module_name}")
        for command in module.COMMANDS:
            summary = (command.help or "").split("\n\n")[0]
            defined[command.name] = CommandEntry(module_name, " ".join(summary.split()))
    assert defined == COMMAND_TABLE


def test_workspace_after_the_command_says_where_it_goes(workspace: Workspace) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["fetch", "--workspace", str(workspace.root)])
    assert result.exit_code == 2
    assert "give it before the command, as in `cheesecake --workspace DIR fetch`" in result.output


def test_feeds_list_on_a_new_workspace_says_there_are_none(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("feeds", "list")
    assert result.exit_code == 0 and "No feeds yet" in result.output
    assert run_cli("feeds", "list", "--json").stdout.strip() == "[]"


def test_help_lists_commands_without_importing_them() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from pipeline.cli import cli; "
        "out = CliRunner().invoke(cli, ['--help']).output; "
        "assert 'suggest   The best articles' in out, out; "
        "print(sorted(m for m in sys.modules if m.startswith(('sklearn', 'pipeline.cli.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['pipeline.cli._app']"


def test_every_command_has_a_one_line_help() -> None:
    for name, command in _commands(cli):
        assert command.help, f"`cheesecake {name}` has no docstring"


def test_status_counts_contacts_without_a_profile(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Odile Brandt").exit_code == 0
    assert run_cli("contacts", "add", "Kwame Mensah", "--interests", "cocoa supply").exit_code == 0
    data = json.loads(run_cli("status", "--json").stdout)
    assert data["contacts"] == 2 and data["contacts_without_profile"] == 1
    assert "1 contact without interests" in run_cli("status").stdout


@pytest.mark.parametrize(
    ("noun", "add", "status"),
    [
        ("feeds", ("https://a.example/feed",), "Wrote 1 feed to"),
        ("contacts", ("Jane Doe",), "Exported 1 contact to"),
    ],
)
def test_export_data_goes_to_stdout_only_without_o(
    run_cli, tmp_path: Path, noun: str, add: tuple[str, ...], status: str
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(noun, "add", *add).exit_code == 0
    to_stdout = run_cli(noun, "export")
    assert to_stdout.exit_code == 0 and to_stdout.stdout and not to_stdout.stderr
    out = tmp_path / "export.out"
    to_file = run_cli(noun, "export", "-o", str(out))
    assert to_file.exit_code == 0 and not to_file.stdout
    assert to_file.stderr.strip() == f"{status} {out}."
    assert out.read_text(encoding="utf-8") == to_stdout.stdout


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Asia/Tokyo", "2026-03-01 18:30 JST"), ("America/Sao_Paulo", "2026-03-01 06:30 -03")],
)
def test_status_shows_the_last_run_in_the_workspace_zone(
    run_cli, workspace, zone: str, shown: str
) -> None:  # type: ignore[no-untyped-def]
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[schedule]\ntimezone = "{zone}"\n')
    store = open_store(workspace.db_path(workspace.config()))
    run_id = store.start_run("run")
    store.finish_run(run_id, {"feeds": 0})
    with store.transaction() as conn:  # a known moment: 09:30 UTC
        conn.execute("UPDATE runs SET started_at = '2026-03-01T09:30:00+00:00'")
    store.close()
    result = run_cli("status")
    assert result.exit_code == 0, result.output
    assert f"Last run: run started {shown} (ok)" in result.stdout
    as_json = json.loads(run_cli("status", "--json").stdout)
    assert as_json["last_run"]["started_at"] == "2026-03-01T09:30:00+00:00"


def test_status_words_the_last_runs_counts_with_their_nouns(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    store = open_store(workspace.db_path(workspace.config()))
    counts = ("feeds", "feeds_failed", "new_articles", "suggestions", "mentions")
    report = {**dict.fromkeys(counts, 1), "alerts_sent": 1, "alerts_failed": 1, "seconds": 0.4}
    store.finish_run(store.start_run("run"), report)
    store.close()
    result = run_cli("status")
    assert result.exit_code == 0, result.output
    assert (
        "  1 feed (1 failing), 1 new article, 1 suggestion, 1 mention, 1 alert sent, "
        "1 alert failed, 0.4 s"
    ) in result.stdout


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (("articles", "show", "-1"), 1, "No article -1; see `cheesecake articles list`"),
        (("articles", "show", "-1", "--json"), 1, "No article -1; see"),
        (("articles", "show", "--text", "-7"), 1, "No article -7; see"),
        (("articles", "show", "0"), 1, "No article 0; see `cheesecake articles list`"),
        (("contacts", "show", "-1"), 1, "No contact named '-1'"),
        (("contacts", "remove", "-1"), 1, "No contact named '-1'"),
        (("contacts", "edit", "-1", "--title", "x"), 1, "No contact named '-1'"),
        (("sent", "-1"), 2, "'-1' is not a suggestion or mention id"),
        (("dismiss", "-1"), 2, "'-1' is not a suggestion or mention id"),
    ],
)
def test_a_negative_id_is_an_unknown_id(run_cli, args, status: int, fragment: str) -> None:  # type: ignore[no-untyped-def]
    # QA: click read "-1" as an option and answered "No such option '-1'".
    result = run_cli(*args)
    assert result.exit_code == status and "Traceback" not in result.output, result.output
    assert fragment in result.stderr and "No such option" not in result.stderr


def test_a_negative_option_value_stays_with_its_option(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe").exit_code == 0
    result = run_cli("contacts", "edit", "Jane Doe", "--cooldown-days", "-5")
    assert result.exit_code == 2 and "between 0 and 3650 days, not -5" in result.stderr
    unknown = run_cli("articles", "show", "1", "--txt")
    assert unknown.exit_code == 2 and "No such option '--txt'" in unknown.stderr


def test_status_counts_one_of_a_kind_in_the_singular(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe", "--interests", "ports").exit_code == 0
    assert run_cli("feeds", "add", "https://a.example/feed").exit_code == 0
    shown = run_cli("status").stdout
    assert "0 articles, 1 contact, 0 suggestions, 0 mentions" in shown
    assert "\n1 feed:\n" in shown


def test_a_full_disk_is_one_sentence_not_a_traceback(run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # SQLite's own "database or disk is full", raised for real: the store may not grow.
    import pipeline.cli._app as app_module

    def cramped(path: Path) -> Store:
        store = open_store(path)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        return store

    monkeypatch.setattr(app_module, "open_store", cramped)
    notes = "Met at the Harbourline port logistics summit. " * 400
    result = run_cli("contacts", "add", "Marla Quennell", "--note", notes)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "database or disk is full" in line and "free some disk space" in line


@pytest.mark.parametrize(
    "args", [("fetch",), ("fetch", "--json"), ("run", "--no-digest"), ("run", "--quiet")]
)
def test_fetching_a_workspace_without_feeds_says_how_to_add_one(run_cli, args) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "No feeds to fetch yet: add one with `cheesecake feeds add URL`" in result.stderr
    if "--json" in args:
        assert json.loads(result.stdout)["feeds"] == 0  # stdout stays JSON
