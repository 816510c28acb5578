"""Bylines: the author metadata of a page, and of a stored article, as people's names.

Pages name their authors in many ways that extraction reads literally: scholarly
tags give "Family, Given" (which trafilatura splits at the comma), bylines drag a
credential ("Brenda Goodman, MA") or a dateline ("Joshua Sokol May 2, 2024") along,
and the same name comes in two casings from the byline and the metadata. This
module owns turning those into names; it neither fetches nor extracts text.
"""

from __future__ import annotations

import re
from typing import Any


def from_page(tree: Any, author: str | None) -> str | None:
    """The author found in a page (its lxml `tree`), cleaned up as names."""
    return _bylined(_uninverted(tree, author))


def author_names(author: str) -> str:
    """Author metadata as names: "Brazil; Rachel; You; Xiaoying" -> "Rachel Brazil; Xiaoying You".

    For stored articles, read by mention detection: scholarly citation tags give
    "Last, First" per author, which extraction used to join with semicolons (pages
    are now read through `from_page`); one-word parts in pairs are read back as
    first-name-first names.
    """
    parts = [p.strip() for p in author.split(";")]
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(p and " " not in p for p in parts):
        return "; ".join(f"{parts[i + 1]} {parts[i]}" for i in range(0, len(parts), 2))
    return author


# <meta> tags whose content is one author, which scholarly publishers write "Family, Given".
_BYLINE_TAGS = frozenset({"dc.creator", "dcterms.creator", "citation_author", "author"})
_INVERTED = re.compile(r"^\s*([^\W\d][^,;\d@/]*?)\s*,\s*([^\W\d][^,;\d@/]*?)\s*$")
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md"})
# A family name of several words starts with one of these ("van der Berg, Anna"); any
# other "First Last, Something" is a name and its outlet: "Jill Disis, CNN Business".
_FAMILY_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le"})


def _uninverted(tree: Any, author: str | None) -> str | None:
    """Authors as names when the page's byline tags give each "Family, Given".

    trafilatura reads a comma as a separator between authors, so <meta
    name="dc.creator" content="Brazil, Rachel"> becomes "Brazil; Rachel". When every
    such tag is one inverted name and `author` is made of exactly their words, the
    names are put back in order: "Rachel Brazil". Anything else is left as found.
    """
    if not author:
        return author
    names = []
    for element in tree.xpath("//head/meta[@name][@content]"):
        if element.get("name", "").strip().lower() not in _BYLINE_TAGS:
            continue
        found = _INVERTED.match(element.get("content", ""))
        if found is None:
            return author  # a tag that is not one inverted name: nothing to undo
        family, given = (part.split() for part in found.groups())
        if (
            (len(family) > 1 and family[0].lower() not in _FAMILY_PARTICLES)
            or len(given) > 2
            or given[0].lower().strip(".") in _NAME_SUFFIXES
        ):
            return author
        names.append(" ".join([*given, *family]))
    if not names or _words(author.replace(";", " ")) != _words(" ".join(names)):
        return author  # the author came from somewhere else (JSON-LD, the byline)
    return "; ".join(dict.fromkeys(names))


def _words(text: str) -> set[str]:
    # trafilatura title-cases "van der Berg" and drops the dot of an initial.
    return {word.lower().strip(".") for word in text.split()}


_CREDENTIAL = re.compile(
    r"^(?:BA|BSc|MA|MS|MSc|MBA|MPH|MD|DO|PhD|PsyD|DNP|RN|RD|RDN|DDS|JD|Esq|CPA|CFA)\.?$", re.I
)
# A dateline run into the byline: "Joshua Sokol May 2, 2024" (or its month alone).
_DATELINE = re.compile(
    r"\s+(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\b[\s\d,.:]*(?:[ap]\.?m\.?)?\s*$",
    re.I,
)


def _bylined(author: str | None) -> str | None:
    """The author names without what bylines drag along into them.

    "Brenda Goodman, MA" split at the comma leaves a credential as a second author; a
    name found in capitals (or lower case) beside the same name in the page's metadata
    is one author twice, written as a name is; and a byline run into its dateline
    ("By Joshua Sokol May 2, 2024") is cut before the date where a name of two words
    or more is left, so "Theresa May" keeps hers.
    """
    if not author:
        return author
    names: dict[str, list[str]] = {}
    for part in author.split(";"):
        name = " ".join(part.split())
        undated = _DATELINE.sub("", name)
        if len(undated.split()) >= 2:
            name = undated
        if name and not _CREDENTIAL.match(name):
            names.setdefault(name.casefold(), []).append(name)
    return "; ".join(max(forms, key=_name_cased) for forms in names.values()) or None


def _name_cased(name: str) -> int:
    """How many words are written as a name is: "Sauli Giliard" over "Sauli giliard"."""
    return sum(word[:1].isupper() and not word.isupper() for word in name.split())
