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
from pipeline.store import migrate, open_store
from pipeline.store.migrations import MIGRATIONS

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
        ("[settings]\nconcurrency = 'many'\n", "'settings.concurrency' must be a int"),
        ("[[feeds]]\nurl = 'ftp://example.com/x'\n", "must start with http:// or https://"),
        ("[[feeds]]\nname = 'x'\n", "has no url"),
        ("[settings\n", "is not valid TOML"),
        ("[nonsense]\n", "unknown section or key 'nonsense'"),
        ("[alerts.email]\nsmtp_port = '25'\n", "'alerts.email.smtp_port' must be a int"),
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

    from pipeline.cli import COMMAND_MODULES

    defined = {}
    for module_name in set(COMMAND_MODULES.values()):
        module = importlib.import_module(f"pipeline.cli.{module_name}")
        defined.update({c.name: module_name for c in module.COMMANDS})
    assert defined == COMMAND_MODULES


def test_every_command_has_a_one_line_help() -> None:
    for name, command in _commands(cli):
        assert command.help, f"`cheesecake {name}` has no docstring"


def test_status_counts_contacts_without_a_profile(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Odile Brandt").exit_code == 0
    assert run_cli("contacts", "add", "Kwame Mensah", "--interests", "cocoa supply").exit_code == 0
    data = json.loads(run_cli("status", "--json").stdout)
    assert data["contacts"] == 2 and data["contacts_without_profile"] == 1
    assert "1 contacts have no interests" in run_cli("status").stdout
