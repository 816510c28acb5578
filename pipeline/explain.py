"""Why an article fits a contact: the shared terms, and the sentence to quote.

Reasons are the terms contributing most to the profile-article similarity, written
as a person reads them: a bigram stays whole ("battery recycling", not "battery" and
"recycling"), and a term the profile only holds through corpus expansion is marked
`(related)` so the user can tell their own words from what cheesecake inferred. The
quote is the article sentence closest to the profile. Pure functions over vectors
and text; nothing here ranks or stores.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.records import RELATED
from pipeline.textmodel import TextModel, row_entries

MAX_REASONS = 5
# Sentences the quote is chosen from: long enough to say something, short enough
# to sit in an 80-word message.
QUOTE_MIN_WORDS = 6
QUOTE_MAX_WORDS = 45
QUOTE_MAX_SENTENCES = 40
# Shared terms a reason does not name: numbers ("000" from "10,000", "5m" from
# "$5m"), the verbs of reporting that every news story shares, the days and
# months that date it ("may" is a stop word already), and the wire agencies whose
# names every syndicated story carries in its dateline or byline ("(Reuters) -",
# "AP"; an agency's own news is about its business, named in other words). They
# still count in the score; a user reading "why" wants the topic, and "said, 000",
# "friday" or "ap (related)" reads as noise.
_NOT_TOPICS = (
    frozenset(["according", "added", "reported", "said", "say", "says", "told"])
    | frozenset(["ap", "afp", "reuters", "upi", "dpa", "xinhua", "kyodo", "yonhap", "ansa"])
    | frozenset(["efe", "tass", "interfax", "pti", "ians", "aap", "bernama", "antara"])
    | frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
    | frozenset(["january", "february", "march", "april", "june", "july", "august"])
    | frozenset(["september", "october", "november", "december"])
)
# A number, alone or with its unit or ordinal: "000", "5m", "6bn", "113th", "1990s"
# (not "3g" or "f1", which name things).
_NUMBER = re.compile(r"\d[\d.,]*(?:m|bn|k|pc|st|nd|rd|th|s)?")
# A sentence ends at . ! ? or … (and a closing quote mark or bracket after it, kept
# with the sentence) before a capital or digit, or at a line break.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)]))\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")
_LINE_BREAK = re.compile(r"\n+")
# A dateline opening a line: a place in capitals ("LOS ANGELES", "SAN PEDRO, Calif.")
# or a place with its region ("Valletta, Malta"), with a date and the agency in
# brackets or not ("LE HAVRE, Sept. 3 (Wirenews)"), or an agency alone ("AP",
# "Wirenews"); then a spaced dash or colon. A bare leading dash goes too.
_CAPS = r"[A-Z][A-Z.'’&]+(?:\s[A-Z][A-Z.'’&]+)*"
_REGION = r",\s[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)*"
_DATE = r",?\s[A-Z][a-z]{2,8}\.?\s\d{1,2}(?:,\s\d{4})?"
_SOURCE = r"\s?\([^()]{1,30}\)"
_DATELINE = re.compile(
    rf"^(?:(?:{_CAPS}(?:{_REGION})?(?:{_DATE})?(?:{_SOURCE})?"
    rf"|[A-Z][a-z]+(?:\s[A-Z][a-z]+)*{_REGION}(?:{_DATE})?(?:{_SOURCE})?"
    rf"|[A-Z][A-Za-z.]+)\s+(?:--?|–|—|:)|--?|–|—)\s+"
)
# Full stops that end no sentence: an initial ("W.", the "S." of "U.S."), a title, a
# month, "No." and "vs." (a small closed class; company suffixes like "Inc." end
# sentences as often as not, so they still may).
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Mt|Gen|Gov|Sen|Rep|Rev|Lt|Col|Capt|Sgt|No|Nos|vs"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec))\.$"
)


def explain_article(
    model: TextModel,
    indices: np.ndarray,
    weights: np.ndarray,
    quotable: Quotable,
    queries: Rows,
    direct: Rows,
    latent: np.ndarray | None,
    *,
    limit: int = MAX_REASONS,
) -> list[tuple[tuple[str, ...], str]]:
    """Reasons and quote for one article (its term `indices` and `weights`) and each
    profile in `queries` (expanded rows; `direct`: the same contacts' own words,
    `latent`: their latent rows or None), in the order of the rows.

    All profiles an article goes to are explained at once: their weights on the
    article's terms and on its sentences' terms are a few dense products, and only
    choosing the words is done profile by profile.
    """
    contributions = _dense_on(queries, indices) * weights
    # Terms naming no topic are never reasons: dropped before the ranking, so each
    # profile's few best shared terms are topical ones.
    shared = np.flatnonzero(contributions.any(axis=0))
    contributions[:, shared[~_topical(model, indices[shared])]] = 0
    own = _dense_on(direct, indices) > 0
    quotes = [""] * queries.count
    if quotable.sentences and quotable.vectors.indices.size:
        columns = np.unique(quotable.vectors.indices)
        sentence_scores = _dense_on(queries, columns) @ _dense_on(quotable.vectors, columns).T
        # argmax takes the earliest of equal scores: with nothing shared, the first
        # usable sentence.
        quotes = [quotable.sentences[int(i)] for i in np.argmax(sentence_scores, axis=1)]
    rows, positions = np.nonzero(contributions > 0)
    values = contributions[rows, positions]
    order = np.lexsort((-values, rows))  # by profile, best term first
    rows, positions, values = rows[order], positions[order], values[order]
    mine = own[rows, positions].tolist()
    terms = indices[positions].tolist()
    values_list = values.tolist()
    starts = np.searchsorted(rows, np.arange(queries.count + 1)).tolist()
    reasons = []
    for n in range(queries.count):
        lo, hi = starts[n], min(starts[n + 1], starts[n] + limit * 4)
        ranked = list(zip(values_list[lo:hi], terms[lo:hi], mine[lo:hi], strict=True))
        reasons.append(_reasons(model.terms, ranked, limit))
    if latent is not None and latent.size:
        _add_latent_terms(model, indices, weights, latent, reasons, limit)
    return list(zip((tuple(r) for r in reasons), quotes, strict=True))


@dataclass(frozen=True)
class Rows:
    """Some rows of a CSR matrix as their stored entries, without building the
    submatrix (scipy's row indexing costs more than the work done with it here)."""

    count: int
    row: np.ndarray  # each entry's position among the chosen rows
    indices: np.ndarray
    data: np.ndarray


def rows_of(matrix: sp.csr_matrix, rows: Sequence[int] | np.ndarray) -> Rows:
    """The entries of `matrix`'s `rows` (in that order)."""
    positions, at = row_entries(matrix, rows)
    return Rows(len(rows), positions, matrix.indices[at], matrix.data[at])


def _dense_on(part: Rows, columns: np.ndarray) -> np.ndarray:
    """The (rows × len(columns)) dense block of `part` on the sorted `columns`.

    Found by binary search of each stored entry: slicing columns out of a matrix as
    wide as the vocabulary would cost a pass over the whole vocabulary every time.
    """
    out = np.zeros((part.count, columns.size), dtype=np.float32)
    if not columns.size or not part.indices.size:
        return out
    at = np.minimum(np.searchsorted(columns, part.indices), columns.size - 1)
    hit = columns[at] == part.indices
    out[part.row[hit], at[hit]] = part.data[hit]  # canonical CSR: one entry per cell
    return out


def _reasons(names: Sequence[str], ranked: list[tuple[float, int, bool]], limit: int) -> list[str]:
    """Reason names from the shared topical terms `ranked` (contribution, term, the
    contact's own?) best first; a term the direct profile lacks is marked related.

    A word is named once: "gadget" is not shown after "gadgets", nor "interest rate"
    after "interest rates", and an expansion term made only of the contact's own
    shown words ("film" next to their "films", "rugby football" next to their
    "rugby" and "football") tells them nothing and is left out."""
    # The contact's own terms and expansion terms are chosen separately, so a bigram
    # only absorbs unigrams of its own kind: "tanker" they wrote stays theirs even if
    # the article's "tanker rates" came in through expansion.
    mine = _whole_bigrams([(v, names[t]) for v, t, o in ranked if o], limit)
    theirs = {w for _, n in mine for w in _keys(n)}
    related = _whole_bigrams(
        [(v, names[t]) for v, t, o in ranked if not o and not theirs.issuperset(_keys(names[t]))],
        limit,
    )
    merged = sorted(
        [(v, n) for v, n in mine] + [(v, n + RELATED) for v, n in related], reverse=True
    )
    return [name for _, name in merged[:limit]]


# Words ending in an s that `_key` would take for a plural, where the word without it
# is another word ("news"/"new", "gas"/"ga") or none.
_NOT_PLURALS = frozenset(
    ["news", "series", "species", "means", "gas", "bias", "atlas", "canvas", "chaos", "lens"]
)


@functools.lru_cache(maxsize=2**16)  # the same terms recur in every profile's reasons
def _keys(term: str) -> tuple[str, ...]:
    """The term's words, each as its `_key`."""
    return tuple(_key(w) for w in term.split(" "))


def _key(word: str) -> str:
    """A word's singular, near enough to tell two forms of one word apart
    ("rates", "policies" -> "rate", "policy"); never shown. A word whose final s
    makes no plural keeps it: "news" is not two forms of "new"."""
    if word in _NOT_PLURALS:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 2 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _whole_bigrams(ranked: list[tuple[float, str]], limit: int) -> list[tuple[float, str]]:
    """Best terms, a bigram replacing the unigrams it contains (taking the best score)
    and a second form of a chosen term ("gadget" after "gadgets") left out."""
    chosen: list[tuple[float, str]] = []
    unigrams: dict[str, float] = {}  # chosen single words (as _key) and their scores
    inside: set[str] = set()  # words of chosen bigrams (as _key)
    bigrams: set[tuple[str, ...]] = set()  # chosen bigrams (as _key of each word)
    for score, term in ranked:
        words = _keys(term)
        if len(words) == 1:
            if words[0] in inside or words[0] in unigrams:
                continue
            if len(chosen) == limit:
                break  # full, and only a bigram absorbing a chosen unigram could change it
            chosen.append((score, term))
            unigrams[words[0]] = score
            continue
        if words in bigrams:
            continue
        absorbed = {w for w in words if w in unigrams}
        if absorbed:
            best = max(unigrams.pop(w) for w in absorbed)
            gone = {(w,) for w in absorbed}  # the absorbed unigrams, as _keys gives them
            chosen = [(s, c) for s, c in chosen if _keys(c) not in gone]
            chosen.append((best, term))
            chosen.sort(reverse=True)
        elif len(chosen) < limit:
            chosen.append((score, term))
        else:
            continue
        inside.update(words)
        bigrams.add(words)
    return chosen[:limit]


def _add_latent_terms(
    model: TextModel,
    indices: np.ndarray,
    weights: np.ndarray,
    latent: np.ndarray,
    reasons: list[list[str]],
    limit: int,
) -> None:
    """When a match is mostly latent (fewer than two reasons), add the article's own
    single words whose latent direction is closest to the profile's (rows of
    `latent`), marked related, up to three reasons in all."""
    short = [n for n, r in enumerate(reasons) if len(r) < 2]
    if not short or not len(model.latent_terms):
        return
    last = len(model.latent_terms) - 1
    positions = np.minimum(np.searchsorted(model.latent_terms, indices), last)
    placed = model.latent_terms[positions] == indices
    if not placed.any():
        return
    # (placed terms × profiles): each term's latent affinity to each short profile.
    directions = model.components[:, positions[placed]].T * weights[placed][:, None]
    affinity = directions @ latent[short].T
    terms = indices[placed]
    for column, n in enumerate(short):
        names = reasons[n]
        exclude = {w for name in names for w in _keys(name.removesuffix(RELATED))}
        wanted = min(limit, 3) - len(names)
        scores = affinity[:, column]
        for o in np.argsort(-scores, kind="stable").tolist():
            if scores[o] <= 0 or not wanted:
                break
            name = model.term(int(terms[o]))
            if " " not in name and _key(name) not in exclude and _names_topic(name):
                names.append(name + RELATED)
                wanted -= 1


# Per model, whether each vocabulary term names a topic: 1 or 0, -1 not yet asked.
_TOPICAL: weakref.WeakKeyDictionary[TextModel, np.ndarray] = weakref.WeakKeyDictionary()


def _topical(model: TextModel, terms: np.ndarray) -> np.ndarray:
    """Whether each of the vocabulary's `terms` names a topic (`_names_topic`).

    Asked once per term and model, then read with the vocabulary's other answers:
    a match explaining thousands of articles meets the same terms in most of them.
    """
    known = _TOPICAL.get(model)
    if known is None:
        known = _TOPICAL[model] = np.full(model.size, -1, dtype=np.int8)
    unknown = terms[known[terms] < 0]
    if unknown.size:
        names = model.terms
        known[unknown] = [_names_topic(names[t]) for t in unknown.tolist()]
    return known[terms] > 0


def _names_topic(term: str) -> bool:
    """Whether a term says what an article is about: every word of it names
    something (no number, verb of reporting, weekday or month), and a bigram is two
    different words. "tanker rates" does; "000", "said", "000 tonnes" (the tail of
    "40,000 tonnes"), "harbour said", "said friday" and "wire wire" (a byline's
    "(Wire) - ... (Wire)") are pairings of neighbouring words, not phrases."""
    words = term.split(" ")
    if len(words) > 1 and len(set(words)) < len(words):
        return False
    return all(w not in _NOT_TOPICS and not _NUMBER.fullmatch(w) for w in words)


def _plain(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".!?")


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace tidied, without a dateline opening a line.

    A full stop after an initial or a common abbreviation ("George W. Bush", "the
    U.S. Navy", "Sept. 14", "Mr. Okafor") ends no sentence within a line: a quote cut
    there stops mid-sentence. A dateline ("WASHINGTON (Reuters) - ", "AP - ") says
    where and by whom a story was filed, not what it says; quoted, it is noise.
    """
    out = []
    for line in _LINE_BREAK.split(text):
        # Twice: a site's name may come before the dateline ("Wire.com - OSLO -- ").
        undated = _DATELINE.sub("", _DATELINE.sub("", line.strip()))
        parts = [" ".join(p.split()) for p in _SENTENCE_END.split(undated)]
        merged: list[str] = []
        for part in filter(None, parts):
            # Only a sentence's last few characters can end in an abbreviation.
            if merged and _ABBREVIATION.search(merged[-1], max(0, len(merged[-1]) - 8)):
                merged[-1] += " " + part
            else:
                merged.append(part)
        out.extend(merged)
    return out


@dataclass(frozen=True)
class Quotable:
    """An article's candidate quote sentences and their vectors (reused across contacts)."""

    sentences: tuple[str, ...]
    vectors: Rows  # one row per sentence


def quotables(model: TextModel, texts: Sequence[str], titles: Sequence[str] = ()) -> list[Quotable]:
    """Each text's candidate quote sentences and their vectors, vectorised together
    (one pass over all the sentences is far cheaper than one per article).

    The headline is never a candidate: extracted text often starts with it, and the
    draft already names the article, so quoting it would say the same thing twice.
    """
    headlines = [_plain(t) for t in titles] + [""] * (len(texts) - len(titles))
    chosen = [
        [
            s
            for s in sentences(text)[: QUOTE_MAX_SENTENCES * 2]
            if QUOTE_MIN_WORDS <= len(s.split()) <= QUOTE_MAX_WORDS and _plain(s) != headline
        ][:QUOTE_MAX_SENTENCES]
        for text, headline in zip(texts, headlines, strict=True)
    ]
    flat = [s for candidates in chosen for s in candidates]
    vectors = model.texts(flat) if flat else sp.csr_matrix((0, model.size))
    out, start = [], 0
    for candidates in chosen:
        span = np.arange(start, start + len(candidates))
        out.append(Quotable(tuple(candidates), rows_of(vectors, span)))
        start += len(candidates)
    return out
