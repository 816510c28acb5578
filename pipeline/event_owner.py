"""Whose new role a cue in a sentence tells: the person it names as subject or object.

A cue word in the sentence naming a contact is not yet news about them: "His
appointment was welcomed by Jane Doe", "Tomas Reyes will be joined by Jane Doe",
"elected along with ... Jane Doe" tell someone else's new role. The cue is theirs
only when the sentence says it of them: their name (or "she" after it) shortly
before it as its subject ("Jane Doe has been appointed", "Doe, 45, joins", "Doe, who
was named", "Doe's appointment"), or right after it as its object ("appointed Jane
Doe as", "names Jane Doe", "new chief executive Jane Doe"), with no "by", "with",
"and" or clause between. Pattern rules over the few words in between; no parsing:
a role told in a shape these do not know is missed, which costs a congratulation,
not a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Cues whose person can follow them: "appointed Jane Doe", "the appointment of Jane
# Doe", "names Jane Doe CFO", "unveil Jane Doe as", "new chief executive Jane Doe".
# Joining, succeeding, becoming or leading is done by the subject only: the one after
# "succeeds" or "joined" is the one left or joined.
_TAKES_OBJECT = re.compile(
    r"appoint|named|names|promot|hire|tap|elevated|elected|recruited|unveil|new\b|"
    r"incoming\b|newly\b"
)
# Verbs whose subject gives the role to someone else ("Jane Doe appointed Tomas
# Reyes"): before them the contact has it only in the passive ("was appointed") or a
# participle clause ("Jane Doe, appointed in May, ...").
_ACTIVE = re.compile(
    r"(?:appoint(?:s|ed)?|named|names|promot(?:ed|es)|hire[sd]|tap(?:s|ped)|elevated|"
    r"elected|recruited|unveil(?:s|ed|ing)?)\b"
)
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|being|be|get|gets|got)\b|^\s*,\s*$")
# Nouns a name owns: "Jane Doe's appointment", "her promotion".
_OWNED = re.compile(r"(?:appointment|promotion)\b")
_POSSESSIVE = re.compile(r"^(?:'s|’s)?\s*$")

# Between a subject and its cue: an apposition or age between commas ("Jane Doe, 45,",
# "Jane Doe, a former banker,"), "who", auxiliaries and time words ("who last month",
# "is set to", "has now been"), or "the" of "the new chief".
_APPOSITION = r",(?:(?!\b(?:by|with|and|said|says|told)\b)[^,;:()\"“”])*,"
_FILLER = (
    r"(?:who|whose|has|have|had|was|were|is|are|been|being|be|will|would|shall|to|set|"
    r"also|now|just|newly|formally|officially|recently|finally|today|yesterday|last|this|"
    r"next|week|month|year|due|expected|poised|about|then|later|soon|since|"
    r"subsequently|already|the|its|their|a|an|as)"
)
_SUBJECT_GAP = re.compile(rf"\s*(?:{_APPOSITION}\s*|,\s*)?(?:{_FILLER}\s+)*")
# Between a cue and its object: a few words ("as its new", "chief executive", "former
# Beta CFO"), no punctuation, and no word that starts another clause or adds people.
_OBJECT_GAP = re.compile(
    r"\s*(?:(?!(?:by|with|along|alongside|and|or|but|than|said|says|told|who|whom|which|"
    r"that|after|before|over|against|for|from|to|at|in|on)\b)[\w.'’-]+\s+){0,5}"
)
# "she" after the contact's name is her as a subject ("Jane Doe left Beta before she
# joined Acme", "... her promotion"); "him" or "her" as an object is too often the
# other person of the sentence ("Jane Doe, who hired him, ...").
_PRONOUN = re.compile(r"\b(?:he|she|his|her)\b")


def anchors(lowered: str, names: Sequence[str]) -> list[tuple[int, int, bool]]:
    """(start, end, is a pronoun) of the contact in a lower-cased sentence: each
    written form of their name, and the pronouns after the first of them."""
    spans: list[tuple[int, int, bool]] = []
    for name in {n.lower() for n in names if n}:
        for found in re.finditer(r"(?<![\w'’-])" + re.escape(name) + r"(?![\w-])", lowered):
            spans.append((*found.span(), False))
    if spans:
        first = min(end for _, end, _ in spans)
        spans += [(*p.span(), True) for p in _PRONOUN.finditer(lowered, first)]
    return spans


def is_theirs(lowered: str, start: int, end: int, spans: Sequence[tuple[int, int, bool]]) -> bool:
    """Whether the new-role cue at [start, end) of `lowered` is said of the contact at
    one of `spans` (from `anchors`)."""
    cue = lowered[start:end]
    for at, stop, pronoun in spans:
        if pronoun and at >= end:
            continue
        if start <= at < end:  # "names Jane Doe CFO", "unveil Jane Doe as"
            if _TAKES_OBJECT.match(cue):
                return True
        elif stop <= start:
            gap = lowered[stop:start]
            if _OWNED.match(cue) and _POSSESSIVE.match(gap):
                return True
            if _SUBJECT_GAP.fullmatch(gap) and (not _ACTIVE.match(cue) or _PASSIVE.search(gap)):
                return True
        elif at >= end and _TAKES_OBJECT.match(cue) and _OBJECT_GAP.fullmatch(lowered[end:at]):
            return True
    return False
