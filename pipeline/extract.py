"""Article extraction: a fetched page's bytes in, its main text and metadata out.

This stage owns the choice of trafilatura options (main text, no comments, with
metadata) and turns "nothing usable" into an `ExtractError` with a reason, so the
caller can fall back to the feed's summary. It refuses to fetch: bytes in only.
Extraction is CPU-bound, so `ExtractorPool` runs it in worker processes and
survives a worker that dies (a page that crashes lxml costs one item, not the run);
ingest hands it feed parsing too, the other CPU-bound step of a fetch.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from pipeline.errors import CheesecakeError, ExtractError
from pipeline.urls import clean_url

log = logging.getLogger(__name__)

_T = TypeVar("_T")

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
        site_name=_clean(meta.sitename) or _host_name(canonical or url),
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
    site = (meta.sitename or extract_sitename(tree) or "").lstrip("@")  # a Twitter handle
    if site and "." not in site and not site[0].isupper():
        site = site.title()  # "cleveland" -> "Cleveland", a domain stays as written
    meta.sitename = site or None
    # With a time where the page gives one (article:published_time and the like).
    params = {**set_date_params(True), "outputformat": _DATE_FORMAT, "url": meta.url or url}
    meta.date = find_date(tree, **params)
    meta.clean_and_trim()  # entities decoded, whitespace and control characters removed
    return meta


def _host_name(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host or None


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


# --- the process pool ------------------------------------------------------------------


class Extractor(Protocol):
    def __call__(self, html: bytes, url: str, *, content_type: str | None = None) -> Extracted: ...


def _mp_context() -> multiprocessing.context.BaseContext:
    # Fresh interpreters, never a fork of the fetcher: forking a process that runs
    # threads (event loop, HTTP client, loopback server) can deadlock the child, and
    # forkserver talks over a Unix socket that sandboxes (and our tests) may refuse.
    return multiprocessing.get_context("spawn")


def _warm() -> None:
    """Import trafilatura in a worker ahead of the first page, and quieten it.

    Its per-page complaints ("discarding data") would reach the user's terminal
    through logging's last-resort handler; the caller gets an ExtractError instead.
    """
    import trafilatura  # noqa: F401

    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _started() -> None:
    """A no-op job: submitting one per worker makes the executor spawn them all."""


@dataclass
class _Job:
    call: Callable[..., Any]  # a module-level function (it is pickled to the worker)
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    url: str  # what the job is about, for messages
    future: Future[Any]


class ExtractorPool:
    """`with ExtractorPool(workers) as pool: pool.submit(html, url).result()`.

    A worker that dies (segfault, OOM kill) breaks a ProcessPoolExecutor for good and
    fails every page in it. Here the pool is recreated, and the pages that were in
    flight are retried one at a time in a one-worker quarantine pool: a page that
    crashes alone there is the culprit and fails with ExtractError; the others
    succeed. To keep that set small, at most two pages per worker are handed to the
    executor at once; the rest wait in this object's own backlog.
    """

    def __init__(self, workers: int = 0, *, extractor: Extractor | None = None):
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        # A module-level function (it is pickled to the workers); tests swap in a crasher.
        self.extractor: Extractor = extractor or extract_page
        self._in_flight_cap = 2 * self.workers  # keeps workers busy between results
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._quarantine: ProcessPoolExecutor | None = None
        self._backlog: deque[_Job] = deque()
        self._suspects: deque[_Job] = deque()
        self._running = 0
        self._quarantine_busy = False
        self._closed = False

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(
        self, html: bytes, url: str, *, content_type: str | None = None
    ) -> Future[Extracted]:
        """Extract one page in a worker; the future raises ExtractError on failure."""
        return self.submit_call(self.extractor, html, url, about=url, content_type=content_type)

    def submit_call(
        self, call: Callable[..., _T], *args: Any, about: str, **kwargs: Any
    ) -> Future[_T]:
        """Run another CPU-bound stage function (feed parsing) in a worker, with the
        same crash handling. A CheesecakeError it raises reaches the future as is; any
        other exception becomes an ExtractError naming `about` (a URL)."""
        job = _Job(call, args, kwargs, about, Future())
        with self._lock:
            closed = self._closed
            if not closed:
                self._backlog.append(job)
        if closed:
            job.future.set_exception(ExtractError(f"{about}: extraction was cancelled."))
        else:
            self._pump()
        return job.future

    def close(self) -> None:
        """Stop: wait for pages in flight, cancel the ones still waiting."""
        with self._lock:
            self._closed = True
            waiting = [*self._backlog, *self._suspects]
            self._backlog.clear()
            self._suspects.clear()
            executors = [e for e in (self._executor, self._quarantine) if e is not None]
            self._executor = self._quarantine = None
        for job in waiting:
            job.future.set_exception(ExtractError(f"{job.url}: extraction was cancelled."))
        for executor in executors:
            executor.shutdown(wait=True, cancel_futures=True)

    def start(self) -> None:
        """Start every worker now (they take a moment to import trafilatura), rather
        than one by one as the first jobs arrive."""
        with self._lock:
            if self._closed or self._executor is not None:
                return
            self._executor = executor = self._new_executor(self.workers)
        for _ in range(self.workers):
            executor.submit(_started)

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=_warm)

    def _pump(self) -> None:
        """Hand waiting pages to the executors while they have room."""
        while True:
            with self._lock:
                if self._closed:
                    return
                if self._suspects and not self._quarantine_busy:
                    job, quarantined = self._suspects.popleft(), True
                    self._quarantine_busy = True
                    if self._quarantine is None:
                        self._quarantine = self._new_executor(1)
                    executor = self._quarantine
                elif self._backlog and self._running < self._in_flight_cap:
                    job, quarantined = self._backlog.popleft(), False
                    self._running += 1
                    if self._executor is None:
                        self._executor = self._new_executor(self.workers)
                    executor = self._executor
                else:
                    return
            self._run(executor, job, quarantined)

    def _run(self, executor: ProcessPoolExecutor, job: _Job, quarantined: bool) -> None:
        try:
            inner = executor.submit(job.call, *job.args, **job.kwargs)
        except RuntimeError as exc:
            # BrokenProcessPool is a RuntimeError too: anything else means shut down
            # (interpreter exit), and retrying would spin.
            if not isinstance(exc, BrokenProcessPool):
                with self._lock:
                    if quarantined:
                        self._quarantine_busy = False
                    else:
                        self._running -= 1
                job.future.set_exception(ExtractError(f"{job.url}: extraction was cancelled."))
                return
            # Broken by an earlier crash before this page was sent: it is not a suspect.
            self._discard(executor)
            with self._lock:
                if quarantined:
                    self._quarantine_busy = False
                    self._suspects.appendleft(job)
                else:
                    self._running -= 1
                    self._backlog.appendleft(job)
            return  # the caller's loop picks it up again with a fresh executor
        inner.add_done_callback(lambda done: self._finished(executor, job, done, quarantined))

    def _finished(
        self,
        executor: ProcessPoolExecutor,
        job: _Job,
        inner: Future[Extracted],
        quarantined: bool,
    ) -> None:
        exc = None if inner.cancelled() else inner.exception()
        crashed = isinstance(exc, BrokenProcessPool)
        if crashed:
            self._discard(executor)
        with self._lock:
            if quarantined:
                self._quarantine_busy = False
            else:
                self._running -= 1
            retry = crashed and not quarantined and not self._closed
            if retry:
                self._suspects.append(job)
        if retry:
            log.warning("an extraction worker died; retrying %s on its own", job.url)
        elif inner.cancelled():
            job.future.set_exception(ExtractError(f"{job.url}: extraction was cancelled."))
        elif crashed:
            job.future.set_exception(
                ExtractError(f"{job.url}: the extraction worker crashed on this page.")
            )
        elif isinstance(exc, CheesecakeError):
            job.future.set_exception(exc)
        elif exc is not None:  # a trafilatura bug on one page is that page's failure
            job.future.set_exception(ExtractError(f"{job.url}: extraction failed ({exc!r})."))
        else:
            job.future.set_result(inner.result())
        self._pump()

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
            if self._quarantine is broken:
                self._quarantine = None
        broken.shutdown(wait=False, cancel_futures=True)
