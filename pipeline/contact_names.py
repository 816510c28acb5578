"""Contact names: one full-name string split into first / middle / last / suffix parts.

Owns the name parser the contacts stage uses where a source gives a single full-name
string (the CLI's NAME, a generic CSV's `name`, a vCard's FN without N): nameparser
for Western names, plus what it does not know. Sources that give the parts
(LinkedIn's columns, a vCard's N) are kept as given and never come through here.
Variants for finding names in the press are `pipeline.names`, not this module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nameparser import HumanName
from nameparser.config import CONSTANTS


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class NameParts:
    first: str = ""
    middle: str = ""
    last: str = ""
    suffix: str = ""
    nickname: str = ""
    honorific: str = ""


_CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_RTL = re.compile(
    r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]"
)
# Two-character Chinese and Korean family names: the rest of an unspaced name is given.
_COMPOUND_FAMILY = words(
    "欧阳 歐陽 司马 司馬 上官 诸葛 諸葛 东方 東方 皇甫 尉迟 尉遲 公孙 公孫 慕容 长孙 長孫 "
    "宇文 司徒 夏侯 轩辕 軒轅 令狐 端木 南宫 南宮 西门 西門 "
    "남궁 황보 제갈 선우 독고 사공 서문"
)
# Arabic and Hebrew words that belong to the word after them ("عبد الله", "بن راشد").
_RTL_JOINERS = words("عبد أبو ابو بن ابن بنت آل ال בן בת")
# Common Spanish surnames that do not end in -ez (the patronymic ending covers the rest).
_HISPANIC_SURNAMES = words(
    """garcia torres flores rivera ramos reyes romero herrera medina aguilar vargas castro
    ruiz mendoza guerrero rojas moreno munoz delgado navarro molina serrano blanco ortega
    rubio iglesias santos garrido lozano prieto pena campos vega fuentes cabrera carrasco
    caballero leon calvo vidal soto contreras sosa salazar espinoza espinosa figueroa acosta
    rosales ibarra mejia luna sandoval castillo morales ortiz cruz gil cortes marin
    santana estrada cardenas villanueva pacheco zamora bravo miranda robles rios duran
    salinas valencia quintero mora cano cuesta pascual saez lorenzo bermudez arias parra
    ocampo zapata osorio cordero toledo montoya cervantes ayala trujillo palacios
    mendez solis velasco vera"""
)
_SPANISH_LETTERS = re.compile(r"[áéíóúñÁÉÍÓÚÑ]")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _hispanic_surname(word: str) -> bool:
    plain = _strip_accents(word).casefold().strip(".,")
    return plain in _HISPANIC_SURNAMES or (len(plain) > 3 and plain.endswith("ez"))


def parse_name(full: str) -> NameParts:
    """Split one full-name string into parts.

    nameparser does Western names ("Dr. Jane Q. Doe Jr.", "Doe, Jane Q."); on top of it
    a Spanish paternal + maternal surname stays whole ("García López"), a CJK name is
    family name first ("王小明": 王 / 小明), Arabic and Hebrew particles join the word
    they precede, and a single token is a first name ("Madonna").
    """
    text = " ".join(full.split())
    if not text:
        return NameParts()
    if _CJK.search(text) and not re.search(r"[A-Za-z]", text):
        return _parse_cjk(text)
    if _RTL.search(text):
        return _parse_rtl(text)
    words = text.split(" ")
    if len(words) == 2 and all(_plain(w) for w in words):
        # "Jane Doe": what nameparser would say, at a hundredth of its cost (imports
        # parse every name of a file); its tests check the two agree.
        return NameParts(first=words[0], last=words[1])
    human = HumanName(text)
    first, middle, last = human.first, human.middle, human.last
    if not (first or middle or last):  # "Prince", "Dr.": a mononym, not a lone title
        return NameParts(first=text)
    middle, last = _spanish_surnames(middle, last, text)
    return NameParts(
        first=first,
        middle=middle,
        last=last,
        suffix=human.suffix,
        nickname=human.nickname,
        honorific=human.title,
    )


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _plain(word: str) -> bool:
    """A word of letters that nameparser treats as nothing but a name."""
    if not _WORD.fullmatch(word):
        return False
    low = word.lower()
    return not any(
        low in group
        for group in (
            CONSTANTS.titles,
            CONSTANTS.prefixes,
            CONSTANTS.conjunctions,
            CONSTANTS.suffix_acronyms,
            CONSTANTS.suffix_not_acronyms,
        )
    )


def _spanish_surnames(middle: str, last: str, text: str) -> tuple[str, str]:
    """Move a paternal surname from `middle` into `last`: "Ana García López" is García López."""
    words = middle.split()
    if not words or not last or not _hispanic_surname(words[-1]):
        return middle, last
    if not (_hispanic_surname(last.split()[-1]) or _SPANISH_LETTERS.search(text)):
        return middle, last
    return " ".join(words[:-1]), f"{words[-1]} {last}"


def _parse_cjk(text: str) -> NameParts:
    if "·" in text or "・" in text:  # a transliterated foreign name, given name first
        pieces = [p for p in re.split(r"[·・]", text.replace(" ", "")) if p]
        if len(pieces) < 2:  # a stray dot ("・", "小明·"): one word, a first name
            return NameParts(first=pieces[0] if pieces else text)
        return NameParts(first=pieces[0], middle=" ".join(pieces[1:-1]), last=pieces[-1])
    words = text.split()
    if len(words) > 1:
        return NameParts(first=" ".join(words[1:]), last=words[0])
    word = words[0]
    if len(word) == 1:
        return NameParts(first=word)
    family = 2 if word[:2] in _COMPOUND_FAMILY or len(word) >= 4 else 1
    return NameParts(first=word[family:], last=word[:family])


def _parse_rtl(text: str) -> NameParts:
    words: list[str] = []
    for word in text.split():
        if words and words[-1] in _RTL_JOINERS:
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    if len(words) == 1:
        return NameParts(first=words[0])
    return NameParts(first=words[0], middle=" ".join(words[1:-1]), last=words[-1])


def compose_name(first: str, middle: str, last: str, suffix: str = "") -> str:
    """A full name from its parts, family name first and unspaced for CJK names."""
    if first and last and _CJK.search(first + last) and not re.search(r"[A-Za-z]", first + last):
        return f"{last}{first}"
    core = " ".join(p for p in (first, middle, last) if p)
    return f"{core}, {suffix}" if core and suffix else core or suffix
