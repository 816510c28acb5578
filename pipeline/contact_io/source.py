"""What every contacts reader shares: the file's bytes, its text, and naming a bad row.

A file is read whole (it is capped in size first), decoded as UTF-8 (a UTF-8 or
UTF-16 byte-order mark is honoured) and refused if empty or binary. Bytes that are
not UTF-8 are kept as surrogates so the reader can say which row holds them.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.contacts import ContactFieldError, clean_fields, normalise_phone
from pipeline.errors import ImportError_
from pipeline.records import ContactFields

MAX_BYTES = 20 * 1024 * 1024  # 10,000 contacts are about 1 MB; photos make vCards bigger
FORMATS = ("linkedin", "vcard", "google", "csv")
LABELS = {
    "linkedin": "a LinkedIn Connections.csv export",
    "vcard": "a vCard file",
    "google": "a Google Contacts CSV export",
    "csv": "a contacts CSV with a 'name' column",
}
_LABELS = {
    "emails": "email address",
    "phones": "phone number",
    "linkedin_url": "LinkedIn URL",
    "cooldown_days": "cooldown",
}
_UNDECODABLE = re.compile("[\udc80-\udcff]")
UTF8_FIX = 'save the file as UTF-8 ("CSV UTF-8" in Excel) and import it again'


@dataclass(frozen=True)
class ParsedContact:
    """One contact read from a file, and where it was."""

    fields: ContactFields
    row: int  # data row (CSV, header excluded) or card (vCard), from 1
    line: int  # the line of the file it starts on, from 1
    fill_only: frozenset[str] = frozenset()  # fields that only fill blanks on re-import
    left_out: tuple[str, ...] = ()  # values not imported and why ("row 2 (line 3): birthday ...")

    @property
    def where(self) -> str:
        return f"row {self.row} (line {self.line})"


@dataclass(frozen=True)
class ContactsFile:
    path: str
    format: str
    contacts: tuple[ParsedContact, ...]
    ignored_columns: tuple[str, ...] = ()  # header columns no field reads
    skipped: tuple[str, ...] = ()  # records that are no person ("card 3 (line 18): Acme Inc")

    @property
    def left_out(self) -> tuple[str, ...]:
        """Values of the file's records that were not imported, and why."""
        return tuple(note for record in self.contacts for note in record.left_out)


def firm(where: str, fields: ContactFields) -> str | None:
    """How a record naming an organisation and no person is listed when skipped
    ("row 2 (line 3): Best Plumbing Co"); None for any other record.

    Address books keep entries for firms (a plumber, a press office) beside people;
    the file is not refused for them, nor are they imported as people.
    """
    if fields.name.strip() or not fields.company.strip():
        return None
    return f"{where}: {fields.company.strip()}"


def only_firms(path: str, skipped: int) -> ImportError_:
    return ImportError_(
        f"{path} holds only entries for companies ({skipped}), no people; "
        "export the people's contacts."
    )


def reject(path: str, where: str, problem: str, fix: str) -> ImportError_:
    """The one sentence for a file refused because of one place in it."""
    return ImportError_(f"Cannot import {path}: {where} {problem}; {fix} (nothing was imported).")


def read_text(path: Path) -> str:
    """The file's text, or an ImportError_ saying why there is none worth parsing."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ImportError_(f"{path} is a directory; give the contacts file inside it.")
        if size > MAX_BYTES:
            raise ImportError_(
                f"{path} is {size / (1024 * 1024):.1f} MB, more than the "
                f"{MAX_BYTES // (1024 * 1024)} MB a contacts file may be; export it without "
                "photos or split it into smaller files."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportError_(f"There is no file {path}; check the path.") from None
    except OSError as exc:
        raise ImportError_(f"Cannot read {path}: {exc.strerror or exc}.") from None
    return decode(data, str(path))


def decode(data: bytes, path: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportError_(f"{path} is damaged UTF-16 text; {UTF8_FIX}.") from None
    else:
        if b"\x00" in data:
            raise ImportError_(
                f"{path} is not a text file (it holds binary data); export your contacts "
                "as CSV or vCard."
            )
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="surrogateescape")
    if not text.strip():
        raise ImportError_(f"{path} is empty; export your contacts again or check the path.")
    return text


def undecodable(text: str) -> tuple[int, str] | None:
    """Where the first byte that is not UTF-8 sits, and that byte ("0xE9")."""
    match = _UNDECODABLE.search(text)
    if match is None:
        return None
    return match.start(), f"0x{ord(match.group()) - 0xDC00:02X}"


def parsed(
    path: str,
    fields: ContactFields,
    *,
    row: int,
    line: int,
    where: str,
    fill_only: frozenset[str] = frozenset(),
) -> ParsedContact:
    """Validate one record; a bad field rejects the file, naming the record and the field.

    Except a birthday or a phone number: details no match or message depends on, and
    ones address books write in their own ways (a birthday in the machine's locale, a
    phone as "call reception" or "+1 555 0100 (mobile)"), so a bad one is left out
    (and listed) and the contact imported.
    """
    left_out: list[str] = []
    try:
        while True:
            try:
                clean = clean_fields(fields)
                break
            except ContactFieldError as exc:
                if exc.field == "birthday":
                    fields = dataclasses.replace(fields, birthday="")
                    left_out.append(f"{where}: {exc.clause}")
                elif exc.field == "phones":
                    kept, dropped = _split_phones(fields.phones)
                    fields = dataclasses.replace(fields, phones=kept)
                    left_out.extend(f"{where}: {clause}" for clause in dropped)
                else:
                    raise
    except ContactFieldError as exc:
        label = _LABELS.get(exc.field, exc.field.replace("_", " "))
        fix = "give it a name or delete it" if exc.field == "name" else f"correct the {label}"
        problem = f"is invalid: {exc.clause}"
        raise reject(path, where, problem, f"{fix}, then import again") from None
    return ParsedContact(clean, row=row, line=line, fill_only=fill_only, left_out=tuple(left_out))


def _split_phones(phones: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """The phone numbers that read as numbers, and why each other one does not
    (a value may hold several, separated by ';', as every list field may)."""
    kept, dropped = [], []
    for phone in (piece.strip() for value in phones for piece in value.split(";")):
        if not phone:
            continue
        try:
            normalise_phone(phone)
        except ContactFieldError as exc:
            dropped.append(exc.clause)
            continue
        kept.append(phone)
    return tuple(kept), dropped
