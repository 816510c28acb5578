"""`match`, `suggest`, `sent` and `dismiss`: relevance and the user's feedback on it."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from pipeline import relevance
from pipeline.cli._app import App, NegativeIds, counted, emit_json, pass_app
from pipeline.errors import UsageError
from pipeline.mentions import scan_new_articles
from pipeline.records import MENTION_PREFIX, SUGGESTION_PREFIX, Mention, Suggestion
from pipeline.store import Store
from pipeline.store._base import utcnow
from pipeline.templating import quoted


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def match(app: App, as_json: bool) -> None:
    """Score new articles against contacts (suggestions) and scan them for press mentions."""
    store, config = app.store(), app.config()
    # Mentions first: a story naming a contact is never also suggested to them.
    mentions = len(scan_new_articles(store))
    report = relevance.match_articles(store, config, app.workspace.models_dir)
    data: dict[str, Any] = {**dataclasses.asdict(report), "mentions": mentions}
    if as_json:
        emit_json(data)
        return
    scored = counted(report.articles, "new article")
    click.echo(
        f"Scored {scored} for {counted(report.contacts, 'contact')}: "
        f"{counted(report.suggestions, 'new suggestion')} ({report.seconds:.1f}s), "
        f"{counted(mentions, 'new press mention')} (see `cheesecake mentions`)."
    )
    if report.refitted:
        click.echo(f"Refitted the relevance model ({report.refitted}).")
    if report.without_profile:
        click.echo(
            f"{counted(report.without_profile, 'contact')} without interests, title or notes "
            "to match on (mentions only); add some with `cheesecake contacts edit`."
        )


@click.command()
@click.option("--contact", "name", required=True, help="Contact name, alias, e-mail or id.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def suggest(app: App, name: str, limit: int, as_json: bool) -> None:
    """The best articles to send one contact now, with reasons and a draft."""
    from pipeline.messages import share_draft

    store, config = app.store(), app.config()
    contact = store.find_contact(name)
    # A contact added since the last run is looked for in the news first, so a story
    # naming them is known as such (a mention), never offered as reading to them.
    scan_new_articles(store)
    ranked = relevance.suggest_for(store, config, app.workspace.models_dir, contact, limit=limit)
    items = []
    turn = store.sent_count(contact.id, kind="share")  # phrased as the digest phrases it
    for item in ranked:
        draft = share_draft(
            contact, item.article, item, templates_dir=app.workspace.templates_dir, sequence=turn
        )
        items.append((item, draft))
    if as_json:
        emit_json(
            [
                {
                    "id": item.public_id,
                    "contact": contact.name,
                    "contact_id": contact.id,
                    "article_url": item.article.url,
                    "title": item.article.title,
                    "score": item.score,
                    "weak": item.weak,
                    "fresh": item.fresh,
                    "published": item.article.published,
                    "reasons": list(item.reasons),
                    "quote": item.quote,
                    "draft": draft.body,
                    "subject": draft.subject,
                    "mailto": draft.mailto,
                }
                for item, draft in items
            ]
        )
        return
    if not ranked:
        if not relevance.profiles.has_profile_text(contact):
            click.echo(
                f"{contact.name} has no interests, title or notes to match on; add some with "
                f"`cheesecake contacts edit`."
            )
        elif store.count_articles() == 0:
            click.echo("No articles to suggest yet; run `cheesecake fetch` first.")
        else:
            days = config.relevance.window_days
            click.echo(
                f"No article of the last {days} days is left to suggest to {contact.name}: "
                "none shares a word with their interests, title or notes, or you already "
                "sent or dismissed it (news naming them is under `cheesecake mentions`)."
            )
        return
    if not any(item.fresh and not item.weak for item in ranked):
        click.echo(
            f"No fresh article fits {contact.name} well: older and weaker matches follow.", err=True
        )
    elif any(not item.fresh for item in ranked):
        click.echo("Few fresh articles fit: older ones are included (marked 'older').", err=True)
    for n, (item, _draft) in enumerate(items, 1):
        marks = [m for m, on in (("weak", item.weak), ("older", not item.fresh)) if on]
        suffix = f" [{', '.join(marks)}]" if marks else ""
        click.echo(f"{n:>2}. {item.public_id}  {item.score:.2f}{suffix}  {item.article.title}")
        click.echo(f"      {item.article.url}")
        if item.reasons:
            click.echo(f"      why: {', '.join(item.reasons)}")
        if item.quote:
            click.echo(f"      {quoted(item.quote)}")
    click.echo(f"\nDraft for {items[0][0].public_id}:\n{items[0][1].subject}\n\n{items[0][1].body}")


def _parse_id(value: str) -> tuple[str, int]:
    """`s12` -> ("s", 12), `m7` -> ("m", 7); anything else is a usage error."""
    text = value.strip().lower()
    prefix, digits = text[:1], text[1:]
    if prefix in (SUGGESTION_PREFIX, MENTION_PREFIX) and digits.isdecimal():
        return prefix, int(digits)
    raise UsageError(
        f"{value!r} is not a suggestion or mention id; use the id as listed, "
        f"e.g. {SUGGESTION_PREFIX}12 (suggestion) or {MENTION_PREFIX}7 (mention)."
    )


@click.command(cls=NegativeIds)
@click.argument("item_id", metavar="ID")
@pass_app
def sent(app: App, item_id: str) -> None:
    """Record that you sent a suggestion or a mention's message (starts the cooldown)."""
    kind, number = _parse_id(item_id)
    store = app.store()
    item = _item(store, kind, number)
    contact = store.contact(item.contact_id)
    if item.status == "sent":  # again: the cooldown keeps counting from the first time
        click.echo(f"{item_id} was already marked as sent to {contact.name}.")
        return
    if kind == SUGGESTION_PREFIX:
        store.set_suggestion_status(number, "sent")
    else:
        store.set_mention_status(number, "sent")
        store.set_last_contacted(item.contact_id, utcnow())
    click.echo(f"Marked {item_id} as sent to {contact.name}{_instead(item.status)}.")


@click.command(cls=NegativeIds)
@click.argument("item_id", metavar="ID")
@click.option(
    "--not-them", is_flag=True, help="A mention of someone else with the same name (mentions)."
)
@pass_app
def dismiss(app: App, item_id: str, not_them: bool) -> None:
    """Dismiss a suggestion (less like this) or a mention (--not-them: wrong person)."""
    kind, number = _parse_id(item_id)
    store = app.store()
    if not_them:
        if kind == SUGGESTION_PREFIX:
            raise UsageError("--not-them applies to mentions (m…), not to suggestions.")
        from pipeline.mentions import mark_not_them

        was = _item(store, kind, number).status
        if was == "not_them":
            click.echo(f"{item_id} was already marked as someone else.")
            return
        mark_not_them(store, number)
        click.echo(
            f"Marked {item_id} as someone else{_instead(was)}: such mentions will not be reported."
        )
        return
    was = _item(store, kind, number).status
    if was == "dismissed":
        click.echo(f"{item_id} was already dismissed.")
        return
    if kind == SUGGESTION_PREFIX:
        store.set_suggestion_status(number, "dismissed")
        click.echo(
            f"Dismissed {item_id}{_instead(was)}: similar articles will rank lower for this "
            "contact."
        )
    else:
        store.set_mention_status(number, "dismissed")
        click.echo(f"Dismissed {item_id}{_instead(was)}.")


def _item(store: Store, kind: str, number: int) -> Suggestion | Mention:
    """The suggestion or mention an id names (NotFoundError for an unknown one)."""
    return store.suggestion(number) if kind == SUGGESTION_PREFIX else store.mention(number)


def _instead(was: str) -> str:
    """ " (it was marked dismissed)": said when a command changes an earlier answer."""
    labels = {"sent": "sent", "dismissed": "dismissed", "not_them": "as someone else"}
    return f" (it was marked {labels[was]})" if was in labels else ""


COMMANDS: list[click.Command] = [match, suggest, sent, dismiss]
