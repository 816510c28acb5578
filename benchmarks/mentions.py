"""Mention scan benchmark: 100,000 contacts over 10,000 real news articles.

    .venv/bin/python benchmarks/mentions.py CORPUS_DIR [--contacts 100000] [--articles 10000]

Articles are Reuters-21578 stories (then BBC News, if more are asked for) from
CORPUS_DIR; one in five gets a sentence naming a random contact with their company,
so the scan has real work to do after matching. Contacts are names drawn from the
1990 Census first- and last-name frequencies (pipeline/data/name_frequency.tsv),
a fifth with a middle initial, each with a company, as the contacts stage stores
them. Printed:

- automaton build: `MentionIndex(contacts)` (every variant of every contact into one
  Aho-Corasick automaton), and the same through the store (`mention_index`, which
  also loads the contacts from SQLite); target <= 5 s;
- scan: matching alone (`MentionIndex.hits`) and the full per-article analysis
  (`analyse`: confidence, event, evidence) in MB of article text per second; target
  >= 50 MB/s;
- baseline: a per-contact regular expression loop (one compiled pattern of each
  contact's variants, every contact tried on every article), timed on a subset and
  scaled to the same contact count, and its ratio to the automaton;
- the end-to-end `scan_new_articles` over the stored articles.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from pipeline.mentions import BATCH, document_text, mention_index, scan, scan_new_articles
from pipeline.name_index import MentionIndex
from pipeline.names import fold_text, variants
from pipeline.records import Article, Contact, ContactFields, NewArticle
from pipeline.store import open_store

COMPANY_WORDS = ("Capital", "Partners", "Labs", "Systems", "Logistics", "Foods", "Energy")
TITLES = ("chief executive", "head of research", "chief economist", "managing director")


def load_articles(corpus: Path, count: int) -> list[tuple[str, str]]:
    """(title, body) of up to `count` Reuters stories, then BBC News articles."""
    found: list[tuple[str, str]] = []
    for path in sorted((corpus / "reuters21578").glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for block in re.findall(r"<REUTERS.*?</REUTERS>", raw, flags=re.S):
            title = re.search(r"<TITLE>(.*?)</TITLE>", block, flags=re.S)
            body = re.search(r"<BODY>(.*?)</BODY>", block, flags=re.S)
            if title and body:
                text = re.sub(r"\s*Reuter\s*$", "", html.unescape(body.group(1))).strip()
                found.append((html.unescape(title.group(1)).strip(), text))
            if len(found) >= count:
                return found
    for path in sorted((corpus / "bbc_news" / "bbc").glob("*/*.txt")):
        title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
        found.append((title.strip(), body.strip()))
        if len(found) >= count:
            break
    return found


def census_names() -> tuple[list[str], list[float], list[str], list[float]]:
    firsts, first_weights, lasts, last_weights = [], [], [], []
    data = files("pipeline").joinpath("data/name_frequency.tsv").read_text(encoding="ascii")
    for line in data.splitlines():
        if line.startswith("#"):
            continue
        kind, name, percent = line.split("\t")
        if kind == "first":
            firsts.append(name.title())
            first_weights.append(float(percent))
        else:
            lasts.append(name.title())
            last_weights.append(float(percent))
    return firsts, first_weights, lasts, last_weights


def make_contacts(count: int, rng: random.Random) -> list[Contact]:
    firsts, fw, lasts, lw = census_names()
    chosen_first = rng.choices(firsts, fw, k=count)
    chosen_last = rng.choices(lasts, lw, k=count)
    contacts = []
    for n in range(count):
        first, last = chosen_first[n], chosen_last[n]
        middle = f"{rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.2 else ""
        name = " ".join(p for p in (first, middle, last) if p)
        company = f"{rng.choice(lasts)} {rng.choice(COMPANY_WORDS)}"
        contacts.append(
            Contact(
                id=n + 1,
                name=name,
                first_name=first,
                middle_name=middle,
                last_name=last,
                company=company,
                title=rng.choice(TITLES).title(),
            )
        )
    return contacts


def with_mentions(
    stories: list[tuple[str, str]], contacts: list[Contact], rng: random.Random
) -> list[Article]:
    now = datetime.now(UTC)
    articles = []
    for n, (title, body) in enumerate(stories):
        if n % 5 == 0:
            who = rng.choice(contacts)
            body += (
                f"\n{who.first_name} {who.last_name}, {who.title.lower()} at {who.company}, "
                "said the results were encouraging."
            )
        url = f"https://news.example/{n}"
        articles.append(
            Article(
                id=n + 1,
                url=url,
                canonical_url=url,
                title=title,
                text=body,
                extracted=True,
                fetched_at=now,
            )
        )
    return articles


def _fields(contact: Contact) -> ContactFields:
    return ContactFields(
        name=contact.name,
        first_name=contact.first_name,
        middle_name=contact.middle_name,
        last_name=contact.last_name,
        company=contact.company,
        title=contact.title,
    )


def regex_baseline(
    contacts: list[Contact], articles: list[Article], total_contacts: int
) -> tuple[float, int]:
    """MB/s of a per-contact regex loop scaled to `total_contacts`, and its match count."""
    patterns = [
        re.compile(r"\b(?:" + "|".join(re.escape(key) for key in variants(c)) + r")\b")
        for c in contacts
    ]
    texts = [fold_text(f"{a.title}\n\n{a.text}").text for a in articles]
    size = sum(len(f"{a.title}\n\n{a.text}".encode()) for a in articles)
    started = time.perf_counter()
    found = 0
    for text in texts:
        for pattern in patterns:
            if pattern.search(text):
                found += 1
    seconds = (time.perf_counter() - started) * total_contacts / len(patterns)
    return size / 1e6 / seconds, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the corpus directory (CORPUS_DIR)")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--baseline-contacts", type=int, default=500)
    parser.add_argument("--baseline-articles", type=int, default=500)
    args = parser.parse_args(argv)
    rng = random.Random(2026)
    started = time.perf_counter()
    sum(1 for _ in range(3_000_000))
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, reference "
        f"loop {time.perf_counter() - started:.3f} s (shared machine: best of several runs)"
    )

    contacts = make_contacts(args.contacts, rng)
    articles = with_mentions(load_articles(args.corpus, args.articles), contacts, rng)
    texts = [document_text(a) for a in articles]
    size_mb = sum(len(text.encode()) for text in texts) / 1e6
    print(f"{len(contacts):,} contacts, {len(articles):,} articles, {size_mb:.1f} MB of text")

    build = build_cpu = float("inf")
    for _ in range(2):
        started, cpu = time.perf_counter(), time.process_time()
        index = MentionIndex(contacts)
        build = min(build, time.perf_counter() - started)
        build_cpu = min(build_cpu, time.process_time() - cpu)
    keys = len(index.automaton) if index.automaton is not None else 0
    print(
        f"automaton build: {build:.2f} s wall, {build_cpu:.2f} s CPU ({keys:,} variant keys, "
        f"{len(contacts):,} contacts)  [target <= 5 s]"
    )

    batches = [slice(n, n + BATCH) for n in range(0, len(articles), BATCH)]
    best_hits = best_full = float("inf")
    hits = found = 0
    for _ in range(5):
        started = time.perf_counter()
        hits = sum(len(h) for part in batches for h in index.hits_many(texts[part]))
        best_hits = min(best_hits, time.perf_counter() - started)
    for _ in range(3):
        started = time.perf_counter()
        found = sum(len(f) for part in batches for f in scan(articles[part], index))
        best_full = min(best_full, time.perf_counter() - started)
    print(
        f"scan, matching (all contacts at once): {size_mb / best_hits:.1f} MB/s "
        f"({best_hits:.2f} s, {hits:,} name matches, batches of {BATCH} as in `match`)  "
        "[target >= 50 MB/s]"
    )
    print(
        f"scan, matching + confidence, event, evidence per mention: "
        f"{size_mb / best_full:.1f} MB/s ({best_full:.2f} s, {found:,} mentions)"
    )

    subset = rng.sample(contacts, args.baseline_contacts)
    sample = articles[: args.baseline_articles]
    regex_rate, _ = regex_baseline(subset, sample, len(contacts))
    print(
        f"baseline, per-contact regex loop: {regex_rate * 1000:.2f} KB/s scaled to "
        f"{len(contacts):,} contacts (measured: {len(subset)} contacts x {len(sample)} "
        f"articles); automaton is {size_mb / best_hits / regex_rate:,.0f}x faster"
    )

    with tempfile.TemporaryDirectory(prefix="cheesecake-bench-") as tmp:
        store = open_store(Path(tmp) / "bench.db")
        store.add_contacts([_fields(c) for c in contacts])
        for article in articles:
            store.add_article(
                NewArticle(
                    url=article.url,
                    canonical_url=article.url,
                    title=article.title,
                    text=article.text,
                    extracted=True,
                )
            )
        started = time.perf_counter()
        mention_index(store)
        loaded = time.perf_counter() - started
        print(f"automaton build from the store (load contacts + build): {loaded:.2f} s")
        started = time.perf_counter()
        stored = scan_new_articles(store, now=datetime.now(UTC))
        total = time.perf_counter() - started
        print(
            f"end to end scan_new_articles (index cached; read, analyse, store): {total:.2f} s, "
            f"{len(articles) / total:,.0f} articles/s, {size_mb / total:.1f} MB/s, "
            f"{len(stored):,} mentions stored"
        )
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
