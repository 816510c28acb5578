"""What the digest reads and remembers: candidates, the day's articles, shown items.

`digest_items` records which digest day first showed each suggestion and mention,
so a later day does not repeat it while regenerating the same day shows it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pipeline.records import Article, Mention, Suggestion
from pipeline.store._base import StoreBase, to_iso
from pipeline.store.articles import _SELECT as _ARTICLE_SELECT
from pipeline.store.articles import _article
from pipeline.store.mentions import _mention
from pipeline.store.suggestions import _suggestion


class DigestStore(StoreBase):
    def digest_suggestions(self, day: date, *, until: datetime) -> list[Suggestion]:
        """`new`, strong suggestions created by `until` that no other digest day has shown.

        Weak ones (below the relevance threshold, stored by `suggest` only so that their
        ids work with sent/dismiss) are for on-demand lists, never for the digest.
        """
        rows = self._all(
            """SELECT s.* FROM suggestions s
               LEFT JOIN digest_items d ON d.suggestion_id = s.id
               WHERE s.status = 'new' AND s.weak = 0 AND s.created_at <= ?
                 AND (d.day IS NULL OR d.day = ?)
               ORDER BY s.score DESC, s.id""",
            (to_iso(until), day.isoformat()),
        )
        return [_suggestion(r) for r in rows]

    def digest_mentions(self, day: date, *, since: datetime, until: datetime) -> list[Mention]:
        """`new` mentions created in [since, until] that no other digest day has shown."""
        rows = self._all(
            """SELECT m.* FROM mentions m
               LEFT JOIN digest_items d ON d.mention_id = m.id
               WHERE m.status = 'new' AND m.created_at >= ? AND m.created_at <= ?
                 AND (d.day IS NULL OR d.day = ?)
               ORDER BY m.created_at DESC, m.id DESC""",
            (to_iso(since), to_iso(until), day.isoformat()),
        )
        return [_mention(r) for r in rows]

    def record_digest_items(
        self, day: date, suggestion_ids: Sequence[int], mention_ids: Sequence[int]
    ) -> None:
        """Make these the items `day` shows (items it showed before and no longer does are
        released, so a later digest may still show them)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM digest_items WHERE day = ?", (day.isoformat(),))
            conn.executemany(
                "INSERT OR IGNORE INTO digest_items (day, suggestion_id) VALUES (?, ?)",
                [(day.isoformat(), i) for i in suggestion_ids],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO digest_items (day, mention_id) VALUES (?, ?)",
                [(day.isoformat(), i) for i in mention_ids],
            )

    def articles_fetched_between(self, start: datetime, end: datetime) -> list[Article]:
        """Articles first stored in [start, end), without their text, newest first."""
        rows = self._all(
            _ARTICLE_SELECT + " WHERE a.fetched_at >= ? AND a.fetched_at < ?"
            " ORDER BY a.fetched_at DESC, a.id DESC",
            (to_iso(start), to_iso(end)),
        )
        return [_article(r, with_text=False) for r in rows]

    def story_sizes(self, story_ids: Sequence[int]) -> dict[int, int]:
        """How many stored articles tell each story (its coverage across feeds)."""
        sizes: dict[int, int] = {}
        for start in range(0, len(story_ids), 500):
            chunk = list(story_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for story, count in self._all(
                f"SELECT coalesce(story_id, id) AS story, count(*) FROM articles "
                f"WHERE coalesce(story_id, id) IN ({marks}) GROUP BY story",
                chunk,
            ):
                sizes[int(story)] = int(count)
        return sizes

    def sent_count(self, contact_id: int, *, kind: str) -> int:
        """How many suggestions (kind="share") or mentions (any other kind) this contact
        was sent: the turn that rotates a draft's phrasing."""
        table = "suggestions" if kind == "share" else "mentions"
        return int(
            self._scalar(
                f"SELECT count(*) FROM {table} WHERE contact_id = ? AND status = 'sent'",
                (contact_id,),
            )
        )
