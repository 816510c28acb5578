"""vCard 2.1, 3.0 and 4.0 contacts, read and written with vobject.

vobject splits the file into cards and properties (folded lines, quoted-printable,
CHARSET parameters, grouped Apple `item1.` properties); values are unescaped here,
not by vobject, because its text behaviour keeps only what precedes an unescaped
comma ("VP, Research" would become "VP"). N's parts are kept as given; PHOTO and
other binary properties are skipped. Written cards are vCard 3.0, which Apple,
Google and Outlook all import; cheesecake's own fields travel as X-CHEESECAKE-*.
"""

from __future__ import annotations

import io
import quopri
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import vobject
from vobject.base import ContentLine, ParseError, getLogicalLines, parseLine

from pipeline.contact_io.source import (
    ContactsFile,
    ParsedContact,
    firm,
    only_firms,
    parsed,
    reject,
    undecodable,
)
from pipeline.contact_names import compose_name
from pipeline.records import ContactFields

_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_LINKEDIN = re.compile(r"linkedin\.com/(?:in|pub)/", re.IGNORECASE)
_SYSTEM_CATEGORIES = {"mycontacts"}  # Google's export tags every card with it
_X = "X-CHEESECAKE-"
_UTF8_FIX = "export the cards again as UTF-8"


def _unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split(value: str, separator: str) -> list[str]:
    """Split on separators that are not backslash-escaped; the pieces stay escaped."""
    pieces, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def _listed(value: str) -> list[str]:
    return [_unescape(p).strip() for p in _split(value, ",") if p.strip()]


def read_vcards(text: str, path: str) -> ContactsFile:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cards: list[ParsedContact] = []
    skipped: list[str] = []
    card: list[_Prop] | None = None
    depth = start = line = count = 0
    try:
        for logical, number in getLogicalLines(io.StringIO(text), allowQP=True):
            line = max(number, 1)
            prop = _Prop.parse(logical, line)
            bad = undecodable(prop.value)
            if bad is not None:
                where = f"card {count + 1} (line {line})"
                raise reject(path, where, f"is not UTF-8 text (byte {bad[1]})", _UTF8_FIX)
            value = prop.value.strip().upper()
            if prop.name == "BEGIN":
                depth += 1
                if depth == 1 and value != "VCARD":
                    raise _Broken(f"holds a {value or 'component'}, not a vCard")
                if depth == 1:
                    card, start = [], line
            elif prop.name == "END":
                depth -= 1
                if depth < 0:
                    raise _Broken("ends a card that was never begun")
                if depth == 0 and card is not None:
                    count += 1
                    read = _card(path, card, count, start)
                    if isinstance(read, str):
                        skipped.append(read)
                    else:
                        cards.append(read)
                    card = None
            elif depth == 1 and card is not None:
                card.append(prop)
            elif depth == 0 and logical.strip():
                raise _Broken("is outside any BEGIN:VCARD ... END:VCARD")
    except _Broken as exc:
        raise reject(
            path, f"card {count + 1} (line {line})", str(exc), "fix or delete it"
        ) from None
    except ParseError as exc:
        raise reject(
            path,
            f"card {count + 1} (line {line})",
            f"is not valid vCard ({exc.msg})",
            "fix or delete that line, then import again",
        ) from None
    except (UnicodeError, LookupError, ValueError) as exc:
        # Quoted-printable text that is not in its CHARSET, or an unknown CHARSET.
        raise reject(
            path,
            f"card {count + 1} (line {line})",
            f"has text that cannot be decoded ({exc})",
            "fix its CHARSET parameter or export the cards again as UTF-8",
        ) from None
    if depth > 0:
        raise reject(
            path,
            f"card {count + 1} (line {start})",
            "has no END:VCARD",
            "the file is cut short: export it again",
        )
    if not cards and skipped:
        raise only_firms(path, len(skipped))
    if not cards:
        raise reject(path, "line 1", "starts no vCard", "export your contacts as vCard again")
    return ContactsFile(path, "vcard", tuple(cards), skipped=tuple(skipped))


def _marked_company(lines: list[_Prop]) -> bool:
    """Whether the card says it is a firm's: Apple's X-ABShowAs:COMPANY, vCard 4 KIND:org."""
    for prop in lines:
        value = prop.value.strip().lower()
        if prop.name == "KIND" and value in ("org", "organization"):
            return True
        if prop.name == "X-ABSHOWAS" and value == "company":
            return True
    return False


@dataclass(frozen=True)
class _Prop:
    """One property: vobject's line parsing, without its (slow, lossy) value behaviours."""

    name: str
    value: str  # still backslash-escaped; quoted-printable already decoded
    params: dict[str, list[str]]  # upper-case names: {"TYPE": ["INTERNET", "pref"]}
    singles: list[str]  # vCard 2.1's bare parameters: "PREF", "CELL"

    @classmethod
    def parse(cls, logical: str, line: int) -> _Prop:
        name, parameters, value, _group = parseLine(logical, line)
        params: dict[str, list[str]] = {}
        singles: list[str] = []
        for parameter in parameters:
            if len(parameter) == 1:
                singles.append(parameter[0])
            else:
                params.setdefault(parameter[0].upper(), []).extend(parameter[1:])
        encodings = {e.upper() for e in params.get("ENCODING", [])} | {s.upper() for s in singles}
        charset = (params.get("CHARSET") or [""])[0]
        if "QUOTED-PRINTABLE" in encodings:
            # Soft line breaks ("=" + newline) were kept by getLogicalLines for this.
            value = quopri.decodestring(value.encode("utf-8")).decode(charset or "utf-8")
        elif charset and undecodable(value):
            # 8-bit text in the code page the property names (Outlook's vCard 2.1); only
            # bytes that are not UTF-8, so text converted since is not decoded twice.
            value = value.encode("utf-8", "surrogateescape").decode(charset)
        return cls(name.upper(), value, params, singles)


class _Broken(Exception):
    """The card structure (BEGIN/END) is wrong at the current line."""


def _card(path: str, lines: list[_Prop], number: int, line: int) -> ParsedContact | str:
    """The card's contact, or how a firm's card is listed as skipped."""
    props: dict[str, list[_Prop]] = {}
    for prop in lines:
        props.setdefault(prop.name, []).append(prop)

    def raw(name: str) -> list[str]:
        return [p.value for p in props.get(name, [])]

    def first(name: str) -> str:
        values = [_unescape(v).strip() for v in raw(name)]
        return next((v for v in values if v), "")

    n = [*_split(raw("N")[0], ";"), *[""] * 5] if raw("N") else [""] * 5
    family, given, additional, prefix = (" ".join(_listed(part)) for part in n[:4])
    suffix = ", ".join(_listed(n[4]))
    name = first("FN") or compose_name(given, additional, family, suffix)
    nicknames = [nick for value in raw("NICKNAME") for nick in _listed(value)]
    org = [_unescape(p).strip() for p in _split(raw("ORG")[0], ";")] if raw("ORG") else [""]
    phonetic = compose_name(first("X-PHONETIC-FIRST-NAME"), "", first("X-PHONETIC-LAST-NAME"))
    maiden = compose_name(given, "", first("X-MAIDENNAME")) if first("X-MAIDENNAME") else ""
    urls = [_unescape(v).strip() for v in raw("URL") + raw("X-SOCIALPROFILE")]
    emails = sorted(props.get("EMAIL", []), key=_preference)
    categories = [tag for value in raw("CATEGORIES") for tag in _listed(value)]
    fields = ContactFields(
        name=name,
        first_name=given,
        middle_name=additional,
        last_name=family,
        honorific=prefix,
        suffix=suffix,
        nickname=nicknames[0] if nicknames else "",
        aliases=(
            *nicknames[1:],
            maiden,
            phonetic,
            *(_unescape(v) for v in raw(f"{_X}ALIAS")),
        ),
        company=org[0],
        department=", ".join(p for p in org[1:] if p),
        title=first("TITLE") or first("ROLE"),
        emails=tuple(_unescape(e.value).strip() for e in emails),
        phones=tuple(_phone(v) for v in raw("TEL")),
        notes="\n\n".join(_unescape(v).strip() for v in raw("NOTE") if v.strip()),
        tags=tuple(t for t in categories if t.casefold() not in _SYSTEM_CATEGORIES),
        birthday=_birthday(props.get("BDAY", [])),
        linkedin_url=next((u for u in urls if _LINKEDIN.search(u)), ""),
        interests=first(f"{_X}INTERESTS"),
        met=first(f"{_X}MET"),
        industry=first(f"{_X}INDUSTRY"),
        cooldown_days=_cooldown(path, number, line, first(f"{_X}COOLDOWN-DAYS")),
    )
    where = f"card {number} (line {line})"
    if _marked_company(lines):
        return f"{where}: {fields.company or fields.name or 'a company'}"
    if (company := firm(where, fields)) is not None:
        return company
    return parsed(path, fields, row=number, line=line, where=where)


def _preference(prop: _Prop) -> int:
    """Sort key for EMAIL: vCard 4 PREF=1 first, then 3.0's TYPE=pref, then file order."""
    pref = prop.params.get("PREF", [])
    if pref and pref[0].isdigit():
        return int(pref[0])
    types = {t.casefold() for t in prop.params.get("TYPE", [])}
    singles = {s.casefold() for s in prop.singles}
    return 0 if "pref" in types | singles else 101


def _phone(value: str) -> str:
    """A TEL value as written; vCard 4.0's tel: URI ("tel:+1-555-0100;ext=12") as the
    number and its extension ("+1-555-0100 ext. 12"), without its other parameters."""
    text = _unescape(value).strip()
    if text[:4].casefold() != "tel:":
        return text
    number, *params = text[4:].split(";")
    extension = next((p[4:] for p in params if p[:4].casefold() == "ext="), "")
    return f"{number} ext. {extension}" if extension else number


def _birthday(props: list[_Prop]) -> str:
    if not props:
        return ""
    value = _unescape(props[0].value).strip()
    if "X-APPLE-OMIT-YEAR" in props[0].params and re.match(r"\d{4}-", value):
        return "--" + value[5:]
    return value


def _cooldown(path: str, number: int, line: int, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise reject(
            path,
            f"card {number} (line {line})",
            f"has {_X}COOLDOWN-DAYS {value!r}, which is not a whole number of days",
            "correct it, then import again",
        )
    return int(value)


def write_vcards(contacts: Iterable[ContactFields]) -> str:
    return "".join(_serialise(c) for c in contacts)


def _serialise(contact: ContactFields) -> str:
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name,
        given=contact.first_name,
        additional=contact.middle_name,
        prefix=contact.honorific,
        suffix=contact.suffix,
    )
    card.add("fn").value = contact.name

    def add(name: str, value: Any) -> ContentLine:
        line: ContentLine = card.add(name)
        line.value = value
        return line

    if contact.nickname:
        add("nickname", contact.nickname)
    if contact.company or contact.department:
        add(
            "org",
            [contact.company, contact.department] if contact.department else [contact.company],
        )
    if contact.title:
        add("title", contact.title)
    for email in contact.emails:
        add("email", email).type_param = "INTERNET"
    for phone in contact.phones:
        add("tel", phone)
    if contact.notes:
        add("note", contact.notes)
    if contact.tags:
        add("categories", list(contact.tags))
    if contact.birthday:
        add("bday", contact.birthday)
    if contact.linkedin_url:
        add("url", contact.linkedin_url)
    for alias in contact.aliases:
        add(f"{_X}alias", alias)
    for name, value in (
        ("interests", contact.interests),
        ("met", contact.met),
        ("industry", contact.industry),
        ("cooldown-days", "" if contact.cooldown_days is None else str(contact.cooldown_days)),
    ):
        if value:
            add(f"{_X}{name}", value)
    text: str = card.serialize()
    return text
