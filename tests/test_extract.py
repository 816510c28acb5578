"""Article extraction on fixture pages, and the process pool that survives crashes."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.errors import ExtractError, ParseError
from pipeline.extract import Extracted, ExtractorPool, extract_page
from pipeline.feeds import parse_feed

PAGES = Path(__file__).parent / "data" / "pages"
URL = "https://news.harbourline.example/2025/03/northwind-terminal?utm_source=rss"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_main_text_and_metadata() -> None:
    result = extract_page(page("article_full.html"), URL)
    assert "Northwind Harbour Logistics on Monday opened its first fully automated" in result.text
    assert "Lucía Ferreira" in result.text
    assert "second phase of the terminal in 2027" in result.text
    assert result.title == "Northwind Harbour Logistics bets on automation in Rotterdam"
    assert result.author == "Amara Okafor"
    assert result.published == datetime(2025, 3, 11, 7, 30, tzinfo=UTC)
    assert result.site_name == "Harbourline"
    assert result.description and result.description.startswith("The €640 million terminal")
    assert result.language == "en-us"
    # relative rel=canonical made absolute, tracking removed, path untouched
    assert result.canonical_url == "https://news.harbourline.example/2025/03/northwind-terminal"


def test_boilerplate_and_comments_are_left_out() -> None:
    text = extract_page(page("article_full.html"), URL).text
    assert "portwatcher77" not in text
    assert "Forty people per shift sounds optimistic" not in text
    assert "All rights reserved" not in text
    assert "Subscribe" not in text


def test_charset_declared_in_the_page() -> None:
    result = extract_page(page("article_cp1252.html"), "https://investors.orchardlane.example/r")
    assert "raised its final dividend to €0.42" in result.text
    assert "“stopped chasing volume for its own sake”" in result.text
    assert "François Dubé" in result.text
    assert result.title == "Orchard Lane lifts dividend after “a year of discipline”"
    assert result.language == "en-gb"


def test_charset_declared_only_in_the_response_header() -> None:
    result = extract_page(
        page("article_latin1_header_only.html"),
        "https://revista.cafecacao.example/2025/ibanez",
        content_type="text/html; charset=ISO-8859-1",
    )
    assert "Tostadores Peñalba ha nombrado a Tomás Ibáñez" in result.text
    assert result.canonical_url is None  # the page names no URL of its own


def test_a_wrong_header_charset_defers_to_the_page() -> None:
    result = extract_page(
        page("article_cp1252.html"),
        "https://investors.orchardlane.example/r",
        content_type="text/html; charset=utf-8",  # the bytes are windows-1252
    )
    assert "François Dubé" in result.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (page("script_only.html"), "no article text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "not an HTML"),
        (b"<html><body><p>Subscribe to read.</p></body></html>", "no article text"),
    ],
)
def test_nothing_usable_is_an_extract_error_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        extract_page(body, "https://example.org/a")


def test_results_pickle_for_the_process_pool() -> None:
    result = extract_page(page("article_full.html"), URL)
    assert pickle.loads(pickle.dumps(result)) == result


def crash_on_poison(html: bytes, url: str, *, content_type: str | None = None) -> Extracted:
    """A stand-in for a page that kills lxml: the worker process dies outright."""
    if "poison" in url:
        os._exit(1)
    return extract_page(html, url, content_type=content_type)


def test_pool_extracts_in_worker_processes() -> None:
    pages = [page("article_full.html"), page("article_cp1252.html"), b""]
    with ExtractorPool(2) as pool:
        futures = [pool.submit(body, f"https://example.org/{n}") for n, body in enumerate(pages)]
        assert futures[0].result(timeout=60).author == "Amara Okafor"
        assert "François Dubé" in futures[1].result(timeout=60).text
        assert isinstance(futures[2].exception(timeout=60), ExtractError)


def test_the_pool_runs_other_stages_and_passes_their_errors_through() -> None:
    feed = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Dock notes</title>"
        b"<item><title>Cranes idle</title><link>https://example.org/cranes</link></item>"
        b"</channel></rss>"
    )
    with ExtractorPool(1) as pool:
        parsed = pool.submit_call(
            parse_feed, feed, url="https://example.org/feed", headers={}, about="feed"
        )
        empty = pool.submit_call(
            parse_feed, b"", url="https://example.org/empty", headers={}, about="empty"
        )
        assert [e.title for e in parsed.result(timeout=60).entries] == ["Cranes idle"]
        assert isinstance(empty.exception(timeout=60), ParseError)  # not an ExtractError


def test_a_crashed_worker_costs_one_item_not_the_run() -> None:
    good = page("article_full.html")
    with ExtractorPool(2, extractor=crash_on_poison) as pool:
        before = [pool.submit(good, f"https://example.org/before/{n}") for n in range(3)]
        poison = pool.submit(good, "https://example.org/poison")
        after = [pool.submit(good, f"https://example.org/after/{n}") for n in range(3)]
        with pytest.raises(ExtractError, match="worker crashed"):
            poison.result(timeout=120)
        for future in before + after:
            # innocent pages in flight during the crash are retried on a fresh pool
            assert future.result(timeout=120).author == "Amara Okafor"
        # and the pool keeps working afterwards
        assert pool.submit(good, "https://example.org/later").result(timeout=120).text


def test_start_spawns_every_worker_before_the_first_job() -> None:
    before = set(multiprocessing.active_children())
    with ExtractorPool(2) as pool:
        pool.start()
        pool.start()  # idempotent: still two workers
        assert len(set(multiprocessing.active_children()) - before) == 2
        assert pool.submit(page("article_full.html"), "https://example.org/a").result(timeout=60)


def test_zero_workers_means_one_per_cpu() -> None:
    assert ExtractorPool(0).workers == (os.cpu_count() or 1)


def test_a_closed_pool_refuses_work() -> None:
    pool = ExtractorPool(1)
    pool.close()
    with pytest.raises(ExtractError, match="cancelled"):
        pool.submit(b"<html></html>", "https://example.org/x").result(timeout=10)


def test_a_malformed_canonical_link_costs_only_the_canonical() -> None:
    html = page("article_full.html").replace(
        b'href="/2025/03/northwind-terminal?utm_source=canonical"', b'href="http://[broken/"'
    )
    html = html.replace(
        b'content="https://news.harbourline.example/2025/03/northwind-terminal"', b'content=""'
    )
    result = extract_page(html, URL)
    assert result.canonical_url is None
    assert "Lucía Ferreira" in result.text
