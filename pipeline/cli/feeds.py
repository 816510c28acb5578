"""`feeds add/list/remove/import/export`: the feed list in feeds.toml."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline import config as config_module
from pipeline.cli._app import App, counted, emit_json, pass_app
from pipeline.opml import read_opml, save_opml, write_opml
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
    click.echo(f"Added {added[0].url}" if added else f"{url} is already in feeds.toml")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """List the configured feeds."""
    sources = app.config().feeds
    if as_json:
        emit_json([{"url": s.url, "name": s.name, "tags": s.tags} for s in sources])
        return
    if not sources:
        click.echo("No feeds yet; add one with `cheesecake feeds add URL`.", err=True)
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


@feeds.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@pass_app
def import_(app: App, file: Path) -> None:
    """Add the feeds of an OPML file (folders and categories become tags)."""
    sources = read_opml(file)
    added = config_module.add_feeds(app.workspace.config_path, sources)
    skipped = len(sources) - len(added)
    already = f" ({skipped} already in feeds.toml)" if skipped else ""
    click.echo(f"Imported {len(added)} of {len(sources)} feeds from {file}{already}")


@feeds.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@pass_app
def export(app: App, output: Path | None) -> None:
    """Write the feed list as OPML 2.0 (to stdout, or -o FILE)."""
    sources = app.config().feeds
    if output is None:
        click.echo(write_opml(sources), nl=False)
        return
    save_opml(output, sources)
    click.echo(f"Wrote {counted(len(sources), 'feed')} to {output}.", err=True)


COMMANDS: list[click.Command] = [feeds]
