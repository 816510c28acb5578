"""Generated news sites for the ingest benchmark: prose, article pages, RSS feeds.

Deterministic from seeds, fictional companies, people and places. The markup
(navigation with icons, nested wrappers, teasers, comments, a JSON state blob) was
tuned until trafilatura spends as much CPU per KB on these pages as on the real
pages of corpus/article_extraction_benchmark (see `ingest.py --calibrate`).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any

# --- generated prose -----------------------------------------------------------------------

_PREFIX = ["Syl", "Mar", "Bren", "Cor", "Dal", "Ever", "Fen", "Gal", "Hol", "Ith", "Jor", "Kest"]
_SUFFIX = ["vane", "wick", "more", "stone", "field", "gate", "brook", "wood", "crest", "ford"]
_KINDS = ["Logistics", "Analytics", "Foods", "Robotics", "Energy", "Health", "Payments", "Metals"]
_FIRST = ["Amara", "Tomasz", "Priya", "Lena", "Rafael", "Mei", "Jonas", "Ines", "Kofi", "Yuki"]
_LAST = ["Okafor", "Wielgosz", "Natarajan", "Fischbach", "Quintero", "Zhou", "Lind", "Moreau"]
_CITIES = ["Rotterdam", "Lisbon", "Austin", "Nairobi", "Gdansk", "Valparaiso", "Osaka", "Perth"]
_TOPICS = [
    "freight rates",
    "arabica futures",
    "battery storage",
    "warehouse automation",
    "instant payments",
    "hospital software",
    "copper smelting",
    "offshore wind",
    "cold-chain capacity",
    "semiconductor packaging",
    "crop insurance",
    "container leasing",
]
_OPENERS = [
    "Analysts said",
    "According to people familiar with the plans,",
    "In a statement on Tuesday,",
    "Industry observers noted that",
    "Executives told investors that",
    "A regulatory filing showed that",
    "Speaking at a conference in {city},",
    "Data compiled by the trade association suggest that",
]
_VERBS = [
    "expects",
    "reported higher",
    "is weighing cuts to",
    "has doubled its exposure to",
    "warned about slowing",
    "is investing heavily in",
    "plans to expand",
    "renegotiated contracts tied to",
    "sold its minority stake in",
]
_TAILS = [
    "after a quarter in which prices moved by {n} percent",
    "as customers in {city} delayed orders",
    "despite a {n} percent fall in spot volumes",
    "ahead of a board meeting scheduled for next month",
    "while competitors reported margins near {n} percent",
    "following two years of flat demand",
    "in a bid to win contracts from larger rivals",
]


class Writer:
    """Cheap, deterministic business-news prose; every page distinct."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def company(self) -> str:
        r = self.rng
        return f"{r.choice(_PREFIX)}{r.choice(_SUFFIX)} {r.choice(_KINDS)}"

    def person(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def sentence(self, subjects: list[str], topic: str) -> str:
        r = self.rng
        opener = r.choice(_OPENERS).format(city=r.choice(_CITIES))
        tail = r.choice(_TAILS).format(n=r.randint(2, 60), city=r.choice(_CITIES))
        obj = topic if r.random() < 0.6 else r.choice(_TOPICS)
        return f"{opener} {r.choice(subjects)} {r.choice(_VERBS)} {obj} {tail}."

    def paragraphs(self, count: int, subjects: list[str], topic: str) -> list[str]:
        return [
            " ".join(self.sentence(subjects, topic) for _ in range(self.rng.randint(3, 6)))
            for _ in range(count)
        ]


# --- sites, pages and feeds ------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    name: str
    head: str  # <style> and <script> blocks shared by every page of the site
    header: str  # navigation
    footer: str


def make_site(n: int) -> Site:
    w = Writer(10_000 + n)
    name = f"The {w.company().split()[0]} Ledger"
    rng = w.rng
    css = "".join(
        f".c{n}-{i}{{margin:{rng.randint(0, 24)}px;padding:{rng.randint(0, 16)}px;"
        f"color:#{rng.randrange(16**6):06x};font-size:{rng.randint(11, 22)}px}}\n"
        for i in range(rng.randint(60, 140))
    )
    js = "".join(
        f"function f{i}(a,b){{var x{i}=a*{rng.randint(2, 99)}+b;"
        f"if(x{i}>{rng.randint(100, 999)}){{return track('ev{i}',x{i})}}return x{i}}}\n"
        for i in range(rng.randint(80, 200))
    )
    icon = (
        "<svg class='icon' viewBox='0 0 24 24' aria-hidden='true'><path d='M4 6h16M4 12h16M4 "
        "18h16' stroke='currentColor' stroke-width='2'/></svg>"
    )
    menu = "".join(
        f"<li class='nav__item c{n}-{i % 40}' data-track='nav-{i}'><div class='nav__wrap'>"
        f"<a class='nav__link' href='/section/{i}' title='{escape(rng.choice(_TOPICS))}'>{icon}"
        f"<span class='nav__label'>{escape(rng.choice(_TOPICS).title())}</span></a></div></li>"
        for i in range(rng.randint(25, 60))
    )
    footer = "".join(
        f"<li class='footer__item'><div class='footer__cell'><a class='footer__link' "
        f"href='/about/{i}' rel='nofollow'><span>{escape(w.company())}</span></a></div></li>"
        for i in range(rng.randint(20, 60))
    )
    return Site(
        name=name,
        head=f"<style>{css}</style><script>{js}</script>",
        header=f"<header><div class='logo'>{escape(name)}</div><nav><ul>{menu}</ul></nav></header>",
        footer=f"<footer><ul>{footer}</ul><p>&copy; {escape(name)}</p></footer>",
    )


@dataclass(frozen=True)
class Page:
    url: str
    path: str
    title: str
    author: str
    summary: str
    published: datetime
    html: bytes


def make_page(site: Site, base_url: str, feed: int, entry: int, target: int) -> Page:
    w = Writer(feed * 1000 + entry)
    topic = w.rng.choice(_TOPICS)
    subjects = [w.company(), w.company(), w.person(), "Regulators", "Its rivals"]
    title = f"{subjects[0]} {w.rng.choice(_VERBS)} {topic} in {w.rng.choice(_CITIES)}"
    author = w.person()
    published = datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=feed * 97 + entry * 13)
    path = f"/articles/{feed}/{entry}.html"
    url = base_url + path
    body = w.paragraphs(w.rng.randint(10, 16), subjects, topic)
    article = [
        f"<article><h1>{escape(title)}</h1>",
        f"<div class='byline'>By <span class='author'>{escape(author)}</span> ",
        f"<time datetime='{published.isoformat()}'>{published:%d %B %Y}</time></div>",
    ]
    for i, paragraph in enumerate(body):
        if i and i % 5 == 0:
            article.append(
                f"<div class='inline-promo' data-slot='promo-{i}'><div class='inline-promo__inner'>"
                f"<a href='/newsletter?src=inline-{i}'><span>Sign up for the morning briefing"
                "</span></a></div></div>"
                f"<h2 class='article__subhead'>{escape(w.sentence(subjects, topic)[:60])}</h2>"
            )
        article.append(
            f"<div class='article__block' data-block='{i}'><div class='article__text'>"
            f"<p class='article__para'>{escape(paragraph)}</p></div></div>"
        )
    article.append("</article>")
    comments = "".join(
        f"<div class='comment' id='c{k}'><div class='comment__head'><img class='avatar' "
        f"src='/avatars/{k}.png' alt='' width='32' height='32'><b>{escape(w.person())}</b>"
        f"</div><div class='comment__body'><p>{escape(w.sentence(subjects, topic))}</p></div>"
        "<div class='comment__actions'><button type='button'>Reply</button>"
        "<button type='button'>Like</button></div></div>"
        for k in range(w.rng.randint(3, 10))
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": published.isoformat(),
            "author": {"@type": "Person", "name": author},
            "publisher": {"@type": "Organization", "name": site.name},
        }
    )
    head = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | {escape(site.name)}</title>"
        f"<meta name='description' content='{escape(body[0][:180])}'>"
        f"<meta property='og:site_name' content='{escape(site.name)}'>"
        f"<meta name='author' content='{escape(author)}'>"
        f"<meta property='article:published_time' content='{published.isoformat()}'>"
        f"<link rel='canonical' href='{url}'>{site.head}"
        f"<script type='application/ld+json'>{ld}</script></head><body>"
    )
    middle = (
        f"{site.header}<div class='ad-slot'>Advertisement</div><main>{''.join(article)}"
        f"<section class='comments'><h3>Comments</h3>{comments}</section>"
    )
    # Modern news sites ship the page's data again as JSON for their front-end framework:
    # a quarter of the page here, as in the real pages (it makes our cost per KB theirs).
    teasers: list[dict[str, object]] = []
    blob: dict[str, Any] = {"props": {"article": {"title": title, "body": body, "author": author}}}
    blob["props"]["related"] = teasers
    grown = len(json.dumps(blob))
    while grown < target // 4:
        teasers.append({"id": w.rng.randint(1, 10**6), "title": w.sentence(subjects, topic)})
        grown += len(json.dumps(teasers[-1])) + 2
    state = json.dumps(blob).replace("</", "<\\/")
    head += f"<script id='__NEXT_DATA__' type='application/json'>{state}</script>"
    related: list[str] = []
    size = len(head) + len(middle) + len(site.footer) + 200
    while size < target:  # teasers of other stories until the page has its size
        link = f"/articles/{w.rng.randint(0, 999)}/{w.rng.randint(0, 99)}.html"
        teaser = (
            f"<li class='teaser'><div class='teaser__media'><a href='{link}' tabindex='-1'>"
            f"<img src='/img{link}.jpg' alt='' loading='lazy' width='160' height='90'></a></div>"
            f"<div class='teaser__body'><a class='teaser__link' href='{link}'><span>"
            f"{escape(w.sentence(subjects, w.rng.choice(_TOPICS))[:90])}</span></a>"
            f"<span class='teaser__meta'>{w.rng.randint(2, 59)} min read</span></div></li>"
        )
        related.append(teaser)
        size += len(teaser)
    html = (
        f"{head}{middle}<aside class='related'><h3>More stories</h3><ul>{''.join(related)}"
        f"</ul></aside></main>{site.footer}</body></html>"
    )
    return Page(url, path, title, author, body[0][:240], published, html.encode())


def make_feed(title: str, link: str, pages: list[Page]) -> bytes:
    items = "".join(
        "<item>"
        f"<title>{escape(p.title)}</title>"
        f"<link>{escape(p.url)}?utm_source=rss&amp;utm_medium=feed</link>"
        f"<guid isPermaLink='true'>{escape(p.url)}</guid>"
        f"<dc:creator>{escape(p.author)}</dc:creator>"
        f"<pubDate>{format_datetime(p.published)}</pubDate>"
        f"<description>{escape(p.summary)}</description>"
        "</item>"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)}</description>{items}</channel></rss>"
    ).encode()
