"""Feed parsing: fetched bytes in, `ParsedFeed` of plain-text `FeedEntry` records out.

This stage owns what an entry *is*: its identity key, its absolute, tracking-free
URL, and its title, summary, date, author and tags as plain values. It refuses to
fetch anything (bytes in only) and to guess at pages: HTML in place of a feed is a
`ParseError` that names the feed the page advertises, if any.

Each field has one small `parse_<field>(entry)` function, so a site quirk is one
override (see `EntryParser`); each entry is parsed in its own try/except, so one
broken entry is skipped and the rest of the feed is kept.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from pipeline.errors import ParseError
from pipeline.records import FeedEntry
from pipeline.urls import clean_url

log = logging.getLogger(__name__)

_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


# How far ahead of now an entry's date may be: time zones written wrong (local time
# labelled GMT) put honest dates up to 14 hours ahead.
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]
    warning: str | None = None  # why feedparser flagged the feed (bozo), when it still parsed


# --- plain text from feed HTML ---------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header"),
        *("hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th"),
        *("tr", "ul"),
    }
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # Source line breaks inside a paragraph are just spaces; blocks end lines.
            self.parts.append(" ".join(data.split("\n")))


def html_to_text(markup: str) -> str:
    """Tags removed, entities decoded, whitespace collapsed; block elements end lines."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _plain(value: str | None, content_type: str | None) -> str:
    """Plain text of a feed text construct, whatever type the feed declared."""
    if not value:
        return ""
    if content_type and "html" in content_type:
        return html_to_text(value)
    if "&" in value:
        # Feeds that escape twice leave `&#8217;` or `&amp;` in plain text. Only complete
        # references are decoded: html.unescape would also read "R&paragraph" as "R¶graph".
        value = _ENTITY.sub(lambda m: unescape(m.group(0)), value)
    return " ".join(value.split())


_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


# --- one function per field ------------------------------------------------------------


class EntryParser:
    """Turns one feedparser entry into a FeedEntry; subclass and override for a quirk."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def parse(self, entry: Mapping[str, Any]) -> FeedEntry:
        url = self.parse_url(entry)
        title = self.parse_title(entry)
        summary = self.parse_summary(entry)
        published = self.parse_published(entry)
        return FeedEntry(
            key=self.parse_key(entry, url=url, title=title, summary=summary),
            url=url,
            title=title or _title_from(summary, url),
            author=self.parse_author(entry),
            published=published,
            summary=summary,
            tags=self.parse_tags(entry),
        )

    def parse_key(self, entry: Mapping[str, Any], *, url: str, title: str, summary: str) -> str:
        """guid/id, else the cleaned link, else a hash of the content."""
        guid = str(entry.get("id") or "").strip()
        if guid:
            return guid
        if url:
            return url
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
        return f"sha256:{digest[:32]}"

    def parse_url(self, entry: Mapping[str, Any]) -> str:
        """The entry's link, absolute, without tracking parameters or fragment ('' if none)."""
        link = str(entry.get("link") or "").strip()
        if not link:
            for candidate in entry.get("links") or ():
                if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                    link = str(candidate["href"]).strip()
                    break
        if not link:
            guid = str(entry.get("id") or "").strip()
            if urlsplit(guid).scheme in ("http", "https"):
                link = guid
        if not link:
            return ""
        base = entry.get("title_detail", {}).get("base") or self.base_url
        try:
            return clean_url(link, base=base or None)
        except ValueError:  # "http://[x": kept as an entry without a usable link
            return ""

    def parse_title(self, entry: Mapping[str, Any]) -> str:
        detail = entry.get("title_detail") or {}
        return _plain(entry.get("title"), detail.get("type"))

    def parse_summary(self, entry: Mapping[str, Any]) -> str:
        """Plain text of the fullest body the feed gives: content, else summary."""
        best, best_type = "", None
        for content in entry.get("content") or ():
            value = content.get("value") or ""
            if len(value) > len(best):
                best, best_type = value, content.get("type")
        summary = entry.get("summary") or ""
        if len(summary) > len(best):
            best, best_type = summary, (entry.get("summary_detail") or {}).get("type")
        return _plain(best, best_type or "text/html")

    def parse_published(self, entry: Mapping[str, Any]) -> datetime | None:
        """The first believable of the entry's dates: a date more than a day ahead is a
        typo (2091 for 2019) that would keep the entry "newest" for decades."""
        latest = datetime.now(UTC) + FUTURE_TOLERANCE
        for key in ("published_parsed", "updated_parsed", "created_parsed"):
            value = entry.get(key)
            if isinstance(value, time.struct_time):
                try:
                    # feedparser's *_parsed are already UTC.
                    when = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
                except (OverflowError, ValueError, OSError):
                    continue
                if when <= latest:
                    return when
        return None

    def parse_author(self, entry: Mapping[str, Any]) -> str | None:
        """The author's name: `email (Name)`, `Name <email>`, `Name (email)` give Name."""
        raw = _plain(str(entry.get("author") or ""), "text/plain")
        if not raw:
            detail = entry.get("author_detail") or {}
            names = [a.get("name") for a in entry.get("authors") or () if a.get("name")]
            raw = _plain(detail.get("name") or ", ".join(names), "text/plain")
        # feedparser's own split of these misreads long TLDs, so do it here.
        match = _EMAIL_NAME.match(raw) or _NAME_EMAIL.match(raw)
        if match:
            raw = match.group("name").strip()
        if _EMAIL.fullmatch(raw):
            return None  # a bare address names nobody
        return raw or None

    def parse_tags(self, entry: Mapping[str, Any]) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for tag in entry.get("tags") or ():
            label = _plain(tag.get("label") or tag.get("term") or "", "text/plain")
            for part in (label,) if "," not in label else label.split(","):
                part = part.strip()
                if part and part.lower() not in {s.lower() for s in seen}:
                    seen[part] = None
        return tuple(seen)


_EMAIL = re.compile(r"[^\s@()<>]+@[^\s@()<>]+")
_EMAIL_NAME = re.compile(r"^\s*[^\s@()<>]+@[^\s@()<>]+\s*\((?P<name>[^()]+)\)\s*$")
_NAME_EMAIL = re.compile(r"^(?P<name>[^<>()]+?)\s*[<(][^\s@<>()]+@[^\s@<>()]+[>)]\s*$")


def _title_from(summary: str, url: str) -> str:
    """A title for an untitled entry (RSS allows them): its first words, else its URL."""
    if summary:
        words = summary.split()
        return " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    return url


# --- the feed --------------------------------------------------------------------------


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str],
    entry_parser: EntryParser | None = None,
) -> ParsedFeed:
    """Parse fetched feed bytes with the response headers (charset, base URL).

    Raises ParseError when the bytes are empty, HTML, or otherwise not a feed.
    """
    if not body.removeprefix(b"\xef\xbb\xbf").strip():
        raise ParseError(f"{url} returned an empty body, not a feed; check the feed URL.")
    body = _without_leading_blanks(body)
    lowered = {k.lower(): v for k, v in headers.items()}
    # feedparser resolves relative links against Content-Location; make it absolute
    # against the URL we fetched, which is the base when the server sends none.
    lowered["content-location"] = urljoin(url, lowered.get("content-location", ""))
    content_type = lowered.get("content-type", "")
    if content_type.lower().startswith("text/") and "charset" not in content_type.lower():
        # RFC 3023 made text/* without a charset US-ASCII, so feedparser flags every UTF-8
        # feed served as text/xml; RFC 7303 (which replaced it) lets the XML declaration
        # decide, which is what application/xml means to feedparser.
        lowered["content-type"] = "application/xml"
    try:
        # A BytesIO, never the bytes themselves: feedparser would try bytes as a file path.
        # Every text construct becomes plain text here (`_plain`), so feedparser's HTML
        # sanitiser and its rewriting of links inside content would be wasted work: on
        # feeds that carry whole articles they are most of its time.
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers=lowered,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # hostile bytes must never crash a run; feedparser is not total
        raise ParseError(f"{url} could not be parsed as a feed ({exc!r}).") from None
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    if not entries and (not version or _looks_like_html(body)):
        raise ParseError(_not_a_feed_message(body, url, lowered))
    parser = entry_parser or EntryParser(lowered["content-location"])
    items: list[FeedEntry] = []
    for number, entry in enumerate(entries, 1):
        try:
            items.append(parser.parse(entry))
        except Exception as exc:  # one broken entry is skipped, never the feed
            log.warning("%s: entry %d skipped: %r", url, number, exc)
    items = _distinct_keys(items)
    feed = parsed.get("feed") or {}
    title = _plain(feed.get("title"), (feed.get("title_detail") or {}).get("type"))
    warning = None
    problem = parsed.get("bozo_exception")
    # A server labelling a well-formed feed text/html (or nothing) is too common to
    # flag: the bytes are fine, only the header is wrong.
    if parsed.get("bozo") and not isinstance(problem, feedparser.NonXMLContentType):
        warning = _describe(problem)
    return ParsedFeed(title=title, entries=tuple(items), warning=warning)


def _without_leading_blanks(body: bytes) -> bytes:
    """The body without the blank lines some servers print before the XML declaration
    (a CMS plugin's stray output): XML allows nothing there, so feedparser would fall
    back to its loose parser and flag a well-formed feed as broken. A UTF-8 BOM stays;
    a UTF-16 body (whose first bytes are no ASCII blank and "<") is left alone."""
    bom = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    rest = body[len(bom) :]
    if not rest[:1].isspace():
        return body
    stripped = rest.lstrip()
    return bom + stripped if stripped.startswith(b"<") else body


def _distinct_keys(items: list[FeedEntry]) -> list[FeedEntry]:
    """Entries sharing a guid but linking to different pages, keyed by their links.

    A feed that gives every item one guid (a template bug: the site's home page, "0")
    would otherwise have all its entries taken for its first, now and in every later
    fetch; a guid shared by copies of one link still makes them one entry.
    """
    if len({item.key for item in items}) == len(items):
        return items
    links: dict[str, set[str]] = {}
    for item in items:
        links.setdefault(item.key, set()).add(item.url)
    return [
        replace(item, key=item.url) if item.url and len(links[item.key]) > 1 else item
        for item in items
    ]


def _describe(exc: object) -> str:
    if exc is None:
        return "the feed is not well-formed"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body)", re.I | re.S)


def _looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(body[:4096].lstrip(b"\xef\xbb\xbf")))


class _AlternateFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feeds: list[str] = []
        self.base: str | None = None
        self.is_html = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("html", "head", "body"):  # not <title> or <p>: XML and JSON have those
            self.is_html = True
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag in ("link", "a"):
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rels and kind in _FEED_TYPES and values.get("href"):
                self.feeds.append(values["href"])


def _not_a_feed_message(body: bytes, url: str, headers: Mapping[str, str]) -> str:
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and b"jsonfeed.org" in body[:4096]:
        return (
            f"{url} is a JSON Feed, which cheesecake does not read; "
            "use the site's RSS or Atom feed instead."
        )
    finder = _AlternateFinder()
    try:
        finder.feed(_decode(body[:500_000], headers))
        finder.close()
    except Exception:  # the message is best effort; a mangled page still gets one
        pass
    feed_url = _first_valid(finder.feeds, url, finder.base)
    if feed_url:
        return (
            f"{url} is an HTML page, not a feed; it advertises the feed {feed_url}: "
            "use that URL instead."
        )
    if finder.is_html or _looks_like_html(body):
        return (
            f"{url} is an HTML page, not a feed, and advertises none; "
            "find the site's RSS or Atom link and use that URL instead."
        )
    return f"{url} is not a feed (neither RSS nor Atom); check the feed URL."


def _first_valid(links: list[str], url: str, base: str | None) -> str | None:
    for link in links:
        try:
            return clean_url(link, base=urljoin(url, base) if base else url)
        except ValueError:  # a malformed href (e.g. "http://[") is no help to the user
            continue
    return None


def _decode(body: bytes, headers: Mapping[str, str]) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.I)
    if match:
        try:
            return body.decode(match.group(1), "replace")
        except LookupError:
            pass
    return body.decode("utf-8", "replace")
