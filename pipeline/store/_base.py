"""Connection handling shared by the store's per-noun modules."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_json(items: Sequence[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def from_json(value: str | None) -> tuple[str, ...]:
    return tuple(json.loads(value)) if value else ()


class StoreBase:
    """The connection and transaction helpers every store module builds on."""

    conn: sqlite3.Connection
    # Batches SQLite undid whole (it may, on a full disk or an I/O error): their
    # writes are gone though each seemed to succeed, so a caller that counts on
    # them (ingest, before it saves a feed's validators) compares this count.
    batches_lost = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands or none of it (a kill leaves no half).

        Inside another one (a batch held open by `begin_batch`, say) it is a savepoint:
        its writes still land or vanish together, and its failure undoes only them.
        """
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT nested")
            try:
                yield self.conn
            except BaseException:
                if not self.conn.in_transaction:  # the batch went with the failure
                    self.batches_lost += 1
                    raise
                self.conn.execute("ROLLBACK TO nested")
                self.conn.execute("RELEASE nested")
                raise
            self.conn.execute("RELEASE nested")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    def begin_batch(self) -> None:
        """Group the transactions that follow into one commit, until `commit_batch`.

        Each keeps its own all-or-nothing (a savepoint); what the batch gives up is
        durability of its last moments: a kill loses the uncommitted items whole, as
        if they had not been reached. Committing costs about as much as storing an
        article, so a fetch commits its articles a few dozen at a time.
        """
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit_batch(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.commit()
            except sqlite3.Error:
                if not self.conn.in_transaction:
                    self.batches_lost += 1
                raise

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        try:
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        except OverflowError:  # an id of 30 digits: SQLite cannot hold it, no row has it
            return None
        return row

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None
