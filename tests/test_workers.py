"""pipeline.workers: stage calls in worker processes, driven from an event loop, and
a worker that dies costing one item rather than the run."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import pytest

from pipeline.errors import ExtractError, ParseError
from pipeline.extract import Extracted, extract_page, warm_worker
from pipeline.feeds import parse_feed
from pipeline.workers import WorkerPool

PAGE = (Path(__file__).parent / "data" / "pages" / "article_full.html").read_bytes()
T = TypeVar("T")


def run(coroutine: Awaitable[T]) -> T:
    async def main() -> T:
        return await asyncio.wait_for(coroutine, timeout=120)

    return asyncio.run(main())


def crash_on_poison(html: bytes, url: str) -> Extracted:
    """A stand-in for a page that kills lxml: the worker process dies outright."""
    if "poison" in url:
        os._exit(1)
    return extract_page(html, url)


def crash_always(url: str) -> None:
    os._exit(1)


def divide(a: int, b: int) -> float:
    return a / b


def slow_start() -> None:
    time.sleep(0.5)


def hang(seconds: float) -> None:
    """A stand-in for a page that sends trafilatura into a near-endless loop."""
    time.sleep(seconds)


def test_calls_run_in_workers_and_stage_errors_pass_through() -> None:
    feed = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Dock notes</title>"
        b"<item><title>Cranes idle</title><link>https://example.org/cranes</link></item>"
        b"</channel></rss>"
    )

    async def main() -> None:
        async with WorkerPool(2, initializer=warm_worker) as pool:
            page = pool.submit(extract_page, PAGE, "https://example.org/a", about="a")
            empty = pool.submit(extract_page, b"", "https://example.org/b", about="b")
            parsed = pool.submit(
                parse_feed, feed, url="https://example.org/feed", headers={}, about="feed"
            )
            broken = pool.submit(
                parse_feed, b"", url="https://example.org/empty", headers={}, about="empty"
            )
            assert (await page).author == "Amara Okafor"
            assert [e.title for e in (await parsed).entries] == ["Cranes idle"]
            with pytest.raises(ExtractError, match="empty"):
                await empty
            with pytest.raises(ParseError):  # a stage's own error, not an ExtractError
                await broken

    run(main())


def test_a_bug_in_a_call_is_that_items_extract_error() -> None:
    async def main() -> None:
        async with WorkerPool(1) as pool:
            with pytest.raises(ExtractError, match=r"page-7: extraction failed \(ZeroDivision"):
                await pool.submit(divide, 1, 0, about="page-7")
            assert await pool.submit(divide, 1, 4, about="page-8") == 0.25

    run(main())


def test_a_crashed_worker_costs_one_item_not_the_run() -> None:
    async def main() -> None:
        async with WorkerPool(2, initializer=warm_worker) as pool:

            def submit(url: str) -> asyncio.Future[Extracted]:
                return pool.submit(crash_on_poison, PAGE, url, about=url)

            before = [submit(f"https://example.org/before/{n}") for n in range(3)]
            poison = submit("https://example.org/poison")
            after = [submit(f"https://example.org/after/{n}") for n in range(3)]
            with pytest.raises(ExtractError, match="worker crashed on this page"):
                await poison
            # innocent pages queued behind the crash, or sent to the other worker, are fine
            for future in before + after:
                assert (await future).author == "Amara Okafor"
            # and the pool keeps working afterwards, at full strength
            assert (await submit("https://example.org/later")).text
            assert len(pool._live) == 2

    run(main())


def test_the_job_queued_behind_a_crash_runs_on_the_next_worker() -> None:
    async def main() -> None:
        async with WorkerPool(1) as pool:
            # One worker: the poison runs while the next page already waits in its
            # socket; that page must be handed to the replacement worker untouched.
            poison = pool.submit(crash_on_poison, PAGE, "https://example.org/poison", about="p")
            queued = pool.submit(crash_on_poison, PAGE, "https://example.org/fine", about="f")
            with pytest.raises(ExtractError, match="worker crashed"):
                await poison
            assert (await queued).author == "Amara Okafor"

    run(main())


def test_a_call_that_always_kills_its_worker_fails_after_one_retry() -> None:
    async def main() -> None:
        async with WorkerPool(1) as pool:
            with pytest.raises(ExtractError, match="worker crashed"):
                await pool.submit(crash_always, "x", about="https://example.org/x")
            assert await pool.submit(divide, 6, 3, about="next") == 2

    run(main())


def test_start_spawns_every_worker_before_the_first_job_and_close_stops_them() -> None:
    before = set(multiprocessing.active_children())

    async def main() -> None:
        async with WorkerPool(2) as pool:
            pool.start()
            pool.start()  # idempotent: still two workers
            assert len(set(multiprocessing.active_children()) - before) == 2
            assert await pool.submit(divide, 1, 2, about="x") == 0.5

    run(main())
    assert set(multiprocessing.active_children()) - before == set()


def test_a_job_past_the_time_limit_is_stopped_and_the_rest_go_on() -> None:
    async def main() -> None:
        async with WorkerPool(1, time_limit=1.0) as pool:
            started = time.monotonic()
            stuck = pool.submit(hang, 3600, about="https://example.org/endless")
            queued = pool.submit(divide, 8, 2, about="next")
            with pytest.raises(ExtractError, match=r"endless: extraction took longer than 1 s"):
                await stuck
            assert time.monotonic() - started < 30
            assert await queued == 4  # queued behind it, run by the replacement worker
            assert await pool.submit(hang, 0.2, about="short") is None

    run(main())


def test_the_time_limit_does_not_count_a_worker_starting() -> None:
    async def main() -> None:
        # The initializer alone takes longer than the limit; the job itself does not.
        async with WorkerPool(1, initializer=slow_start, time_limit=0.3) as pool:
            assert await pool.submit(divide, 1, 1, about="x") == 1

    run(main())


def test_ready_once_a_worker_has_started() -> None:
    async def main() -> None:
        async with WorkerPool(1, initializer=slow_start) as pool:
            assert not pool.ready
            pool.start()
            await asyncio.sleep(0.1)
            assert not pool.ready  # still in its initializer
            while not pool.ready:
                await asyncio.sleep(0.05)
            assert await pool.submit(divide, 3, 2, about="x") == 1.5

    run(main())


def test_closing_while_workers_start_leaves_no_process_and_no_noise(
    capfd: pytest.CaptureFixture[str],
) -> None:
    before = set(multiprocessing.active_children())

    async def main() -> None:
        pool = WorkerPool(2, initializer=slow_start)
        pool.start()
        await pool.close()

    run(main())
    assert set(multiprocessing.active_children()) - before == set()
    assert "Traceback" not in capfd.readouterr().err


def test_zero_workers_means_one_per_cpu() -> None:
    assert WorkerPool(0).workers == (os.cpu_count() or 1)


def test_a_closed_pool_refuses_work() -> None:
    async def main() -> None:
        pool = WorkerPool(1)
        await pool.close()
        with pytest.raises(ExtractError, match="cancelled"):
            await pool.submit(divide, 1, 1, about="https://example.org/x")

    run(main())


def test_closing_cancels_the_jobs_still_waiting() -> None:
    async def main() -> None:
        pool = WorkerPool(1)
        futures = [pool.submit(divide, n, 1, about=f"job-{n}") for n in range(50)]
        await pool.close()
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        cancelled = [o for o in outcomes if isinstance(o, ExtractError)]
        assert cancelled and all("cancelled" in str(o) for o in cancelled)
        assert all(o == n for n, o in enumerate(outcomes) if not isinstance(o, Exception))

    run(main())
