"""The name index: every variant of every contact in one Aho-Corasick automaton.

Owns finding contacts' names in a text in one pass, whatever the number of contacts:
a regular expression cuts the folded text into runs of capitalised words (Title Case
or ALL CAPS, so "will smith the metal" is never looked at), and the automaton runs
over those alone. A match counts only as whole words (a hyphen joins words:
"Mary-Jane Doe" is not Jane Doe) within one paragraph, and not as the tail of a
longer name ("Mary Jane Doe"). Judging what a match means is `pipeline.mentions`'.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from pipeline.names import (
    DERIVED,
    PARTICLES,
    REVERSED,
    first_name_percent,
    fold,
    fold_text,
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
_MARK = "\x02"  # stands for a space in keys and scanned runs (a word starts after it)
_ODD_SPACE = re.compile(r"[ \t]{2,}|\t")
# Spaces, and punctuation a name can follow inside a word ("Sebusi/Mohalenyane Phakela",
# "(Jane Doe"), become marks, one character for one; keys never hold these.
_MARKS = str.maketrans(dict.fromkeys(' !"#$%&()*+/:;<=>?@[\\]^_`{|}~', _MARK))
_NON_SPACE = re.compile(r"[^ \t]+")
# " q. " between two words of a run: a middle initial ("U.S." has no space before "S.").
_MIDDLE_INITIAL = re.compile(f"{_MARK}[a-z]\\.{_MARK}")
_INITIAL_WINDOW = 60
_NAME_SPLIT = re.compile(r"[\s,]+")
_NAME_FOLLOWS = re.compile(r"[ \t]+[A-Z][a-z]")
_JOINER = re.compile(r"[-'’]")
# A run of words that may be (part of) a name: capitalised words with what sticks to
# them ("Doe,", "Q.", "O'Neil"), and, when some contact's name has them, lower-case
# particles between them ("Jan van der Berg", "Nihad al-Boushi"). When no contact has
# a one-word name, lone capitalised words ("The", "Reuters") are not runs at all. The
# pattern runs over every character of every article, so it is picked to fit the
# contact list and written with possessive quantifiers (no backtracking: 1.5x faster).
_PARTICLE = (
    r"(?:van|von|der|den|de|del|della|di|da|das|dos|du|la|le|ter|ten|bin|ibn|al|el|y|e|st|d|l)"
)
# Searched in the stored spellings ("key<US>id<US>kind", records joined by <RS>).
_HAS_PARTICLE = re.compile(rf"(?:^| |\x1e){_PARTICLE}(?: |-|')", re.MULTILINE)
_HAS_ONE_WORD = re.compile(r"(?:^|\x1e)[^ \x1f\x1e\n]+\x1f", re.MULTILINE)
_WORD = r"[A-Z]\S*+"
_NEXT_WORD = r"[(\"\[]?+[A-Z]\S*+"  # may open a bracket or quote: Robert "Bob" Smith
_PLAIN_GAP = r"[ \t]++"
_PARTICLE_GAP = rf"[ \t]++(?:{_PARTICLE}[ \t]++)*+(?:(?:al|el|d|l)['-])?+"


def _run_pattern(particles: bool, one_word: bool) -> re.Pattern[str]:
    gap = _PARTICLE_GAP if particles else _PLAIN_GAP
    more = "*+" if one_word else "++"
    # Run over folded (ASCII) text, so ASCII classes: \S is a plain table lookup.
    return re.compile(f"({_WORD}(?:{gap}{_NEXT_WORD}){more})", re.ASCII)


_RUN_PATTERNS = {
    (particles, one_word): _run_pattern(particles, one_word)
    for particles in (False, True)
    for one_word in (False, True)
}


# A spelling of a name: the spaced key, the (contact id, kind) pairs it stands for,
# and whether it names several contacts equally.
Option = tuple[str, tuple[tuple[int, str], ...], bool]
# A match in folded text: start, end, its spellings, and whether it starts mid-run.
Candidate = tuple[int, int, Sequence[Option], bool]
_UNIT, _RECORD = "\x1f", "\x1e"  # ASCII unit and record separators: never in a key


@functools.lru_cache(maxsize=65536)
def _decode(stored: str) -> tuple[Option, ...]:
    by_key: dict[str, list[tuple[int, str]]] = {}
    for record in stored.split(_RECORD):
        key, contact_id, kind = record.split(_UNIT)
        by_key.setdefault(key, []).append((int(contact_id), kind))
    options = []
    for key, entries in by_key.items():
        # A spelling that is one contact's own name and another's nickname guess
        # belongs to the first; it is shared only between equals.
        best = [e for e in entries if e[1] not in DERIVED] or entries
        options.append((key, tuple(best), len({contact_id for contact_id, _ in best}) > 1))
    return tuple(options)


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
        # Keys are written with a mark for each space and one in front ("<mark>jane
        # <mark>doe"), and scanned runs the same way, so a key can only begin at the
        # start of a word and the automaton's root has a single child: outside names
        # it stays there cheaply. Each key stores an int, an index into `_spellings`,
        # where each entry is one string ("jane doe<US>12<US>full", several joined by
        # <RS>) decoded only when it matches: half a million strings cost a fraction of
        # as many tuples to build, and the garbage collector never looks at them.
        self._spellings: list[str] = []
        slot: dict[str, int] = {}
        spellings = self._spellings
        for contact in self.contacts.values():
            tail = f"{_UNIT}{contact.id}{_UNIT}"
            for key, kind in variants(contact).items():
                marked = (_MARK + key).translate(_MARKS)
                at = slot.get(marked)
                if at is None:
                    slot[marked] = len(spellings)
                    spellings.append(key + tail + kind)
                else:
                    spellings[at] += _RECORD + key + tail + kind
        stored = "\n".join(spellings)
        self.runs = _RUN_PATTERNS[
            _HAS_PARTICLE.search(stored) is not None, _HAS_ONE_WORD.search(stored) is not None
        ]
        self.automaton: ahocorasick.Automaton | None = None
        if slot:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for marked, at in slot.items():
                automaton.add_word(marked, at)
            automaton.make_automaton()
            self.automaton = automaton

    def spellings(self, at: int) -> tuple[Option, ...]:
        """The spellings stored under automaton value `at`, decoded."""
        return _decode(self._spellings[at])

    def hits(self, text: str) -> list[Hit]:
        """Whole-word, name-cased matches in `text`, longest first where they overlap."""
        return self.hits_many([text])[0]

    def hits_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        """`hits` of many texts in one pass: one split and one automaton run for all.

        Per-call costs would dominate short articles, so a batch is joined by line
        breaks (no name spans one, so no match spans two texts) and scanned at once.
        A middle initial the contact was not saved with ("Jane Q. Doe" for a saved
        "Jane Doe") is matched by rescanning, around each " Q. ", the words without it.
        """
        if self.automaton is None:
            return [[] for _ in texts]
        flat = "\n".join(texts)
        if flat.isascii():  # the usual case: folding changes nothing, offsets are kept
            folded = None
            bases = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
        else:
            folded = [fold_text(text) for text in texts]
            flat = "\n".join([f.text for f in folded])
            bases = list(itertools.accumulate((len(f.text) + 1 for f in folded), initial=0))
        candidates, initials = self._candidates(flat)
        found: dict[int, list[Hit]] = {}
        # Every word of a run starts with a capital, so candidates are written as names
        # already; only one starting mid-run may be the tail of a longer name.
        for f_start, f_end, chosen, mid_run in candidates:
            n = bisect.bisect_right(bases, f_start) - 1
            text = texts[n]
            start, end = f_start - bases[n], f_end - bases[n]
            if folded is not None:
                start, end = folded[n].span(start, end)
            if not (mid_run and _inside_longer_name(text, start)):
                found.setdefault(n, []).extend(_hits(chosen, start, end, text))
        for at in initials:
            n = bisect.bisect_right(bases, at) - 1
            start, end = at - bases[n], at - bases[n] + 4
            if folded is not None:
                start, end = folded[n].span(start, end)
            found.setdefault(n, []).extend(self._without_initial(texts[n], start, end))
        return [_drop_nested(found[n]) if n in found else [] for n in range(len(texts))]

    def _candidates(self, flat: str) -> tuple[list[Candidate], list[int]]:
        """Whole-word matches in folded text as (start, end, spellings, mid-run), and
        where middle initials (" q. " inside a run of name words) start."""
        # Only runs of capitalised words (and name particles) can hold a name, so only
        # they are fed to the automaton: each as <mark>run<NUL>, lower case, spaces as
        # marks. Splitting, joining and offsets are C-level; Python runs per match.
        parts = self.runs.split(flat)
        if len(parts) == 1:
            return [], []
        runs = parts[1::2]
        run_starts = list(itertools.accumulate(map(len, parts), initial=0))[1::2]
        joined = (_MARK + f"\0{_MARK}".join(runs) + "\0").lower()
        marked = joined.translate(_MARKS)
        marked_starts = list(itertools.accumulate((len(r) + 2 for r in runs), initial=0))

        def locate(start: int, end: int) -> tuple[int, int, bool]:
            """Flat [start, end) of a marked span, and whether it starts mid-run."""
            run = bisect.bisect_right(marked_starts, start) - 1
            inside = start - marked_starts[run] - 1
            return run_starts[run] + inside, run_starts[run] + inside + end - start, inside > 0

        found = self._matches(marked, flat, locate)
        if "\t" in joined or "  " in joined:
            # A run with tabs or double spaces between its words: rescan it with single
            # spaces (rare, so done one run at a time).
            odd = {
                bisect.bisect_right(marked_starts, m.start()) - 1
                for m in _ODD_SPACE.finditer(joined)
            }
            for run in sorted(odd):
                found.extend(self._respaced(runs[run], run_starts[run], flat))
        initials = []
        for m in _MIDDLE_INITIAL.finditer(marked):
            if marked[m.start() - 1].isalnum() and marked[m.end()].isalnum():
                initials.append(locate(m.start(), m.end())[0])
        return found, initials

    def _matches(
        self, marked: str, flat: str, locate: Callable[[int, int], tuple[int, int, bool]]
    ) -> list[Candidate]:
        assert self.automaton is not None
        found: list[Candidate] = []
        for last, at in self.automaton.iter(marked):
            end = last + 1
            # Most raw matches end inside a word ("Ann Lee" in "Ann Leeds"): drop them
            # before any other work. (Every run ends with a NUL: `end` is in range.)
            if marked[end].isalnum() or marked[end] == "-":
                continue
            options = _decode(self._spellings[at])
            f_start, f_end, mid_run = locate(end - len(options[0][0]), end)
            if word_bounded(flat, f_start, f_end):
                found.append((f_start, f_end, options, mid_run))
        return found

    def _respaced(self, run: str, run_start: int, flat: str) -> list[Candidate]:
        """Candidates in one run whose words are separated by tabs or several spaces."""
        words = [(m.start(), m.group()) for m in _NON_SPACE.finditer(run)]
        # Word i starts at 1 + starts[i] in the rescanned text (after its mark).
        starts = list(itertools.accumulate((len(w) + 1 for _, w in words), initial=0))
        marked = (_MARK + _MARK.join(w for _, w in words) + "\0").lower().translate(_MARKS)

        def offset(at: int) -> int:
            word = bisect.bisect_right(starts, at - 1) - 1
            return words[word][0] + at - 1 - starts[word]

        def locate(start: int, end: int) -> tuple[int, int, bool]:
            inside = offset(start)
            return run_start + inside, run_start + offset(end - 1) + 1, inside > 0

        return self._matches(marked, flat, locate)

    def _without_initial(self, text: str, start: int, end: int) -> list[Hit]:
        """Matches across the initial at [start, end) of `text`, in its offsets."""
        left = max(0, start - _INITIAL_WINDOW)
        right = min(len(text), end + _INITIAL_WINDOW)
        window = text[left:start] + " " + text[end:right]
        junction = start - left

        def shift(offset: int) -> int:
            return left + offset if offset <= junction else end + offset - junction - 1

        folded = fold_text(window)
        found = []
        for f_start, f_end, chosen, mid_run in self._candidates(folded.text)[0]:
            w_start, w_end = folded.span(f_start, f_end)
            if mid_run and _inside_longer_name(window, w_start):
                continue
            hit_start, hit_end = shift(w_start), shift(w_end)
            if hit_start < start and hit_end > end:
                found.extend(_hits(chosen, hit_start, hit_end, text))
        return found


def _hits(chosen: Sequence[Option], start: int, end: int, text: str) -> list[Hit]:
    found = [
        Hit(contact_id, kind, start, end, shared)
        for _key, entries, shared in chosen
        for contact_id, kind in entries
    ]
    # "Doe, Jane" is a list entry; "Doe, Jane Roe and..." names Jane Roe, not Jane Doe.
    if any(h.kind == REVERSED for h in found) and _NAME_FOLLOWS.match(text, end):
        found = [h for h in found if h.kind != REVERSED]
    return found


def word_bounded(flat: str, start: int, end: int) -> bool:
    """Whether flat[start:end] is whole words of folded (ASCII) text; a hyphen joins."""
    if start > 0:
        before = flat[start - 1]
        if before.isalnum() or (before == "-" and start > 1 and flat[start - 2].isalnum()):
            return False
    if end < len(flat):
        after = flat[end]
        if after.isalnum() or (after == "-" and end + 1 < len(flat) and flat[end + 1].isalnum()):
            return False
    return True


def looks_like_name(span: str) -> bool:
    """Every word capitalised (particles aside): "Will Smith", "WILL SMITH", not "will smith"."""
    for word in _NAME_SPLIT.split(span):
        word = word.strip(".'’\"()")
        if not word or fold(word) in PARTICLES:
            continue
        # "al-Boushi", "el-Baz", "d'Artagnan": a lower-case particle joined to the name.
        head = _JOINER.split(word, maxsplit=1)[0]
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
    """Drop a match lying inside a longer match ("Jane Doe" in "Mary Jane Doe"), and a
    contact's match overlapping an earlier one of the same contact.

    Decided per distinct span (a common name can be dozens of hits on one span, one
    per contact spelled that way), so the cost follows the spans, not the contacts.
    """
    if len(hits) == 1:
        return hits
    spans = sorted({(h.start, h.end) for h in hits}, key=lambda se: (se[0], se[0] - se[1]))
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if not any(s <= start and end <= e and e - s > end - start for s, e in kept):
            kept.append((start, end))
    order = {span: n for n, span in enumerate(kept)}
    found = sorted(
        (h for h in hits if (h.start, h.end) in order), key=lambda h: order[(h.start, h.end)]
    )
    last_end: dict[int, int] = {}
    result = []
    for hit in found:
        if last_end.get(hit.contact_id, -1) > hit.start:
            continue  # overlaps this contact's previous match
        last_end[hit.contact_id] = hit.end
        result.append(hit)
    return result
