"""A contact's own words as weighted terms of the article TF-IDF space.

People describe what they read in phrases of their own ("conflicts in the Middle
East", "chocolate makers and where their beans come from"), not in the words of the
articles. This module turns such text into term weights: words that only frame an
interest ("news", "like", "especially") are dropped, a plural also counts as its
singular ("wars" finds articles about a "war"), and every term is weighted by its idf
so that a rare, specific word outweighs a common one, a two-word phrase never more
than its rarer word (an incidental phrase such as "big companies" must not outweigh
the topic). It does not expand a profile from the corpus (pipeline.profiles does).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

import numpy as np
import scipy.sparse as sp
import snowballstemmer

from pipeline.textmodel import DTYPE, TextModel, unit_rows

# Words that frame an interest rather than name one: how people write "I follow ...",
# "news about ...", "things like ...". Stop words are already gone (the model's list);
# these are the ones a profile adds. Topic words that are merely common ("market",
# "industry", "world") are not here: idf weighs those down without losing them.
FILLER = frozenset(
    [
        "like",
        "likes",
        "liking",
        "including",
        "include",
        "includes",
        "especially",
        "particularly",
        "mainly",
        "chiefly",
        "primarily",
        "generally",
        "related",
        "relating",
        "regarding",
        "concerning",
        "news",
        "latest",
        "recent",
        "update",
        "updates",
        "development",
        "developments",
        "happenings",
        "thing",
        "things",
        "stuff",
        "topic",
        "topics",
        "subject",
        "subjects",
        "issue",
        "issues",
        "area",
        "areas",
        "field",
        "fields",
        "interested",
        "interests",
        "keen",
        "love",
        "loves",
        "enjoy",
        "enjoys",
        "follow",
        "follows",
        "following",
        "followed",
        "want",
        "wants",
        "come",
        "comes",
        "coming",
        "going",
        "doing",
        "lot",
        "lots",
        "kind",
        "kinds",
        "sort",
        "sorts",
        "various",
        "general",
        "really",
        "stories",
        "story",
        "articles",
        "article",
        "reading",
        "read",
        "reads",
        "insight",
        "insights",
    ]
)
# A job title and a company name say who someone is; their rank and legal-form words
# say nothing about what they read, and are common enough in the news to match
# anything ("Head of Treasury, Kestrel Shipping Group" is about treasury and shipping,
# not about every story with a "head" or a "group" in it). Dropped from those fields.
RANK_WORDS = frozenset(
    [
        "head",
        "chief",
        "senior",
        "sr",
        "junior",
        "jr",
        "lead",
        "leader",
        "principal",
        "manager",
        "director",
        "vice",
        "president",
        "vp",
        "svp",
        "evp",
        "avp",
        "officer",
        "executive",
        "exec",
        "associate",
        "assistant",
        "deputy",
        "staff",
        "intern",
        "trainee",
        "member",
        "team",
        "global",
        "regional",
        "founder",
        "cofounder",
        "owner",
        "specialist",
        "coordinator",
        "representative",
        "ceo",
        "md",
        "gm",
    ]
)
COMPANY_FORMS = frozenset(
    [
        "group",
        "holding",
        "holdings",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "corp",
        "corporation",
        "company",
        "co",
        "gmbh",
        "ag",
        "sa",
        "nv",
        "bv",
        "ab",
        "oy",
        "pty",
        "sarl",
        "spa",
        "srl",
        "partners",
        "associates",
        "international",
        "worldwide",
        "global",
        "enterprises",
        "solutions",
    ]
)
# Where one part of an interest ends and the next begins: list separators, and the
# words that introduce examples ("tech companies like Microsoft, Google and Apple" is
# "tech companies", then three companies, not one clause of five words).
CLAUSE_BREAK = re.compile(
    r"[,;:/&|()\n]+|\b(?:and|or|plus|as well as|like|such as|including|especially"
    r"|particularly|notably|mainly|chiefly|primarily|for example|for instance)\b",
    re.IGNORECASE,
)
# A singular found through a plural the contact wrote counts a little less than the
# word itself: "wars" certainly means "war", but the plural is what they chose.
SINGULAR_WEIGHT = 0.7


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@cache
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def singulars(term: str, vocabulary: dict[str, int]) -> list[str]:
    """Singular forms of `term` (its last word, for a bigram) that the model knows.

    Only plural to singular: the other way round invites another sense ("apple" the
    company must not bring in "apples" from an orchard). A candidate counts only if
    the Snowball stemmer gives it the same stem, so "news" never becomes "new".
    """
    *head, word = term.split(" ")
    if len(word) < 4 or not word.endswith("s") or word.endswith("ss"):
        return []
    candidates = {word[:-1]}
    if word.endswith("es"):
        candidates.add(word[:-2])
    if word.endswith("ies"):
        candidates.add(word[:-3] + "y")
    stem = _stem(word)
    out = []
    for candidate in sorted(candidates):
        full = " ".join([*head, candidate])
        if full in vocabulary and _stem(candidate) == stem:
            out.append(full)
    return out


def is_filler(term: str, also: frozenset[str] = frozenset()) -> bool:
    return any(word in FILLER or word in also for word in term.split(" "))


def query_idf(model: TextModel, term: str, index: int) -> float:
    """The term's idf, a bigram's capped at the larger idf of its two words."""
    idf = float(model.idf[index])
    words = term.split(" ")
    if len(words) == 2:
        parts = [float(model.idf[model.vocabulary[w]]) for w in words if w in model.vocabulary]
        if parts:
            idf = min(idf, max(parts))
    return idf


def weighted_terms(
    model: TextModel, texts: Sequence[str], drop: frozenset[str] = frozenset()
) -> sp.csr_matrix:
    """One unit row per text (see _weigh), each distinct text weighed once: many
    contacts share a company, a job title or a tag. Words in `drop` count as filler."""
    distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    return _weigh(model, [str(t) for t in distinct], drop)[inverse.ravel()]


def _weigh(
    model: TextModel, texts: Sequence[str], drop: frozenset[str] = frozenset()
) -> sp.csr_matrix:
    """One unit row per text: sublinear term frequency times query idf, filler words
    removed, singulars of plurals added. An empty or unknown text gives a zero row.

    A plural and its singular are one word to the contact: together they weigh what
    the plural alone would, so a generic plural ("prices") does not count twice. A
    plural the corpus never uses ("wars") still brings in its singular ("war").
    """
    vocabulary = model.vocabulary
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    idf_cache: dict[int, float] = {}
    singular_cache: dict[str, list[int]] = {}

    def idf_of(column: int) -> float:
        if column not in idf_cache:
            idf_cache[column] = query_idf(model, model.term(column), column)
        return idf_cache[column]

    def singulars_of(term: str) -> list[int]:
        if term not in singular_cache:
            singular_cache[term] = [vocabulary[s] for s in singulars(term, vocabulary)]
        return singular_cache[term]

    for row, text in enumerate(texts):
        if not text:
            continue
        weights: dict[int, float] = {}
        for term, count in Counter(model.analyze(text)).items():
            if is_filler(term, drop):
                continue
            tf = 1.0 + math.log(count)
            found = singulars_of(term)
            column = vocabulary.get(term)
            if column is None:
                # Unknown plural: its singular stands in for it, as a singular does.
                for target in found:
                    weights[target] = max(
                        weights.get(target, 0.0), SINGULAR_WEIGHT * tf * idf_of(target)
                    )
                continue
            idf = idf_of(column)
            shares = [SINGULAR_WEIGHT * idf_of(t) / idf for t in found]
            # Scale the plural so that it and its singulars have the plural's own length.
            own = tf * idf / math.sqrt(1.0 + sum(r * r for r in shares))
            weights[column] = max(weights.get(column, 0.0), own)
            for target, ratio in zip(found, shares, strict=True):
                weights[target] = max(weights.get(target, 0.0), own * ratio)
        rows.extend([row] * len(weights))
        columns.extend(weights)
        values.extend(weights.values())
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=DTYPE), (rows, columns)),
        shape=(len(texts), model.size),
        dtype=DTYPE,
    )
    return unit_rows(matrix)


def concepts(model: TextModel, texts: Sequence[str]) -> sp.csr_matrix:
    """Which words of each text name one concept: a (texts × vocabulary) matrix whose
    entry at a single word the text uses is that word's concept number (1, 2, ... per
    row), filler removed. A plural and the singular it brings in are one concept
    ("metals", "metal"); a bigram is no concept of its own (its words are).

    "maritime logistics and tanker traffic" is three concepts the model knows; an
    article that matches one of them alone ("air traffic") is a weaker sign than
    one that matches two (pipeline.profiles uses this to pick feedback articles).
    """
    weighted = weighted_terms(model, texts)
    rows: list[int] = []
    columns: list[int] = []
    labels: list[int] = []
    for row in range(weighted.shape[0]):
        lo, hi = weighted.indptr[row], weighted.indptr[row + 1]
        numbers: dict[str, int] = {}
        for column in weighted.indices[lo:hi][weighted.data[lo:hi] > 0].tolist():
            term = model.term(column)
            if " " in term:
                continue
            number = numbers.setdefault(_stem(term), len(numbers) + 1)
            rows.append(row)
            columns.append(column)
            labels.append(number)
    return sp.csr_matrix(
        (np.asarray(labels, dtype=np.int32), (rows, columns)),
        shape=(len(texts), model.size),
    )


def clauses(model: TextModel, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The parts of each text naming two concepts or more, as two (texts × vocabulary)
    matrices: each term's clause number (1, 2, ... per row), and each single word's
    concept number (as in `concepts`).

    An interest is usually a list ("maritime logistics and tanker traffic"): a part
    of one word ("terrorism") is matched whole or not at all, but an article holding
    only "traffic" matches half of "tanker traffic" (pipeline.profiles weighs that).
    Parts naming one concept are left out, and a term belongs to the first part
    that names it. Each distinct text is read once (contacts share interests).
    """
    distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    if distinct.size < len(texts):
        clause_rows, concept_rows = clauses(model, [str(t) for t in distinct])
        return clause_rows[inverse.ravel()], concept_rows[inverse.ravel()]
    parts = [[p for p in CLAUSE_BREAK.split(text) if p.strip()] for text in texts]
    flat = [p for group in parts for p in group]
    weighted = weighted_terms(model, flat) if flat else sp.csr_matrix((0, model.size))
    rows: list[int] = []
    columns: list[int] = []
    clause_numbers: list[int] = []
    concept_numbers: list[int] = []
    at = 0
    for row, group in enumerate(parts):
        used: set[int] = set()
        numbers: dict[str, int] = {}
        clause = 0
        for n in range(at, at + len(group)):
            lo, hi = weighted.indptr[n], weighted.indptr[n + 1]
            terms = weighted.indices[lo:hi][weighted.data[lo:hi] > 0].tolist()
            terms = [t for t in terms if t not in used]
            used.update(terms)
            if len({_stem(model.term(t)) for t in terms if " " not in model.term(t)}) < 2:
                continue
            clause += 1
            for term in sorted(terms):
                name = model.term(term)
                rows.append(row)
                columns.append(term)
                clause_numbers.append(clause)
                single = " " not in name
                number = numbers.setdefault(_stem(name), len(numbers) + 1) if single else 0
                concept_numbers.append(number)
        at += len(group)
    shape = (len(texts), model.size)
    rows_a, columns_a = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
    words = np.asarray(concept_numbers, dtype=np.int32) > 0
    return (
        sp.csr_matrix((np.asarray(clause_numbers, dtype=np.int32), (rows_a, columns_a)), shape),
        sp.csr_matrix(
            (np.asarray(concept_numbers, dtype=np.int32)[words], (rows_a[words], columns_a[words])),
            shape,
        ),
    )
