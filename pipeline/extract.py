"""Article extraction: a fetched page's bytes in, its main text and metadata out.

This stage owns the choice of trafilatura options (main text, no comments, with
metadata) and turns "nothing usable" into an `ExtractError` with a reason, so the
caller can fall back to the feed's summary. It refuses to fetch: bytes in only.
Extraction is CPU-bound: ingest runs it in worker processes (pipeline.workers),
each started with `warm_worker`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urlsplit

from pipeline import bylines
from pipeline.errors import ExtractError
from pipeline.urls import clean_url

log = logging.getLogger(__name__)

_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# Fewer characters of main text than this is a teaser, a paywall or an index page.
MIN_TEXT_CHARS = 200


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    description: str | None = None
    language: str | None = None
    canonical_url: str | None = None  # the page's own URL when it names one, tracking removed


def extract_page(html: bytes, url: str, *, content_type: str | None = None) -> Extracted:
    """Main text (comments excluded) and metadata of one page; ExtractError if none.

    `content_type` is the response's header: its charset, when it decodes the bytes,
    wins over the page's own guess, as in a browser.
    """
    # Imported here: trafilatura takes a second to import, and only workers need it.
    from trafilatura import bare_extraction
    from trafilatura.settings import Document
    from trafilatura.utils import load_html

    if not html.strip():
        raise ExtractError(f"{url}: the page is empty.")
    tree = load_html(_decode(html, content_type))
    if tree is None:
        raise ExtractError(f"{url}: the response is not an HTML page.")
    # Metadata first: extraction prunes the tree (trafilatura copies it, but reads
    # its own metadata before the text for the same reason).
    meta = _metadata(tree, url)
    language = _language(tree)
    canonical = _canonical(tree, url)
    document = bare_extraction(tree, url=url, include_comments=False)
    text = (document.text or "").strip() if isinstance(document, Document) else ""
    if not isinstance(document, Document) or len(text) < MIN_TEXT_CHARS:
        raise ExtractError(
            f"{url}: no article text found in the page "
            f"({len(text)} characters; it may be a teaser, a paywall or a script-only page)."
        )
    return Extracted(
        text=text,
        title=_clean(meta.title),
        author=_clean(meta.author),
        published=_date(meta.date),
        site_name=_site_name(meta.sitename, meta.title),
        description=_clean(meta.description),
        language=language,
        canonical_url=canonical,
    )


def _metadata(tree: Any, url: str) -> Any:
    """Title, author, date, site name and description, as trafilatura finds them.

    Its own `with_metadata` pass also hunts categories and tags through every link
    of the page, a quarter of the extraction's time spent on fields nothing here
    uses; these are the same finders without that.
    """
    from htmldate import find_date
    from trafilatura.metadata import (
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_sitename,
        extract_title,
        set_date_params,
    )

    meta = examine_meta(tree)  # OpenGraph, <meta> names and properties
    if meta.author and " " not in meta.author:
        meta.author = None  # a bare handle ("admin", "newsdesk") names nobody
    try:
        meta = extract_meta_json(tree, meta)  # JSON-LD, which outranks <meta>
    except Exception:  # malformed JSON-LD costs those fields, not the page
        log.debug("unreadable JSON-LD in %s", url)
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or extract_author(tree)
    meta.author = bylines.from_page(tree, meta.author)
    site = (meta.sitename or extract_sitename(tree) or "").lstrip("@")  # a Twitter handle
    if site and "." not in site and not site[0].isupper():
        site = site.title()  # "cleveland" -> "Cleveland", a domain stays as written
    meta.sitename = site or None
    # With a time where the page gives one (article:published_time and the like).
    params = {**set_date_params(True), "outputformat": _DATE_FORMAT, "url": meta.url or url}
    meta.date = find_date(tree, **params)
    meta.clean_and_trim()  # entities decoded, whitespace and control characters removed
    return meta


def _site_name(found: Any, title: Any) -> str | None:
    """The page's own name for its site, if it gives one. None rather than the host
    ("127.0.0.1", "news.example.com"): ingest then names the feed's publication. A
    "site name" that is the headline (taken from a bare <title>) is none."""
    site = _clean(found)
    if site is None or site.casefold() == (_clean(title) or "").casefold():
        return None
    return site


def _decode(html: bytes, content_type: str | None) -> bytes | str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    if match:
        try:
            return html.decode(match.group(1))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong header: let trafilatura read the page's own declaration
    return html


def _clean(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _date(value: Any) -> datetime | None:
    """trafilatura's date (YYYY-MM-DD, sometimes with a time) as aware UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_LANG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def _language(tree: Any) -> str | None:
    """The page's declared language (html lang, Content-Language meta, og:locale)."""
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath(
            "//meta[@http-equiv][translate(@http-equiv,'CONTENTLAGU','contentlagu')="
            "'content-language']/@content"
        ),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ]
    for value in candidates:
        value = (value or "").strip().split(",")[0].strip()
        if _LANG.match(value):
            return value.replace("_", "-").lower()
    return None


def _canonical(tree: Any, url: str) -> str | None:
    """The page's rel=canonical (else og:url), absolute, tracking removed.

    Read here rather than from trafilatura, which normalises the URL further than
    the product allows (it may rewrite the path).
    """
    found = [
        *tree.xpath(
            "//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
        ),
        *tree.xpath("//meta[@property='og:url']/@content"),
    ]
    for value in found:
        value = (value or "").strip()
        if not value:
            continue
        try:
            candidate = clean_url(value, base=url)
            parts = urlsplit(candidate)
        except ValueError:  # a malformed link (e.g. "http://[broken") names nothing
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            return candidate
    return None


# A page that only sends the reader on (<meta http-equiv="refresh" content="0;
# url=...">: link shorteners, old feed redirectors, consent walls) names its target in
# its <head>; a refresh after longer than this is a page reloading itself, not a link.
REFRESH_MAX_SECONDS = 10
_HEAD_BYTES = 32_768  # where a <head> ends on any page worth following
_META = re.compile(rb"<meta\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(rb"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_REFRESH = re.compile(r"""^\s*(\d+(?:\.\d*)?)\s*(?:[;,]\s*(?:url\s*=\s*)?['"]?([^'"]+))?""", re.I)


def meta_refresh(html: bytes, url: str) -> str | None:
    """Where the page's meta refresh sends the reader within REFRESH_MAX_SECONDS, as
    an absolute http(s) URL other than the page's own; None if nowhere."""
    for tag in _META.findall(html[:_HEAD_BYTES]):
        attributes = {name.lower(): (a or b or c) for name, a, b, c in _ATTRIBUTE.findall(tag)}
        if attributes.get(b"http-equiv", b"").strip().lower() != b"refresh":
            continue
        content = attributes.get(b"content", b"").decode("utf-8", "replace")
        found = _REFRESH.match(html_unescape(content))
        if not found or not found.group(2) or float(found.group(1)) > REFRESH_MAX_SECONDS:
            return None
        try:
            target = clean_url(found.group(2).strip(), base=url)
        except ValueError:
            return None
        if urlsplit(target).scheme not in ("http", "https") or target == clean_url(url):
            return None
        return target
    return None


# --- in a worker process ---------------------------------------------------------------


def warm_worker() -> None:
    """Import trafilatura in a worker ahead of the first page, and quieten it.

    Its per-page complaints ("discarding data") would reach the user's terminal
    through logging's last-resort handler; the caller gets an ExtractError instead.
    """
    import trafilatura  # noqa: F401

    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
