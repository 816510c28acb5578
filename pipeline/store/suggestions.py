"""Suggestions: an article proposed for a contact, and what the user did with it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from pipeline.errors import NotFoundError
from pipeline.records import SUGGESTION_STATUSES, Suggestion
from pipeline.store._base import StoreBase, from_iso, from_json, to_iso, to_json, utcnow


def _suggestion(row: sqlite3.Row) -> Suggestion:
    return Suggestion(
        id=row["id"],
        contact_id=row["contact_id"],
        article_id=row["article_id"],
        story_id=row["story_id"],
        score=row["score"],
        reasons=from_json(row["reasons"]),
        quote=row["quote"],
        status=row["status"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
        acted_at=from_iso(row["acted_at"]),
    )


class SuggestionStore(StoreBase):
    def add_suggestion(
        self,
        contact_id: int,
        article_id: int,
        story_id: int,
        score: float,
        reasons: Sequence[str],
        quote: str,
        *,
        when: datetime | None = None,
    ) -> Suggestion | None:
        """Store a suggestion; None when this contact already had this story (any status).

        The UNIQUE (contact_id, story_id) constraint is what guarantees "never the same
        story to the same contact twice", whatever the caller does.
        """
        with self.transaction() as conn:
            cursor = conn.execute(
                """INSERT OR IGNORE INTO suggestions
                       (contact_id, article_id, story_id, score, reasons, quote, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    contact_id,
                    article_id,
                    story_id,
                    score,
                    to_json(reasons),
                    quote,
                    to_iso(when or utcnow()),
                ),
            )
            if cursor.rowcount == 0:
                return None
        return self.suggestion(int(cursor.lastrowid or 0))

    def suggestion(self, suggestion_id: int) -> Suggestion:
        row = self._one("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,))
        if row is None:
            raise NotFoundError(f"No suggestion s{suggestion_id}.")
        return _suggestion(row)

    def suggestions(
        self,
        *,
        status: str | None = None,
        contact_id: int | None = None,
        since: datetime | None = None,
    ) -> list[Suggestion]:
        """Suggestions, best score first."""
        where: list[str] = []
        params: list[object] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if contact_id is not None:
            where.append("contact_id = ?")
            params.append(contact_id)
        if since is not None:
            where.append("created_at >= ?")
            params.append(to_iso(since))
        sql = "SELECT * FROM suggestions" + (" WHERE " + " AND ".join(where) if where else "")
        return [_suggestion(r) for r in self._all(sql + " ORDER BY score DESC, id", params)]

    def set_suggestion_status(
        self, suggestion_id: int, status: str, *, when: datetime | None = None
    ) -> Suggestion:
        """Record what the user did; `sent` also sets the contact's last_contacted."""
        if status not in SUGGESTION_STATUSES:
            raise ValueError(f"unknown suggestion status {status!r}")
        current = self.suggestion(suggestion_id)
        moment = when or utcnow()
        with self.transaction() as conn:
            conn.execute(
                "UPDATE suggestions SET status = ?, acted_at = ? WHERE id = ?",
                (status, to_iso(moment), suggestion_id),
            )
            if status == "sent":
                conn.execute(
                    "UPDATE contacts SET last_contacted = ? WHERE id = ?",
                    (to_iso(moment), current.contact_id),
                )
        return self.suggestion(suggestion_id)

    def expire_suggestions(self, older_than: datetime) -> int:
        """Mark `new` suggestions created before `older_than` as expired; return how many."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE suggestions SET status = 'expired', acted_at = ? "
                "WHERE status = 'new' AND created_at < ?",
                (to_iso(utcnow()), to_iso(older_than)),
            )
        return cursor.rowcount

    def count_suggestions(self) -> int:
        return int(self._scalar("SELECT count(*) FROM suggestions"))
