"""The name index: every variant of every contact in one Aho-Corasick automaton.

Owns finding contacts' names in a text in one pass, whatever the number of contacts:
the automaton runs over the folded text, and a match counts only as whole words (a
hyphen joins words: "Mary-Jane Doe" is not Jane Doe) within one paragraph, written
as a name in the original (Title Case or ALL CAPS, so "will smith the metal" is not
Will Smith), and not as the tail of a longer name ("Mary Jane Doe"). Judging what a
match means is `pipeline.mentions`' job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ahocorasick

from pipeline.names import (
    DERIVED,
    PARTICLES,
    FoldedText,
    first_name_percent,
    fold,
    fold_text,
    is_word_char,
    variants,
    word_set,
)
from pipeline.records import Contact

# Capitalised words before a name that are titles, not a longer first name.
_TITLE_WORDS = word_set(
    "dean judge major king queen prince princess earl duke baron pope father sister "
    "brother coach general senator governor minister chancellor captain pastor bishop "
    "elder mayor president chairman director professor doctor sir dame lord lady saint "
    "deputy justice representative congressman congresswoman"
)
_PREVIOUS_WORD = re.compile(r"([A-Z][a-z]+)[ \t]+$")
# " Q. " between two words: a middle initial (the "U." of "U.S." is not: no space before).
_MIDDLE_INITIAL = re.compile(r"(?<=\w) [A-Z]\. (?=\w)")
_INITIAL_WINDOW = 60


@dataclass(frozen=True)
class Hit:
    """One whole-word, name-cased occurrence of a contact's variant."""

    contact_id: int
    kind: str
    start: int  # offsets in the original document
    end: int
    shared: bool  # the same spelling names several contacts


class MentionIndex:
    """Every variant of every contact in one automaton; immutable once built."""

    def __init__(self, contacts: Iterable[Contact]):
        self.contacts: dict[int, Contact] = {c.id: c for c in contacts}
        table: dict[str, list[tuple[int, str]]] = {}
        for contact in self.contacts.values():
            for variant in variants(contact):
                table.setdefault(variant.key, []).append((contact.id, variant.kind))
        self.automaton: ahocorasick.Automaton | None = None
        if table:
            automaton = ahocorasick.Automaton()
            for key, entries in table.items():
                # A spelling that is one contact's own name and another's nickname
                # guess belongs to the first; it is shared only between equals.
                best = [e for e in entries if e[1] not in DERIVED] or entries
                shared = len({contact_id for contact_id, _ in best}) > 1
                automaton.add_word(key, (len(key), tuple(best), shared))
            automaton.make_automaton()
            self.automaton = automaton

    def hits(self, text: str, folded: FoldedText | None = None) -> list[Hit]:
        """Whole-word, name-cased matches in `text`, longest first where they overlap.

        A middle initial the contact was not saved with ("Jane Q. Doe" for a saved
        "Jane Doe") is matched by scanning, around each "Word X. Word" in the text, the
        same words with the initial left out.
        """
        if self.automaton is None or not text:
            return []
        found = self._scan(text, folded or fold_text(text))
        for initial in _MIDDLE_INITIAL.finditer(text):
            found.extend(self._without_initial(text, initial.start(), initial.end()))
        return _drop_nested(found)

    def _scan(
        self, text: str, folded: FoldedText, shift: Callable[[int], int] | None = None
    ) -> list[Hit]:
        assert self.automaton is not None
        flat = folded.text
        found: list[Hit] = []
        for last, (length, entries, shared) in self.automaton.iter(flat):
            f_start, f_end = last - length + 1, last + 1
            if not word_bounded(flat, f_start, f_end):
                continue
            start, end = folded.span(f_start, f_end)
            written = text[start:end]
            # A line break ends a paragraph (extracted text has one per line): a name
            # does not run across it.
            if "\n" in written or not looks_like_name(written):
                continue
            if _inside_longer_name(text, start):
                continue
            if shift is not None:
                start, end = shift(start), shift(end)
            for contact_id, kind in entries:
                found.append(Hit(contact_id, kind, start, end, shared))
        return found

    def _without_initial(self, text: str, start: int, end: int) -> list[Hit]:
        """Matches across the initial at [start, end), in document offsets."""
        left = max(0, start - _INITIAL_WINDOW)
        right = min(len(text), end + _INITIAL_WINDOW)
        window = text[left:start] + " " + text[end:right]
        junction = start - left

        def shift(offset: int) -> int:
            return left + offset if offset <= junction else end + offset - junction - 1

        return [
            hit
            for hit in self._scan(window, fold_text(window), shift)
            if hit.start < start and hit.end > end
        ]


def word_bounded(flat: str, start: int, end: int) -> bool:
    if start > 0 and (
        is_word_char(flat[start - 1])
        or (flat[start - 1] == "-" and start > 1 and is_word_char(flat[start - 2]))
    ):
        return False
    return not (
        end < len(flat)
        and (
            is_word_char(flat[end])
            or (flat[end] == "-" and end + 1 < len(flat) and is_word_char(flat[end + 1]))
        )
    )


def looks_like_name(span: str) -> bool:
    """Every word capitalised (particles aside): "Will Smith", "WILL SMITH", not "will smith"."""
    for word in re.split(r"[\s,]+", span):
        word = word.strip(".'’\"()")
        if not word or fold(word) in PARTICLES:
            continue
        # "al-Boushi", "el-Baz", "d'Artagnan": a lower-case particle joined to the name.
        head = re.split(r"[-'’]", word, maxsplit=1)[0]
        if head != word and (fold(head) in PARTICLES or head in ("d", "l")):
            continue
        first = word[0]
        if first.isalpha() and first.upper() != first.lower() and not first.isupper():
            return False
    return True


def _inside_longer_name(text: str, start: int) -> bool:
    """A first name just before the match, mid-sentence: "Mary Jane Doe" is not Jane Doe."""
    before = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    if before is None:
        return False
    word = before.group(1)
    if word.lower() in _TITLE_WORDS or first_name_percent(word) < 0.01:
        return False
    preceding = text[: before.start()].rstrip(" \t")
    return bool(preceding) and preceding[-1] not in ".!?:;\"“‘'(\n-–—|"


def _drop_nested(hits: list[Hit]) -> list[Hit]:
    """Drop a match lying inside a longer match of another spelling."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:
        if any(
            k.start <= hit.start and hit.end <= k.end and (k.end - k.start) > (hit.end - hit.start)
            for k in kept[-8:]
        ):
            continue
        if any(
            k.contact_id == hit.contact_id and k.start < hit.end and hit.start < k.end
            for k in kept[-8:]
        ):
            continue
        kept.append(hit)
    return kept
