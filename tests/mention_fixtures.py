"""An in-memory article for the mention and event tests (no store, no feed needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.records import Article


def article(title: str, text: str, author: str | None = None, site: str | None = None) -> Article:
    return Article(
        id=1,
        url="https://news.example/story",
        canonical_url="https://news.example/story",
        title=title,
        text=text,
        extracted=True,
        fetched_at=datetime(2026, 3, 2, tzinfo=UTC),
        author=author,
        site_name=site,
    )
