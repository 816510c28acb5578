"""Which reader or writer a contacts file needs: by `--format`, or told by its content."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline.contact_io import csv_formats, vcard
from pipeline.contact_io.source import FORMATS, LABELS, ContactsFile, read_text
from pipeline.errors import ImportError_, UsageError
from pipeline.records import ContactFields

EXPORT_FORMATS = ("csv", "vcard")
_READERS: dict[str, Callable[[str, str], ContactsFile]] = {
    "linkedin": csv_formats.read_linkedin,
    "vcard": vcard.read_vcards,
    "google": csv_formats.read_google,
    "csv": csv_formats.read_generic,
}


def detect_format(text: str) -> str | None:
    """'vcard', 'linkedin', 'google' or 'csv' from the content, None when none fits."""
    if text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return "vcard"
    return csv_formats.sniff(text)


def read_contacts(path: Path, fmt: str | None = None) -> ContactsFile:
    """Every contact of the file, validated: all of them, or an ImportError_ naming the row."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"Unknown contacts format {fmt!r}; use one of {', '.join(FORMATS)}.")
    text = read_text(path)
    detected = detect_format(text)
    if fmt is None:
        if detected is None:
            raise ImportError_(
                f"Cannot tell what kind of contacts file {path} is; give --format "
                "linkedin, vcard, google or csv (a generic CSV needs a 'name' column)."
            )
        fmt = detected
    elif detected != fmt:
        hint = (
            f"it looks like {LABELS[detected]}: use --format {detected}"
            if detected
            else "check the file, or leave out --format to have it detected"
        )
        raise ImportError_(f"{path} is not {LABELS[fmt]} ({hint}).")
    return _READERS[fmt](text, str(path))


def export_contacts(contacts: Iterable[ContactFields], fmt: str = "csv") -> str:
    """The contacts as a generic CSV or as vCard 3.0 text."""
    if fmt == "csv":
        return csv_formats.write_generic(contacts)
    if fmt == "vcard":
        return vcard.write_vcards(contacts)
    raise UsageError(f"Unknown export format {fmt!r}; use csv or vcard.")


def write_export(path: Path, text: str) -> None:
    """Write atomically: a reader of `path` sees the old file or the whole new one."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, path)
    except OSError as exc:
        raise ImportError_(f"Cannot write {path}: {exc.strerror or exc}.") from None
