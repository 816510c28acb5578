"""Suggestions: an article proposed for a contact, and what the user did with it.

Also the few reads relevance needs over articles and contacts to do its work without
loading whole articles: the corpus window, what was already scored, and which
profile each contact was last matched with.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
        weak=bool(row["weak"]),
        acted_at=from_iso(row["acted_at"]),
    )


@dataclass(frozen=True)
class CorpusEntry:
    """An article as relevance first needs it: identity, story and age, no text."""

    id: int
    story_id: int
    when: datetime  # published, else fetched
    revision: int = 0  # grows when the article's text is replaced (its page, got later)


@dataclass(frozen=True)
class NewSuggestion:
    contact_id: int
    article_id: int
    story_id: int
    score: float
    reasons: tuple[str, ...]
    quote: str
    weak: bool = False
    origin: str = "match"


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
        weak: bool = False,
        origin: str = "match",
    ) -> Suggestion | None:
        """Store a suggestion; None when this contact already had this story (any status).

        The UNIQUE (contact_id, story_id) constraint is what guarantees "never the same
        story to the same contact twice", whatever the caller does.
        """
        with self.transaction() as conn:
            cursor = conn.execute(
                """INSERT OR IGNORE INTO suggestions (contact_id, article_id, story_id,
                       score, reasons, quote, created_at, weak, origin)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    contact_id,
                    article_id,
                    story_id,
                    score,
                    to_json(reasons),
                    quote,
                    to_iso(when or utcnow()),
                    int(weak),
                    origin,
                ),
            )
            if cursor.rowcount == 0:
                return None
        return self.suggestion(int(cursor.lastrowid or 0))

    def add_suggestions(
        self, batch: Sequence[NewSuggestion], *, when: datetime | None = None
    ) -> int:
        """Store many suggestions in one transaction; return how many were new."""
        moment = to_iso(when or utcnow())
        with self.transaction() as conn:
            before = conn.total_changes
            conn.executemany(
                """INSERT OR IGNORE INTO suggestions (contact_id, article_id, story_id,
                       score, reasons, quote, created_at, weak, origin)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (
                        s.contact_id,
                        s.article_id,
                        s.story_id,
                        s.score,
                        to_json(s.reasons),
                        s.quote,
                        moment,
                        int(s.weak),
                        s.origin,
                    )
                    for s in batch
                ],
            )
            return conn.total_changes - before

    def suggestion_for(self, contact_id: int, story_id: int) -> Suggestion | None:
        """The suggestion this contact already has for this story, if any."""
        row = self._one(
            "SELECT * FROM suggestions WHERE contact_id = ? AND story_id = ?",
            (contact_id, story_id),
        )
        return _suggestion(row) if row else None

    def suggested_stories(
        self, contact_ids: Iterable[int] | None = None, *, statuses: Sequence[str] = ()
    ) -> dict[int, set[int]]:
        """contact id -> stories already suggested to them (with one of `statuses`, or any)."""
        sql = "SELECT contact_id, story_id FROM suggestions"
        params: list[object] = []
        if statuses:
            sql += f" WHERE status IN ({','.join('?' * len(statuses))})"
            params.extend(statuses)
        wanted = set(contact_ids) if contact_ids is not None else None
        out: dict[int, set[int]] = {}
        for contact_id, story_id in self._all(sql, params):
            if wanted is None or contact_id in wanted:
                out.setdefault(contact_id, set()).add(story_id)
        return out

    def feedback_articles(
        self, contact_ids: Iterable[int] | None = None
    ) -> dict[int, tuple[tuple[int, ...], tuple[int, ...]]]:
        """contact id -> (articles sent to them, articles dismissed for them), oldest first."""
        wanted = set(contact_ids) if contact_ids is not None else None
        sent: dict[int, list[int]] = {}
        dismissed: dict[int, list[int]] = {}
        for contact_id, article_id, status in self._all(
            "SELECT contact_id, article_id, status FROM suggestions "
            "WHERE status IN ('sent', 'dismissed') ORDER BY acted_at, id"
        ):
            if wanted is None or contact_id in wanted:
                (sent if status == "sent" else dismissed).setdefault(contact_id, []).append(
                    article_id
                )
        return {
            cid: (tuple(sent.get(cid, ())), tuple(dismissed.get(cid, ())))
            for cid in sent.keys() | dismissed.keys()
        }

    def corpus_entries(self, since: datetime) -> list[CorpusEntry]:
        """Articles published (else fetched) since `since`, oldest id first."""
        return [
            CorpusEntry(
                id=row[0],
                story_id=row[1] if row[1] is not None else row[0],
                when=from_iso(row[2]),  # type: ignore[arg-type]
                revision=row[3],
            )
            for row in self._all(
                "SELECT id, story_id, coalesce(published, fetched_at), revision FROM articles "
                "WHERE coalesce(published, fetched_at) >= ? ORDER BY id",
                (to_iso(since),),
            )
        ]

    def unprocessed_articles(self, stage: str) -> list[int]:
        """Ids of articles the stage has not handled yet."""
        return [
            row[0]
            for row in self._all(
                "SELECT id FROM articles WHERE id NOT IN "
                "(SELECT article_id FROM processed WHERE stage = ?) ORDER BY id",
                (stage,),
            )
        ]

    def mark_processed(self, stage: str, article_ids: Iterable[int]) -> None:
        moment = to_iso(utcnow())
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO processed (article_id, stage, at) VALUES (?, ?, ?)",
                [(article_id, stage, moment) for article_id in article_ids],
            )

    def profile_fingerprints(self) -> dict[int, str]:
        """contact id -> fingerprint of the profile it was last matched with."""
        return {
            r[0]: r[1] for r in self._all("SELECT contact_id, fingerprint FROM relevance_profiles")
        }

    def set_profile_fingerprints(self, fingerprints: Mapping[int, str]) -> None:
        moment = to_iso(utcnow())
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO relevance_profiles (contact_id, fingerprint, matched_at) "
                "VALUES (?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET "
                "fingerprint = excluded.fingerprint, matched_at = excluded.matched_at",
                [(cid, value, moment) for cid, value in fingerprints.items()],
            )

    def suggestion(self, suggestion_id: int) -> Suggestion:
        row = self._one("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,))
        if row is None:
            raise NotFoundError(
                f"No suggestion s{suggestion_id}; see `cheesecake digest` or "
                "`cheesecake suggest --contact NAME` for the current ones."
            )
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
