"""Planning an import against the saved contacts: what is added, updated, unchanged.

Every record of the file is matched (LinkedIn URL, then email, then name + company)
against the saved contacts and the file's earlier records, so a re-import updates
instead of duplicating and a person listed twice in one file becomes one contact.
The plan is pure; `import_file` applies it in one transaction (or not at all, for
`--dry-run`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.contact_io.formats import read_contacts
from pipeline.contact_io.source import ContactsFile, ParsedContact
from pipeline.contacts import IdentityIndex, changed_fields, fields_of, merge
from pipeline.records import Contact, ContactFields

if TYPE_CHECKING:
    from pipeline.store import Store


@dataclass(frozen=True)
class PlannedContact:
    fields: ContactFields  # what will be stored
    rows: tuple[int, ...]  # the file's records (rows or cards) that make it up
    contact_id: int | None = None  # the saved contact it updates or became; None in a plan
    before: ContactFields | None = None
    changed: tuple[str, ...] = ()  # fields that differ from `before`
    matched_by: str = ""  # "LinkedIn URL", "email jane@...", "name and company"


@dataclass(frozen=True)
class Duplicate:
    """A record of the file that is the same person as an earlier record of it."""

    row: int
    first_row: int
    name: str
    matched_by: str


@dataclass(frozen=True)
class ImportPlan:
    path: str
    format: str
    records: int
    added: tuple[PlannedContact, ...]
    updated: tuple[PlannedContact, ...]
    unchanged: tuple[PlannedContact, ...]
    duplicates: tuple[Duplicate, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # records that are companies, not people
    left_out: tuple[str, ...] = ()  # values not imported ("row 2 (line 3): birthday ...")
    dry_run: bool = False


@dataclass
class _Slot:
    """Working state of one person while the file is planned."""

    fields: ContactFields
    contact: Contact | None
    rows: list[int] = field(default_factory=list)
    matched_by: str = ""


def plan_import(saved: Sequence[Contact], source: ContactsFile) -> ImportPlan:
    slots: list[_Slot] = [_Slot(fields_of(c), c) for c in saved]
    index: IdentityIndex[int] = IdentityIndex()
    for position, slot in enumerate(slots):
        index.add(position, slot.fields)
    duplicates = []
    for record in source.contacts:

        def rank(position: int, record: ParsedContact = record) -> tuple[int, bool]:
            # Namesakes: the one this record changes least, then one no earlier record
            # of the file went to, so each row of a re-imported export goes home.
            slot = slots[position]
            after = merge(slot.fields, record.fields, record.fill_only, keep_name=True)
            return len(changed_fields(slot.fields, after)), bool(slot.rows)

        found = index.find(record.fields, rank)
        if found is None:
            slots.append(_Slot(record.fields, None, [record.row]))
            index.add(len(slots) - 1, record.fields)
            continue
        position, reason = found
        slot = slots[position]
        if slot.rows:
            duplicates.append(Duplicate(record.row, slot.rows[0], record.fields.name, reason))
        slot.fields = merge(
            slot.fields, record.fields, record.fill_only, keep_name=reason.startswith("name")
        )
        slot.rows.append(record.row)
        slot.matched_by = slot.matched_by or reason
        index.add(position, slot.fields)
    added: list[PlannedContact] = []
    updated: list[PlannedContact] = []
    unchanged: list[PlannedContact] = []
    for slot in slots:
        if not slot.rows:
            continue  # a saved contact the file does not mention
        if slot.contact is None:
            added.append(PlannedContact(slot.fields, tuple(slot.rows)))
            continue
        before = fields_of(slot.contact)
        planned = PlannedContact(
            slot.fields,
            tuple(slot.rows),
            contact_id=slot.contact.id,
            before=before,
            changed=changed_fields(before, slot.fields),
            matched_by=slot.matched_by,
        )
        (updated if planned.changed else unchanged).append(planned)
    return ImportPlan(
        path=source.path,
        format=source.format,
        records=len(source.contacts),
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        duplicates=tuple(duplicates),
        ignored_columns=source.ignored_columns,
        skipped=source.skipped,
        left_out=source.left_out,
    )


def import_file(
    store: Store, path: Path, fmt: str | None = None, *, dry_run: bool = False
) -> ImportPlan:
    """Read `path` (its format detected unless given), plan, and apply unless `dry_run`.

    A bad record rejects the whole file (ImportError_) before anything is stored; a bad
    birthday is only left out (`ImportPlan.left_out`).
    """
    source = read_contacts(path, fmt)
    plan = plan_import(store.contacts(), source)
    if dry_run:
        return dataclasses.replace(plan, dry_run=True)
    ids = store.save_contact_import(
        [p.fields for p in plan.added],
        [(p.contact_id, p.fields) for p in plan.updated if p.contact_id is not None],
    )
    added = (dataclasses.replace(p, contact_id=i) for p, i in zip(plan.added, ids, strict=True))
    return dataclasses.replace(plan, added=tuple(added))
