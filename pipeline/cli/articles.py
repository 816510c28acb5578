"""`articles list/show/search`: what was ingested, and full-text search over it."""

from __future__ import annotations

from typing import Any

import click

from pipeline.cli._app import App, NegativeIds, emit_json, local_time, parse_date, pass_app
from pipeline.config import find_feed, time_zone
from pipeline.errors import UsageError
from pipeline.records import Article, FeedSource
from pipeline.store import Store

# SQL's LIMIT takes nothing larger than SQLite's biggest integer.
_LIMIT = click.IntRange(min=1, max=2**63 - 1)


@click.group()
def articles() -> None:
    """Browse and search the stored articles."""


def _row(article: Article) -> dict[str, Any]:
    """The `articles list --json` contract; more fields may be added, none renamed."""
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "feed_url": article.feed_urls[0] if article.feed_urls else None,
        "published": article.published,
        "author": article.author,
        "extracted": article.extracted,
    }


def _detail(article: Article, with_text: bool) -> dict[str, Any]:
    data = {
        **_row(article),
        "canonical_url": article.canonical_url,
        "feed_urls": list(article.feed_urls),
        "fetched_at": article.fetched_at,
        "site_name": article.site_name,
        "description": article.description,
        "language": article.language,
        "summary": article.summary,
        "extract_error": article.extract_error,
        "story_id": article.story,
    }
    if with_text:
        data["text"] = article.text
    return data


def _print_rows(app: App, rows: list[Article]) -> None:
    zone = time_zone(app.config())  # the day where the user is, as `--since` reads it
    for article in rows:
        when = (article.published or article.fetched_at).astimezone(zone).strftime("%Y-%m-%d")
        note = "" if article.extracted else "  (feed summary only)"
        click.echo(f"{article.id:>6}  {when}  {article.title}{note}")
        click.echo(f"{'':>6}  {'':>10}  {article.url}")
    if not rows:
        click.echo("No articles.", err=True)


@articles.command("list")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE.")
@click.option(
    "--feed", "feed_url", metavar="URL", help="Only articles from this feed (its URL or name)."
)
@click.option("--limit", type=_LIMIT, help="At most N articles.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_(
    app: App, since: str | None, feed_url: str | None, limit: int | None, as_json: bool
) -> None:
    """List stored articles, newest first."""
    store = app.store()
    if feed_url is not None:
        # A feed removed from feeds.toml keeps its articles, so it may still be named.
        kept = (FeedSource(url=s.url, name=s.name) for s in store.feed_states())
        feed_url = find_feed((*app.config().feeds, *kept), feed_url).url
    rows = store.articles(since=parse_date(app, since), feed_url=feed_url, limit=limit)
    if as_json:
        emit_json([_row(a) for a in rows])
    else:
        _print_rows(app, rows)


@articles.command("show", cls=NegativeIds)
@click.argument("article_id", metavar="ID", type=int)
@click.option("--text", "with_text", is_flag=True, help="Include the article's full text.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show(app: App, article_id: int, with_text: bool, as_json: bool) -> None:
    """Show one article's metadata (and its text with --text)."""
    article = app.store().article(article_id)
    if as_json:
        emit_json(_detail(article, with_text))
        return
    click.echo(article.title)
    click.echo(article.url)
    if article.canonical_url != article.url:
        click.echo(f"canonical: {article.canonical_url}")
    details = [
        ("published", local_time(app, article.published) if article.published else None),
        ("author", article.author),
        ("site", article.site_name),
        ("language", article.language),
        ("feeds", ", ".join(article.feed_urls) or None),
        ("fetched", local_time(app, article.fetched_at)),
        ("text", "extracted from the page" if article.extracted else "feed summary only"),
        ("why", article.extract_error),
    ]
    for label, value in details:
        if value:
            click.echo(f"{label + ':':<11}{value}")
    if with_text:
        click.echo()
        click.echo(article.text)


def _search(store: Store, query: str, limit: int | None) -> list[Article]:
    """FTS5 syntax when it parses; otherwise each word taken literally.

    A user typing `cold-chain` or `AT&T` means those words, not FTS5 operators, and
    `hiring -ai` means hiring without AI, as in a web search.
    """
    if not query.strip():
        raise UsageError('Give words to search for, e.g. `articles search "cold chain"`.')
    try:
        return store.search_articles(query, limit=limit)
    except UsageError:
        literal = _literal_query(query)
        if literal is None:
            raise
        return store.search_articles(literal, limit=limit)


def _literal_query(query: str) -> str | None:
    """Every word as a quoted FTS5 string, a leading "-" excluding the word; None when
    nothing is left to look for."""
    wanted, unwanted = [], []
    for word in query.split():
        if word.startswith("-") and word.strip("-"):
            unwanted.append(_quoted(word.lstrip("-")))
        else:
            wanted.append(_quoted(word))
    if not wanted:
        return None
    return " ".join(wanted) + "".join(f" NOT {word}" for word in unwanted)


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


@articles.command("search")
@click.argument("query")
@click.option("--limit", type=_LIMIT, help="At most N articles.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def search(app: App, query: str, limit: int | None, as_json: bool) -> None:
    """Full-text search over titles and text, best match first."""
    rows = _search(app.store(), query, limit)
    if as_json:
        emit_json([_row(a) for a in rows])
    else:
        _print_rows(app, rows)


COMMANDS: list[click.Command] = [articles]
