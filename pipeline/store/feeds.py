"""Feed bookkeeping: conditional-GET validators, health and failure counts."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from pipeline.records import FeedSource, FeedState
from pipeline.store._base import StoreBase, from_iso, to_iso, utcnow


def _feed(row: sqlite3.Row) -> FeedState:
    return FeedState(
        id=row["id"],
        url=row["url"],
        name=row["name"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        last_fetched=from_iso(row["last_fetched"]),
        last_success=from_iso(row["last_success"]),
        dead=bool(row["dead"]),
        articles=row["articles"],
        moved_to=row["moved_to"],
    )


_SELECT = """
    SELECT feeds.*, (SELECT count(DISTINCT fe.article_id) FROM feed_entries fe
                     WHERE fe.feed_id = feeds.id) AS articles
    FROM feeds
"""


class FeedStore(StoreBase):
    def sync_feeds(self, sources: tuple[FeedSource, ...]) -> list[FeedState]:
        """Make sure every configured feed has a row; return their states in config order.

        Feeds removed from feeds.toml keep their row (and articles) so that adding
        them back resumes conditional GET; they are simply no longer fetched.
        """
        with self.transaction() as conn:
            for source in sources:
                conn.execute(
                    "INSERT INTO feeds (url, name) VALUES (?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET name = excluded.name",
                    (source.url, source.name),
                )
        states = {s.url: s for s in self.feed_states()}
        return [states[s.url] for s in sources]

    def feed_states(self) -> list[FeedState]:
        return [_feed(r) for r in self._all(_SELECT + " ORDER BY feeds.id")]

    def feed_state(self, url: str) -> FeedState | None:
        row = self._one(_SELECT + " WHERE feeds.url = ?", (url,))
        return _feed(row) if row else None

    def record_feed_success(
        self,
        feed_id: int,
        *,
        status: int,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        warning: str | None = None,
        moved_to: str | None = None,
        when: datetime | None = None,
    ) -> None:
        """A fetch that worked (200 or 304): store validators, clear the failure count.

        `warning` keeps a non-fatal problem visible (a bozo feed that still parsed).
        """
        now = to_iso(when or utcnow())
        with self.transaction() as conn:
            conn.execute(
                """UPDATE feeds SET etag = coalesce(?, etag),
                       last_modified = coalesce(?, last_modified),
                       body_hash = coalesce(?, body_hash), last_status = ?, last_error = ?,
                       consecutive_failures = 0, last_fetched = ?, last_success = ?, dead = 0,
                       moved_to = ?
                   WHERE id = ?""",
                (etag, last_modified, body_hash, status, warning, now, now, moved_to, feed_id),
            )

    def record_feed_failure(
        self,
        feed_id: int,
        error: str,
        *,
        status: int | None = None,
        dead: bool = False,
        when: datetime | None = None,
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                """UPDATE feeds SET last_status = ?, last_error = ?,
                       consecutive_failures = consecutive_failures + 1,
                       last_fetched = ?, dead = ? WHERE id = ?""",
                (status, error, to_iso(when or utcnow()), int(dead), feed_id),
            )
