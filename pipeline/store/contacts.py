"""Contacts: the people the user wants to stay close to."""

from __future__ import annotations

import dataclasses
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pipeline.errors import AmbiguousError, NotFoundError, UsageError
from pipeline.records import Contact, ContactFields
from pipeline.store._base import StoreBase, from_iso, from_json, to_iso, to_json, utcnow

_LIST_FIELDS = {"emails", "phones", "aliases", "tags"}
_COLUMNS = [f.name for f in dataclasses.fields(ContactFields)]
_INSERT = (
    f"INSERT INTO contacts ({', '.join(_COLUMNS)}, created_at, updated_at) "
    f"VALUES ({', '.join('?' * len(_COLUMNS))}, ?, ?)"
)
_UPDATE = (
    f"UPDATE contacts SET {', '.join(f'{c} = ?' for c in _COLUMNS)}, updated_at = ? WHERE id = ?"
)


def _fold(text: str) -> str:
    """Case, accents and punctuation ignored (as pipeline.contacts.fold, without importing it)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def _names(contact: Contact) -> tuple[str, ...]:
    first_last = f"{contact.first_name} {contact.last_name}"
    nick_last = f"{contact.nickname} {contact.last_name}" if contact.nickname else ""
    return (contact.name, *contact.aliases, first_last, nick_last)


def _contact(row: sqlite3.Row) -> Contact:
    values: dict[str, Any] = {
        name: (from_json(row[name]) if name in _LIST_FIELDS else row[name]) for name in _COLUMNS
    }
    values["linkedin_url"] = values["linkedin_url"] or ""
    return Contact(
        **values,
        id=row["id"],
        last_contacted=from_iso(row["last_contacted"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
    )


def _params(fields: ContactFields) -> list[object]:
    out: list[object] = []
    for name in _COLUMNS:
        value = getattr(fields, name)
        if name in _LIST_FIELDS:
            value = to_json(value)
        elif name == "linkedin_url":
            value = value or None
        out.append(value)
    return out


class ContactStore(StoreBase):
    def add_contact(self, fields: ContactFields) -> Contact:
        now = to_iso(utcnow())
        with self.transaction() as conn:
            cursor = conn.execute(_INSERT, (*_params(fields), now, now))
        return self.contact(int(cursor.lastrowid or 0))

    def update_contact(self, contact_id: int, fields: ContactFields) -> Contact:
        with self.transaction() as conn:
            conn.execute(_UPDATE, (*_params(fields), to_iso(utcnow()), contact_id))
        return self.contact(contact_id)

    def add_contacts(self, batch: Sequence[ContactFields]) -> list[int]:
        """Insert many contacts in one transaction (imports): all or nothing."""
        now = to_iso(utcnow())
        ids: list[int] = []
        with self.transaction() as conn:
            for fields in batch:
                cursor = conn.execute(_INSERT, (*_params(fields), now, now))
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def save_contact_import(
        self, added: Sequence[ContactFields], updated: Sequence[tuple[int, ContactFields]]
    ) -> list[int]:
        """Apply an import plan in one transaction: every row of it lands, or none.

        Returns the ids of the `added` contacts, in their order.
        """
        now = to_iso(utcnow())
        with self.transaction() as conn:
            ids = [
                int(conn.execute(_INSERT, (*_params(f), now, now)).lastrowid or 0) for f in added
            ]
            conn.executemany(_UPDATE, [(*_params(f), now, cid) for cid, f in updated])
        return ids

    def contact(self, contact_id: int) -> Contact:
        row = self._one("SELECT * FROM contacts WHERE id = ?", (contact_id,))
        if row is None:
            raise NotFoundError(f"No contact with id {contact_id}; see `cheesecake contacts list`.")
        return _contact(row)

    def contacts(self, *, tag: str | None = None) -> list[Contact]:
        found = [_contact(r) for r in self._all("SELECT * FROM contacts ORDER BY name, id")]
        return [c for c in found if tag in c.tags] if tag else found

    def find_contact(self, name_or_id: str) -> Contact:
        """One contact by id or by name (exact, then case-insensitive, then alias or
        e-mail, then first and last name, then the first name alone).

        Several matches raise AmbiguousError listing them: never pick one silently; a
        blank name is a UsageError, never "everyone" or "no one".
        """
        if not name_or_id.strip():
            raise UsageError(
                "The contact's name is blank; give their name, alias, e-mail or id "
                "(see `cheesecake contacts list`)."
            )
        if name_or_id.strip().isdecimal():  # not isdigit: int() refuses "²"
            return self.contact(int(name_or_id))
        wanted = name_or_id.strip().casefold()
        folded = _fold(name_or_id)
        everyone = self.contacts()
        for test in (
            lambda c: c.name == name_or_id.strip(),
            lambda c: c.name.casefold() == wanted,
            lambda c: (
                wanted in (a.casefold() for a in c.aliases)
                or wanted in (e.casefold() for e in c.emails)
            ),
            # "Maria Jose Garcia Lopez" finds "María-José García López", and
            # "John Smith" finds "Smith, John Q." (first and last name).
            lambda c: bool(folded) and folded in (_fold(n) for n in _names(c)),
            # "suggest --contact Jane": the first name (or nickname) alone, when it is
            # one word and only one contact has it (several: AmbiguousError below).
            lambda c: (
                bool(folded)
                and " " not in folded
                and folded in (_fold(c.first_name), _fold(c.nickname))
            ),
        ):
            matches = [c for c in everyone if test(c)]
            if len(matches) == 1:
                return matches[0]
            if matches:
                listing = "; ".join(
                    f"{c.id}: {c.name}" + (f" ({c.company})" if c.company else "") for c in matches
                )
                raise AmbiguousError(
                    f"{len(matches)} contacts match {name_or_id!r} ({listing}); "
                    "give the id instead."
                )
        raise NotFoundError(f"No contact named {name_or_id!r}; see `cheesecake contacts list`.")

    def remove_contact(self, contact_id: int) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))

    def set_last_contacted(self, contact_id: int, when: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE contacts SET last_contacted = ?, updated_at = ? WHERE id = ?",
                (to_iso(when), to_iso(utcnow()), contact_id),
            )

    def count_contacts(self) -> int:
        return int(self._scalar("SELECT count(*) FROM contacts"))

    def contacts_version(self) -> str:
        """Changes whenever any contact changes: the key for caches built from contacts."""
        row = self._one("SELECT count(*), max(updated_at), sum(id) FROM contacts")
        return "|".join(str(v) for v in row) if row else ""
