"""The text around a name: sentences, byline blocks, the organisation beside it.

Owns the small text heuristics the mention scanner needs once it has found a name:
the article as one document (headline, blank line, body) with its sentences and a
lower-case copy built on demand; splitting sentences (initials and "Inc." do not end
one); telling a byline, press-contact or footer block from the story; finding the
organisation the text ties the person to ("Jane Doe, chief executive of Acme",
"Acme's Jane Doe"); and the distinctive words that describe a mention's context for
`--not-them`. It does no named-entity recognition: these are pattern rules,
deliberately conservative.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from pipeline.name_index import looks_like_name, word_bounded
from pipeline.names import FoldedText, fold, fold_text, word_set
from pipeline.records import Article

_ABBREVIATIONS = word_set(
    "mr mrs ms dr prof sr jr st mt inc corp co ltd plc llc gov sen rep gen col lt sgt "
    "capt cmdr adm rev hon no vs etc jan feb mar apr jun jul aug sep sept oct nov dec u.s "
    "u.k e.g i.e a.m p.m fig dept est approx"
)
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|\n+")

# Byline, press-contact and footer lines, matched against the lower-cased line.
_BYLINE = re.compile(
    r"^\W*(?:by|written by|reporting by|reported by|writing by|editing by|edited by|"
    r"additional reporting by|compiled by|story by|words by|text by|interview by|"
    r"photos? by|photographs? by|illustrations? by)\b|\((?:additional )?(?:reporting|writing|"
    r"editing) by\b"
    # Picture credits: "Photo: Jane Doe/Getty Images", "Image credit: …", "(Photo by …)".
    r"|^\W*(?:(?:photo|photograph|image|picture)s?(?: credits?)?|credits?)\s*:"
    r"|\((?:photo|photograph|image|picture)s?(?: by\b|\s*:)",
)
_PRESS_CONTACT = re.compile(
    r"\b(?:media|press|investor|pr) (?:contacts?|relations|inquiries|enquiries)\b|^\W*contacts?:"
    r"|\w@[\w-]+\.[a-z]|\b(?:tel|phone|telephone|fax|mobile)\b[.:]?\s*[+(\d]"
    r"|\+\d{1,3}[\d ().-]{7,}\d|\bnewsroom\b",
)
# After the name on a credit line: the outlet it was made for ("for The Herald",
# "/ Getty Images").
_FOR_OUTLET = re.compile(r"\s*(?:for\s+|/\s*)[A-Z]")
_FOOTER = re.compile(r"©|\bcopyright\b|\ball rights reserved\b")

_WORDS = re.compile(r"[A-Za-z]\w*")
_ENDS_SENTENCE = re.compile(r"[.!?:]\s*$")
_LEADING_THE = re.compile(r"^the\s+")

BYLINE = "byline"
PRESS_CONTACT = "contact"
FOOTER = "footer"

_ORG = r"(?:[A-Z][\w&'.-]*)(?:\s+(?:[A-Z][\w&'.-]*|&|of|and|for|de|la|du)){0,4}"
_ROLE = (
    r"(?i:ceo|cfo|cto|coo|cmo|cio|cpo|founder|co-founder|president|chairman|chairwoman|chair|"
    r"chief \w+(?: officer)?|director|head of \w+|spokes(?:man|woman|person)|executive|analyst|"
    r"economist|partner|vice president|vp|boss|manager|coach|editor|professor|researcher)"
)
_ORG_AFTER = (
    re.compile(r"^\s*(?:of|at|from)\s+(?:the\s+)?(" + _ORG + ")"),
    re.compile(r"^\s*\(\s*(" + _ORG + r")\s*\)"),
    re.compile(r"^\s*,\s*(" + _ORG + r")(?:'s|’s)\s"),
    re.compile(
        r"^(?:'s|’s)?\s*,\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,5}?(?:of|at|from|for)\s+(?:the\s+)?("
        + _ORG
        + ")"
    ),
)
_ORG_BEFORE = (
    re.compile("(" + _ORG + r")(?:'s|’s)\s+(?:[\w-]+\s+){0,3}$"),
    re.compile("(" + _ORG + r")\s+" + _ROLE + r"\s+$"),
)
_NOT_ORGS = word_set(
    "the a an mr mrs ms dr monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november "
    "december he she they it we i but and in on at for"
)
_LEGAL = re.compile(
    r"\b(?:inc|incorporated|corp|corporation|co|company|ltd|limited|llc|llp|plc|gmbh|ag|sa|"
    r"nv|bv|ab|oy|spa|pty|holdings?|group)\b\.?",
)
# A word after a person's name that makes it the name of a thing named after them
# (one capitalised word may come between: "Memorial Hall", "High School").
_NAMED_AFTER = re.compile(
    r"[ \t]+(?:[A-Z][\w'-]*[ \t]+)?(?:Prizes?|Awards?|Medal|Trophy|Cup|Lecture|Fellowship|"
    r"Scholarship|Foundation|Trust|Fund|Institute|Cent(?:er|re)|School|College|University|"
    r"Academy|Library|Museum|Gallery|Hall|Theat(?:re|er)|Stadium|Arena|Park|Hospital|Clinic|"
    r"Building|Tower|Bridge|Airport|Street|Avenue|Boulevard|Road|Square|Memorial|"
    # a firm or an index: "John Lewis Partnership", "Dow Jones Industrial Average"
    r"Partnership|Group|Holdings|Inc|Corp|Ltd|LLC|Plc|Index|Average)\b"
)
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][a-zA-Z'’-]{2,}")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence, a newline always ending one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        mark = boundary.group()
        if "\n" not in mark and mark[0] == ".":
            before = text[max(start, boundary.start() - 12) : boundary.start()].split()
            word = before[-1].lstrip("(\"'“").lower() if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        end = boundary.start() + len(mark.rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = boundary.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def line_span(text: str, index: int) -> tuple[int, int]:
    """The paragraph (line) holding offset `index`."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return start, len(text) if end < 0 else end


def block_kind(line: str, name: str) -> str | None:
    """BYLINE, PRESS_CONTACT or FOOTER when a line is not story text, else None.

    A line that is little but the name ("Jane Doe", "Jane Doe | Staff", "Jane Doe for
    The Herald") is a byline or a caption credit: the person wrote or photographed,
    the story is not theirs.
    """
    lowered = line.lower()
    if _BYLINE.search(lowered):
        return BYLINE
    if _PRESS_CONTACT.search(lowered):
        return PRESS_CONTACT
    if _FOOTER.search(lowered):
        return FOOTER
    before, _, after = line.partition(name)
    words = _WORDS.findall(before + " " + after)
    if not _ENDS_SENTENCE.search(line.strip()) and (
        len(words) <= 2 or (not before.strip() and _FOR_OUTLET.match(after))
    ):
        return BYLINE
    return None


def names_a_thing(text: str, end: int) -> bool:
    """Whether the name ending at `end` is part of the name of a prize, place, firm
    or institution ("the Jane Doe Prize", "Jane Doe High School"), not the person."""
    return _NAMED_AFTER.match(text, end) is not None


def title_cased(headline: str) -> bool:
    """Whether a headline capitalises every word of four letters or more ("Rose Gold
    Watches Surge In Popularity", or ALL CAPS): there, capitals do not mark names."""
    long = [w for w in _WORDS.findall(headline) if len(w) >= 4]
    return len(long) >= 2 and all(w[0].isupper() for w in long)


def company_key(company: str) -> str:
    """A company name folded, legal suffixes and a leading "the" dropped."""
    key = _LEGAL.sub(" ", fold(company).replace(",", " "))
    key = _LEADING_THE.sub("", " ".join(key.split()))
    return key.strip(" .&-")


def same_company(a: str, b: str) -> bool:
    """Whether two organisation names plausibly denote the same company."""
    left, right = company_key(a), company_key(b)
    if not left or not right:
        return False
    if left == right:
        return True
    small, big = sorted((set(left.split()), set(right.split())), key=len)
    return bool(small) and small <= big and any(len(w) >= 3 for w in small)


def _clean_org(org: str, own: set[str]) -> str:
    words = org.rstrip(".,'’").split()
    while words and words[-1].lower() in ("of", "and", "for", "de", "la", "du", "&"):
        words.pop()
    while words and words[0].lower() in _NOT_ORGS:
        words.pop(0)
    if not words or all(fold(w).strip(".'") in own for w in words):
        return ""
    if fold(words[0]) in _NOT_ORGS:
        return ""
    return " ".join(words)


# Where a name stands in its sentence. Speaking: the sentence quotes them ("...,"
# said Helen Park; Amara Osei, research director at Redline, said the gang...), so its
# cue words are what they talk about. Beside the news: the event is someone else's
# ("She will report to Laurent Besson and join the board").
_REPORTING = r"(?:said|says|told|added|noted|explained|commented|warned|argued)"
_SPEAKS_AFTER = re.compile(
    r"^(?:,[^.;:!?\"“”]{0,100},)?\s+(?:also\s+|has\s+|had\s+)?" + _REPORTING + r"\b"
    # "Helen Park was quoted by the Gazette as saying ..."
    r"|^\s+(?:is\s+|was\s+|has\s+been\s+)?quoted\b",
    re.I,
)
# "The winger said referee Helen Park had made the wrong call": the subject of what
# someone else said, not its speaker.
_CLAUSE_AFTER = re.compile(
    r"(?:'s|’s)\b|\s+(?:had|has|have|was|were|is|are|would|will|could|should|might|must|"
    r"may|can|did|does)\b",
    re.I,
)
# "Helen Park backed the plan, saying ...": theirs when they open the sentence.
_SAYING_AFTER = re.compile(r"^[^.;:!?\"“”]{0,100}?,\s+saying\b", re.I)
_OPENS_SENTENCE = re.compile(
    r"^\W*(?:(?:[A-Z][\w.'’&-]*|of|the|an?|chief|executive|officer|director|head|founder|"
    r"president|chair|analyst|economist|former|senior|managing|general|vice)\s+){0,5}$"
)
# "The company said on Monday that Helen Park ..." reports news about her: a "that"
# (or "whether") between the verb and the name opens a clause she is the subject of.
_SPEAKS_BEFORE = re.compile(
    r"\b(?:" + _REPORTING + r"|according to)\s+(?:(?!(?:that|whether|would|will|could|"
    r"should|had|has|have|was|were|is|are|let|to)\b)[\w.'’&-]+\s+){0,6}$",
    re.I,
)
_BESIDE_BEFORE = re.compile(
    r"\b(?:report(?:s|ed|ing)?\s+(?:directly\s+)?to|succeed(?:s|ed|ing)?|replac(?:es|ed|ing)|"
    r"successors?\s+(?:to|for|of)|in\s+place\s+of|"
    r"alongside|under|work(?:s|ed|ing)?\s+(?:with|for))\s+(?:[\w.'’&-]+\s+){0,4}$",
    re.I,
)
# The one beaten to a prize or in a contest ("Lena Marsh beat actors including Helen
# Park and Tomas Reyes to the prize", "pipped Helen Park to best director"): the
# prize is the winner's.
_BEATEN_BEFORE = re.compile(
    r"\b(?:beat(?:s|ing)?|pipp(?:ed|ing)|pips|edg(?:ed|es|ing) out|defeat(?:s|ed|ing)|"
    r"overc(?:ame|omes?)|outvoted|saw off|sees off)\s+"
    # up to the name, within the beaten's list: not past "to the prize", "while"...
    r"(?:(?!(?:to|while|whereas|but|as|after|before|when|then|who|which|that|with|for|"
    r"in|at|on|by)\b)[\w.'’&,-]+\s+){0,8}$",
    re.I,
)
# The one joined ("They join Leeds stars Tomas Reyes and Helen Park", "they joined
# Helen Park to unveil the poster"), not "joined by" her, and the one who hires
# ("Helen Park hired Tomas Reyes"), not "hired as" or "hired by": the joining or the
# hiring is someone else's new role.
_THE_ONE_JOINED = re.compile(r"\bjoin(?:s|ed)?\s+(?!by\b)(?:[\w.'’&-]+\s+){0,5}$", re.I)
_HIRES_AFTER = re.compile(
    r"^\s+(?:has\s+|had\s+|have\s+)?(?:hired|hires|recruited|recruits)\s+"
    r"(?!(?:as|by|to|from|in|on|at)\b)",
    re.I,
)
SPEAKING = "speaking"
BESIDE = "beside"
REPORTED = "reported"  # named in what someone else said ("Auditors said that Park's ...")
_QUOTE_VERB = re.compile(r"\b(?:" + _REPORTING + r"|says|saying|according to)\b", re.I)


def role_in_sentence(sentence: str, start: int, end: int) -> str:
    """SPEAKING, BESIDE, REPORTED or "" for the name at [start, end) of `sentence`."""
    before, after = sentence[max(0, start - 80) : start], sentence[end:]
    if _SPEAKS_AFTER.search(after) or (
        _SPEAKS_BEFORE.search(before) and not _CLAUSE_AFTER.match(after)
    ):
        return SPEAKING
    if _SAYING_AFTER.search(after) and _OPENS_SENTENCE.match(sentence[:start]):
        return SPEAKING
    if (
        _BESIDE_BEFORE.search(before)
        or _BEATEN_BEFORE.search(before)
        or _THE_ONE_JOINED.search(before)
        or _HIRES_AFTER.match(after)
    ):
        return BESIDE
    if _QUOTE_VERB.search(sentence[:start]) and not _QUOTE_VERB.search(after):
        return REPORTED
    return ""


def nearby_organisation(sentence: str, start: int, end: int, own: set[str]) -> str:
    """The organisation a sentence ties the name at [start, end) to, or "".

    `own` holds the person's folded name words, never taken for an organisation.
    Shouted (ALL CAPS) sentences are skipped: every word there looks like a name.
    """
    if sentence.isupper():
        return ""
    after, before = sentence[end:], sentence[:start]
    for pattern in _ORG_AFTER:
        found = pattern.match(after)
        if found and (org := _clean_org(found.group(1), own)):
            return org
    for pattern in _ORG_BEFORE:
        found = pattern.search(before)
        if found and (org := _clean_org(found.group(1), own)):
            return org
    return ""


def context_terms(text: str, own: set[str], limit: int = 8) -> tuple[str, ...]:
    """Distinctive capitalised words (folded) of a passage, sentence starts excluded."""
    terms: list[str] = []
    for found in _CAPITALISED.finditer(text):
        before = text[: found.start()].rstrip()
        if not before or before[-1] in '.!?:"“\n':
            continue
        word = fold(found.group()).strip("'")
        if word in own or word in _NOT_ORGS or word in terms:
            continue
        terms.append(word)
        if len(terms) == limit:
            break
    return tuple(terms)


def document_text(article: Article) -> str:
    """What is scanned: the headline, a blank line, the body (or the feed's summary)."""
    body = article.text or article.summary or ""
    return f"{article.title}\n\n{body}" if article.title else body


@dataclass
class Document:
    """An article laid out for analysis: headline, blank line, body, with lazy indexes."""

    text: str
    headline_end: int
    folded: FoldedText
    sentences: list[tuple[int, int]] = field(default_factory=list)
    sentence_starts: list[int] = field(default_factory=list)
    lowered: str | None = None

    @classmethod
    def of(cls, article: Article) -> Document:
        text = document_text(article)
        return cls(text, len(article.title or ""), fold_text(text))

    def sentence_at(self, offset: int) -> tuple[int, int]:
        if not self.sentences:
            self.sentences = sentence_spans(self.text) or [(0, len(self.text))]
            self.sentence_starts = [start for start, _ in self.sentences]
        at = max(0, bisect.bisect_right(self.sentence_starts, offset) - 1)
        return self.sentences[at]

    def sentence(self, offset: int) -> str:
        start, end = self.sentence_at(offset)
        return self.text[start:end].strip()

    def lead(self) -> tuple[int, int]:
        body_start = self.headline_end + 2 if self.headline_end else 0
        return self.sentence_at(min(body_start, max(len(self.text) - 1, 0)))

    def find(self, key: str, *, cased: bool = True) -> list[int]:
        """Original offsets of whole-word occurrences of a lower-case folded key.

        Plain string search, any whitespace between the key's words: contacts' keys
        are all different, so compiling a pattern each would cost more than the scan.
        """
        if not key:
            return []
        if self.lowered is None:
            self.lowered = self.folded.text.lower()
        low = self.lowered
        first, *rest = key.split()
        found = []
        at = low.find(first)
        while at >= 0:
            end = at + len(first)
            for word in rest:
                skip = end
                while skip < len(low) and low[skip].isspace():
                    skip += 1
                if skip == end or not low.startswith(word, skip):
                    end = -1
                    break
                end = skip + len(word)
            if end > 0 and word_bounded(low, at, end):
                start, stop = self.folded.span(at, end)
                written = self.text[start:stop]
                if not cased or (looks_like_name(written) and not written.islower()):
                    found.append(start)
            at = low.find(first, at + 1)
        return found
