"""Ordered, named schema migrations.

Each migration is a function `mNNN_name(conn)` applied once, in order, inside its
own transaction, and recorded in `_migrations`. They run every time the database
opens, so a new version of the program upgrades an old workspace in place. Never
edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the caller's transaction.

    `executescript` would COMMIT first, breaking the one-transaction-per-migration
    rule, so statements are split with sqlite3.complete_statement (which knows that
    a trigger body's semicolons do not end it) and executed one by one.
    """
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:80]!r}")


def m001_feeds_and_articles(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT,
            etag TEXT,
            last_modified TEXT,
            body_hash TEXT,
            last_status INTEGER,
            last_error TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_fetched TEXT,
            last_success TEXT,
            dead INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            author TEXT,
            published TEXT,
            fetched_at TEXT NOT NULL,
            site_name TEXT,
            description TEXT,
            language TEXT,
            summary TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            extracted INTEGER NOT NULL,
            extract_error TEXT,
            -- near-duplicates point at the first article of their story
            story_id INTEGER REFERENCES articles(id) ON DELETE SET NULL
        );
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_fetched_at ON articles(fetched_at);
        CREATE INDEX articles_url ON articles(url);

        -- which feed delivered which article, under which entry key (guid or link)
        CREATE TABLE feed_entries (
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            entry_key TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (feed_id, entry_key)
        );
        CREATE INDEX feed_entries_article ON feed_entries(article_id);

        -- MinHash LSH bands of each article's text, for near-duplicate lookup
        CREATE TABLE article_bands (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            band INTEGER NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (band, hash, article_id)
        );
        CREATE INDEX article_bands_article ON article_bands(article_id);

        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
                VALUES ('delete', old.id, old.title, old.text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
                VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        """,
    )


def m002_contacts(conn: sqlite3.Connection) -> None:
    # Lists (emails, phones, aliases, tags) are JSON arrays: they are always read
    # and written whole with their contact, and 10,000 contacts load in milliseconds.
    _script(
        conn,
        """
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (trim(name) != ''),
            first_name TEXT NOT NULL DEFAULT '',
            middle_name TEXT NOT NULL DEFAULT '',
            last_name TEXT NOT NULL DEFAULT '',
            suffix TEXT NOT NULL DEFAULT '',
            nickname TEXT NOT NULL DEFAULT '',
            company TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            industry TEXT NOT NULL DEFAULT '',
            emails TEXT NOT NULL DEFAULT '[]',
            phones TEXT NOT NULL DEFAULT '[]',
            aliases TEXT NOT NULL DEFAULT '[]',
            interests TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            notes TEXT NOT NULL DEFAULT '',
            met TEXT NOT NULL DEFAULT '',
            linkedin_url TEXT,
            cooldown_days INTEGER,
            last_contacted TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX contacts_linkedin ON contacts(linkedin_url)
            WHERE linkedin_url IS NOT NULL AND linkedin_url != '';
        CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE);
        """,
    )


def m003_ledger(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL,
            score REAL NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]',
            quote TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'sent', 'dismissed', 'expired')),
            created_at TEXT NOT NULL,
            acted_at TEXT,
            -- never the same story to the same contact twice
            UNIQUE (contact_id, story_id)
        );
        CREATE INDEX suggestions_status ON suggestions(status, contact_id);

        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL,
            confidence TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'verify')),
            event TEXT NOT NULL,
            evidence TEXT NOT NULL,
            matched TEXT NOT NULL,
            salience INTEGER NOT NULL DEFAULT 1,
            context TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'sent', 'dismissed', 'not_them')),
            created_at TEXT NOT NULL,
            -- each (contact, story) reported once, whichever feeds carried it
            UNIQUE (contact_id, story_id)
        );
        CREATE INDEX mentions_created ON mentions(created_at);

        -- articles already scanned/scored, so a re-run does no repeated work
        CREATE TABLE processed (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (article_id, stage)
        );

        CREATE TABLE alerts (
            mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (mention_id, channel)
        );

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'ok', 'failed')),
            report TEXT NOT NULL DEFAULT '{}'
        );

        -- every item that failed inside a run: what, where, why
        CREATE TABLE item_errors (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            item TEXT NOT NULL,
            message TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """,
    )


def m005_contact_details(conn: sqlite3.Connection) -> None:
    # Name honorific ("Dr."), the department of a vCard ORG or Google export, and a
    # birthday that may lack its year ("--04-12"). Emails stay a JSON list: import
    # identity is resolved in memory over all contacts (10,000 load in milliseconds).
    _script(
        conn,
        """
        ALTER TABLE contacts ADD COLUMN honorific TEXT NOT NULL DEFAULT '';
        ALTER TABLE contacts ADD COLUMN department TEXT NOT NULL DEFAULT '';
        ALTER TABLE contacts ADD COLUMN birthday TEXT NOT NULL DEFAULT '';
        """,
    )


def m006_relevance(conn: sqlite3.Connection) -> None:
    # `weak`: below the relevance threshold (kept only for on-demand `suggest` lists, so
    # their ids work with sent/dismiss; the digest leaves them out). `origin`: which
    # command proposed it. relevance_profiles remembers the profile text each contact
    # was last matched with, so a new or edited contact is matched against all fresh
    # articles once, while unchanged ones only see new articles.
    _script(
        conn,
        """
        ALTER TABLE suggestions ADD COLUMN weak INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE suggestions ADD COLUMN origin TEXT NOT NULL DEFAULT 'match';
        CREATE INDEX suggestions_contact_story ON suggestions(contact_id, status, story_id);
        CREATE TABLE relevance_profiles (
            contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            matched_at TEXT NOT NULL
        );
        """,
    )


def m007_mention_feedback(conn: sqlite3.Connection) -> None:
    # `terms`: distinctive words around each mention, kept so `dismiss --not-them` can
    # recognise the same other person later. `not_them`: one row per such dismissal;
    # a later mention of that contact beside the same organisation, or sharing two of
    # these words, is suppressed.
    _script(
        conn,
        """
        ALTER TABLE mentions ADD COLUMN terms TEXT NOT NULL DEFAULT '[]';
        CREATE TABLE not_them (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            mention_id INTEGER REFERENCES mentions(id) ON DELETE SET NULL,
            context TEXT NOT NULL DEFAULT '',
            terms TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );
        CREATE INDEX not_them_contact ON not_them(contact_id);
        """,
    )


def m008_digest_items(conn: sqlite3.Connection) -> None:
    # Which digest day first showed each suggestion or mention: a later digest does not
    # repeat it, and regenerating that day shows the same items again.
    _script(
        conn,
        """
        CREATE TABLE digest_items (
            day TEXT NOT NULL,
            suggestion_id INTEGER UNIQUE REFERENCES suggestions(id) ON DELETE CASCADE,
            mention_id INTEGER UNIQUE REFERENCES mentions(id) ON DELETE CASCADE,
            CHECK ((suggestion_id IS NULL) != (mention_id IS NULL))
        );
        CREATE INDEX digest_items_day ON digest_items(day);
        """,
    )


def m009_minhash_fingerprints(conn: sqlite3.Connection) -> None:
    # The near-duplicate band hashes changed scheme (datasketch's SHA-1 per shingle
    # became a NumPy multiply-shift family, three times cheaper per article). Bands of
    # the two schemes never match, so every stored article is banded again; without
    # this a story republished tomorrow would not be recognised as one already stored.
    # Each article's signature is kept too: its estimate rules out most candidates
    # before the exact comparison has to load and shingle their text.
    # (Bands are written as this migration always wrote them, (band, hex digest) rows;
    # m015 turns them into the keys stored since.)
    from pipeline.dedup import BANDS, band_digest, fingerprint

    _script(
        conn,
        """
        CREATE TABLE article_minhash (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            signature BLOB NOT NULL
        );
        DELETE FROM article_bands;
        """,
    )
    for article_id, text in conn.execute("SELECT id, text FROM articles").fetchall():
        found = fingerprint(text or "")
        if found is None:
            continue
        conn.execute(
            "INSERT INTO article_minhash (article_id, signature) VALUES (?, ?)",
            (article_id, found.signature),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO article_bands (article_id, band, hash) VALUES (?, ?, ?)",
            [(article_id, band, band_digest(found.signature, band).hex()) for band in range(BANDS)],
        )


def m011_deferred_fts(conn: sqlite3.Connection) -> None:
    # Indexing each article for full-text search as it is inserted (one FTS5 segment
    # write per row) cost 0.65 ms of the event loop's time per article; indexed in
    # bulk at the end of a fetch it costs 0.22 ms. New rows wait in fts_pending until
    # then (or until a search, which indexes them first). A row still pending was
    # never in the index, so deleting or changing it must not tell FTS5 to remove it.
    _script(
        conn,
        """
        CREATE TABLE fts_pending (article_id INTEGER PRIMARY KEY);
        DROP TRIGGER articles_ai;
        DROP TRIGGER articles_ad;
        DROP TRIGGER articles_au;
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT OR IGNORE INTO fts_pending (article_id) VALUES (new.id);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
                SELECT 'delete', old.id, old.title, old.text
                WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE article_id = old.id);
            DELETE FROM fts_pending WHERE article_id = old.id;
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
                SELECT 'delete', old.id, old.title, old.text
                WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE article_id = old.id);
            INSERT OR IGNORE INTO fts_pending (article_id) VALUES (new.id);
        END;
        """,
    )


def m012_contact_scans(conn: sqlite3.Connection) -> None:
    # Which names each contact was last looked for under, so a contact added (or
    # renamed) after articles were scanned is looked for in them too: without it,
    # yesterday's story about a contact imported today would never be reported.
    # Existing contacts start without a row: the next scan catches them all up once.
    _script(
        conn,
        """
        CREATE TABLE contact_scans (
            contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
            names TEXT NOT NULL,
            scanned_at TEXT NOT NULL
        );
        """,
    )


def m013_feed_moved_to(conn: sqlite3.Connection) -> None:
    # Where a feed now lives when every redirect to it was permanent (301/308): it
    # still works through the detour, but `status` tells the user to take the new URL.
    _script(conn, "ALTER TABLE feeds ADD COLUMN moved_to TEXT;")


def m014_page_retries(conn: sqlite3.Connection) -> None:
    # A page that failed for a passing reason (a timeout, a 5xx, a reset) is asked
    # again by later fetches; its article meanwhile holds the feed's summary. Once
    # extracted, the article's `revision` grows, so article vectors cached under
    # models/ for the summary are computed again.
    _script(
        conn,
        """
        CREATE TABLE page_retries (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            attempts INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            last_error TEXT NOT NULL
        );
        CREATE INDEX page_retries_due ON page_retries(due_at);
        ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        """,
    )


def m015_band_keys(conn: sqlite3.Connection) -> None:
    # Each of an article's 20 LSH bands was a (band, 16-hex-digit hash) row in a rowid
    # table under a three-column primary key: 20 random insertions into two B-trees
    # per stored article, 0.3 ms of the fetch's one event loop thread per article in
    # a store of 5,000, as much as storing the article itself. One integer key per
    # band (dedup.band_key) in a WITHOUT ROWID table is one compact B-tree. Keys are
    # computed from the stored digests: no text is fingerprinted again.
    from pipeline.dedup import band_key

    _script(
        conn,
        """
        CREATE TABLE article_band_keys (
            key INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (key, article_id)
        ) WITHOUT ROWID;
        """,
    )
    rows = conn.execute("SELECT band, hash, article_id FROM article_bands")
    while batch := rows.fetchmany(10_000):
        keys = []
        for band, digest, article_id in batch:
            try:
                keys.append((band_key(band, bytes.fromhex(digest)), article_id))
            except (TypeError, ValueError):
                continue  # not a digest this program wrote: it could match nothing
        conn.executemany(
            "INSERT OR IGNORE INTO article_band_keys (key, article_id) VALUES (?, ?)", keys
        )
    _script(
        conn,
        """
        DROP TABLE article_bands;
        CREATE INDEX article_band_keys_article ON article_band_keys(article_id);
        """,
    )


def m016_one_permutation_minhash(conn: sqlite3.Connection) -> None:
    # Signatures became one-permutation MinHash (dedup.SCHEME): one sort of an
    # article's shingles instead of 120 hash passes over them, which had been the
    # costliest step of a page after extraction itself. Old and new signatures never
    # agree, so every stored article is fingerprinted again from its text, once (9.6 s
    # for 10,000 articles of 1,000 words, inserts included); without it a story stored
    # before the upgrade would not be recognised when a copy of it arrives.
    from pipeline.dedup import fingerprint

    _script(
        conn,
        """
        DELETE FROM article_band_keys;
        DELETE FROM article_minhash;
        """,
    )
    rows = conn.execute("SELECT id, text FROM articles")
    while batch := rows.fetchmany(1_000):
        signatures: list[tuple[int, bytes]] = []
        keys: list[tuple[int, int]] = []
        for article_id, text in batch:
            found = fingerprint(text or "")
            if found is None:
                continue
            signatures.append((article_id, found.signature))
            keys.extend((key, article_id) for key in found.band_keys)
        conn.executemany(
            "INSERT INTO article_minhash (article_id, signature) VALUES (?, ?)", signatures
        )
        conn.executemany(
            "INSERT OR IGNORE INTO article_band_keys (key, article_id) VALUES (?, ?)", keys
        )


MIGRATIONS: tuple[Migration, ...] = (
    m001_feeds_and_articles,
    m002_contacts,
    m003_ledger,
    m005_contact_details,
    m006_relevance,
    m007_mention_feedback,
    m008_digest_items,
    m009_minhash_fingerprints,
    m011_deferred_fts,
    m012_contact_scans,
    m013_feed_moved_to,
    m014_page_retries,
    m015_band_keys,
    m016_one_permutation_minhash,
)
