"""Mentions: a contact named in an article, with the evidence and the event kind."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pipeline.errors import NotFoundError
from pipeline.records import MENTION_STATUSES, Contact, Mention
from pipeline.store._base import StoreBase, from_iso, from_json, to_iso, to_json, utcnow

SCAN_STAGE = "mentions"  # the `processed` stage marking an article as scanned for names

# The contact fields the mention scan reads, and (as one string) the names a contact is
# looked for under: when those change, the contact is looked for in stored news again.
_SCAN_FIELDS = (
    "c.id, c.name, c.first_name, c.middle_name, c.last_name, c.nickname, c.aliases,"
    " c.company, c.title, c.emails"
)
_SCAN_NAMES = (
    "(c.name || char(31) || c.first_name || char(31) || c.middle_name || char(31)"
    " || c.last_name || char(31) || c.nickname || char(31) || c.aliases)"
)


def _scan_contact(row: Any) -> Contact:
    aliases, emails = row[6], row[9]
    return Contact(
        id=row[0],
        name=row[1],
        first_name=row[2],
        middle_name=row[3],
        last_name=row[4],
        nickname=row[5],
        aliases=from_json(aliases) if aliases != "[]" else (),
        company=row[7],
        title=row[8],
        emails=from_json(emails) if emails != "[]" else (),
    )


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
        terms: Sequence[str] = (),
    ) -> Mention | None:
        """Store a mention; None when this (contact, story) was already reported."""
        with self.transaction() as conn:
            cursor = conn.execute(
                """INSERT OR IGNORE INTO mentions (contact_id, article_id, story_id, confidence,
                       event, evidence, matched, salience, context, created_at, terms)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                    to_json(terms),
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
        """Mentions, newest news first: by the article's date (published, else fetched),
        which `since` filters on too, as `articles` does.

        Not by when the mention was found: a contact saved today is looked for in last
        month's articles, and those stories are not today's news.
        """
        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("coalesce(a.published, a.fetched_at) >= ?")
            params.append(to_iso(since))
        if contact_id is not None:
            where.append("m.contact_id = ?")
            params.append(contact_id)
        if status is not None:
            where.append("m.status = ?")
            params.append(status)
        sql = "SELECT m.* FROM mentions m JOIN articles a ON a.id = m.article_id"
        sql += (" WHERE " + " AND ".join(where) if where else "") + (
            " ORDER BY coalesce(a.published, a.fetched_at) DESC, m.created_at DESC, m.id DESC"
        )
        return [_mention(r) for r in self._all(sql, params)]

    def stories_naming(self, contact_ids: Iterable[int]) -> dict[int, set[int]]:
        """contact id -> stories the contact is named in (mentions they are not denied in)."""
        wanted = set(contact_ids)
        out: dict[int, set[int]] = {}
        for contact_id, story_id in self._all(
            "SELECT contact_id, story_id FROM mentions WHERE status != 'not_them'"
        ):
            if contact_id in wanted:
                out.setdefault(contact_id, set()).add(story_id)
        return out

    def set_mention_status(self, mention_id: int, status: str) -> Mention:
        if status not in MENTION_STATUSES:
            raise ValueError(f"unknown mention status {status!r}")
        self.mention(mention_id)
        with self.transaction() as conn:
            conn.execute("UPDATE mentions SET status = ? WHERE id = ?", (status, mention_id))
        return self.mention(mention_id)

    def count_mentions(self) -> int:
        """Mentions as `mentions` lists them: not those the user said were someone else."""
        return int(self._scalar("SELECT count(*) FROM mentions WHERE status != 'not_them'"))

    def mention_terms(self, mention_id: int) -> tuple[str, ...]:
        """The distinctive words stored around a mention (for not-them suppression)."""
        return from_json(self._scalar("SELECT terms FROM mentions WHERE id = ?", (mention_id,)))

    def unscanned_article_ids(self) -> list[int]:
        """Articles not yet scanned for mentions, oldest first (a story's first article leads)."""
        rows = self._all(
            "SELECT a.id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM processed p "
            "WHERE p.article_id = a.id AND p.stage = ?) ORDER BY a.id",
            (SCAN_STAGE,),
        )
        return [int(r[0]) for r in rows]

    def mark_scanned(self, article_ids: Sequence[int], when: datetime | None = None) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO processed (article_id, stage, at) VALUES (?, ?, ?)",
                [(article_id, SCAN_STAGE, to_iso(when or utcnow())) for article_id in article_ids],
            )

    def add_not_them(
        self, contact_id: int, mention_id: int | None, context: str, terms: Sequence[str]
    ) -> None:
        """Remember that a mention of this contact beside `context`/`terms` was someone else."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO not_them (contact_id, mention_id, context, terms, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (contact_id, mention_id, context, to_json(terms), to_iso(utcnow())),
            )

    def not_them(self) -> list[tuple[int, str, tuple[str, ...]]]:
        """Every not-them rule as (contact id, context, terms)."""
        return [
            (int(r["contact_id"]), r["context"], from_json(r["terms"]))
            for r in self._all("SELECT contact_id, context, terms FROM not_them ORDER BY id")
        ]

    def contacts_for_scan(self) -> list[Contact]:
        """Every contact with only the fields the mention scan reads (names, aliases,
        company, title, e-mails); the rest keep their defaults.

        Loading whole contacts costs ~25 us each (two dates, four JSON lists); a list
        of 100,000 loads here in a fraction of that, before the index is built.
        """
        return [
            _scan_contact(row)
            for row in self.conn.execute(f"SELECT {_SCAN_FIELDS} FROM contacts c ORDER BY c.id")
        ]

    def contacts_not_scanned(self) -> list[tuple[Contact, str]]:
        """Contacts never looked for under their current names (added or renamed since
        the last scan), with those names as `mark_contacts_scanned` records them."""
        rows = self.conn.execute(
            f"SELECT {_SCAN_FIELDS}, {_SCAN_NAMES} FROM contacts c"
            " LEFT JOIN contact_scans s ON s.contact_id = c.id"
            f" WHERE s.names IS NULL OR s.names != {_SCAN_NAMES} ORDER BY c.id"
        )
        return [(_scan_contact(row), row[-1]) for row in rows]

    def mark_contacts_scanned(
        self, scanned: Sequence[tuple[int, str]], when: datetime | None = None
    ) -> None:
        """Record that each (contact id, names) has been looked for in the stored news."""
        at = to_iso(when or utcnow())
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO contact_scans (contact_id, names, scanned_at)"
                " SELECT id, ?, ? FROM contacts WHERE id = ?",  # a contact deleted meanwhile: none
                [(names, at, contact_id) for contact_id, names in scanned],
            )

    def scanned_article_ids(self, *, fetched_since: datetime) -> list[int]:
        """Articles fetched since then and already scanned for mentions, oldest first."""
        rows = self._all(
            "SELECT a.id FROM articles a JOIN processed p"
            " ON p.article_id = a.id AND p.stage = ? WHERE a.fetched_at >= ? ORDER BY a.id",
            (SCAN_STAGE, to_iso(fetched_since)),
        )
        return [int(r[0]) for r in rows]

    def contacts_fingerprint(self) -> str:
        """A digest of every contact field the mention scan reads: its cache key.

        `contacts_version` changes with `updated_at`, which has one-second resolution;
        an edit within the second of the previous one must still rebuild the index.
        """
        digest = hashlib.blake2b(digest_size=16)
        for row in self.conn.execute(f"SELECT {_SCAN_FIELDS} FROM contacts c ORDER BY c.id"):
            digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()
