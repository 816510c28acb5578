"""Article extraction: a fetched page's bytes in, its main text and metadata out.

This stage owns the choice of trafilatura options (main text, no comments, with
metadata) and turns "nothing usable" into an `ExtractError` with a reason, so the
caller can fall back to the feed's summary. It refuses to fetch: bytes in only.
Extraction is CPU-bound, so `ExtractorPool` runs it in worker processes and
survives a worker that dies (a page that crashes lxml costs one item, not the run).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

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
    from trafilatura.metadata import set_date_params
    from trafilatura.settings import Document
    from trafilatura.utils import load_html

    if not html.strip():
        raise ExtractError(f"{url}: the page is empty.")
    tree = load_html(_decode(html, content_type))
    if tree is None:
        raise ExtractError(f"{url}: the response is not an HTML page.")
    language = _language(tree)
    canonical = _canonical(tree, url)
    document = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=True,
        # With a time where the page gives one (article:published_time and the like).
        date_extraction_params={**set_date_params(True), "outputformat": _DATE_FORMAT},
    )
    text = (document.text or "").strip() if isinstance(document, Document) else ""
    if not isinstance(document, Document) or len(text) < MIN_TEXT_CHARS:
        raise ExtractError(
            f"{url}: no article text found in the page "
            f"({len(text)} characters; it may be a teaser, a paywall or a script-only page)."
        )
    return Extracted(
        text=text,
        title=_clean(document.title),
        author=_clean(document.author),
        published=_date(document.date),
        site_name=_clean(document.sitename),
        description=_clean(document.description),
        language=language,
        canonical_url=canonical,
    )


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
        candidate = clean_url(value, base=url)
        if urlsplit(candidate).scheme in ("http", "https") and urlsplit(candidate).hostname:
            return candidate
    return None


# --- the process pool ------------------------------------------------------------------


def _mp_context() -> multiprocessing.context.BaseContext:
    # Workers are started from a clean server process, not forked from the fetcher's
    # threads (forking a threaded process can deadlock in a child).
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _warm() -> None:
    """Import trafilatura in a worker ahead of the first page."""
    import trafilatura  # noqa: F401


class ExtractorPool:
    """`with ExtractorPool(workers) as pool: pool.submit(html, url).result()`.

    A worker that dies (segfault, OOM kill) breaks a ProcessPoolExecutor for good; here
    the pool is recreated, and every page that was in flight is retried once on the new
    pool. A page in flight during a second crash fails with ExtractError: it is then
    either the culprit or unlucky twice, and either way the run goes on.
    """

    def __init__(self, workers: int = 0):
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    def __enter__(self) -> ExtractorPool:
        self._get_executor()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _get_executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("ExtractorPool is closed")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=_mp_context(), initializer=_warm
                )
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def submit(
        self, html: bytes, url: str, *, content_type: str | None = None
    ) -> Future[Extracted]:
        """Extract one page in a worker; the future raises ExtractError on failure."""
        outer: Future[Extracted] = Future()
        self._start(outer, html, url, content_type, attempts_left=1)
        return outer

    def _start(
        self,
        outer: Future[Extracted],
        html: bytes,
        url: str,
        content_type: str | None,
        attempts_left: int,
    ) -> None:
        inner: Future[Extracted]
        try:
            executor = self._get_executor()
        except RuntimeError as exc:  # the pool was closed
            outer.set_exception(ExtractError(f"{url}: extraction was cancelled ({exc})."))
            return
        try:
            inner = executor.submit(extract_page, html, url, content_type=content_type)
        except BrokenProcessPool as exc:  # it broke before this page could be sent
            inner = Future()
            inner.set_exception(exc)
        except RuntimeError as exc:  # shut down while submitting
            outer.set_exception(ExtractError(f"{url}: extraction was cancelled ({exc})."))
            return

        def done(inner: Future[Extracted]) -> None:
            if inner.cancelled():
                outer.set_exception(ExtractError(f"{url}: extraction was cancelled."))
                return
            exc = inner.exception()
            if exc is None:
                outer.set_result(inner.result())
            elif isinstance(exc, BrokenProcessPool):
                self._discard(executor)
                if attempts_left > 0 and not self._closed:
                    log.warning("extraction worker died; retrying %s on a new pool", url)
                    self._start(outer, html, url, content_type, attempts_left - 1)
                else:
                    outer.set_exception(
                        ExtractError(f"{url}: the extraction worker crashed on this page.")
                    )
            elif isinstance(exc, ExtractError):
                outer.set_exception(exc)
            else:  # a trafilatura bug on one page is that page's failure, not the run's
                outer.set_exception(ExtractError(f"{url}: extraction failed ({exc!r})."))

        inner.add_done_callback(done)
