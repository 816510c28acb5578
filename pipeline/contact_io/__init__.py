"""Contacts files: LinkedIn, vCard, Google and generic CSV in; generic CSV and vCard out.

Owns turning a file into validated contacts (all of them or none: the first bad row
rejects the file, naming the row and the reason; only a birthday that is no date is
left out of its contact and listed), telling its format from its content,
planning an import against the saved contacts (added / updated / unchanged) and
applying it in one transaction. Parsing names and deciding identity is
`pipeline.contacts`; it never writes part of a file.
"""

from pipeline.contact_io.formats import (
    EXPORT_FORMATS,
    detect_format,
    export_contacts,
    read_contacts,
    write_export,
)
from pipeline.contact_io.plan import Duplicate, ImportPlan, PlannedContact, import_file, plan_import
from pipeline.contact_io.source import FORMATS, MAX_BYTES, ContactsFile, ParsedContact

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "MAX_BYTES",
    "ContactsFile",
    "Duplicate",
    "ImportPlan",
    "ParsedContact",
    "PlannedContact",
    "detect_format",
    "export_contacts",
    "import_file",
    "plan_import",
    "read_contacts",
    "write_export",
]
