"""The only package that touches SQLite.

`open_store(path)` opens (creating if needed) the database in WAL mode with foreign
keys on and applies pending migrations. The `Store` class is assembled from one
module per noun (feeds, articles, contacts, suggestions, mentions, alerts, runs);
each method that writes does so in one transaction, so a process killed at any
moment leaves the database consistent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.errors import StoreError
from pipeline.store._base import to_iso, utcnow
from pipeline.store.alerts import AlertStore
from pipeline.store.articles import ArticleStore
from pipeline.store.contacts import ContactStore
from pipeline.store.digests import DigestStore
from pipeline.store.feeds import FeedStore
from pipeline.store.mentions import MentionStore
from pipeline.store.migrations import MIGRATIONS
from pipeline.store.runs import RunStore
from pipeline.store.suggestions import SuggestionStore

BUSY_TIMEOUT_SECONDS = 30.0


class Store(
    FeedStore,
    ArticleStore,
    ContactStore,
    SuggestionStore,
    MentionStore,
    AlertStore,
    RunStore,
    DigestStore,
):
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: Path) -> Store:
    """Open the database at `path`, creating and migrating it as needed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (Store.transaction).
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"Cannot open the database {path}: {exc}; check the file is a cheesecake "
            "database and no other program holds it locked."
        ) from None
    except OSError as exc:
        raise StoreError(f"Cannot create the database {path}: {exc.strerror or exc}.") from None
    return Store(conn, path)


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply migrations not yet recorded, each in its own transaction; return their names."""
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    known = {m.__name__ for m in MIGRATIONS}
    if done - known:
        raise StoreError(
            "The database was written by a newer cheesecake (unknown migrations "
            f"{', '.join(sorted(done - known))}); upgrade cheesecake."
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (migration.__name__, to_iso(utcnow())),
            )
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        applied.append(migration.__name__)
    return applied


__all__ = ["Store", "migrate", "open_store"]
