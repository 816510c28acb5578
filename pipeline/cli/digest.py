"""`digest`: write the day's Markdown and HTML digest and print where it went."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from pipeline.alerts import send_digest
from pipeline.cli._app import App, emit_json, pass_app
from pipeline.digest import DigestResult, digest_day, write_digest

_FIRST_DAY = date(1970, 1, 1)


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD.") from None


@click.command()
@click.option(
    "--date",
    "day",
    callback=_parse_day,
    metavar="YYYY-MM-DD",
    help="Today (the default) or an earlier day.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--send", is_flag=True, help="Also e-mail it through [alerts.email] in feeds.toml.")
@pass_app
def digest(app: App, day: date | None, as_json: bool, send: bool) -> None:
    """Write digests/YYYY-MM-DD.md and .html (and the index and feed); print their paths."""
    config = app.config()
    today = digest_day(config)
    if day is not None and day < _FIRST_DAY:
        # A typo ("0026-11-27"): there is no news to file under it, and its look-back
        # windows would run off the calendar.
        raise click.BadParameter(
            f"{day} is too long ago; give a day since {_FIRST_DAY.year}, such as today ({today}).",
            param_hint="'--date'",
        )
    if day is not None and day > today:
        # Its suggestions and mentions are not known yet: it could only come out empty.
        raise click.BadParameter(
            f"{day} is after today ({today}); a digest covers a day that has begun, so give "
            "today's date or an earlier one.",
            param_hint="'--date'",
        )
    result = write_digest(app.store(), config, app.workspace, day=day or today)
    emailed_to = None
    if send:
        emailed_to = send_digest(
            config, day=result.day, markdown_path=result.markdown, html_path=result.html
        )
    if as_json:
        emit_json(
            {**result_json(result), "emailed_to": emailed_to} if send else result_json(result)
        )
        return
    for path in result.paths:
        click.echo(str(path.resolve()))
    if emailed_to:
        click.echo(f"E-mailed the digest to {emailed_to}.", err=True)


def result_json(result: DigestResult) -> dict[str, Any]:
    """The digest as `--json` prints it: paths, then every item with its draft."""
    digest = result.digest
    return {
        "date": result.day,
        "markdown": str(result.markdown.resolve()),
        "html": str(result.html.resolve()),
        "index": str(result.index.resolve()),
        "feed": str(result.feed.resolve()),
        "empty": digest.empty,
        "reason": digest.quiet or None,
        "mentions": [
            {
                "id": item.mention.public_id,
                "contact": item.contact.name,
                "contact_id": item.contact.id,
                "article_url": item.article.url,
                "title": item.article.title,
                "confidence": item.mention.confidence,
                "event": item.mention.event,
                "evidence": item.mention.evidence,
                "draft": item.draft.body if item.draft else None,
                "mailto": item.draft.mailto if item.draft else None,
            }
            for item in digest.news
        ],
        "suggestions": [
            {
                "id": item.suggestion.public_id,
                "contact": item.contact.name,
                "contact_id": item.contact.id,
                "article_url": item.article.url,
                "title": item.article.title,
                "score": item.suggestion.score,
                "reasons": item.suggestion.reasons,
                "quote": item.suggestion.quote,
                "subject": item.draft.subject,
                "draft": item.draft.body,
                "mailto": item.draft.mailto,
            }
            for item in digest.shares
        ],
        "notable": [
            {"tag": tag, "article_url": item.article.url, "title": item.article.title}
            for tag, items in digest.notable
            for item in items
        ],
    }


COMMANDS: list[click.Command] = [digest]
