"""Mention detection evaluation: CoNLL-2003 test-B people, and Fundus bylines.

    .venv/bin/python evaluation/mentions.py CORPUS_DIR [--seed 7] [--split testa]

CoNLL-2003 (`conll2003_eng/data/eng.testb`, or another split with --split): every
document is rebuilt from its tokens (detokenised; the first sentence is the
headline, the rest are paragraphs, byline and dateline included), published as an
article page in an RSS feed on a loopback server, and ingested by the real `fetch`
into a fresh workspace. Contacts are the gold person names of two or more tokens (as
a user would save them: an ALL CAPS headline name is saved in Title Case) plus as
many decoys, each a real first name of the set recombined with a real surname of the
set into a name no document tags as a person. The real `match` scan
(`scan_new_articles`) then runs, and document-level precision and recall are
reported: contact X is mentioned in document D when a gold person span of D is X's
name (diacritics and case aside, a middle initial allowed). Decoys are never
mentioned, so any match on one is a false positive.

Fundus (`fundus_news_articles`, English publishers): the real article pages are
served the same way, with the gold authors (people, not agencies) as contacts; an
author found on their own article as an `authored` mention is a hit.

Nothing is tuned on these names: they are read only to build contacts and score.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from pipeline.config import add_feeds
from pipeline.contacts import clean_fields
from pipeline.ingest import fetch_all
from pipeline.loopback import LoopbackServer, Response
from pipeline.mentions import scan_new_articles
from pipeline.names import fold
from pipeline.records import ContactFields, FeedSource, Mention
from pipeline.store import Store, open_store
from pipeline.workspace import init_workspace

FEED_SIZE = 100


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    people: tuple[str, ...] = ()  # gold person spans, as written
    authors: tuple[str, ...] = ()
    raw_html: bytes | None = None  # a real page to serve as is (Fundus)


# --- CoNLL-2003 ----------------------------------------------------------------------------

_NO_SPACE_BEFORE = {
    ",",
    ".",
    ":",
    ";",
    "!",
    "?",
    ")",
    "]",
    "}",
    "%",
    "'s",
    "'S",
    "n't",
    "'re",
    "'ve",
    "'ll",
    "'d",
    "'m",
}
_NO_SPACE_AFTER = {"(", "[", "{", "$"}


def detokenise(tokens: list[str]) -> str:
    """Tokens back to prose: "Bitar 's goal ." -> "Bitar's goal."; `'' x ''` -> `"x"`."""
    merged: list[str] = []
    for token in tokens:
        if token in ("'", "`") and merged and merged[-1] in ("'", "`"):
            merged[-1] = '"'
        elif token in ("''", "``"):
            merged.append('"')
        else:
            merged.append(token)
    out = ""
    open_quote = False
    glue_next = False
    for token in merged:
        glue = glue_next or not out or token in _NO_SPACE_BEFORE
        glue_next = token in _NO_SPACE_AFTER
        if token == '"':
            if open_quote:
                glue, glue_next = True, False
            else:
                glue_next = True
            open_quote = not open_quote
        out += token if glue else " " + token
    return out


def load_conll(path: Path) -> list[Doc]:
    docs: list[Doc] = []
    sentences: list[str] = []
    people: list[str] = []
    tokens: list[str] = []
    span: list[str] = []

    def end_span() -> None:
        if span:
            people.append(" ".join(span))
            span.clear()

    def end_sentence() -> None:
        end_span()
        if tokens:
            sentences.append(detokenise(tokens))
            tokens.clear()

    def end_doc() -> None:
        end_sentence()
        if sentences:
            docs.append(
                Doc(f"conll-{len(docs):03d}", sentences[0], tuple(sentences[1:]), tuple(people))
            )
        sentences.clear()
        people.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            end_doc()
            continue
        if not line.strip():
            end_sentence()
            continue
        word, _pos, _chunk, tag = line.split()
        if tag.endswith("-PER") and not tag.startswith("B-"):
            span.append(word)
        elif tag == "B-PER":
            end_span()
            span.append(word)
        else:
            end_span()
        tokens.append(word)
    end_doc()
    return docs


def saved_form(name: str) -> str:
    """How a user would save a name seen in a headline: "WASIM AKRAM" -> "Wasim Akram"."""
    return name.title() if name.isupper() else name


def choose_contacts(docs: list[Doc], seed: int) -> tuple[list[str], list[str]]:
    """Gold person names of 2+ tokens, and as many decoys recombined from their parts."""
    real: dict[str, str] = {}
    for doc in docs:
        for person in doc.people:
            if len(person.split()) >= 2:
                real.setdefault(fold(person), saved_form(person))
    names = sorted(real.values())
    firsts = sorted({n.split()[0] for n in names})
    lasts = sorted({n.split()[-1] for n in names})
    taken = set(real) | {fold(p) for d in docs for p in d.people}
    rng = random.Random(seed)
    decoys: set[str] = set()
    while len(decoys) < len(names):
        candidate = f"{rng.choice(firsts)} {rng.choice(lasts)}"
        if fold(candidate) not in taken:
            decoys.add(candidate)
    return names, sorted(decoys)


def gold_pairs(docs: list[Doc], contacts: list[str]) -> set[tuple[str, str]]:
    """(contact, doc key) where a gold person span is the contact's name.

    The same first and last word with a middle name or initial on one side only is the
    same name ("Jane Q. Doe" for a saved "Jane Doe", "Oscar Scalfaro" for a saved
    "Oscar Luigi Scalfaro").
    """
    exact = {fold(c): c for c in contacts}
    ends: dict[str, list[str]] = defaultdict(list)
    for contact in contacts:
        words = fold(contact).split()
        ends[f"{words[0]} {words[-1]}"].append(contact)
    pairs = set()
    for doc in docs:
        for person in doc.people:
            folded = fold(person)
            words = folded.split()
            if folded in exact:
                pairs.add((exact[folded], doc.key))
            if len(words) < 2:
                continue
            for contact in ends.get(f"{words[0]} {words[-1]}", ()):
                if min(len(words), len(fold(contact).split())) == 2:
                    pairs.add((contact, doc.key))
    return pairs


# --- Fundus --------------------------------------------------------------------------------

ENGLISH = {
    "us": None,
    "uk": None,
    "ca": None,
    "au": None,
    "za": None,
    "my": None,
    "ls": None,
    "na": None,
    "tz": {"DailyNewsTZ"},
    "ind": {"TimesOfIndia"},
}
# Bylines that name an organisation, not a person: not contacts anyone saves.
_AGENCY_WORDS = re.compile(
    r"\b(?:press|news|staff|reuters|agency|agencies|editorial|desk|team|media|wire|bureau|"
    r"reporter|correspondent|writers?|online|digital|times|post|daily|service)\b",
    re.IGNORECASE,
)


def load_fundus(root: Path) -> list[Doc]:
    docs: list[Doc] = []
    for country, only in ENGLISH.items():
        folder = root / "test_data" / country
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            publisher = path.stem
            if only is not None and publisher not in only:
                continue
            versions = json.loads(path.read_text(encoding="utf-8"))
            pages = sorted(folder.glob(f"{publisher}_*.html.gz"))
            # Versions are in the order of the pages' dates (the file names say which).
            for (version, expected), page in zip(sorted(versions.items()), pages, strict=False):
                authors = tuple(a for a in expected.get("authors", []) if a)
                body = expected.get("body", {})
                paragraphs = tuple(body.get("summary", [])) + tuple(
                    p for s in body.get("sections", []) for p in s.get("paragraphs", [])
                )
                docs.append(
                    Doc(
                        f"fundus-{country}-{publisher}-{version}",
                        expected.get("title") or publisher,
                        paragraphs,
                        authors=authors,
                        raw_html=gzip.decompress(page.read_bytes()),
                    )
                )
    return docs


def person_authors(docs: list[Doc]) -> tuple[list[str], list[str]]:
    """Gold authors that are people (2-4 words, no agency word), as a user saves them."""
    people: dict[str, str] = {}
    skipped: set[str] = set()
    for doc in docs:
        for author in doc.authors:
            words = author.split()
            if 2 <= len(words) <= 4 and not _AGENCY_WORDS.search(author):
                people.setdefault(fold(author), saved_form(author))
            else:
                skipped.add(author)
    return sorted(people.values()), sorted(skipped)


# --- serving and running the real pipeline -------------------------------------------------


def page_of(doc: Doc) -> bytes:
    if doc.raw_html is not None:
        return doc.raw_html
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in doc.paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(doc.title)}"
        f"</title></head><body><header><a href='/'>Newswire</a></header><article>"
        f"<h1>{html.escape(doc.title)}</h1>{paragraphs}</article>"
        f"<footer><p>Newswire archive.</p></footer></body></html>"
    ).encode()


def routes_for(docs: list[Doc], base: str, now: datetime) -> dict[str, Response]:
    routes: dict[str, Response] = {}
    for doc in docs:
        routes[f"/a/{doc.key}"] = Response(page_of(doc))
    for start in range(0, len(docs), FEED_SIZE):
        items = []
        for n, doc in enumerate(docs[start : start + FEED_SIZE], start):
            link = f"{base}/a/{doc.key}"
            published = format_datetime(now - timedelta(minutes=n))
            # Like most real feeds, a short description: what ingest falls back to when
            # a page cannot be extracted.
            summary = escape(" ".join(doc.paragraphs)[:300])
            items.append(
                f"<item><title>{escape(doc.title)}</title><link>{link}</link>"
                f"<guid>{link}</guid><pubDate>{published}</pubDate>"
                f"<description>{summary}</description></item>"
            )
        routes[f"/feed/{start // FEED_SIZE}.xml"] = Response(
            (
                "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                f"<title>Newswire {start // FEED_SIZE}</title><link>{base}/</link>"
                f"<description>news</description>{''.join(items)}</channel></rss>"
            ).encode(),
            content_type="application/rss+xml",
        )
    return routes


@dataclass(frozen=True)
class Run:
    store: Store
    doc_of_article: dict[int, str]
    mentions: list[Mention]
    fetch_seconds: float
    scan_seconds: float


def run_pipeline(docs: list[Doc], contacts: list[str], root: Path) -> Run:
    """Serve the docs as a feed, fetch them for real, save the contacts, scan."""
    workspace, _ = init_workspace(root)
    store = open_store(workspace.db_path())
    store.add_contacts([clean_fields(ContactFields(name=name)) for name in contacts])
    with LoopbackServer() as server:
        server.routes.update(routes_for(docs, server.base_url, datetime.now(UTC)))
        feeds = sorted(p for p in server.routes if p.startswith("/feed/"))
        add_feeds(workspace.config_path, [FeedSource(url=server.url(p)) for p in feeds])
        started = time.perf_counter()
        report = fetch_all(store, workspace.config())
        fetched = time.perf_counter() - started
    print(
        f"  fetched {report.new_articles} of {len(docs)} pages from {len(feeds)} loopback feeds "
        f"in {fetched:.1f}s ({report.extracted} extracted, {report.fallbacks} summary "
        f"fallbacks, {report.near_duplicates} near-duplicates, {len(report.errors)} errors)"
    )
    reasons = Counter(re.sub(r"^\S+: |\s*\(.*$", "", e.message) for e in report.errors)
    for reason, count in reasons.items():
        print(f"    {count} x {reason} (the feed's description is stored instead)")
    started = time.perf_counter()
    found = scan_new_articles(store)
    scanned = time.perf_counter() - started
    doc_of = {a.id: a.url.rsplit("/", 1)[1] for a in store.articles()}
    return Run(store, doc_of, found, fetched, scanned)


def predicted_pairs(run: Run, *, levels: set[str] | None = None) -> set[tuple[str, str]]:
    """(contact, doc) for each stored mention, a near-duplicate's story counting for all."""
    names = {c.id: c.name for c in run.store.contacts()}
    story_docs: dict[int, list[str]] = defaultdict(list)
    for article in run.store.articles():
        story_docs[article.story].append(run.doc_of_article[article.id])
    pairs = set()
    for mention in run.mentions:
        if levels is None or mention.confidence in levels:
            for doc in story_docs[mention.story_id]:
                pairs.add((names[mention.contact_id], doc))
    return pairs


def score(predicted: set[tuple[str, str]], gold: set[tuple[str, str]]) -> str:
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(gold) if gold else 1.0
    return (
        f"P = {precision:.4f}  R = {recall:.4f}  ({hits} correct of {len(predicted)} found, "
        f"{len(gold)} gold)"
    )


def evaluate_conll(corpus: Path, seed: int, root: Path, show: int, split: str) -> None:
    docs = load_conll(corpus / "conll2003_eng" / "data" / f"eng.{split}")
    real, decoys = choose_contacts(docs, seed)
    gold = gold_pairs(docs, real + decoys)
    print(
        f"CoNLL-2003 eng.{split}: {len(docs)} documents, {len(real)} gold person names of 2+ "
        f"tokens as contacts + {len(decoys)} decoys; {len(gold)} gold (contact, document) pairs"
    )
    run = run_pipeline(docs, real + decoys, root)
    predicted = predicted_pairs(run)
    print(f"  scanned in {run.scan_seconds:.2f}s: {len(run.mentions)} mentions stored")
    print(f"  all mentions:           {score(predicted, gold)}")
    confident = predicted_pairs(run, levels={"high", "medium"})
    print(f"  high + medium only:     {score(confident, gold)}")
    decoy_hits = {p for p in predicted if p[0] in set(decoys)}
    print(f"  mentions of decoys: {len(decoy_hits)}")
    levels = Counter(m.confidence for m in run.mentions)
    print(f"  confidence: {dict(sorted(levels.items()))}")
    for label, pairs in (("false positives", predicted - gold), ("misses", gold - predicted)):
        print(f"  {label} ({len(pairs)}):")
        for name, key in sorted(pairs)[:show]:
            print(f"    {name} in {key}")


def evaluate_fundus(corpus: Path, root: Path, show: int) -> None:
    docs = load_fundus(corpus / "fundus_news_articles")
    authors, skipped = person_authors(docs)
    gold = {
        (saved_form(a), d.key) for d in docs for a in d.authors if saved_form(a) in set(authors)
    }
    print(
        f"Fundus (English): {len(docs)} real article pages, {len(authors)} gold authors who "
        f"are people as contacts ({len(skipped)} agency bylines left out: "
        f"{', '.join(skipped[:6])}{'...' if len(skipped) > 6 else ''}); {len(gold)} "
        "(author, article) pairs"
    )
    run = run_pipeline(docs, authors, root)
    names = {c.id: c.name for c in run.store.contacts()}
    authored = {
        (names[m.contact_id], run.doc_of_article[m.article_id])
        for m in run.mentions
        if m.event == "authored"
    }
    anything = predicted_pairs(run)
    print(f"  scanned in {run.scan_seconds:.2f}s: {len(run.mentions)} mentions stored")
    print(f"  authored on own article: {score(authored, gold)}")
    print(f"  any mention of the author on own article: recall {len(anything & gold)}/{len(gold)}")
    extracted_authors = sum(1 for a in run.store.articles() if a.author)
    print(f"  articles with an author in their metadata after extraction: {extracted_authors}")
    for label, pairs in (("false positives", authored - gold), ("misses", gold - authored)):
        print(f"  {label} ({len(pairs)}):")
        for name, key in sorted(pairs)[:show]:
            print(f"    {name} in {key}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the corpus directory (CORPUS_DIR)")
    parser.add_argument("--seed", type=int, default=7, help="decoy sampling seed")
    parser.add_argument("--show", type=int, default=15, help="errors listed per kind")
    parser.add_argument(
        "--split",
        choices=("testb", "testa", "train"),
        default="testb",
        help="the CoNLL-2003 file (testb is the one reported; the others check it generalises)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cheesecake-mentions-") as tmp:
        evaluate_conll(args.corpus, args.seed, Path(tmp) / "conll", args.show, args.split)
        print()
        evaluate_fundus(args.corpus, Path(tmp) / "fundus", args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
