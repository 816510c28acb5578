"""Helpers for the fetch and ingest tests: fictional hosts on loopback, and realistic
feeds and article pages written here (fictional companies and people).

A "public" host is simulated with two pieces: a resolver that answers a public
address for a made-up name (so the address policy treats it as public), and an
httpx transport that actually sends that name's requests to 127.0.0.1.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

import httpx

from pipeline.loopback import LoopbackServer, Response
from pipeline.net import Resolver

PUBLIC_ADDRESS = "93.184.216.34"  # a globally routable address (never connected to)


def fake_resolver(names: Mapping[str, str]) -> Resolver:
    """Resolve only the given names (plus localhost); anything else does not exist."""

    async def resolve(host: str) -> Sequence[str]:
        if host in names:
            return [names[host]]
        if host == "localhost":
            return ["127.0.0.1"]
        raise OSError(f"[Errno -2] Name or service not known: {host}")

    return resolve


class LoopbackAliases(httpx.AsyncBaseTransport):
    """Send requests for the aliased host names to 127.0.0.1 (the Host header is kept)."""

    def __init__(self, names: Sequence[str]):
        self.names = set(names)
        self.inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self.names:
            request.url = request.url.copy_with(host="127.0.0.1")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# --- hostile bodies, produced lazily (only what the client reads is ever made) ---------


def endless(chunk: bytes, count: int) -> Iterator[bytes]:
    """`count` copies of `chunk`: 16,384 x 64 KB is a 1 GiB body never held in memory."""
    for _ in range(count):
        yield chunk


def gzip_bomb(gigabytes: int) -> Iterator[bytes]:
    """A gzip stream of `gigabytes` GiB of zeros, compressed on the fly (~1 MB per GiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    for _ in range(gigabytes * 1024):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


def trickle() -> Iterator[bytes]:
    """One byte a second for ten minutes."""
    for _ in range(600):
        yield b"<"
        time.sleep(1)


# --- realistic fictional content ------------------------------------------------------

_COMPANIES = [
    "Northwind Logistics",
    "Halvorsen Maritime",
    "Brightwater Analytics",
    "Copperleaf Coffee Traders",
    "Tessellate Robotics",
    "Marigold Health Systems",
    "Quillon Payments",
    "Aurora Grid Storage",
]
_PEOPLE = [
    "Priya Natarajan",
    "Tomasz Wielgosz",
    "Amara Okafor",
    "Lena Fischbach",
    "Rafael Quintero",
    "Mei-Ling Zhou",
]
_TOPICS = [
    ("container shipping", "freight rates", "port congestion", "charter contracts"),
    ("specialty coffee", "arabica futures", "roasting capacity", "harvest forecasts"),
    ("battery storage", "grid operators", "lithium supply", "capacity auctions"),
    ("warehouse robotics", "pick rates", "automation budgets", "labour shortages"),
    ("payments infrastructure", "card networks", "instant transfers", "fraud losses"),
    ("hospital software", "patient records", "clinical workflows", "interoperability"),
]
_VERBS = [
    "expects",
    "reported",
    "announced",
    "is weighing",
    "has doubled",
    "warned about",
    "is investing in",
    "plans to expand",
]
_CITIES = ["Rotterdam", "Singapore", "Lisbon", "Austin", "Nairobi", "Gdansk", "Valparaiso"]
_CONNECTIVES = [
    "Analysts said",
    "According to people familiar with the plans,",
    "In a statement on Tuesday,",
    "Industry observers noted that",
    "Executives told investors that",
    "The company said",
]


def article_paragraphs(seed: int, paragraphs: int = 8) -> list[str]:
    """Plausible business-news prose, deterministic per seed and distinct across seeds."""
    rng = random.Random(seed)
    company = rng.choice(_COMPANIES)
    person = rng.choice(_PEOPLE)
    topic = rng.choice(_TOPICS)
    out = []
    for n in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            subject = rng.choice([company, person, "The firm", "Its rivals", "Regulators"])
            sentences.append(
                f"{rng.choice(_CONNECTIVES)} {subject} {rng.choice(_VERBS)} "
                f"{rng.choice(topic)} in {rng.choice(_CITIES)}"
                f" after a quarter in which {rng.choice(topic)} moved by "
                f"{rng.randint(2, 40)} percent (report {seed}-{n})."
            )
        out.append(" ".join(sentences))
    return out


def article_html(
    title: str,
    paragraphs: Sequence[str],
    *,
    canonical: str | None = None,
    author: str = "Jordan Ellery",
    published: datetime | None = None,
    padding: int = 0,
    named_site: bool = True,
) -> bytes:
    """A news page with navigation, a sidebar and a footer around the article body.

    `padding` adds that many bytes of boilerplate markup (menus), as real pages have.
    `named_site=False`: the page names no site (no og:site_name, a bare <title>).
    """
    when = (published or datetime(2024, 5, 2, 9, 30, tzinfo=UTC)).isoformat()
    site = " | Harbour &amp; Field News" if named_site else ""
    head = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}{site}</title>",
        f"<meta name='author' content='{escape(author)}'>",
        f"<meta property='article:published_time' content='{when}'>",
    ]
    if named_site:
        head.append("<meta property='og:site_name' content='Harbour &amp; Field News'>")
    if canonical:
        head.append(f"<link rel='canonical' href='{escape(canonical)}'>")
    nav = "".join(
        f"<li><a href='/section/{i}'>Section {i}</a></li>" for i in range(max(1, padding // 40))
    )
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "".join(head)
        + "</head><body><header><nav><ul>"
        + nav
        + "</ul></nav></header><main><article>"
        + f"<h1>{escape(title)}</h1><p class='byline'>By {escape(author)}</p>"
        + body
        + "</article></main><aside><h2>Most read</h2><ul><li>Markets close higher</li>"
        + "</ul></aside><footer><p>Copyright Harbour &amp; Field News</p></footer></body></html>"
    ).encode()


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    guid: str | None = None
    summary: str = ""
    published: datetime | None = None
    dated: bool = True  # False: no pubDate at all


def rss(title: str, link: str, items: Sequence[Item]) -> bytes:
    """An RSS 2.0 document."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link>",
        "<description>Industry news</description>",
    ]
    base = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    for n, item in enumerate(items):
        when = item.published or base + timedelta(hours=n)
        date = f"<pubDate>{format_datetime(when)}</pubDate>" if item.dated else ""
        parts.append(
            "<item>"
            f"<title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f"<guid isPermaLink='false'>{escape(item.guid or item.link)}</guid>"
            f"{date}"
            f"<description>{escape(item.summary)}</description>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def feeds_toml(urls: Sequence[str], **settings: object) -> str:
    """A feeds.toml listing these feeds, with fast limits for tests unless overridden."""
    values: dict[str, object] = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 4.0,
        "retries": 0,
        "extract_workers": 1,
        **settings,
    }
    lines = ["[settings]"]
    for key, value in values.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    for url in urls:
        lines += ["", "[[feeds]]", f'url = "{url}"']
    return "\n".join(lines) + "\n"


def story(server: LoopbackServer, path: str, seed: int, **page: object) -> Item:
    """Serve an article page at `path` and return the feed item that links to it."""
    title = f"Report {seed}: " + article_paragraphs(seed, 1)[0].split(" (report")[0][:60]
    paragraphs = article_paragraphs(seed)
    server.routes[path] = Response(article_html(title, paragraphs, **page))  # type: ignore[arg-type]
    return Item(title=title, link=server.url(path), summary=paragraphs[0][:200])
