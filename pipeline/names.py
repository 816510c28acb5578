"""Name variants: the spellings under which a contact may appear in the press.

Owns turning a saved contact into the folded strings the mention scanner searches
for (with and without middle name or initial, nicknames both ways, honorifics and
suffixes dropped, diacritics folded, hyphenated surnames either way, "Last, First"),
folding article text the same way while remembering where each character came
from, and how common a name is. It never decides whether a match is the contact:
that is `pipeline.mentions`. The contact's name exactly as saved is always a variant.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, replace
from importlib.resources import files
from typing import NamedTuple

from anyascii import anyascii
from nicknames import NickNamer

from pipeline.contact_names import parse_name
from pipeline.records import Contact

# How a variant was derived. A dataset nickname ("Bob" for a saved "Robert") is a
# guess about how the press writes the name, so the scanner trusts it less.
EXACT = "exact"  # the saved name or an alias, as written
FULL = "full"  # first [middle] last built from the name's parts
NICKNAME = "nickname"  # first name replaced by a nickname or its full form
REVERSED = "reversed"  # "Last, First", as in lists and directories
SHORT = "short"  # the first of two surnames only ("María García" for "María García López")
DERIVED = frozenset({NICKNAME, SHORT})  # guesses, not the name as the user knows it
_RANK = {EXACT: 0, FULL: 1, REVERSED: 2, SHORT: 3, NICKNAME: 4}


def word_set(words: str) -> frozenset[str]:
    """A word list written as one string, for readable lexicons."""
    return frozenset(words.split())


# Lower-case name particles: "Jan van der Berg" is still capitalised as a name.
PARTICLES = word_set(
    "van von der den de del della di da das dos du la le ter ten bin ibn al el y e st d l"
)

# Family names printed first at home and often in English-language news ("Wang
# Xiaoming", "Kim Min-jun", "Nguyen Van An"), while address books and LinkedIn save
# the given name first: the commonest Chinese (pinyin), Korean and Vietnamese ones.
FAMILY_FIRST_SURNAMES = word_set(
    """
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo
    zheng liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai
    jiang yu du ye cheng wei su lu ding ren shen yao jin fu zhong cui tan fan wan qiu
    xia shi jia lai gu mao hao kong bai qin duan lei hou long shao meng qian yan dai
    xiong mo kang
    kim lee yi park pak choi choe jung jeong chung kang cho jo yoon yun jang chang lim
    im shin seo suh kwon hwang ahn oh ryu yoo hong jeon moon baek heo nam noh ko
    nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly trinh
    """
)
# German and Scandinavian letters that English-language news often spells out
# ("Hans Mueller" for Hans Müller) rather than dropping the accent.
_SPELLED_OUT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe", "æ": "ae", "å": "aa",
     "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "Ø": "Oe", "Æ": "Ae", "Å": "Aa"}
)  # fmt: skip
_SPELLABLE = re.compile("[äöüßøæåÄÖÜØÆÅ]")

# A first and a last name both at least this frequent (percent of the US population,
# 1990 Census) make a name common enough that a bare mention must be verified:
# roughly the 300 most frequent first names of each sex and the 800 most frequent
# surnames, so "Michael Chen" and "Jane Smith" are common, "Jane Doe" is not.
FREQUENT_FIRST_PERCENT = 0.03
FREQUENT_LAST_PERCENT = 0.015

# One replaced piece per non-ASCII character (transliterated) and per run of
# whitespace other than a single space (collapsed), so pure ASCII prose costs one
# C-level regex pass plus `str.lower`.
# Only non-ASCII characters need a Python step (transliteration); ASCII prose is
# handled by C-level string methods alone, so folding costs next to nothing.
_PIECES = re.compile(r"[^\x00-\x7f]")
# One ASCII character for one: offsets do not move, so no map is needed for these.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": " ",  # en and em dashes separate words ("the CEO—Jane Doe—said"):
        "\u2014": " ",  # as hyphens they would glue the name to its neighbours
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_INITIAL_DOT = re.compile(r"\b([a-z])\.(?=\s)")


class NameParts(NamedTuple):
    """A contact's name split for matching, every part folded ("" when absent)."""

    first: str
    middle: str
    last: str
    nickname: str = ""


@dataclass(frozen=True)
class FoldedText:
    """Text folded for matching, and the way back to the original offsets.

    Piece i replaced original [origins[i], ends[i]) by folded text starting at
    starts[i] of length lengths[i]; between pieces both texts advance together.
    """

    text: str
    starts: tuple[int, ...]
    lengths: tuple[int, ...]
    origins: tuple[int, ...]
    ends: tuple[int, ...]

    def _origin(self, index: int) -> tuple[int, int]:
        """The original span of the folded character at `index`."""
        at = bisect.bisect_right(self.starts, index) - 1
        # Zero-length pieces (dropped combining marks) share a start: skip back past them.
        while at >= 0 and self.lengths[at] == 0 and self.starts[at] == index:
            at -= 1
        if at < 0:
            return index, index + 1
        if index < self.starts[at] + self.lengths[at]:
            return self.origins[at], self.ends[at]
        offset = self.ends[at] + index - (self.starts[at] + self.lengths[at])
        return offset, offset + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) of the folded [start, end)."""
        if not self.starts:  # nothing was replaced (ASCII text): the same offsets
            return start, end
        return self._origin(start)[0], self._origin(end - 1)[1]


def fold(value: str) -> str:
    """A name or phrase as a lower-case ASCII key, single-spaced: "José García" -> "jose garcia"."""
    if value.isascii():
        return " ".join(value.split()).lower()
    return " ".join(fold_text(value).text.split()).lower()


def _unspaced_script(char: str) -> bool:
    """Han, kana and Hangul: scripts whose names run into the next word unspaced."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
    )


def fold_text(text: str) -> FoldedText:
    """Transliterate a whole article to ASCII, case kept, with the offset map.

    Each character of Han, kana or Hangul becomes its romanised syllable followed by
    a space when another such character follows ("王小明说" -> "Wang Xiao Ming Shuo"),
    so a name written in those scripts is a whole-word match inside unspaced text.
    ASCII text is returned as it is, at no cost; typographic quotes, dashes and
    no-break spaces (in nearly every web article) are swapped one for one in C.
    """
    if text.isascii():
        return FoldedText(text, (), (), (), ())
    text = text.translate(_TYPOGRAPHY)
    if text.isascii():
        return FoldedText(text, (), (), (), ())
    out: list[str] = []
    starts: list[int] = []
    lengths: list[int] = []
    origins: list[int] = []
    ends: list[int] = []
    folded_len = 0
    position = 0
    for match in _PIECES.finditer(text):
        begin = match.start()
        if begin > position:
            out.append(text[position:begin])
            folded_len += begin - position
        piece = match.group()
        replacement = anyascii(piece)
        if piece.isspace() or replacement.isspace():
            replacement = " "
        elif (
            _unspaced_script(piece)
            and match.end() < len(text)
            and _unspaced_script(text[match.end()])
        ):
            replacement += " "
        starts.append(folded_len)
        lengths.append(len(replacement))
        origins.append(begin)
        ends.append(match.end())
        out.append(replacement)
        folded_len += len(replacement)
        position = match.end()
    out.append(text[position:])
    return FoldedText("".join(out), tuple(starts), tuple(lengths), tuple(origins), tuple(ends))


@functools.cache
def _frequencies() -> tuple[dict[str, float], dict[str, float]]:
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    data = files("pipeline").joinpath("data/name_frequency.tsv").read_text(encoding="ascii")
    for line in data.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        kind, name, percent = line.split("\t")
        (first if kind == "first" else last)[name] = float(percent)
    return first, last


@functools.cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def first_name_percent(name: str) -> float:
    """Percent of people with this first name (0 when it is not a known first name)."""
    return _frequencies()[0].get(fold(name), 0.0)


def last_name_percent(name: str) -> float:
    return _frequencies()[1].get(fold(name), 0.0)


def is_common_name(parts: NameParts) -> bool:
    """Both the first name (or its full form) and the surname are frequent."""
    if not parts.first or not parts.last:
        return True  # one word alone says little about who is meant
    first = max(
        [first_name_percent(parts.first)]
        + [first_name_percent(n) for n in _nicknamer().canonicals_of(parts.first)]
    )
    # A double or hyphenated surname is rare as a whole, so it is looked up whole.
    return first >= FREQUENT_FIRST_PERCENT and last_name_percent(parts.last) >= (
        FREQUENT_LAST_PERCENT
    )


@functools.lru_cache(maxsize=65536)
def other_first_names(first: str) -> tuple[str, ...]:
    """Nicknames of a first name and the full names it is a nickname of.

    The nicknames dataset is generous (it lists "hob" and "dobbin" for Robert), so
    only forms that people are actually given as first names, per the Census list,
    are kept.
    """
    known = _frequencies()[0]
    namer = _nicknamer()
    found = namer.nicknames_of(first) | namer.canonicals_of(first)
    return tuple(sorted(n for n in found if n in known and n != first))


def name_parts(contact: Contact) -> NameParts:
    """The contact's first/middle/last as saved, else parsed from the full name."""
    first, middle, last = contact.first_name, contact.middle_name, contact.last_name
    nickname = contact.nickname
    if not (first and last):
        # Parts missing (one word, or a contact stored without them): the contacts
        # stage's parser drops honorifics and suffixes, keeps a quoted nickname apart,
        # and knows double Spanish surnames and family-name-first CJK names.
        parsed = parse_name(contact.name)
        first, middle, last = parsed.first, parsed.middle, parsed.last
        nickname = nickname or parsed.nickname
    return NameParts(fold(first), fold(middle), fold(last), fold(nickname))


def _dotless(key: str) -> str:
    # "Jane Q. Doe" is also written "Jane Q Doe"; "M. Waugh" also "M Waugh".
    return _INITIAL_DOT.sub(r"\1", key)


def _middle_forms(middle: str) -> list[str]:
    if not middle:
        return [""]
    words = middle.split()
    initials = [w[0] for w in words]
    return ["", middle, " ".join(f"{i}." for i in initials), " ".join(initials)]


def _hyphen_forms(part: str) -> list[str]:
    # "García-López" is also printed "García López"; "Jean-Luc" also "Jean Luc".
    return [part, part.replace("-", " ")] if "-" in part else [part]


def _short_surname(last: str) -> str:
    """The first of two surnames ("garcia" of "garcia lopez"), "" if there are not two."""
    words = last.split()
    if len(words) == 2 and not (PARTICLES & set(words)) and all(len(w) > 1 for w in words):
        return words[0]
    return ""


def _person_variants(
    parts: NameParts, kinds: dict[str, list[tuple[str, str]]], *, with_nicknames: bool = True
) -> None:
    """Add the variants of a name's parts to `kinds` (lists of (key, kind) per kind)."""
    if not parts.first or not parts.last:
        return
    firsts = _hyphen_forms(parts.first)
    if parts.nickname:
        firsts.append(parts.nickname)  # saved by the user: as good as the first name
    lasts = _hyphen_forms(parts.last)
    full = kinds[FULL]
    if parts.middle:
        for middle in _middle_forms(parts.middle):
            full.extend(
                (f"{first} {middle} {last}" if middle else f"{first} {last}", FULL)
                for first in firsts
                for last in lasts
            )
    else:
        full.extend((f"{first} {last}", FULL) for first in firsts for last in lasts)
    kinds[REVERSED].extend((f"{last}, {parts.first}", REVERSED) for last in lasts)
    full.extend((key, FULL) for key in _family_first(parts))
    if short := _short_surname(parts.last):
        kinds[SHORT].extend((f"{first} {short}", SHORT) for first in firsts)
    if with_nicknames and len(parts.first) > 2:
        # Nickname guesses go with the surname alone: "Bob Q. Smith" is rarely printed.
        nicknames = kinds[NICKNAME]
        for known in (parts.first, parts.nickname) if parts.nickname else (parts.first,):
            nicknames.extend(
                (f"{other} {last}", NICKNAME)
                for other in other_first_names(known)
                for last in lasts
            )


def _family_first(parts: NameParts) -> list[str]:
    """The name in the other order when one part is a family name printed first ("wang
    xiaoming" for a saved Xiaoming Wang, and the reverse), unless the other part is a
    frequent Western first name or surname: "lee james" is not James Lee."""
    first, middle, last = parts.first, parts.middle, parts.last
    if " " in first or " " in last:
        return []
    if last in FAMILY_FIRST_SURNAMES:
        given = first
    elif first in FAMILY_FIRST_SURNAMES:
        given = last  # saved family name first, as typed: "Wang Xiaoming"
    else:
        return []
    if (
        first_name_percent(given) >= FREQUENT_FIRST_PERCENT
        or last_name_percent(given) >= FREQUENT_LAST_PERCENT
    ):
        return []
    # Vietnamese middle names stay in the middle: "nguyen thi minh".
    return [
        " ".join(p for p in (b, middle, a) if p)
        for a in _hyphen_forms(first)
        for b in _hyphen_forms(last)
    ]


def variants(contact: Contact) -> dict[str, str]:
    """Every folded variant of the contact's name and aliases: key -> kind (the best one).

    Kinds rank EXACT, FULL, REVERSED, SHORT, NICKNAME: a spelling reached two ways
    keeps the better. Built for speed (100,000 contacts in a few seconds): plain
    tuples, and one C-level dict construction instead of a loop over keys.
    """
    kinds: dict[str, list[tuple[str, str]]] = {kind: [] for kind in _RANK}
    # Only a saved name or alias can fold to a single character ("X"): too short to search.
    kinds[EXACT] = [
        (key, EXACT) for key in map(fold, (contact.name, *contact.aliases)) if len(key) > 1
    ]
    parts = name_parts(contact)
    _person_variants(parts, kinds)
    if _SPELLABLE.search(contact.name):
        spelled = replace(
            contact,
            name=contact.name.translate(_SPELLED_OUT),
            first_name=contact.first_name.translate(_SPELLED_OUT),
            middle_name=contact.middle_name.translate(_SPELLED_OUT),
            last_name=contact.last_name.translate(_SPELLED_OUT),
        )
        kinds[EXACT].append((fold(spelled.name), EXACT))
        _person_variants(name_parts(spelled), kinds, with_nicknames=False)
    for alias in contact.aliases:
        parsed = parse_name(alias)
        alias_parts = NameParts(fold(parsed.first), fold(parsed.middle), fold(parsed.last))
        _person_variants(alias_parts, kinds, with_nicknames=False)
    ordered = [pair for kind in _RANK for pair in kinds[kind]]
    if "." in contact.name or "." in parts.middle or "." in parts.first or contact.aliases:
        # Initials are also written without their full stop ("Jane Q Doe", "M Waugh").
        ordered.extend([(_dotless(key), kind) for key, kind in ordered if "." in key])
    # Later pairs overwrite earlier ones, so reversing keeps the best kind of each key.
    return dict(reversed(ordered))


def surname_keys(contact: Contact) -> tuple[str, ...]:
    """Folded surnames whose later mentions count toward salience after a full mention."""
    parts = name_parts(contact)
    if not parts.last:
        return ()
    return tuple(dict.fromkeys(_hyphen_forms(parts.last)))
