"""The CSV contacts formats: LinkedIn Connections.csv, Google Contacts, and the generic CSV.

Each reader finds the header (LinkedIn puts a few lines of "Notes:" before it), reads
every row strictly (broken quoting, a row wider than the header, or bytes that are
not UTF-8 reject the file with the row and line) and maps its columns onto
`ContactFields`. Where a source gives a name's parts they are kept as given. Only the
generic CSV is written back (its nine contract columns first, then the rest).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pipeline.contact_io.source import (
    UTF8_FIX,
    ContactsFile,
    ParsedContact,
    firm,
    only_firms,
    parsed,
    reject,
    undecodable,
)
from pipeline.contact_names import compose_name, words
from pipeline.errors import ImportError_
from pipeline.records import ContactFields

QUOTING_FIX = (
    "put double quotes around values that hold the file's separator (a comma, semicolon or "
    "tab), quotes or line breaks and double the quotes inside them, then import again"
)
# The generic CSV: PRODUCT.md's columns first, then what makes an export lossless.
CONTRACT_COLUMNS = (
    "name", "company", "title", "email", "interests", "aliases", "tags", "notes", "met",
)  # fmt: skip
EXTRA_COLUMNS = (
    "first_name", "middle_name", "last_name", "suffix", "nickname", "honorific", "department",
    "industry", "other_emails", "phones", "linkedin_url", "birthday", "cooldown_days",
)  # fmt: skip
# Header spellings the generic reader accepts (folded: lower case, "_" and "-" as spaces).
_GENERIC = {
    "name": "name",
    "full name": "name",
    "first name": "first_name",
    "given name": "first_name",
    "middle name": "middle_name",
    "last name": "last_name",
    "family name": "last_name",
    "surname": "last_name",
    "suffix": "suffix",
    "nickname": "nickname",
    "honorific": "honorific",
    "company": "company",
    "organization": "company",
    "organisation": "company",
    "department": "department",
    "title": "title",
    "job title": "title",
    "position": "title",
    "industry": "industry",
    "email": "emails",
    "emails": "emails",
    "email address": "emails",
    "other emails": "emails",
    "phone": "phones",
    "phones": "phones",
    "interests": "interests",
    "aliases": "aliases",
    "alias": "aliases",
    "tags": "tags",
    "tag": "tags",
    "notes": "notes",
    "note": "notes",
    "met": "met",
    "how we met": "met",
    "linkedin": "linkedin_url",
    "linkedin url": "linkedin_url",
    "birthday": "birthday",
    "cooldown days": "cooldown_days",
    # Outlook's CSV export, which many address books and CRMs also write.
    "e mail address": "emails",
    "e mail 2 address": "emails",
    "e mail 3 address": "emails",
    "mobile phone": "phones",
    "business phone": "phones",
    "business phone 2": "phones",
    "home phone": "phones",
    "home phone 2": "phones",
    "primary phone": "phones",
    "other phone": "phones",
    "categories": "tags",
}
# Outlook's "Title" is the honorific (Mr., Dr.) beside its "Job Title", and it writes
# "0/0/00" for no birthday.
_OUTLOOK_TITLES = {"title": "honorific"}
_NO_BIRTHDAY = re.compile(r"0{1,2}/0{1,2}/(?:00)?00")
_LIST_COLUMNS = {"emails", "phones", "aliases", "tags"}
_GOOGLE_ONLY = {
    "given name", "family name", "group membership", "labels", "file as", "name prefix",
    "organization 1 name", "organization name", "e mail 1 value",
}  # fmt: skip
_MONTHS = words("jan feb mar apr may jun jul aug sep oct nov dec")
_EMAIL_SPLIT = re.compile(r"[;,]")
# Spreadsheets run a cell that starts with one of these as a formula; exports defuse it
# with an apostrophe (after any apostrophes already there, so the import can undo it).
_FORMULA = re.compile(r"^'*[=+\-@]")


def fold_header(cell: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", cell.strip().lstrip("\ufeff").casefold()).split())


@dataclass(frozen=True)
class _Row:
    number: int
    line: int
    cells: list[str]

    @property
    def where(self) -> str:
        return f"row {self.number} (line {self.line})"


@dataclass(frozen=True)
class _Table:
    header: list[str]  # folded
    rows: list[_Row]

    def column(self, *names: str) -> int | None:
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None


def _cell(row: _Row, index: int | None) -> str:
    return row.cells[index] if index is not None and index < len(row.cells) else ""


# Spreadsheets save "CSV" with the locale's list separator: a semicolon wherever the
# decimal mark is a comma (most of Europe), a tab from "Text (tab delimited)". The
# delimiter is the one under which a known header appears; a comma when none does.
_DELIMITERS = (",", ";", "\t")


def sniff(text: str) -> str | None:
    """'linkedin', 'google' or 'csv' from the header, or None when no header fits."""
    for delimiter in _DELIMITERS:
        found = _sniff_with(text, delimiter)
        if found is not None:
            return found
    return None


def delimiter(text: str) -> str:
    return next((d for d in _DELIMITERS if _sniff_with(text, d) is not None), ",")


def _sniff_with(text: str, delimiter: str) -> str | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    first = True
    try:
        for count, cells in enumerate(reader):
            header = {fold_header(c) for c in cells}
            if _is_linkedin(header):
                return "linkedin"
            if first and any(c.strip() for c in cells):
                first = False
                google = any(re.fullmatch(r"e mail \d+ value", h) for h in header)
                if google or header & _GOOGLE_ONLY:
                    return "google"
                if _is_generic(header):
                    return "csv"
            if count >= 12:
                break
    except csv.Error:
        return None
    return None


def _is_linkedin(header: set[str]) -> bool:
    return {"first name", "last name"} <= header and bool({"connected on", "url"} & header)


def _is_generic(header: set[str]) -> bool:
    fields = {_GENERIC.get(h) for h in header}
    return "name" in fields or {"first_name", "last_name"} <= fields


def _read_table(
    text: str, path: str, is_header: Callable[[set[str]], bool], preamble: int = 0
) -> _Table:
    """Every row of the file under its header, read strictly; blank rows are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text), strict=True)
    header: list[str] | None = None
    rows: list[_Row] = []
    line = 1
    number = 0
    skipped = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            where = f"row {number + 1} (line {line})" if header is not None else f"line {line}"
            raise reject(path, where, f"has broken quoting ({exc})", QUOTING_FIX) from None
        if header is None:
            folded = [fold_header(c) for c in cells]
            if is_header(set(folded)):
                header = folded
            elif any(c.strip() for c in cells) and (skipped := skipped + 1) > preamble:
                raise ImportError_(f"Cannot import {path}: no header row where one was expected.")
        else:
            number += 1
            row = _Row(number, line, cells)
            _check_row(path, row, len(header))
            if any(c.strip() for c in cells):
                rows.append(row)
        line = reader.line_num + 1
    if header is None:
        raise ImportError_(f"Cannot import {path}: it has no header row.")
    if not rows:
        raise ImportError_(
            f"{path} has a header but no contacts; add rows under the header or export again."
        )
    return _Table(header, rows)


def _check_row(path: str, row: _Row, width: int) -> None:
    if len(row.cells) > width:  # a delimiter that was not quoted shifted every later value
        raise reject(
            path,
            row.where,
            f"has {len(row.cells)} values but the header has {width} columns",
            QUOTING_FIX,
        )
    for cell in row.cells:
        bad = undecodable(cell)
        if bad is not None:
            raise reject(path, row.where, f"is not UTF-8 text (byte {bad[1]})", UTF8_FIX)


def _record(
    path: str, row: _Row, fields: ContactFields, fill_only: frozenset[str] = frozenset()
) -> ParsedContact:
    if "\n" in fields.name or "\r" in fields.name:
        raise reject(path, row.where, "has a name spanning several lines", QUOTING_FIX)
    return parsed(path, fields, row=row.number, line=row.line, where=row.where, fill_only=fill_only)


# --- LinkedIn --------------------------------------------------------------------------


def read_linkedin(text: str, path: str) -> ContactsFile:
    table = _read_table(text, path, _is_linkedin, preamble=10)
    col = table.column
    first, last, url = col("first name"), col("last name"), col("url")
    email, company, position, connected = (
        col("email address"),
        col("company"),
        col("position"),
        col("connected on"),
    )
    out = []
    nameless: list[str] = []
    for row in table.rows:
        given, family = _cell(row, first).strip(), _cell(row, last).strip()
        if not given and not family:
            # LinkedIn's row for a deactivated or hidden member: nothing the user can
            # fix at LinkedIn's end, so it is listed as skipped, not a broken file.
            profile = _cell(row, url).strip()
            nameless.append(f"{row.where}: no name" + (f" ({profile})" if profile else ""))
            continue
        fields = ContactFields(
            name=compose_name(given, "", family),
            first_name=given,
            last_name=family,
            linkedin_url=_cell(row, url),
            emails=(_cell(row, email),),
            company=_cell(row, company),
            title=_cell(row, position),
            met=_connected_on(_cell(row, connected)),
        )
        out.append(_record(path, row, fields, fill_only=frozenset({"met"})))
    if not out and nameless:
        raise ImportError_(
            f"{path} holds no connection with a name ({len(nameless)} "
            f"row{'s' * (len(nameless) > 1)} without one); export your connections "
            "again (nothing was imported)."
        )
    return ContactsFile(path, "linkedin", tuple(out), skipped=tuple(nameless))


def _connected_on(value: str) -> str:
    """'12 Mar 2024' (or '12-Mar-24', '2024-03-12') as the text of `met`."""
    text = value.strip()
    if not text:
        return ""
    match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3})[a-z]*[ -](\d{2}|\d{4})", text)
    if match and match.group(2).lower() in _MONTHS:
        year = int(match.group(3)) + (2000 if len(match.group(3)) == 2 else 0)
        text = f"{int(match.group(1))} {match.group(2).title()} {year}"
    return f"Connected on LinkedIn on {text}"


# --- Google Contacts ---------------------------------------------------------------------


def read_google(text: str, path: str) -> ContactsFile:
    """Google's current export (First Name, Labels...) and its older one (Given Name...)."""
    table = _read_table(text, path, lambda h: True)
    col = table.column
    numbered = {
        kind: [i for i, h in enumerate(table.header) if re.fullmatch(rf"{kind} \d+ value", h)]
        for kind in ("e mail", "phone", "website")
    }
    cols = {
        "name": col("name"),
        "first": col("first name", "given name"),
        "middle": col("middle name", "additional name"),
        "last": col("last name", "family name"),
        "prefix": col("name prefix"),
        "suffix": col("name suffix"),
        "nickname": col("nickname"),
        "maiden": col("maiden name"),
        "company": col("organization name", "organization 1 name"),
        "title": col("organization title", "organization 1 title", "occupation"),
        "department": col("organization department", "organization 1 department"),
        "birthday": col("birthday"),
        "notes": col("notes"),
        "labels": col("labels", "group membership"),
    }
    phonetic = [
        col(f"phonetic {p} name", f"{p} name yomi") for p in ("first", "middle", "last")
    ] + [col("yomi name")]
    out = []
    skipped: list[str] = []
    for row in table.rows:

        def get(key: str, row: _Row = row) -> str:
            return _cell(row, cols[key]).strip()

        given, middle, family = get("first"), get("middle"), get("last")
        name = get("name") or compose_name(given, middle, family, get("suffix"))
        reading = compose_name(*(_cell(row, i).strip() for i in phonetic[:3]))
        reading = reading or _cell(row, phonetic[3]).strip()
        maiden = compose_name(given, "", get("maiden")) if get("maiden") else ""
        labels = [label.strip().removeprefix("* ") for label in _multi(get("labels"))]
        fields = ContactFields(
            name=name,
            first_name=given,
            middle_name=middle,
            last_name=family,
            honorific=get("prefix"),
            suffix=get("suffix"),
            nickname=get("nickname"),
            aliases=(maiden, reading),
            company=get("company"),
            title=get("title"),
            department=get("department"),
            birthday=get("birthday"),
            notes=_cell(row, cols["notes"]),
            tags=tuple(t for t in labels if t.casefold() != "mycontacts"),
            emails=tuple(e for i in numbered["e mail"] for e in _multi(_cell(row, i))),
            phones=tuple(p for i in numbered["phone"] for p in _multi(_cell(row, i))),
            linkedin_url=next(
                (
                    w
                    for i in numbered["website"]
                    for w in _multi(_cell(row, i))
                    if re.search(r"linkedin\.com/(in|pub)/", w, re.I)
                ),
                "",
            ),
        )
        if (company := firm(row.where, fields)) is not None:
            skipped.append(company)
            continue
        out.append(_record(path, row, fields))
    if not out:
        raise only_firms(path, len(skipped))
    return ContactsFile(path, "google", tuple(out), skipped=tuple(skipped))


def _multi(cell: str) -> list[str]:
    """Google puts several values in one cell separated by ' ::: '."""
    return [v.strip() for v in cell.split(":::") if v.strip()]


# --- the generic CSV -------------------------------------------------------------------


def read_generic(text: str, path: str) -> ContactsFile:
    table = _read_table(text, path, _is_generic)
    columns: dict[str, list[int]] = {}
    ignored = []
    outlook = _OUTLOOK_TITLES if "job title" in table.header else {}
    for index, header in enumerate(table.header):
        field = outlook.get(header) or _GENERIC.get(header)
        if field is None:
            if header:
                ignored.append(header)
            continue
        if columns.get(field) and field not in _LIST_COLUMNS:
            raise ImportError_(
                f"Cannot import {path}: two header columns give the {field.replace('_', ' ')}; "
                "keep one and import again."
            )
        columns.setdefault(field, []).append(index)
    out = []
    for row in table.rows:
        values = {
            field: [_undefuse(_cell(row, i)) for i in indexes] for field, indexes in columns.items()
        }

        def one(field: str, values: dict[str, list[str]] = values) -> str:
            return values.get(field, [""])[0]

        given, middle, family = one("first_name"), one("middle_name"), one("last_name")
        emails = [e for cell in values.get("emails", []) for e in _EMAIL_SPLIT.split(cell)]
        fields = ContactFields(
            name=one("name").strip()
            or compose_name(given.strip(), middle.strip(), family.strip(), one("suffix").strip()),
            first_name=given,
            middle_name=middle,
            last_name=family,
            suffix=one("suffix"),
            nickname=one("nickname"),
            honorific=one("honorific"),
            company=one("company"),
            department=one("department"),
            title=one("title"),
            industry=one("industry"),
            emails=tuple(emails),
            phones=tuple(values.get("phones", [])),
            aliases=tuple(values.get("aliases", [])),
            tags=tuple(values.get("tags", [])),
            interests=one("interests"),
            notes=one("notes"),
            met=one("met"),
            linkedin_url=one("linkedin_url"),
            birthday="" if _NO_BIRTHDAY.fullmatch(one("birthday").strip()) else one("birthday"),
            cooldown_days=_cooldown(path, row, one("cooldown_days")),
        )
        out.append(_record(path, row, fields))
    return ContactsFile(path, "csv", tuple(out), tuple(ignored))


def _cooldown(path: str, row: _Row, value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise reject(
            path,
            row.where,
            f"has cooldown_days {value.strip()!r}, which is not a whole number of days",
            "correct it, then import again",
        ) from None


def _undefuse(cell: str) -> str:
    """Undo `_defuse`: the first apostrophe before a formula character is ours."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell


def _defuse(cell: str) -> str:
    # A contact's name or title comes from strangers (LinkedIn): never let a spreadsheet
    # run it. Kept readable: only a cell starting with a formula character is changed.
    return f"'{cell}" if _FORMULA.match(cell) else cell


def write_generic(contacts: Iterable[ContactFields]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CONTRACT_COLUMNS, *EXTRA_COLUMNS])
    for c in contacts:
        row = [
            c.name,
            c.company,
            c.title,
            c.emails[0] if c.emails else "",
            c.interests,
            "; ".join(c.aliases),
            "; ".join(c.tags),
            c.notes,
            c.met,
            c.first_name,
            c.middle_name,
            c.last_name,
            c.suffix,
            c.nickname,
            c.honorific,
            c.department,
            c.industry,
            "; ".join(c.emails[1:]),
            "; ".join(c.phones),
            c.linkedin_url,
            c.birthday,
            "" if c.cooldown_days is None else str(c.cooldown_days),
        ]
        writer.writerow([_defuse(cell) for cell in row])
    return out.getvalue()
