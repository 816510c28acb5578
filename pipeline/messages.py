"""Drafts: the short, personal messages the user may send (or not).

This stage owns turning a suggestion or a mention into a draft (subject, body and a
`mailto:` link) through Jinja2 templates shipped in `pipeline/templates/`, which the
user can override with a file of the same name in the workspace's `templates/`. It
never sends anything, never reads the store, and never drafts a congratulation for
negative news. Several phrasings per kind rotate on how many messages the contact
was already sent, so the same person never gets the same opening twice in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from pipeline import events, mention_context
from pipeline.errors import TemplateError
from pipeline.names import fold
from pipeline.records import EVENT_LABELS, RELATED, Article, Contact, Mention
from pipeline.templating import render, shorten, template_filename

MAX_WORDS = 80
# Event kinds that get a congratulation; the other drafted kinds have their own tone.
CONGRATULATION_EVENTS = ("new_role", "award", "funding", "launch", "publication")
MENTION_DRAFT_KINDS = (*CONGRATULATION_EVENTS, "authored", "company_news", "other")
# (quote words, title words) tried in turn until the body is short enough: the quote
# gives way first, then the title; a user's template may still say more than this.
_BUDGETS = ((40, 16), (25, 16), (14, 14), (0, 14), (0, 8), (0, 4))


class SuggestionLike(Protocol):
    """What a draft needs of a suggestion (relevance may pass its own record)."""

    @property
    def id(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...
    @property
    def quote(self) -> str: ...


@dataclass(frozen=True)
class Draft:
    kind: str  # "share" or the mention's event kind
    subject: str
    body: str
    mailto: str


def share_draft(
    contact: Contact,
    article: Article,
    suggestion: SuggestionLike,
    *,
    templates_dir: Path | None = None,
    sequence: int | None = None,
) -> Draft:
    """A "thought you'd enjoy this" draft for one suggested article.

    `sequence` is how many shared articles this contact was already sent (the store's
    `sent_count`); it picks the phrasing. Without it the suggestion id is used, which
    varies but does not guarantee a different opening from the previous message.
    """
    turn = sequence if sequence is not None else suggestion.id
    context = {
        **_common(contact, article, contact.id + turn),
        "interest": interest_phrase(contact.interests, suggestion.reasons),
        "reasons": tuple(suggestion.reasons),
        "score": suggestion.score,
    }
    return _draft("share", context, suggestion.quote, contact.email, templates_dir)


def mention_draft(
    contact: Contact,
    article: Article,
    mention: Mention,
    *,
    templates_dir: Path | None = None,
    sequence: int | None = None,
) -> Draft | None:
    """A congratulation or note for a press mention; None for negative news, always.

    A `verify` mention (a bare common name) is drafted as a question, never as a fact.
    `sequence` is how many mentions of this contact were already sent (see share_draft).
    """
    if mention.event == "negative":
        return None
    kind = mention.event if mention.event in MENTION_DRAFT_KINDS else "other"
    turn = sequence if sequence is not None else mention.id
    context = {
        **_common(contact, article, contact.id + turn),
        "event": kind,
        "quoted": _is_quote(mention, article),
        "certain": mention.confidence != "verify",
        "confidence": mention.confidence,
        "evidence": _clean(mention.evidence),
        # An award still to be decided: "congratulations on the nomination", never on
        # a win the article does not report.
        "nominated": kind == "award" and _NOMINATED.search(mention.evidence) is not None,
        # Only the company the user saved: the organisation the scanner found beside
        # the name (`mention.context`) may be an investor, a client or a former
        # employer, and naming it as theirs would state what the article does not.
        "company": shorten(_clean(contact.company), 6)
        if kind != "new_role" or _new_role_there(contact.company, mention.evidence)
        else "",
    }
    return _draft(kind, context, "", contact.email, templates_dir)


# An honour in prospect: a nomination, a shortlist, "up for awards", a finalist.
_NOMINATED = re.compile(
    r"\b(?:nominat\w*|nominees?|shortlist\w*|short-listed|finalists?|in the running|"
    r"up for (?:an? |the )?(?:awards?|prizes?|honou?rs?)|contenders? for)\b",
    re.I,
)


# Words saying a company is where someone comes from, in the few words before it:
# "joins Vela Robotics from Harbourline", "formerly of Harbourline", "who left it".
_LEAVING = re.compile(
    r"\b(?:formerly|former|previously|ex|from|left|leaves|leaving|quit|quits|exits?|exited"
    r"|depart(?:s|ed|ing)?)\b\W+(?:\w+\W+){0,2}$"
)


def _new_role_there(company: str, evidence: str) -> bool:
    """Whether the news places a new role at the saved `company`: the sentence names
    it, and not as the company they come from. After a move the saved company is the
    one they left, and "your new role at" it would congratulate them on that."""
    key = mention_context.company_key(company)
    if not key:
        return False
    text = fold(evidence)
    return any(
        not _LEAVING.search(text[: found.start()])
        for found in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", text)
    )


def mention_label(mention: Mention, article: Article) -> str:
    """What the news is, in a few words: the event's label, or "quoted in the press"
    for a publication that is only the contact being quoted (see events.quoted_only)."""
    if _is_quote(mention, article):
        return "quoted in the press"
    return event_label(mention.event)


def event_label(event: str) -> str:
    """An event kind in words ("new_role" -> "new role")."""
    return EVENT_LABELS.get(event, event.replace("_", " "))


def _is_quote(mention: Mention, article: Article) -> bool:
    return mention.event == "publication" and events.quoted_only(
        mention.evidence, article.title or ""
    )


def mailto_link(to: str, subject: str, body: str) -> str:
    """An RFC 6068 `mailto:` URI: UTF-8 percent-encoded, line breaks as %0D%0A.

    An empty `to` gives `mailto:?subject=…`, which mail clients open with the
    recipient left blank, so a contact without an address still gets a usable link.
    """
    crlf = re.sub(r"\r\n|\r|\n", "\r\n", body)
    # In the address only the delimiters of the URI itself must be encoded.
    address = quote(to.strip(), safe="@!$'()*+,;=:-._~")
    return f"mailto:{address}?subject={quote(subject, safe='')}&body={quote(crlf, safe='')}"


def interest_phrase(interests: str, reasons: tuple[str, ...] | list[str]) -> str:
    """The contact's own words for why an article fits them.

    The interest phrase (from their saved interests) sharing most words with the
    suggestion's reasons, the stronger reasons weighing more; empty when none does,
    and the draft then opens without naming an interest. The reasons alone are no
    phrase to put in someone's mouth: for a contact imported with a company and a
    title only, they are that company ("your interest in vantor aerospace"), and some
    are inferred ("ships (related)").
    """
    # Reasons come strongest first: a word matching the first counts 1, the second 1/2...
    reason_words = [
        (w, 1 / rank) for rank, r in enumerate(reasons, 1) for w in _words(r.removesuffix(RELATED))
    ]
    best, best_hits = "", 0.0
    for phrase in re.split(r"[,;\n|/]+|\s+&\s+", interests):
        phrase = _clean(phrase).strip(" .")
        if not phrase:
            continue
        hits = sum(
            max((weight for r, weight in reason_words if _same_word(w, r)), default=0.0)
            for w in _words(phrase)
        )
        if hits > best_hits:
            best, best_hits = phrase, hits
    return shorten(best, 8).rstrip(" …") if best else ""


# --- rendering ------------------------------------------------------------------------


def _common(contact: Contact, article: Article, variant: int) -> dict[str, Any]:
    url = article.url or article.canonical_url
    headline = _headline(article)
    return {
        "contact": contact,
        "article": article,
        "name": _clean(contact.greeting_name),
        "full_name": _clean(contact.name),
        "full_title": headline,
        "title": shorten(headline, 16),
        "url": url,
        "site": shorten(_clean(article.site_name or "") or _host(url), 5),
        "variant": variant,
    }


def _headline(article: Article) -> str:
    """What names the article in a draft: its title. An untitled one (a feed entry
    without a title, a page with none to find) is named by the first sentence of its
    description or, failing that, of its text, as a reader would describe it: its
    address stood there before, so a draft read "Thought of you: https://…" and gave
    the link twice. The address only when there is nothing else."""
    title = _clean(article.title)
    if title:
        return title
    for text in (article.description, article.text, article.summary):
        cleaned = _clean(text)
        spans = mention_context.sentence_spans(cleaned)
        if spans:
            start, end = spans[0]
            return cleaned[start:end]
    return article.url or article.canonical_url


def _draft(
    kind: str, context: dict[str, Any], quote_text: str, email: str, templates_dir: Path | None
) -> Draft:
    """Render kind.txt, shortening quote and title until the body is under MAX_WORDS."""
    name = f"{kind}.txt"
    subject = body = ""
    quote_words = _clean(quote_text)
    for quote_budget, title_budget in _BUDGETS:
        context["quote"] = shorten(quote_words, quote_budget) if quote_budget else ""
        context["title"] = shorten(context["full_title"], title_budget)
        text = render(name, context, templates_dir)
        subject, body = _split_subject(template_filename(name, templates_dir), text)
        if len(body.split()) < MAX_WORDS:
            break
    return Draft(kind=kind, subject=subject, body=body, mailto=mailto_link(email, subject, body))


def _split_subject(name: str, text: str) -> tuple[str, str]:
    first, _, rest = text.lstrip().partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateError(
            f"Template {name} must start with a 'Subject: …' line followed by the body; add one."
        )
    body = re.sub(r"\n{3,}", "\n\n", rest.strip("\n"))
    body = "\n".join(line.rstrip() for line in body.splitlines())
    subject = _clean(first[len("subject:") :])
    return _one_stop(subject), _one_stop(body.strip())


# A template's full stop after a name or title that ends a sentence itself: "at
# Quillfeather Ltd.. That's", "your piece on Is gold overvalued?. Thanks". An
# ellipsis ("...") keeps its dots, and a stop inside a URL is not at a word's end.
_SECOND_STOP = re.compile(r"(?<=[.?!…])(?<!\.\.)\.(?=\s|$)")


def _one_stop(text: str) -> str:
    return _SECOND_STOP.sub("", text)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.casefold()) if len(w) > 2]


def _same_word(a: str, b: str) -> bool:
    """Equal, or one a stem of the other ("logistic"/"logistics", "invest"/"investing")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short)
