"""`mentions`: press mentions of contacts, newest first, with evidence and a draft."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from pipeline.cli._app import App, emit_json, parse_date, pass_app
from pipeline.records import Article, Contact, Mention
from pipeline.templating import quoted


def _draft(app: App, contact: Contact, article: Article, mention: Mention) -> Any:
    from pipeline.messages import mention_draft

    # Phrased as the digest phrases it (the turn is how many mentions they were sent).
    turn = app.store().sent_count(contact.id, kind="mention")
    return mention_draft(
        contact, article, mention, templates_dir=app.workspace.templates_dir, sequence=turn
    )


@click.command()
@click.option(
    "--since", metavar="DATE", help="Only mentions in articles published on or after DATE."
)
@click.option("--contact", "name", metavar="NAME", help="Only this contact (name, alias or id).")
@click.option("--limit", type=click.IntRange(min=1), help="At most N mentions, the newest.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def mentions(
    app: App, since: str | None, name: str | None, limit: int | None, as_json: bool
) -> None:
    """Press mentions of your contacts, newest first, with evidence and a draft."""
    since_at = parse_date(app, since)
    store = app.store()
    chosen = store.find_contact(name) if name is not None else None
    contact_id = chosen.id if chosen is not None else None
    found = [
        m
        for m in store.mentions(since=since_at, contact_id=contact_id)
        if m.status != "not_them"  # the user said it was someone else
    ][:limit]
    contacts: dict[int, Contact] = {}
    articles: dict[int, Article] = {}
    rows = []
    for mention in found:
        contact = contacts.get(mention.contact_id) or store.contact(mention.contact_id)
        article = articles.get(mention.article_id) or store.article(mention.article_id)
        contacts[contact.id], articles[article.id] = contact, article
        rows.append((mention, contact, article, _draft(app, contact, article, mention)))
    if as_json:
        emit_json(
            [
                {
                    "id": mention.public_id,
                    "contact": contact.name,
                    "contact_id": contact.id,
                    "article_url": article.url,
                    "title": article.title,
                    "confidence": mention.confidence,
                    "event": mention.event,
                    "evidence": mention.evidence,
                    "draft": draft.body if draft else None,
                    "subject": draft.subject if draft else None,
                    "mailto": draft.mailto if draft else None,
                    "matched": mention.matched,
                    "salience": mention.salience,
                    "context": mention.context,
                    "status": mention.status,
                    "published": article.published,
                    "found_at": mention.created_at,
                }
                for mention, contact, article, draft in rows
            ]
        )
        return
    if not rows and (chosen is not None or since is not None):
        of = f" of {chosen.name}" if chosen is not None else ""
        click.echo(f"No mentions{of}" + (f" since {since}" if since is not None else "") + ".")
        return
    if not rows:
        click.echo("No mentions yet; `cheesecake match` scans new articles for your contacts.")
        return
    for mention, contact, article, draft in rows:
        flag = " NEGATIVE: no congratulation" if mention.event == "negative" else ""
        click.echo(
            f"{mention.public_id}  {contact.name}  [{mention.event}, {mention.confidence}]{flag}"
        )
        click.echo(f"    {article.title}")
        click.echo(f"    {article.url}")
        click.echo(f"    {quoted(mention.evidence)}")
        if draft is not None:
            click.echo("    draft:")
            click.echo(textwrap.indent(draft.body, "      "))
        click.echo()


COMMANDS: list[click.Command] = [mentions]
