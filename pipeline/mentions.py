"""Press mentions: find saved contacts named in new articles, say how sure and what news.

Owns the scan: the name index (`pipeline.name_index`, rebuilt only when contacts
change) runs once over each new article, so the cost is linear in the text
whatever the number of contacts; a surname alone never matches, it only adds
salience after a full-name mention. Confidence follows the evidence (company, title
or e-mail domain near the name; name frequency; bylines; another company beside the
name), the event kind comes from `pipeline.events`, and `--not-them` feedback
suppresses similar mentions afterwards. Drafting messages and sending alerts belong
to other stages.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline import events
from pipeline.bylines import author_names
from pipeline.mention_context import (
    BESIDE,
    BYLINE,
    REPORTED,
    SPEAKING,
    Document,
    block_kind,
    company_key,
    context_terms,
    document_text,
    line_span,
    names_a_thing,
    nearby_organisation,
    role_in_sentence,
    same_company,
    title_cased,
)
from pipeline.name_index import Hit, MentionIndex
from pipeline.names import (
    DERIVED,
    fold,
    is_common_name,
    name_parts,
    other_first_names,
    surname_keys,
    word_set,
)
from pipeline.records import Article, Contact, Mention
from pipeline.store import Store

BATCH = 200
# A contact added today is looked for in the news stored over this many days: the
# press a user would still want to hear about, and a bounded scan.
CATCH_UP_DAYS = 30
NEAR_CHARS = 300  # company within this distance of the name (or in its paragraph) is "near"
EVIDENCE_CHARS = 400
# Webmail domains say nothing about where someone works.
_FREEMAIL = word_set(
    "gmail.com googlemail.com yahoo.com outlook.com hotmail.com live.com msn.com "
    "icloud.com me.com aol.com proton.me protonmail.com gmx.com gmx.de mail.com "
    "yandex.com qq.com 163.com fastmail.com hey.com"
)

_WORD_AT = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class Found:
    """A mention worked out for one contact in one article, before it is stored."""

    contact_id: int
    confidence: str
    event: str
    evidence: str
    matched: str
    salience: int
    context: str  # organisation named beside the person, if any
    terms: tuple[str, ...]  # distinctive words around the mention (not-them suppression)
    own_company: bool  # the contact's own company is evidenced in the article


@dataclass(frozen=True)
class Signals:
    """What an article says about who a matched name is (for `confidence_of`)."""

    in_story: bool  # named in the headline or story text (not only a byline or footer)
    title_case_only: bool  # named only in a headline that capitalises every word
    named_after: bool  # every time as the name of a thing ("the Jane Doe Prize")
    as_words: bool  # the article also writes the name in lower case ("will bank on")
    author_only: bool  # found only in the author metadata
    common: bool  # first and last name both frequent (Census)
    derived: bool  # matched only through a nickname or one of two surnames
    shared: bool  # the spelling names several saved contacts
    company_anywhere: bool  # their company (or e-mail domain) appears in the article
    company_near: bool  # ... within NEAR_CHARS of the name or in its paragraph
    front_with_company: bool  # named in the headline or lead, and the company there too
    title_near: bool  # their job title in a sentence naming them
    other_company: bool  # the name sits beside another organisation, theirs absent
    own_site: bool  # the article is on their company's own site


def confidence_of(signals: Signals) -> str:
    """high, medium or verify: how sure we are the named person is the contact.

    A false "congratulations" to the wrong person is the costly mistake, so anything
    that makes the identification doubtful (a common name alone, a spelling shared
    by several contacts, a byline only, another company beside the name, a nickname
    guess without corroboration) is "verify", never asserted.
    """
    s = signals
    if s.author_only:
        if s.shared:
            return "verify"
        if s.company_anywhere or s.own_site:
            return "high"
        return "verify" if (s.common or s.derived) else "medium"
    if not s.in_story or s.shared or s.other_company:
        return "verify"
    if (s.title_case_only or s.named_after or s.as_words) and not (
        s.company_anywhere or s.own_site
    ):
        # "Rose Gold Watches Surge": the capitals may be the headline's; "the Jane Doe
        # Prize" is named after someone, maybe the contact, and won by someone else;
        # "investors will bank on" says "Will Bank" may be words at a sentence start.
        return "verify"
    if s.company_near or s.front_with_company:
        return "medium" if s.derived and not s.company_near else "high"
    if s.company_anywhere:
        return "medium" if s.derived else "high"
    if s.title_near:
        return "medium" if (s.derived or s.common) else "high"
    return "verify" if (s.common or s.derived) else "medium"


@dataclass(frozen=True)
class NotThemRule:
    contact_id: int
    context: str
    terms: tuple[str, ...]


def _company_keys(contact: Contact) -> list[str]:
    keys = [k for k in dict.fromkeys((company_key(contact.company), fold(contact.company))) if k]
    return [k for k in keys if len(k) >= 2]


def _domain_keys(contact: Contact) -> list[str]:
    domains = (email.rpartition("@")[2].lower() for email in contact.emails)
    return [d for d in dict.fromkeys(domains) if d and d not in _FREEMAIL]


def _title_key(contact: Contact) -> str:
    """The contact's title when specific enough to be evidence ("VP Engineering", "CTO")."""
    title = fold(contact.title)
    if len(title.split()) >= 2 or (len(title) >= 3 and contact.title.strip().isupper()):
        return title
    return ""


def _own_words(contact: Contact) -> set[str]:
    parts = name_parts(contact)
    words = {
        w for part in (parts.first, parts.middle, parts.last, parts.nickname) for w in part.split()
    }
    words.update(other_first_names(parts.first) if parts.first else ())
    return {w.strip(".") for w in words}


def _word_end(text: str, at: int) -> int:
    """Where the word starting at `at` ends (a surname found on its own)."""
    found = _WORD_AT.match(text, at)
    return found.end() if found else at


def _written_as_words(doc: Document, keys: set[str]) -> bool:
    """Whether the article also writes one of these names in lower case ("will bank").

    Only a lower-case first word counts: "Umar said" is the name Umar Said's first
    name and a verb, not the name written as words; "van Boxmeer" is a name.
    """
    for key in keys:
        names = set(doc.find(key))
        if any(doc.text[at].islower() and at not in names for at in doc.find(key, cased=False)):
            return True
    return False


def _trim(sentence: str, around: str) -> str:
    if len(sentence) <= EVIDENCE_CHARS:
        return sentence
    at = max(0, sentence.find(around) - EVIDENCE_CHARS // 2)
    piece = sentence[at : at + EVIDENCE_CHARS].strip()
    return ("…" if at else "") + piece + "…"


def analyse(
    article: Article,
    index: MentionIndex,
    *,
    hits: list[Hit] | None = None,
    author_hits: list[Hit] | None = None,
) -> list[Found]:
    """Every contact mentioned in (or author of) one article, with confidence and event.

    `hits` and `author_hits` are the index's matches in `document_text(article)` and
    in its author metadata, when the caller already scanned a batch.
    """
    doc = Document.of(article)
    if hits is None:
        hits = index.hits(doc.text)
    if author_hits is None:
        byline = author_names(article.author or "")
        author_hits = index.hits(byline) if byline else []
    by_contact: dict[int, list[Hit]] = {}
    for hit in hits:
        by_contact.setdefault(hit.contact_id, []).append(hit)
    authors: dict[int, list[Hit]] = {}
    for hit in author_hits:
        authors.setdefault(hit.contact_id, []).append(hit)
    found = []
    for contact_id in dict.fromkeys([*by_contact, *authors]):
        contact = index.contacts[contact_id]
        found.append(
            _mention_of(
                contact, by_contact.get(contact_id, []), authors.get(contact_id, []), doc, article
            )
        )
    return found


def scan(articles: Sequence[Article], index: MentionIndex) -> list[list[Found]]:
    """`analyse` for a batch: names found in one pass over all of it, analysis only
    where something was found."""
    texts = [document_text(a) for a in articles]
    bylines = [author_names(a.author or "") for a in articles]
    hits = index.hits_many(texts)
    author_hits = index.hits_many(bylines) if any(bylines) else [[] for _ in articles]
    return [
        analyse(article, index, hits=found, author_hits=by) if found or by else []
        for article, found, by in zip(articles, hits, author_hits, strict=True)
    ]


def _mention_of(
    contact: Contact, hits: list[Hit], author_hits: list[Hit], doc: Document, article: Article
) -> Found:
    text = doc.text
    in_story: list[Hit] = []
    block_kinds: set[str] = set()
    for hit in hits:
        if hit.start < doc.headline_end:
            in_story.append(hit)
            continue
        line_start, line_end = line_span(text, hit.start)
        kind = block_kind(text[line_start:line_end], text[hit.start : hit.end])
        if kind is None:
            in_story.append(hit)
        else:
            block_kinds.add(kind)
    authored = bool(author_hits) or (not in_story and BYLINE in block_kinds)
    considered = in_story or hits or author_hits
    first = considered[0]
    written_in = text if hits else author_names(article.author or "")
    matched = written_in[first.start : first.end]

    # Salience: full mentions, then surname-only follow-ups after the first one.
    salience = len(hits)
    follow_ups: list[int] = []
    if in_story:
        spans = [(h.start, h.end) for h in hits]
        for key in surname_keys(contact):
            for at in doc.find(key):
                if at > in_story[0].start and not any(s <= at < e for s, e in spans):
                    follow_ups.append(at)
        salience += len(follow_ups)

    # Evidence of who this is: their company, e-mail domain or title in the article.
    company_at = [at for key in _company_keys(contact) for at in doc.find(key)]
    company_at += [at for key in _domain_keys(contact) for at in doc.find(key, cased=False)]
    company_at.sort()
    near = any(
        abs(at - h.start) <= NEAR_CHARS or line_span(text, at) == line_span(text, h.start)
        for h in in_story
        for at in company_at
    )
    title_key = _title_key(contact)
    title_near = bool(title_key) and any(title_key in fold(doc.sentence(h.start)) for h in in_story)
    lead_start, lead_end = doc.lead()
    in_front = [h for h in in_story if h.start < lead_end]
    company_in_front = any(at < lead_end for at in company_at)

    # The organisation the text ties the name to, in the first body sentence naming them.
    own = _own_words(contact)
    body_hits = [h for h in in_story if h.start >= doc.headline_end] or in_story
    context = ""
    if body_hits and not authored:
        s_start, s_end = doc.sentence_at(body_hits[0].start)
        sentence = text[s_start:s_end]
        context = nearby_organisation(
            sentence, body_hits[0].start - s_start, body_hits[0].end - s_start, own
        )
    other_company = bool(
        contact.company
        and context
        and not same_company(context, contact.company)
        and not company_at
    )

    confidence = confidence_of(
        Signals(
            in_story=bool(in_story),
            title_case_only=bool(in_story)
            and all(h.start < doc.headline_end for h in in_story)
            and title_cased(text[: doc.headline_end]),
            named_after=bool(in_story) and all(names_a_thing(text, h.end) for h in in_story),
            as_words=_written_as_words(doc, {fold(text[h.start : h.end]) for h in in_story}),
            author_only=bool(author_hits) and not in_story,
            common=is_common_name(name_parts(contact)),
            derived=all(h.kind in DERIVED for h in considered),
            shared=all(h.shared for h in considered),
            company_anywhere=bool(company_at),
            company_near=near,
            front_with_company=bool(in_front) and company_in_front,
            title_near=title_near,
            other_company=other_company,
            own_site=bool(
                contact.company
                and article.site_name
                and same_company(article.site_name, contact.company)
            ),
        )
    )

    # What happened: sentences naming them (full or surname), their neighbours, the headline.
    spans = sorted(
        {(h.start, h.end) for h in in_story} | {(at, _word_end(text, at)) for at in follow_ups}
    )
    roles: dict[str, set[str]] = {}
    for start, end in spans:
        s_start, s_end = doc.sentence_at(start)
        role = role_in_sentence(text[s_start:s_end], start - s_start, end - s_start)
        roles.setdefault(doc.sentence(start), set()).add(role)
    mention_sentences = list(roles)
    neighbours: list[str] = []
    for h in in_story[:3]:
        s_start, s_end = doc.sentence_at(h.start)
        for probe in (s_start - 2, s_end + 2):
            if 0 <= probe < len(text):
                neighbour = doc.sentence(probe)
                if neighbour not in mention_sentences and neighbour not in neighbours:
                    neighbours.append(neighbour)
    headline = text[: doc.headline_end]
    result = events.classify(
        events.EventContext(
            mention_sentences=mention_sentences,
            nearby_sentences=neighbours,
            headline=headline,
            lead=text[lead_start:lead_end],
            about_contact=bool(in_front) or bool(company_at),
            company_named=bool(company_at),
            named_in_front=bool(in_front),
            company_in_front=company_in_front,
            year=(article.published or article.fetched_at).year,
            company_elsewhere=any(doc.sentence(at) not in roles for at in company_at),
            speaking=tuple(t for t, r in roles.items() if SPEAKING in r),
            beside=tuple(t for t, r in roles.items() if r == {BESIDE}),
            reported=tuple(t for t, r in roles.items() if r == {REPORTED}),
            authored=authored,
            names=tuple(sorted({text[start:end] for start, end in spans})),
            own_phrases=[p.lower() for p in (contact.company, contact.title) if len(p) >= 3],
        )
    )
    evidence = result.evidence
    if not in_story:
        # Named only in a byline, press contact or footer, or only as the author: the
        # story's headline says what it is, the line says where the name was.
        if hits:
            line_start, line_end = line_span(text, first.start)
            where = text[line_start:line_end].strip()
        else:
            where = f"by {author_names(article.author or '')}"
        evidence = f"{headline} ({where})" if headline else where
    terms = context_terms(" ".join([headline, *mention_sentences[:3]]), own, limit=12)
    return Found(
        contact_id=contact.id,
        confidence=confidence,
        event=result.event,
        evidence=_trim(evidence, matched),
        matched=matched,
        salience=max(salience, 1),
        context=context,
        terms=terms,
        own_company=bool(company_at),
    )


_CACHE: dict[str, tuple[str, MentionIndex]] = {}
_CACHE_LOCK = threading.Lock()


def mention_index(store: Store) -> MentionIndex:
    """The automaton for the store's current contacts, rebuilt only when they change."""
    version = store.contacts_fingerprint()
    key = str(store.path)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
    index = MentionIndex(store.contacts_for_scan())
    with _CACHE_LOCK:
        _CACHE[key] = (version, index)
    return index


def _rules(store: Store) -> dict[int, list[NotThemRule]]:
    rules: dict[int, list[NotThemRule]] = {}
    for contact_id, context, terms in store.not_them():
        rules.setdefault(contact_id, []).append(NotThemRule(contact_id, context, terms))
    return rules


def suppressed(found: Found, rules: Sequence[NotThemRule]) -> bool:
    """Whether the user already said a mention like this one was someone else.

    Like = beside the same organisation, or sharing two distinctive words. A mention
    that names the contact's own company is never suppressed.
    """
    if found.own_company:
        return False
    for rule in rules:
        if rule.context and found.context and same_company(rule.context, found.context):
            return True
        if len(set(rule.terms) & set(found.terms)) >= 2:
            return True
    return False


def scan_new_articles(store: Store, *, now: datetime | None = None) -> list[Mention]:
    """Scan every article not scanned yet, whatever its date; store and return new mentions.

    Each article is scanned once (the `processed` ledger); each (contact, story) is
    stored once, so a story arriving from several feeds is reported once. Contacts
    added or renamed since the last scan are first looked for in the news of the
    last `CATCH_UP_DAYS` already scanned without them.
    """
    now = now or datetime.now(UTC)
    rules = _rules(store)
    stored = _catch_up(store, rules, now)
    pending = store.unscanned_article_ids()
    if pending:
        stored += _scan_stored(store, pending, mention_index(store), rules, now, mark=True)
    return stored


def _catch_up(store: Store, rules: dict[int, list[NotThemRule]], now: datetime) -> list[Mention]:
    """Look for late contacts (new, or with new names) in recently scanned articles.

    Only they go into this scan's index, so catching up after importing a handful
    of contacts costs a handful of contacts' work. A run killed half-way repeats it:
    a (contact, story) already stored is not stored twice.
    """
    late = store.contacts_not_scanned()
    if not late:
        return []
    recent = store.scanned_article_ids(fetched_since=now - timedelta(days=CATCH_UP_DAYS))
    found: list[Mention] = []
    if recent:
        index = MentionIndex([contact for contact, _names in late])
        found = _scan_stored(store, recent, index, rules, now, mark=False)
    store.mark_contacts_scanned([(contact.id, names) for contact, names in late], when=now)
    return found


def _scan_stored(
    store: Store,
    article_ids: Sequence[int],
    index: MentionIndex,
    rules: dict[int, list[NotThemRule]],
    now: datetime,
    *,
    mark: bool,
) -> list[Mention]:
    """Scan stored articles with `index`; store their mentions (and, with `mark`, that
    the articles were scanned), one transaction per batch."""
    stored: list[Mention] = []
    for begin in range(0, len(article_ids), BATCH):
        batch = article_ids[begin : begin + BATCH]
        articles = sorted(store.articles(ids=batch, with_text=True), key=lambda a: a.id)
        results = scan(articles, index)
        with store.transaction():
            for article, found in zip(articles, results, strict=True):
                for item in found:
                    if suppressed(item, rules.get(item.contact_id, ())):
                        continue
                    mention = store.add_mention(
                        item.contact_id,
                        article.id,
                        article.story,
                        confidence=item.confidence,
                        event=item.event,
                        evidence=item.evidence,
                        matched=item.matched,
                        salience=item.salience,
                        context=item.context,
                        terms=item.terms,
                        when=now,
                    )
                    if mention is not None:
                        stored.append(mention)
            if mark:
                store.mark_scanned([a.id for a in articles], when=now)
    return stored


def mark_not_them(store: Store, mention_id: int) -> Mention:
    """Record that mention `mention_id` named someone else; suppress similar ones afterwards.

    Saying it again changes nothing: the mention's rule is stored once.
    """
    mention = store.mention(mention_id)
    if mention.status == "not_them":
        return mention
    with store.transaction():
        store.add_not_them(
            mention.contact_id, mention.id, mention.context, store.mention_terms(mention.id)
        )
        updated = store.set_mention_status(mention.id, "not_them")
    return updated
