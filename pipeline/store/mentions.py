"""Mentions: a contact named in an article, with the evidence and the event kind."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from pipeline.errors import NotFoundError
from pipeline.records import MENTION_STATUSES, Mention
from pipeline.store._base import StoreBase, from_iso, to_iso, utcnow


def _mention(row: sqlite3.Row) -> Mention:
    return Mention(
        id=row["id"],
        contact_id=row["contact_id"],
        article_id=row["article_id"],
        story_id=row["story_id"],
        confidence=row["confidence"],
        event=row["event"],
        evidence=row["evidence"],
        matched=row["matched"],
        salience=row["salience"],
        status=row["status"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
        context=row["context"],
    )


class MentionStore(StoreBase):
    def add_mention(
        self,
        contact_id: int,
        article_id: int,
        story_id: int,
        *,
        confidence: str,
        event: str,
        evidence: str,
        matched: str,
        salience: int = 1,
        context: str = "",
        when: datetime | None = None,
    ) -> Mention | None:
        """Store a mention; None when this (contact, story) was already reported."""
        with self.transaction() as conn:
            cursor = conn.execute(
                """INSERT OR IGNORE INTO mentions (contact_id, article_id, story_id, confidence,
                       event, evidence, matched, salience, context, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    contact_id,
                    article_id,
                    story_id,
                    confidence,
                    event,
                    evidence,
                    matched,
                    salience,
                    context,
                    to_iso(when or utcnow()),
                ),
            )
            if cursor.rowcount == 0:
                return None
        return self.mention(int(cursor.lastrowid or 0))

    def mention(self, mention_id: int) -> Mention:
        row = self._one("SELECT * FROM mentions WHERE id = ?", (mention_id,))
        if row is None:
            raise NotFoundError(f"No mention m{mention_id}; see `cheesecake mentions`.")
        return _mention(row)

    def mentions(
        self,
        *,
        since: datetime | None = None,
        contact_id: int | None = None,
        status: str | None = None,
    ) -> list[Mention]:
        """Mentions newest first."""
        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("created_at >= ?")
            params.append(to_iso(since))
        if contact_id is not None:
            where.append("contact_id = ?")
            params.append(contact_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = "SELECT * FROM mentions" + (" WHERE " + " AND ".join(where) if where else "")
        return [_mention(r) for r in self._all(sql + " ORDER BY created_at DESC, id DESC", params)]

    def set_mention_status(self, mention_id: int, status: str) -> Mention:
        if status not in MENTION_STATUSES:
            raise ValueError(f"unknown mention status {status!r}")
        self.mention(mention_id)
        with self.transaction() as conn:
            conn.execute("UPDATE mentions SET status = ? WHERE id = ?", (status, mention_id))
        return self.mention(mention_id)

    def count_mentions(self) -> int:
        return int(self._scalar("SELECT count(*) FROM mentions"))
