"""Articles, the feeds they came from, near-duplicate bands and full-text search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from pipeline.errors import NotFoundError, UsageError
from pipeline.records import Article, NewArticle, PageRetry
from pipeline.store._base import StoreBase, from_iso, to_iso, utcnow

# An article's feeds in the order they were added (feed id), not the order the run
# happened to store the entry in: with feeds fetched concurrently that order is a
# race, and `articles list` shows the first of them as the article's feed.
_SELECT = """
    SELECT a.*,
        (SELECT group_concat(url, char(10)) FROM (
            SELECT f.url FROM feed_entries fe JOIN feeds f ON f.id = fe.feed_id
            WHERE fe.article_id = a.id ORDER BY f.id)) AS feed_urls
    FROM articles a
"""


def _article(row: sqlite3.Row, *, with_text: bool = True) -> Article:
    return Article(
        id=row["id"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        text=row["text"] if with_text else "",
        extracted=bool(row["extracted"]),
        fetched_at=from_iso(row["fetched_at"]),  # type: ignore[arg-type]
        author=row["author"],
        published=from_iso(row["published"]),
        site_name=row["site_name"],
        description=row["description"],
        language=row["language"],
        summary=row["summary"],
        extract_error=row["extract_error"],
        story_id=row["story_id"],
        feed_urls=tuple((row["feed_urls"] or "").split("\n")) if row["feed_urls"] else (),
    )


class ArticleStore(StoreBase):
    def known_entry_keys(self, feed_id: int, keys: Iterable[str]) -> set[str]:
        """Which of these entry keys this feed already delivered (so they cost nothing)."""
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._all(
                    f"SELECT entry_key FROM feed_entries WHERE feed_id = ? "
                    f"AND entry_key IN ({marks})",
                    (feed_id, *chunk),
                )
            )
        return found

    def article_id_for_url(self, url: str) -> int | None:
        """The stored article with this canonical URL or entry URL, if any."""
        found = self._scalar("SELECT id FROM articles WHERE canonical_url = ?", (url,))
        if found is None:
            found = self._scalar("SELECT id FROM articles WHERE url = ? LIMIT 1", (url,))
        return int(found) if found is not None else None

    def link_entry(self, feed_id: int, entry_key: str, article_id: int) -> None:
        """Record that a feed delivered an article (idempotent)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO feed_entries (feed_id, entry_key, article_id, seen_at) "
                "VALUES (?, ?, ?, ?)",
                (feed_id, entry_key, article_id, to_iso(utcnow())),
            )

    def add_article(
        self,
        article: NewArticle,
        *,
        feed_id: int | None = None,
        entry_key: str | None = None,
        story_id: int | None = None,
        band_keys: Sequence[int] = (),
        signature: bytes | None = None,
        fetched_at: datetime | None = None,
    ) -> tuple[int, bool]:
        """Store an article, its feed link and near-duplicate fingerprint (MinHash
        `signature` and its LSH `band_keys`) in one transaction.

        Returns (article id, created). An article whose canonical URL is already
        stored is not stored again; the feed link is still recorded, so the same
        story from a second feed is linked to both.
        """
        with self.transaction() as conn:
            existing = conn.execute(
                "SELECT id FROM articles WHERE canonical_url = ?", (article.canonical_url,)
            ).fetchone()
            if existing:
                article_id, created = int(existing[0]), False
            else:
                cursor = conn.execute(
                    """INSERT INTO articles (url, canonical_url, title, author, published,
                           fetched_at, site_name, description, language, summary, text,
                           extracted, extract_error, story_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        article.url,
                        article.canonical_url,
                        article.title,
                        article.author,
                        to_iso(article.published),
                        to_iso(fetched_at or utcnow()),
                        article.site_name,
                        article.description,
                        article.language,
                        article.summary,
                        article.text,
                        int(article.extracted),
                        article.extract_error,
                        story_id,
                    ),
                )
                article_id, created = int(cursor.lastrowid or 0), True
                conn.executemany(
                    "INSERT OR IGNORE INTO article_band_keys (key, article_id) VALUES (?, ?)",
                    [(key, article_id) for key in band_keys],
                )
                if signature is not None:
                    conn.execute(
                        "INSERT INTO article_minhash (article_id, signature) VALUES (?, ?)",
                        (article_id, signature),
                    )
            if feed_id is not None and entry_key is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO feed_entries (feed_id, entry_key, article_id, seen_at)"
                    " VALUES (?, ?, ?, ?)",
                    (feed_id, entry_key, article_id, to_iso(utcnow())),
                )
        return article_id, created

    def articles_sharing_bands(self, band_keys: Sequence[int]) -> dict[int, int]:
        """Candidate near-duplicates: article id -> number of LSH bands shared."""
        if not band_keys:
            return {}
        marks = ",".join("?" * len(band_keys))
        rows = self._all(
            f"SELECT article_id FROM article_band_keys WHERE key IN ({marks})", tuple(band_keys)
        )
        counts: dict[int, int] = {}
        for (article_id,) in rows:
            counts[article_id] = counts.get(article_id, 0) + 1
        return counts

    def minhash_signatures(self, article_ids: Sequence[int]) -> dict[int, bytes]:
        """The stored MinHash signatures of these articles (short texts have none)."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self._all(
            f"SELECT article_id, signature FROM article_minhash WHERE article_id IN ({marks})",
            tuple(article_ids),
        )
        return {int(article_id): bytes(signature) for article_id, signature in rows}

    # --- pages asked again ---------------------------------------------------------------

    def schedule_page_retry(
        self, article_id: int, attempts: int, due: datetime, error: str
    ) -> None:
        """Ask for this article's page again once `due` has passed (it failed `attempts`
        times so far, the last with `error`)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO page_retries (article_id, attempts, due_at, last_error)"
                " VALUES (?, ?, ?, ?)",
                (article_id, attempts, to_iso(due), error),
            )

    def due_page_retries(self, now: datetime, limit: int) -> list[PageRetry]:
        """Pages due to be asked again, longest waiting first."""
        rows = self._all(
            """SELECT r.article_id, a.url, r.attempts,
                   (SELECT f.url FROM feed_entries fe JOIN feeds f ON f.id = fe.feed_id
                    WHERE fe.article_id = a.id ORDER BY f.id LIMIT 1) AS feed_url
               FROM page_retries r JOIN articles a ON a.id = r.article_id
               WHERE r.due_at <= ? ORDER BY r.due_at, r.article_id LIMIT ?""",
            (to_iso(now), limit),
        )
        return [
            PageRetry(article_id=r[0], url=r[1], attempts=r[2], feed_url=r[3] or r[1]) for r in rows
        ]

    def pending_page_retries(self) -> tuple[int, datetime | None]:
        """How many pages are waiting to be asked again, and when the first is due."""
        row = self._one("SELECT count(*), min(due_at) FROM page_retries")
        return (int(row[0]), from_iso(row[1])) if row else (0, None)

    def give_up_page_retry(self, article_id: int, error: str) -> None:
        """The page will not be asked again: the article keeps the feed's summary."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM page_retries WHERE article_id = ?", (article_id,))
            conn.execute("UPDATE articles SET extract_error = ? WHERE id = ?", (error, article_id))

    def revise_article(
        self,
        article_id: int,
        revised: NewArticle,
        *,
        band_keys: Sequence[int] = (),
        signature: bytes | None = None,
    ) -> None:
        """Replace a summary-only article's text and metadata with what its page gave.

        Its URL and story stay as they were (mentions and suggestions already point
        at them); every stage that read the old text reads it again (the `processed`
        ledger forgets the article, and its `revision` tells cached vectors apart).
        """
        with self.transaction() as conn:
            conn.execute(
                """UPDATE articles SET title = ?, text = ?, extracted = ?, author = ?,
                       published = ?, site_name = ?, description = ?, language = ?,
                       extract_error = ?, revision = revision + 1
                   WHERE id = ?""",
                (
                    revised.title,
                    revised.text,
                    int(revised.extracted),
                    revised.author,
                    to_iso(revised.published),
                    revised.site_name,
                    revised.description,
                    revised.language,
                    revised.extract_error,
                    article_id,
                ),
            )
            conn.execute("DELETE FROM article_band_keys WHERE article_id = ?", (article_id,))
            conn.executemany(
                "INSERT OR IGNORE INTO article_band_keys (key, article_id) VALUES (?, ?)",
                [(key, article_id) for key in band_keys],
            )
            conn.execute("DELETE FROM article_minhash WHERE article_id = ?", (article_id,))
            if signature is not None:
                conn.execute(
                    "INSERT INTO article_minhash (article_id, signature) VALUES (?, ?)",
                    (article_id, signature),
                )
            conn.execute("DELETE FROM processed WHERE article_id = ?", (article_id,))
            conn.execute("DELETE FROM page_retries WHERE article_id = ?", (article_id,))

    def article(self, article_id: int) -> Article:
        row = self._one(_SELECT + " WHERE a.id = ?", (article_id,))
        if row is None:
            raise NotFoundError(f"No article {article_id}; see `cheesecake articles list`.")
        return _article(row)

    def articles(
        self,
        *,
        since: datetime | None = None,
        feed_url: str | None = None,
        limit: int | None = None,
        with_text: bool = False,
        ids: Sequence[int] | None = None,
    ) -> list[Article]:
        """Articles newest first (by published date, else fetch time)."""
        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("coalesce(a.published, a.fetched_at) >= ?")
            params.append(to_iso(since))
        if feed_url is not None:
            where.append(
                "a.id IN (SELECT fe.article_id FROM feed_entries fe JOIN feeds f "
                "ON f.id = fe.feed_id WHERE f.url = ?)"
            )
            params.append(feed_url)
        if ids is not None:
            where.append(f"a.id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY coalesce(a.published, a.fetched_at) DESC, a.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_article(r, with_text=with_text) for r in self._all(sql, params)]

    def index_pending_text(self) -> int:
        """Add the articles stored since the last call to the full-text index.

        Ingest calls it once at the end of a fetch, and a search first, so the
        index is complete whenever it is read (see migration m011 for why).
        """
        if self._one("SELECT 1 FROM fts_pending LIMIT 1") is None:
            return 0  # the usual case for a search: no write transaction to wait for
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO articles_fts(rowid, title, text) SELECT a.id, a.title, a.text"
                " FROM fts_pending p JOIN articles a ON a.id = p.article_id"
            )
            conn.execute("DELETE FROM fts_pending")
        return max(cursor.rowcount, 0)

    def search_articles(self, query: str, *, limit: int | None = None) -> list[Article]:
        """Full-text search (SQLite FTS5 syntax), best match first."""
        self.index_pending_text()
        sql = (
            _SELECT + " JOIN articles_fts ON articles_fts.rowid = a.id "
            "WHERE articles_fts MATCH ? ORDER BY articles_fts.rank"
        )
        params: list[object] = [query]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        try:
            return [_article(r, with_text=False) for r in self._all(sql, params)]
        except sqlite3.OperationalError as exc:
            raise UsageError(
                f"Cannot search for {query!r}: {exc}; quote phrases with double quotes."
            ) from None

    def count_articles(self) -> int:
        return int(self._scalar("SELECT count(*) FROM articles"))
