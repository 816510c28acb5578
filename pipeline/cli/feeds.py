"""`feeds add/list/remove/import/export`: the feed list in feeds.toml."""

from __future__ import annotations

import click

from pipeline import config as config_module
from pipeline.cli._app import App, emit_json, pass_app
from pipeline.records import FeedSource


@click.group()
def feeds() -> None:
    """Manage the feeds in feeds.toml (comments and ordering are kept)."""


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="A display name.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@pass_app
def add(app: App, url: str, name: str | None, tags: tuple[str, ...]) -> None:
    """Add a feed by URL."""
    path = app.workspace.config()
    added = config_module.add_feeds(path.path, [FeedSource(url=url, name=name, tags=tags)])
    click.echo(f"Added {url}" if added else f"{url} is already in feeds.toml")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """List the configured feeds."""
    sources = app.config().feeds
    if as_json:
        emit_json([{"url": s.url, "name": s.name, "tags": s.tags} for s in sources])
        return
    for source in sources:
        tags = f"  [{', '.join(source.tags)}]" if source.tags else ""
        click.echo(f"{source.url}  {source.name or ''}{tags}".rstrip())


@feeds.command("remove")
@click.argument("url_or_name")
@pass_app
def remove(app: App, url_or_name: str) -> None:
    """Remove a feed by URL or name (its stored articles are kept)."""
    removed = config_module.remove_feed(app.workspace.config().path, url_or_name)
    click.echo(f"Removed {removed.url}")


COMMANDS: list[click.Command] = [feeds]
