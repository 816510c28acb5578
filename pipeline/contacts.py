"""Contacts: names, validated fields, identity, and the add / edit / remove operations.

Owns turning what a user typed or a file held into a clean `ContactFields` (a single
full-name string is split by `pipeline.contact_names.parse_name`), deciding whether
two records are the same person (LinkedIn URL, then email, then normalised name +
company) and merging them. Reading and writing files is `pipeline.contact_io`; SQL is
the store's. It never picks one of several same-named contacts silently.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote, unquote

from pipeline.contact_names import NameParts, parse_name, words
from pipeline.errors import CheesecakeError
from pipeline.records import Contact, ContactFields

if TYPE_CHECKING:
    from pipeline.store import Store

LIST_FIELDS = ("emails", "phones", "aliases", "tags")
NAME_PARTS = ("first_name", "middle_name", "last_name", "suffix", "nickname", "honorific")
FIELD_NAMES = tuple(f.name for f in dataclasses.fields(ContactFields))
MAX_NAME_LENGTH = 200  # longer is a file whose quoting swallowed other columns
MAX_COOLDOWN_DAYS = 3650


class ContactFieldError(CheesecakeError):
    """A contact's field is invalid (an email without @, a name that is empty...)."""

    def __init__(self, field: str, clause: str):
        super().__init__(f"{clause[:1].upper()}{clause[1:]}; correct it and try again.")
        self.field = field
        self.clause = clause  # lower case, no full stop: for embedding in a longer sentence


class DuplicateContactError(CheesecakeError):
    """Adding a contact that is already saved (same LinkedIn URL, email, or name)."""


# --- normalisation -------------------------------------------------------------------


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """A comparison key: case, accents and punctuation ignored, scripts kept as they are."""
    if text.isascii():  # the common case, ten times faster
        return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return unicodedata.normalize("NFC", " ".join(kept.split()))


_LEGAL_FORMS = words(
    "inc incorporated corp corporation co company ltd limited llc llp plc gmbh ag sa sas srl "
    "bv nv oy ab pty kk spa sl"
)


def company_key(company: str) -> str:
    """ "Acme Corp.", "ACME, Inc." and "Acme" are one company."""
    words = fold(company.replace(".", "")).split()  # "S.L." is "SL", not "S L"
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def name_keys(fields: ContactFields) -> tuple[str, ...]:
    """The folded full name, then folded first + last (so "Dr. Jane Q. Doe" is "jane doe"),
    then first + last without what people type into those fields beside their name."""
    keys = [
        fold(fields.name),
        fold(f"{fields.first_name} {fields.last_name}"),
        fold(_bare_name(fields.first_name, fields.last_name)),
    ]
    return tuple(dict.fromkeys(k for k in keys if k))


# Titles LinkedIn members type into First Name ("Dr. Amir"); its parts are kept as given.
_TITLES = words("dr mr mrs ms miss mx prof sir dame rev")


def _bare_name(first: str, last: str) -> str:
    """First and last name without a leading title ("Dr. Amir") or the credentials after
    a comma in the last name ("Doe, CPA"): the same person as "Amir" / "Doe" elsewhere."""
    given = first.split()
    while len(given) > 1 and given[0].lower().rstrip(".") in _TITLES:
        given.pop(0)
    return f"{' '.join(given)} {last.split(',')[0]}"


_EMAIL = re.compile(r"^[^@\s;,<>()\[\]\"]+@[^@\s;,<>()\[\]\"]+\.[^@\s;,<>()\[\]\".]+$")
_LINKEDIN = re.compile(
    r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com(/(?:in|pub)/[^?#\s]+?)/*(?:[?#].*)?$",
    re.IGNORECASE,
)


def normalise_email(value: str) -> str:
    email = value.strip()
    if email.lower().startswith("mailto:"):
        email = email[7:]
    if not _EMAIL.match(email):
        raise ContactFieldError("emails", f"{value!r} is not an email address")
    return email


# Loose on purpose: address books write numbers every which way ("+1 (555) 010-2345",
# "030 1234567", "089/123 456"); this only keeps out what is no number at all.
_PHONE = re.compile(
    r"^(?P<number>[\d\s+().\-/]+?)(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$", re.IGNORECASE
)
MIN_PHONE_DIGITS = 5


def normalise_phone(value: str) -> str:
    """A phone number as written: digits, spaces, + ( ) - . / and an optional extension
    ("x123", "ext. 123"), with at least five digits before the extension."""
    phone = _line(value)
    if phone[:4].casefold() == "tel:":  # vCard 4.0 writes numbers as tel: URIs
        phone = phone[4:].strip()
    match = _PHONE.match(phone)
    if not match or sum(ch.isdigit() for ch in match["number"]) < MIN_PHONE_DIGITS:
        raise ContactFieldError(
            "phones",
            f"{value!r} is not a phone number (digits, spaces and + ( ) - . /, "
            'with at least five digits and an optional extension such as "ext. 12")',
        )
    return phone


def normalise_linkedin_url(value: str) -> str:
    """One spelling per profile: https, www host, lower-case path, no query or slash."""
    url = value.strip()
    if not url:
        return ""
    match = _LINKEDIN.match(url)
    if not match:
        raise ContactFieldError(
            "linkedin_url",
            f"{value!r} is not a LinkedIn profile URL (https://www.linkedin.com/in/...)",
        )
    path = quote(unquote(match.group(1)).lower(), safe="/-_.~")
    return f"https://www.linkedin.com{path}"


_BIRTHDAY = re.compile(r"^(?:(\d{4})-?|--)(\d{2})-?(\d{2})(?:T.*)?$")
# Apple Contacts writes year 1604 when the year is unknown (X-APPLE-OMIT-YEAR), others 0000.
_NO_YEAR = ("1604", "0000")
BIRTHDAY_FORMS = "YYYY-MM-DD, or --MM-DD without the year"


def normalise_birthday(value: str, *, today: date | None = None) -> str:
    """ISO 8601 "1985-04-12", or "--04-12" without a year (Feb 29 included); "" for none.

    Raises ContactFieldError for a date that does not exist ("1990-02-30"), one after
    `today`, or text that is no date in these forms ("13/45", "April 12").
    """
    text = value.strip()
    if not text:
        return ""
    match = _BIRTHDAY.match(text)
    if match:
        year, month, day = match.group(1) or "", int(match.group(2)), int(match.group(3))
        known_year = bool(year) and year not in _NO_YEAR
        try:
            born = date(int(year) if known_year else 2000, month, day)  # 2000 has a Feb 29
        except ValueError:
            pass
        else:
            if not known_year:
                return f"--{month:02d}-{day:02d}"
            if born <= (today or date.today()):
                return born.isoformat()
            raise ContactFieldError("birthday", f"birthday {text!r} is in the future")
    raise ContactFieldError("birthday", f"birthday {text!r} is not a date ({BIRTHDAY_FORMS})")


# --- validation ----------------------------------------------------------------------


# Control characters (category Cc) that are not whitespace, and lone surrogates; the
# whitespace ones (tab, CR, NEL...) become spaces or line breaks instead.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def _line(value: str) -> str:
    """One line: every run of whitespace (newlines too) becomes one space."""
    return " ".join(_drop_controls(value).split())


def _text(value: str) -> str:
    """Free text that may span lines: newlines kept ("\\n"), trailing spaces dropped."""
    lines = _drop_controls(value.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip("\n ")


def _drop_controls(value: str) -> str:
    return _CONTROLS.sub("", value)


def _items(values: Iterable[str]) -> list[str]:
    """List items: ';' separates (it is the CSV separator), blanks and duplicates go."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        for piece in value.split(";"):
            item = _line(piece)
            if item and item.casefold() not in seen:
                seen.add(item.casefold())
                out.append(item)
    return out


def _parts(name: NameParts) -> tuple[str, ...]:
    """In NAME_PARTS order."""
    return (name.first, name.middle, name.last, name.suffix, name.nickname, name.honorific)


def clean_fields(fields: ContactFields) -> ContactFields:
    """Validate and normalise a contact; parse the name when no part of it was given.

    Raises ContactFieldError (naming the field) for what cannot be fixed silently.
    """
    name = _line(fields.name)
    if not name:
        raise ContactFieldError("name", "a contact needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise ContactFieldError(
            "name", f"the name is {len(name)} characters long (at most {MAX_NAME_LENGTH})"
        )
    parts = {part: _line(getattr(fields, part)) for part in NAME_PARTS}
    if not (parts["first_name"] or parts["middle_name"] or parts["last_name"]):
        parsed = _parts(parse_name(name))
        for part, value in zip(NAME_PARTS, parsed, strict=True):
            parts[part] = parts[part] or value
    emails = _items(normalise_email(e) for e in _items(fields.emails))
    aliases = [a for a in _items(fields.aliases) if fold(a) != fold(name)]
    cooldown = fields.cooldown_days
    if cooldown is not None and not 0 <= cooldown <= MAX_COOLDOWN_DAYS:
        raise ContactFieldError(
            "cooldown_days",
            f"the cooldown must be between 0 and {MAX_COOLDOWN_DAYS} days, not {cooldown}",
        )
    return ContactFields(
        name=name,
        **parts,
        company=_line(fields.company),
        department=_line(fields.department),
        title=_line(fields.title),
        industry=_line(fields.industry),
        emails=tuple(emails),
        phones=tuple(_items(normalise_phone(p) for p in _items(fields.phones))),
        aliases=tuple(aliases),
        interests=_text(fields.interests),
        tags=tuple(_items(fields.tags)),
        notes=_text(fields.notes),
        met=_text(fields.met),
        linkedin_url=normalise_linkedin_url(fields.linkedin_url),
        birthday=normalise_birthday(_line(fields.birthday)),
        cooldown_days=cooldown,
    )


def _clean_keeping_birthday(fields: ContactFields, saved: str) -> ContactFields:
    """clean_fields, except that a birthday still as saved is not checked again.

    One saved before birthdays were checked may be free text ("4/12/1985"): changing
    another field of that contact must not fail on it.
    """
    if not saved or fields.birthday != saved:
        return clean_fields(fields)
    clean = clean_fields(dataclasses.replace(fields, birthday=""))
    return dataclasses.replace(clean, birthday=saved)


def fields_of(contact: ContactFields) -> ContactFields:
    """The plain fields of a stored contact (drops id and bookkeeping)."""
    return ContactFields(**{name: getattr(contact, name) for name in FIELD_NAMES})


def describe(contact: ContactFields) -> str:
    """How to name a contact in a message: "Jane Doe (Acme Corp)"."""
    where = contact.company or (contact.emails[0] if contact.emails else "")
    return f"{contact.name} ({where})" if where else contact.name


# --- identity and merging ------------------------------------------------------------

K = TypeVar("K")


class IdentityIndex(Generic[K]):
    """Finds the saved record an incoming contact is the same person as.

    Keys, strongest first: the LinkedIn URL, any email, the folded name with the
    company (a record without a company matches the one same-named record, if only
    one). Two different LinkedIn URLs are two people, whatever else they share.
    """

    def __init__(self) -> None:
        self._urls: dict[str, K] = {}
        self._emails: dict[str, K] = {}
        self._names: dict[str, list[tuple[K, str]]] = {}
        self._url_of: dict[K, str] = {}

    def add(self, key: K, fields: ContactFields) -> None:
        if fields.linkedin_url:
            self._urls.setdefault(fields.linkedin_url, key)
            self._url_of[key] = fields.linkedin_url
        for email in fields.emails:
            self._emails.setdefault(email.casefold(), key)
        company = company_key(fields.company)
        for name in name_keys(fields):
            entries = self._names.setdefault(name, [])
            if (key, company) not in entries:
                entries.append((key, company))

    def find(
        self, fields: ContactFields, rank: Callable[[K], Any] | None = None
    ) -> tuple[K, str] | None:
        """The matching record's key and why it matched, or None.

        Several records of one name and company (namesakes saved on purpose) are told
        apart by `rank`, lowest first: the caller knows which of them fits best.
        """
        url = fields.linkedin_url
        if url and url in self._urls:
            return self._urls[url], "LinkedIn URL"

        def compatible(key: K) -> bool:
            other = self._url_of.get(key, "")
            return not (url and other and other != url)

        for email in fields.emails:
            key = self._emails.get(email.casefold())
            if key is not None and compatible(key):
                return key, f"email {email}"
        company = company_key(fields.company)
        for name in name_keys(fields):
            entries = [(k, c) for k, c in self._names.get(name, []) if compatible(k)]
            same = list(dict.fromkeys(k for k, c in entries if c == company))
            if same:
                best = min(same, key=rank) if rank and len(same) > 1 else same[0]
                return best, "name and company" if company else "name"
            loose = list(dict.fromkeys(k for k, c in entries if not company or not c))
            if len(loose) == 1:
                return loose[0], "name"
        return None


def merge(
    base: ContactFields,
    incoming: ContactFields,
    fill_only: Iterable[str] = (),
    *,
    keep_name: bool = False,
) -> ContactFields:
    """`base` updated with what `incoming` says.

    A non-empty incoming value replaces the saved one (people change jobs), except the
    fields in `fill_only`, which only fill blanks (LinkedIn's "Connected On" must not
    overwrite how the user says they met). Lists gain the new items and lose none. A
    new name brings its parts, and the old name becomes an alias; with `keep_name` (the
    records matched by name, so the saved spelling is the user's) the name stays.
    """
    weak = frozenset(fill_only)
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        old, new = getattr(base, name), getattr(incoming, name)
        if name in LIST_FIELDS:
            values[name] = tuple(_items([*old, *new]))
        elif name == "cooldown_days":
            values[name] = new if new is not None else old
        elif name in NAME_PARTS or name == "name":
            continue
        else:
            values[name] = new if new and not (name in weak and old) else old
    source = incoming if incoming.name != base.name and not keep_name else base
    values["name"] = source.name
    for part in NAME_PARTS:
        values[part] = getattr(source, part)
    if source is incoming and fold(incoming.name) != fold(base.name):
        values["aliases"] = tuple(_items([*values["aliases"], base.name]))
    merged = ContactFields(**values)
    return merged if merged == base else _clean_keeping_birthday(merged, base.birthday)


def changed_fields(before: ContactFields, after: ContactFields) -> tuple[str, ...]:
    return tuple(n for n in FIELD_NAMES if getattr(before, n) != getattr(after, n))


# --- operations ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContactChanges:
    """An edit: None leaves a field alone, a value replaces it; `add_`/`remove_` adjust lists.

    A new `name` is parsed again into parts, unless parts are given too.
    """

    name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    suffix: str | None = None
    nickname: str | None = None
    honorific: str | None = None
    company: str | None = None
    department: str | None = None
    title: str | None = None
    industry: str | None = None
    interests: str | None = None
    notes: str | None = None
    met: str | None = None
    linkedin_url: str | None = None
    birthday: str | None = None
    emails: tuple[str, ...] | None = None
    phones: tuple[str, ...] | None = None
    aliases: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    add_emails: tuple[str, ...] = ()
    add_phones: tuple[str, ...] = ()
    add_aliases: tuple[str, ...] = ()
    add_tags: tuple[str, ...] = ()
    remove_emails: tuple[str, ...] = ()
    remove_phones: tuple[str, ...] = ()
    remove_aliases: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    cooldown_days: int | None = None
    clear_cooldown: bool = False
    last_contacted: datetime | None = None

    def is_empty(self) -> bool:
        return self == ContactChanges()


def apply_changes(base: ContactFields, changes: ContactChanges) -> ContactFields:
    values = {name: getattr(base, name) for name in FIELD_NAMES}
    for name in FIELD_NAMES:
        if name in LIST_FIELDS or name == "cooldown_days":
            continue
        value = getattr(changes, name)
        if value is not None:
            values[name] = value
    if changes.name is not None and _line(changes.name) != base.name:
        parsed = _parts(parse_name(changes.name))
        for part, value in zip(NAME_PARTS, parsed, strict=True):
            given = getattr(changes, part)
            values[part] = value if given is None else given
    for name in LIST_FIELDS:
        replaced = getattr(changes, name)
        items = [*(getattr(base, name) if replaced is None else replaced)]
        items += getattr(changes, f"add_{name}", ())
        for gone in getattr(changes, f"remove_{name}", ()):
            if fold(gone) not in {fold(v) for v in items}:
                raise ContactFieldError(name, f"{base.name} has no {name[:-1]} {gone!r} to remove")
        removed = {fold(v) for v in getattr(changes, f"remove_{name}", ())}
        values[name] = tuple(v for v in items if fold(v) not in removed)
    if changes.clear_cooldown:
        values["cooldown_days"] = None
    elif changes.cooldown_days is not None:
        values["cooldown_days"] = changes.cooldown_days
    return _clean_keeping_birthday(ContactFields(**values), base.birthday)


def _check_linkedin_free(store: Store, fields: ContactFields, own_id: int | None) -> None:
    if not fields.linkedin_url:
        return
    for other in store.contacts():
        if other.linkedin_url == fields.linkedin_url and other.id != own_id:
            raise DuplicateContactError(
                f"{fields.linkedin_url} already belongs to contact {other.id} "
                f"{describe(other)}; edit that contact instead."
            )


# The fields that say who a contact is: an edit to any of them may make it another
# saved contact's double.
IDENTITY_FIELDS = ("name", "first_name", "last_name", "company", "emails", "aliases")


def _identity(fields: ContactFields) -> tuple[object, ...]:
    return tuple(getattr(fields, name) for name in IDENTITY_FIELDS)


def _refuse_duplicate(store: Store, fields: ContactFields, own_id: int | None, fix: str) -> None:
    """DuplicateContactError if `fields` look like a saved contact other than `own_id`:
    the same LinkedIn URL, email, or name and company (see IdentityIndex), or a name
    one of the two goes by as an alias. `fix` says what to do ({id}: the other one)."""
    saved = {c.id: c for c in store.contacts() if c.id != own_id}
    index: IdentityIndex[int] = IdentityIndex()
    for contact in saved.values():
        index.add(contact.id, contact)
    found = index.find(fields) or _alias_match(saved.values(), fields)
    if found is not None:
        other = saved[found[0]]
        raise DuplicateContactError(
            f"{fields.name} looks like contact {other.id} {describe(other)} "
            f"(same {found[1]}); {fix.format(id=other.id)}"
        )


def _alias_match(saved: Iterable[Contact], fields: ContactFields) -> tuple[int, str] | None:
    """A saved contact who goes by this one's name, or whose name this one goes by."""
    names = set(name_keys(fields))
    aliases = {fold(a) for a in fields.aliases}
    for other in saved:
        if fields.linkedin_url and other.linkedin_url and fields.linkedin_url != other.linkedin_url:
            continue  # two LinkedIn profiles are two people
        if names & {fold(a) for a in other.aliases} or aliases & set(name_keys(other)):
            return other.id, "alias"
    return None


def add_contact(store: Store, fields: ContactFields, *, allow_duplicate: bool = False) -> Contact:
    """Save a new contact; refuse one that looks like a saved contact unless told to."""
    clean = clean_fields(fields)
    _check_linkedin_free(store, clean, None)
    if not allow_duplicate:
        fix = "change it with `cheesecake contacts edit {id}` or add --allow-duplicate."
        _refuse_duplicate(store, clean, None, fix)
    return store.add_contact(clean)


def edit_contact(
    store: Store, name_or_id: str, changes: ContactChanges, *, allow_duplicate: bool = False
) -> Contact:
    """Apply `changes` to the one contact `name_or_id` names (ambiguity is an error).

    An edit that makes the contact look like another saved contact (see add_contact)
    is refused unless allowed; one that leaves who it is alone is never questioned.
    """
    contact = store.find_contact(name_or_id)
    before = fields_of(contact)
    updated = apply_changes(before, changes)
    _check_linkedin_free(store, updated, contact.id)
    if not allow_duplicate and _identity(updated) != _identity(before):
        fix = "edit contact {id} instead, or add --allow-duplicate."
        _refuse_duplicate(store, updated, contact.id, fix)
    if updated != before:
        contact = store.update_contact(contact.id, updated)
    if changes.last_contacted is not None:
        store.set_last_contacted(contact.id, changes.last_contacted)
        contact = store.contact(contact.id)
    return contact


def remove_contact(store: Store, name_or_id: str) -> Contact:
    """Delete one contact (its suggestions and mentions go with it); return what it was."""
    contact = store.find_contact(name_or_id)
    store.remove_contact(contact.id)
    return contact
