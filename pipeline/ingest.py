"""Ingest: every configured feed in, its new articles stored, each failure recorded.

Owns the order of work of one `fetch`: feeds fetched concurrently with conditional
GET, changed ones parsed, each new entry's page fetched and extracted (in a process
pool), the feed's summary used when that fails (and the page asked for again by later
fetches when the failure may pass), duplicates linked by URL and
near-duplicate text, and every article stored in its own transaction (committed a
few dozen at a time), so a process killed at any moment loses nothing committed and
duplicates nothing. A feed's validators are saved only once all its entries are
stored: an interrupted feed is parsed again next time. How to fetch (net), parse
(feeds), extract (extract) and what a duplicate is (dedup) are other modules'
business; this one never lets one item's failure stop the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipeline import eventloop
from pipeline._httpx import httpx
from pipeline.analyse import Analysed, analyse_page
from pipeline.config import Config
from pipeline.errors import ExtractError, FetchError, ParseError
from pipeline.extract import Extracted, meta_refresh, warm_worker
from pipeline.feeds import ParsedFeed, parse_feed
from pipeline.net import Admission, Fetched, Fetcher, RefusedURL, Resolver
from pipeline.records import (
    Article,
    FeedEntry,
    FeedState,
    FetchReport,
    ItemError,
    NewArticle,
    PageRetry,
)
from pipeline.store import Store
from pipeline.store._base import utcnow
from pipeline.urls import clean_url, same_site
from pipeline.workers import WorkerPool

if TYPE_CHECKING:
    from pipeline.dedup import Fingerprint

log = logging.getLogger(__name__)

# (items done, items known so far): feeds, then the new entries they reveal.
Progress = Callable[[int, int], None]

DEAD_FEED_RETRY = timedelta(days=7)  # a 410 Gone feed is asked again after this long
CANDIDATES_CHECKED = 8  # near-duplicate candidates confirmed by exact similarity
FTS_BATCH = 256  # new articles added to the full-text index at once
# Articles are committed together, at most this many or this long after the first of
# them: a commit costs about what storing an article does, and a kill loses at most
# the uncommitted ones, whose entries the next run then takes again.
COMMIT_ARTICLES = 64
COMMIT_SECONDS = 0.25
# A page (or feed) whose extraction runs longer than this is stopped and falls back to
# the feed's summary; trafilatura takes well under a second on a typical page, and a
# few seconds on the largest pages the body limit lets through.
EXTRACT_TIME_LIMIT = 60.0
# A page holds a slot from the moment its host can be asked until its text is back:
# through the request, the response, the queue at a worker and the extraction. The
# slots bound the bodies held in memory (typically 50-100 KB each) and must cover
# that whole round trip at the rate the workers extract, or the workers wait for
# pages: with 16 slots for two workers, on benchmarks/ingest.py's 50 ms sites, each
# worker waited for its next job 4.7 % of the time (gaps of about the event loop's
# 10 ms poll); with 32, 1.7 %. A slower network needs more, hence per worker.
MIN_PAGE_SLOTS = 32
PAGE_SLOTS_PER_WORKER = 16
# A page that failed for a passing reason (timeouts, 5xx, resets, after the fetch's own
# retries) is asked again by later fetches, after these delays since its last failure,
# then given up (its article keeps the feed's summary). Spread over a day, so a site
# down for its morning maintenance is back in the evening digest, and a scheduled
# hourly fetch does not hammer a site that is down for the day.
PAGE_RETRY_DELAYS = (timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
PAGE_RETRIES_PER_RUN = 200  # at most this many old pages asked again in one fetch
# What a batch SQLite undoes takes back with it (the report's counts of stored items).
_STORED_COUNTS = (
    "new_articles",
    "extracted",
    "fallbacks",
    "duplicates",
    "near_duplicates",
    "recovered",
)
META_REFRESH_HOPS = 2  # pages followed through meta refreshes from one entry's link
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/xml", "application/xml")


def fetch_all(
    store: Store,
    config: Config,
    *,
    run_id: int | None = None,
    progress: Progress | None = None,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now: datetime | None = None,
) -> FetchReport:
    """Pull every configured feed and store its new articles, and ask again for the
    pages earlier runs could not get; never raises for one item.

    `resolver` and `transport` replace DNS and the network (tests, benchmarks);
    `now` the clock that says which pages are due again.
    """
    started = time.monotonic()
    fetcher = Fetcher(config.settings, resolver=resolver, transport=transport)
    ingest = _Ingest(store, config, fetcher, run_id, progress, now or utcnow())
    with asyncio.Runner(loop_factory=eventloop.new_event_loop) as runner:
        tally = runner.run(ingest.run())
    return tally.report(seconds=time.monotonic() - started, requests=fetcher.requests)


@dataclass
class _Tally:
    feeds: int = 0
    feeds_failed: int = 0
    feeds_unchanged: int = 0
    new_articles: int = 0
    extracted: int = 0
    fallbacks: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    pages: int = 0
    recovered: int = 0
    errors: list[ItemError] = field(default_factory=list)

    def report(self, *, seconds: float, requests: int) -> FetchReport:
        return FetchReport(
            feeds=self.feeds,
            feeds_failed=self.feeds_failed,
            feeds_unchanged=self.feeds_unchanged,
            new_articles=self.new_articles,
            extracted=self.extracted,
            fallbacks=self.fallbacks,
            duplicates=self.duplicates,
            errors=tuple(self.errors),
            near_duplicates=self.near_duplicates,
            pages=self.pages,
            recovered=self.recovered,
            requests=requests,
            seconds=round(seconds, 3),
        )


@dataclass(frozen=True)
class _Page:
    """What fetching and extracting one entry's page gave: text, or why not."""

    final_url: str
    extracted: Extracted | None = None
    error: ItemError | None = None
    passing: bool = False  # the fetch failed for a reason a later run may not meet


class _Ingest:
    """One run's state. Everything here runs on one event loop thread, which is also
    the only thread that touches the store."""

    def __init__(
        self,
        store: Store,
        config: Config,
        fetcher: Fetcher,
        run_id: int | None,
        progress: Progress | None,
        now: datetime,
    ):
        self.store = store
        self.now = now
        self.settings = config.settings
        self.sources = config.feeds
        self.fetcher = fetcher
        self.run_id = run_id
        self.progress = progress
        self.tally = _Tally()
        self._pool: WorkerPool | None = None
        self._workers = self.settings.extract_workers or os.cpu_count() or 1
        self._page_slots = asyncio.Semaphore(
            max(MIN_PAGE_SLOTS, self._workers * PAGE_SLOTS_PER_WORKER)
        )
        # Each feed's publication name (the user's name for the feed, else its own
        # title): an article's site when its page names none.
        self._publications: dict[int, str | None] = {}
        # An entry URL being processed right now, so a second feed carrying the same
        # link waits for it instead of fetching the page again.
        self._in_progress: dict[str, asyncio.Future[int | None]] = {}
        self._done = 0
        self._unindexed = 0  # articles stored since the full-text index was last filled
        self._uncommitted = 0  # articles stored in the open batch
        self._commit_timer: asyncio.TimerHandle | None = None
        self._total = 0
        # The counts as of the last commit, and how many batches SQLite had undone
        # then: a batch it undoes whole takes its articles out of the report too.
        self._committed = replace(self.tally, errors=[])
        self._lost_seen = store.batches_lost

    async def run(self) -> _Tally:
        states = self.store.sync_feeds(self.sources)
        retries = self.store.due_page_retries(self.now, PAGE_RETRIES_PER_RUN)
        self.tally.feeds = len(states)
        self._grow(len(states) + len(retries))
        try:
            async with self.fetcher:
                await asyncio.gather(
                    *(self._guarded_feed(state) for state in states),
                    *(self._guarded_retry(retry) for retry in retries),
                )
        finally:
            if self._pool is not None:
                await self._pool.close()
            self._commit()
        self.store.index_pending_text()
        return self.tally

    def _stored(self) -> None:
        """One more article in the open batch: commit when it is full, or soon."""
        self._uncommitted += 1
        if self._uncommitted >= COMMIT_ARTICLES:
            self._commit()
        elif self._commit_timer is None:
            self._commit_timer = asyncio.get_running_loop().call_later(COMMIT_SECONDS, self._commit)

    def _commit(self) -> None:
        if self._commit_timer is not None:
            self._commit_timer.cancel()
            self._commit_timer = None
        self._uncommitted = 0
        try:
            self.store.commit_batch()
        except sqlite3.Error as exc:
            # Often on a timer, where an exception would only reach asyncio's
            # traceback printer: the batch's items are recorded instead, and the
            # feeds whose articles went with it keep their validators (see _feed).
            log.warning("commit failed: %s", exc)
            self._take_back_lost_batch(str(exc))
            return
        self._committed = replace(self.tally, errors=[])

    def _take_back_lost_batch(self, reason: str) -> None:
        """If SQLite undid the open batch whole (a full disk), take its articles back
        out of the report and record one error for them: the next fetch gets them."""
        if self.store.batches_lost == self._lost_seen:
            return
        self._lost_seen = self.store.batches_lost
        lost = self.tally.new_articles - self._committed.new_articles
        for name in _STORED_COUNTS:
            setattr(self.tally, name, getattr(self._committed, name))
        if lost:
            noun = "article" if lost == 1 else "articles"
            self._error(
                "store",
                "database",
                f"{lost} new {noun} were undone by the database ({reason}); "
                "the next fetch asks for them again",
            )

    # --- progress and errors ---------------------------------------------------------

    def _grow(self, n: int) -> None:
        self._total += n
        self._tell()

    def _advance(self) -> None:
        self._done += 1
        self._tell()

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress(self._done, self._total)

    def _error(self, stage: str, item: str, message: str) -> ItemError:
        error = ItemError(stage=stage, item=item, message=message)
        self.tally.errors.append(error)
        self.store.record_error(self.run_id, error)
        return error

    def _feed_failed(self, state: FeedState, message: str, status: int | None) -> None:
        self.tally.feeds_failed += 1
        self._error("feed", state.url, message)
        # 410 Gone is the server saying the feed will not come back.
        self.store.record_feed_failure(state.id, message, status=status, dead=status == 410)

    # --- feeds ---------------------------------------------------------------------------

    async def _guarded_feed(self, state: FeedState) -> None:
        try:
            await self._feed(state)
        except Exception as exc:  # a bug on one feed's data must not cost the others
            log.exception("unexpected failure on feed %s", state.url)
            self._feed_failed(state, f"unexpected error: {exc!r}", None)
        finally:
            self._advance()

    async def _feed(self, state: FeedState) -> None:
        if state.dead and state.last_fetched and utcnow() - state.last_fetched < DEAD_FEED_RETRY:
            self.tally.feeds_failed += 1  # still gone: `status` shows why, nothing to record
            return
        try:
            # A feed the user put on a private host may link there; a public one may not.
            allow_private = await self.fetcher.is_private(state.url)
            fetched = await self.fetcher.fetch(
                state.url,
                max_bytes=self.settings.feed_max_bytes,
                allow_private=allow_private,
                etag=state.etag,
                last_modified=state.last_modified,
            )
        except FetchError as exc:
            self._feed_failed(state, str(exc), exc.status)
            return
        digest = hashlib.sha256(fetched.body).hexdigest()
        if fetched.not_modified or digest == state.body_hash:
            self._unchanged(state, fetched, None if fetched.not_modified else digest)
            return
        try:
            parsed = await self._parse(fetched)
        except ParseError as exc:
            self._feed_failed(state, str(exc), fetched.status)
            return
        self._publications[state.id] = state.name or parsed.title
        entries = self._new_entries(state, parsed.entries)
        if entries:
            self._extractor()  # its workers start while the pages are fetched
        self._grow(len(entries))
        lost = self.store.batches_lost
        stored = await asyncio.gather(
            *(self._guarded_entry(state, e, allow_private) for e in entries)
        )
        complete = all(stored) and self.store.batches_lost == lost
        # Validators only when every entry is stored (and none went with a batch SQLite
        # undid); otherwise the old ones stay, the next run gets the feed again (a 200,
        # a different hash) and retries the rest.
        self.store.record_feed_success(
            state.id,
            status=fetched.status,
            etag=fetched.etag if complete else None,
            last_modified=fetched.last_modified if complete else None,
            body_hash=digest if complete else None,
            warning=parsed.warning,
            moved_to=fetched.moved_to,
        )

    async def _parse(self, fetched: Fetched) -> ParsedFeed:
        """feedparser in an extraction worker once one runs: on a first run, parsing a
        few hundred feeds in the event loop kept it from fetching pages for seconds
        while the workers had nothing to extract. Until then in the event loop, so a
        run whose feeds changed without new entries never starts the workers, and a
        feed that arrives while they are still starting is not kept waiting."""
        if self._pool is None or not self._pool.ready:
            return parse_feed(fetched.body, url=fetched.url, headers=fetched.headers)
        future = self._pool.submit(
            parse_feed,
            fetched.body,
            url=fetched.url,
            headers=dict(fetched.headers),
            about=fetched.url,
        )
        try:
            return await future
        except ExtractError as exc:  # the worker died or failed on these bytes
            raise ParseError(str(exc)) from None

    def _unchanged(self, state: FeedState, fetched: Fetched, digest: str | None) -> None:
        self.tally.feeds_unchanged += 1
        # An unchanged feed keeps the warning its last parse left (a bozo feed stays one).
        healthy = state.consecutive_failures == 0 and state.last_status in (200, 304)
        self.store.record_feed_success(
            state.id,
            status=fetched.status,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            body_hash=digest,
            warning=state.last_error if healthy else None,
            moved_to=fetched.moved_to,
        )

    def _new_entries(self, state: FeedState, entries: tuple[FeedEntry, ...]) -> list[FeedEntry]:
        unique: dict[str, FeedEntry] = {}
        for entry in entries:
            unique.setdefault(entry.key, entry)
        # Feeds list newest first; a huge archive feed is cut to its newest entries.
        kept = list(unique.values())[: self.settings.max_entries_per_feed]
        known = self.store.known_entry_keys(state.id, [e.key for e in kept])
        return [e for e in kept if e.key not in known]

    # --- entries ---------------------------------------------------------------------------

    async def _guarded_entry(self, state: FeedState, entry: FeedEntry, allow_private: bool) -> bool:
        """Process one entry; True when it needs no retry (stored, linked or refused)."""
        try:
            return await self._entry(state, entry, allow_private)
        except Exception as exc:
            log.exception("unexpected failure on entry %s", entry.url or entry.key)
            self._error("store", entry.url or entry.key, f"unexpected error: {exc!r}")
            self._take_back_lost_batch(str(exc))
            return False
        finally:
            self._advance()

    async def _entry(self, state: FeedState, entry: FeedEntry, allow_private: bool) -> bool:
        if not entry.url:
            self._error("entry", entry.key, "the feed entry has no link; it was skipped")
            return True
        try:
            await self.fetcher.check_url(entry.url, allow_private=allow_private)
        except RefusedURL as exc:
            # A trap link (file:, an intranet address) is not stored at all: a digest
            # would otherwise put it in front of the user.
            self._error("entry", entry.url, str(exc))
            return True
        except FetchError:
            pass  # the host does not resolve: the page fetch will say so and fall back
        while True:
            existing = self.store.article_id_for_url(entry.url)
            if existing is not None:
                self.store.link_entry(state.id, entry.key, existing)
                self.tally.duplicates += 1
                return True
            pending = self._in_progress.get(entry.url)
            if pending is None:
                break
            await asyncio.shield(pending)  # then look again: stored, or ours to try
        mine: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._in_progress[entry.url] = mine
        try:
            article_id = await self._ingest(state, entry, allow_private)
        finally:
            del self._in_progress[entry.url]
            mine.set_result(None)
        return article_id is not None

    async def _ingest(self, state: FeedState, entry: FeedEntry, allow_private: bool) -> int | None:
        page = await self._page(entry.url, allow_private)
        # The feed's name is the page's site only when the page is on the feed's site,
        # not for an aggregator's links to other publications.
        publication = self._publications.get(state.id) if same_site(state.url, entry.url) else None
        article = _article(entry, page, publication)
        existing = self.store.article_id_for_url(article.canonical_url)
        if existing is not None:  # another URL for a page already stored
            self.store.link_entry(state.id, entry.key, existing)
            self.tally.duplicates += 1
            return existing
        found_print = _fingerprint(page.extracted, article.text)
        story_id = self._story_of(article.text, found_print)
        self.store.begin_batch()
        article_id, created = self.store.add_article(
            article,
            feed_id=state.id,
            entry_key=entry.key,
            story_id=story_id,
            band_keys=found_print.band_keys if found_print else (),
            signature=found_print.signature if found_print else None,
        )
        self._stored()
        if not created:
            self.tally.duplicates += 1
            return article_id
        self.tally.new_articles += 1
        self._unindexed += 1
        if self._unindexed >= FTS_BATCH:
            # In batches: a third of the cost of indexing each article as it is stored,
            # and spread over the run instead of one single-core pause at its end.
            self.store.index_pending_text()
            self._unindexed = 0
        if article.extracted:
            self.tally.extracted += 1
        else:
            self.tally.fallbacks += 1
        if story_id is not None:
            self.tally.near_duplicates += 1
        if page.error is not None:
            message = page.error.message
            if page.passing:
                self.store.schedule_page_retry(
                    article_id, 1, self.now + PAGE_RETRY_DELAYS[0], message
                )
                message += "; later fetches will ask for it again"
            self._error(page.error.stage, page.error.item, message)
        return article_id

    # --- pages asked again -----------------------------------------------------------------

    async def _guarded_retry(self, retry: PageRetry) -> None:
        try:
            await self._retry(retry)
        except Exception as exc:
            log.exception("unexpected failure asking again for %s", retry.url)
            self._error("page", retry.url, f"unexpected error: {exc!r}")
            self._take_back_lost_batch(str(exc))
        finally:
            self._advance()

    async def _retry(self, retry: PageRetry) -> None:
        """Ask again for a page an earlier run could not get; on success the article
        gets the page's text in place of the feed's summary."""
        try:
            allow_private = await self.fetcher.is_private(retry.feed_url)
        except FetchError as exc:  # its feed's host does not resolve (offline?)
            error = ItemError("page", retry.url, f"page not fetched: {exc}")
            page = _Page(retry.url, error=error, passing=exc.retryable)
        else:
            page = await self._page(retry.url, allow_private)
        found = page.extracted
        if found is None:
            self._retry_failed(retry, page)
            return
        article = self.store.article(retry.article_id)
        found_print = _fingerprint(found, found.text)
        self.store.begin_batch()
        self.store.revise_article(
            article.id,
            _revised(article, found),
            band_keys=found_print.band_keys if found_print else (),
            signature=found_print.signature if found_print else None,
        )
        self._stored()
        self.tally.recovered += 1
        self._unindexed += 1

    def _retry_failed(self, retry: PageRetry, page: _Page) -> None:
        """Schedule the next retry while the failure may pass and retries remain;
        otherwise give the page up. Either way the failure is recorded."""
        error = page.error or ItemError("page", retry.url, "no page text")
        which = f"retry {retry.attempts} of {len(PAGE_RETRY_DELAYS)}"
        if page.passing and retry.attempts < len(PAGE_RETRY_DELAYS):
            due = self.now + PAGE_RETRY_DELAYS[retry.attempts]
            self.store.schedule_page_retry(retry.article_id, retry.attempts + 1, due, error.message)
            self._error(error.stage, error.item, f"{error.message} ({which})")
            return
        self.store.give_up_page_retry(retry.article_id, error.message)
        self._error(
            error.stage,
            error.item,
            f"{error.message} ({which}, the last: the article keeps the feed's summary)",
        )

    async def _page(self, url: str, allow_private: bool) -> _Page:
        """Fetch and extract one page, holding a page slot from the moment its host
        is ready until the text is back (the slot bounds the bodies held in memory)."""
        self.tally.pages += 1
        held = False

        async def take_slot() -> None:
            nonlocal held
            if held:  # the page refreshed to another: it keeps its slot
                return
            await self._page_slots.acquire()
            held = True

        try:
            return await self._fetch_and_extract(url, allow_private, take_slot)
        finally:
            if held:
                self._page_slots.release()

    async def _fetch_and_extract(self, url: str, allow_private: bool, admit: Admission) -> _Page:
        """The page's text; a page that only refreshes to another (a redirector, a
        consent wall) is followed up to META_REFRESH_HOPS times, under the same rules
        as the feed's links (http/https, no private address for a public feed)."""
        asked, hop = url, 0
        while True:
            try:
                page = await self.fetcher.fetch(
                    url,
                    max_bytes=self.settings.page_max_bytes,
                    allow_private=allow_private,
                    admit=admit,
                    accept=_PAGE_TYPES,
                )
            except FetchError as exc:
                via = f" (the meta refresh of {asked} leads to {url})" if hop else ""
                error = ItemError("page", asked, f"page not fetched: {exc}{via}")
                return _Page(asked, error=error, passing=exc.retryable)
            future = self._extractor().submit(
                analyse_page,
                page.body,
                page.url,
                about=page.url,
                content_type=page.headers.get("content-type"),
            )
            try:
                return _Page(page.url, extracted=await future)
            except ExtractError as exc:
                onward = meta_refresh(page.body, page.url) if hop < META_REFRESH_HOPS else None
                if onward is None:  # a page followed to no text is not where it lives
                    landed = asked if hop else page.url
                    return _Page(landed, error=ItemError("extract", asked, str(exc)))
                url, hop = onward, hop + 1

    def _extractor(self) -> WorkerPool:
        # Started once a feed has new entries: a run with nothing new never pays for it.
        if self._pool is None:
            self._pool = WorkerPool(
                self._workers, initializer=warm_worker, time_limit=EXTRACT_TIME_LIMIT
            )
            self._pool.start()
        return self._pool

    def _story_of(self, text: str, found_print: Fingerprint | None) -> int | None:
        """The story id of an earlier article sharing ≥ NEAR_DUPLICATE of this text."""
        from pipeline.dedup import (
            ESTIMATE_FLOOR,
            NEAR_DUPLICATE,
            estimated_similarity,
            similarity,
        )

        if found_print is None:
            return None
        shared = self.store.articles_sharing_bands(found_print.band_keys)
        best = sorted(shared, key=lambda a: (-shared[a], a))[:CANDIDATES_CHECKED]
        signatures = self.store.minhash_signatures(best)
        for candidate in best:
            other_signature = signatures.get(candidate)
            if other_signature is not None and (
                estimated_similarity(found_print.signature, other_signature) < ESTIMATE_FLOOR
            ):
                continue  # a site's boilerplate in common, not the same story
            other = self.store.article(candidate)
            if similarity(text, other.text) >= NEAR_DUPLICATE:
                return other.story
        return None


def _article(entry: FeedEntry, page: _Page, publication: str | None = None) -> NewArticle:
    """The entry's own fields first (the feed knows its dates), the page's to fill gaps;
    the feed's `publication` name is the site where the page names none."""
    found = page.extracted
    if found is None:
        return NewArticle(
            url=entry.url,
            canonical_url=_canonical(entry.url, page.final_url, None),
            title=entry.title or entry.url,
            text=entry.summary,
            extracted=False,
            author=entry.author,
            published=entry.published,
            site_name=publication,
            summary=entry.summary,
            extract_error=page.error.message if page.error else None,
        )
    return NewArticle(
        url=entry.url,
        canonical_url=_canonical(entry.url, page.final_url, found.canonical_url),
        title=entry.title or found.title or entry.url,
        text=found.text,
        extracted=True,
        author=entry.author or found.author,
        published=entry.published or found.published,
        site_name=found.site_name or publication,
        description=found.description,
        language=found.language,
        summary=entry.summary,
    )


def _fingerprint(found: Extracted | None, text: str) -> Fingerprint | None:
    """The page's fingerprint as its worker computed it, else that of `text` (the
    feed's summary). dedup is imported here, once a page is stored: it loads NumPy,
    a tenth of the start-up of a fetch that finds nothing new."""
    if isinstance(found, Analysed):
        return found.fingerprint
    from pipeline.dedup import fingerprint

    return fingerprint(text)


def _revised(article: Article, found: Extracted) -> NewArticle:
    """A summary-only article with its page's text: what the feed said stays first, as
    in `_article`, and the page fills the gaps (a title the feed did not give, say)."""
    untitled = article.title == article.url
    return NewArticle(
        url=article.url,
        canonical_url=article.canonical_url,
        title=(found.title if untitled else None) or article.title,
        text=found.text,
        extracted=True,
        author=article.author or found.author,
        published=article.published or found.published,
        site_name=found.site_name or article.site_name,
        description=found.description,
        language=found.language,
        summary=article.summary,
    )


def _canonical(entry_url: str, final_url: str, declared: str | None) -> str:
    """The page's declared canonical URL, else where redirects ended, else the link.

    A canonical pointing at the site's home page from an article is a site bug (it
    would merge every article of the site into one) and is ignored.
    """
    for candidate in (declared, clean_url(final_url)):
        if candidate and not (_is_root(candidate) and not _is_root(entry_url)):
            return candidate
    return entry_url


def _is_root(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query
