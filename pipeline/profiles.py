"""Contact profiles: what each contact cares about, as vectors in the article TF-IDF space.

A profile starts from the contact's own words (interests, industry, tags, title, notes,
company; each weighted by how much it says about their reading, see query_terms), moves
away from what the user dismissed for them, and is then expanded from the corpus
itself so that a short interest written in a person's own words reaches articles that
use other words for the same thing: pseudo-relevance feedback adds the terms its best
matches share (articles the user sent count as the best of matches, dismissed ones
never count), and a latent (LSA) view of the profile is kept for blending with the
lexical score. Expansion terms stay separate so explanations can mark them. The
interest's clauses of several words are kept too: an article matching only a minor
word of one ("traffic" of "tanker traffic") is discounted unless the expansion
confirms it (clause_discounts). This module does not read the store or rank articles.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from pipeline import query_terms
from pipeline.records import Contact
from pipeline.textmodel import DTYPE, TextModel, row_entries, unit_rows

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

# How much each field says about what a contact would enjoy reading. Interests are
# their own words for it; a job title or company says less (and brings generic words
# like "head" or "group"), so they only lean the profile.
FIELD_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("interests", 1.0),
    ("industry", 0.6),
    ("tags", 0.5),
    ("notes", 0.4),
    ("title", 0.35),
    ("company", 0.35),
)
# Part of every cached profile's key: bump when the same contact text and feedback
# would give another profile, so cached ones are rebuilt (models/ keeps them).
PROFILE_VERSION = 4
# Words of a field that say nothing about what its owner reads (see query_terms).
FIELD_FILLER = {"title": query_terms.RANK_WORDS, "company": query_terms.COMPANY_FORMS}
# Dismissed articles push the profile away from their distinctive terms that are not
# the profile's core, never by more than FEEDBACK_CAP of the contact's own words
# (unit length), however many were dismissed. Sent articles teach through the
# expansion instead (see build): pulling the profile toward all of one article's
# words was measured to overshoot (a cocoa profile sent one story on Japanese
# chocolate duties drifted to Japanese trade).
DISMISSED_WEIGHT = 0.35
FEEDBACK_CAP = 0.6
FEEDBACK_TERMS = 25  # distinctive terms a dismissed article takes away
LENDING_TERMS = 100  # an article's strongest terms, the only ones it lends to expansion
MAX_THREADS = 4  # scoring chunks run in parallel on at most this many cores
# Contacts scored per block: a block's dense scores take rows × articles floats, kept
# near BLOCK_BYTES (a few copies live at once, one block per thread), 512 rows at most.
BLOCK_BYTES = 32 * 2**20
MAX_BLOCK_ROWS = 512
SMALL_FEEDBACK_SET = 3  # pseudo-relevance feedback from this few matches needs no support
# An article matching the expansion this many times as closely as the contact's own
# words (cosines) is confirmed on-topic: a clause it covers in part then counts in
# full (see clause_discounts).
CONFIRMING_RATIO = 2.0
# An article holding at least this share of a clause (by weight) matches it; one
# holding less, only a minor word of it, counts the clause by that share squared.
PARTIAL_CLAUSE = 0.5
COVERAGE_CANDIDATES = 200  # best first-pass matches whose concept coverage is looked up
# The fields whose words are the contact's concepts (see Expansion.min_concepts): what
# they read about, not who they are (a job title or a company is no topic to cover).
CONCEPT_FIELDS = ("interests", "industry", "tags")


@dataclass(frozen=True)
class Feedback:
    """Articles the user sent to, or dismissed for, one contact."""

    sent: tuple[int, ...] = ()
    dismissed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Expansion:
    """How short profiles are widened from the corpus (all zero: no expansion)."""

    feedback_docs: int = 20  # best first-pass matches (one per story) that lend terms
    feedback_terms: int = 30  # strongest expansion terms kept
    feedback_weight: float = 0.7  # weight of those terms against the direct profile
    min_first_score: float = 0.05  # first-pass matches weaker than this lend nothing
    min_support: int = 2  # an expansion term is in at least this many of those matches
    latent_weight: float = 0.3  # share of the LSA similarity in the blended score
    # Feedback articles match at least this many of the profile's concepts (all of
    # them, when it has fewer), if enough do: see _pseudo_feedback.
    min_concepts: int = 2


NO_EXPANSION = Expansion(feedback_docs=0, feedback_terms=0, feedback_weight=0.0, latent_weight=0.0)


@dataclass(frozen=True)
class Profiles:
    """Profiles of several contacts, row i belonging to contact_ids[i]."""

    contact_ids: tuple[int, ...]
    direct: sp.csr_matrix  # the contact's words plus feedback (unit rows, may be zero)
    query: sp.csr_matrix  # direct plus expansion terms (unit rows): what is scored
    latent: np.ndarray  # the query in the LSA space (unit rows; no columns without one)
    latent_weight: float
    # How much `direct` and the (unit) expansion weigh in `query`, per row: the query
    # is mix[:, 0] * direct + mix[:, 1] * expansion (no expansion: mix[:, 1] is 0).
    mix: np.ndarray
    # The contact's clauses naming two concepts or more (query_terms.clauses): each
    # term's clause number and each single word's concept number. Only rows with an
    # expansion have them: it is what tells a partial match on- or off-topic.
    clauses: sp.csr_matrix
    clause_concepts: sp.csr_matrix

    @property
    def with_clauses(self) -> np.ndarray:
        """Which rows have clauses of several concepts: only theirs are discounted."""
        return np.diff(self.clauses.indptr) > 0

    def row(self, contact_id: int) -> int:
        return self.contact_ids.index(contact_id)

    @property
    def empty(self) -> np.ndarray:
        """True for contacts with nothing to match on: no words the model knows, and
        no sent article to learn from."""
        return np.asarray((self.query > 0).sum(axis=1)).ravel() == 0


def field_texts(contact: Contact) -> dict[str, str]:
    return {
        "interests": contact.interests,
        "industry": contact.industry,
        "tags": ", ".join(contact.tags),
        "notes": contact.notes,
        "title": contact.title,
        "company": contact.company,
    }


def has_profile_text(contact: Contact) -> bool:
    return any(text.strip() for text in field_texts(contact).values())


def profile_text(contact: Contact) -> str:
    """The contact's profile as one text (its fingerprint says when to rematch)."""
    texts = field_texts(contact)
    return "\n".join(f"{name}: {texts[name].strip()}" for name, _ in FIELD_WEIGHTS)


def text_profiles(model: TextModel, contacts: Sequence[Contact]) -> sp.csr_matrix:
    """Unit-length profile vectors from the contacts' own words (zero rows for none)."""
    total = sp.csr_matrix((len(contacts), model.size), dtype=DTYPE)
    for name, weight in FIELD_WEIGHTS:
        texts = [field_texts(c)[name] for c in contacts]
        if any(texts):
            drop = FIELD_FILLER.get(name, frozenset())
            total = total + weight * query_terms.weighted_terms(model, texts, drop)
    return unit_rows(total)


def concept_texts(contacts: Sequence[Contact]) -> list[str]:
    return ["\n".join(field_texts(c)[name] for name in CONCEPT_FIELDS) for c in contacts]


def concept_profiles(model: TextModel, contacts: Sequence[Contact]) -> sp.csr_matrix:
    """The contacts' concepts (query_terms.concepts) from the CONCEPT_FIELDS together."""
    return query_terms.concepts(model, concept_texts(contacts))


def clause_profiles(
    model: TextModel, contacts: Sequence[Contact]
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The contacts' clauses (query_terms.clauses) from the CONCEPT_FIELDS together."""
    return query_terms.clauses(model, concept_texts(contacts))


def apply_feedback(
    direct: sp.csr_matrix,
    contact_ids: Sequence[int],
    feedback: Mapping[int, Feedback],
    article_vectors: Callable[[Sequence[int]], sp.csr_matrix],
    shared: np.ndarray | None = None,
) -> sp.csr_matrix:
    """Rocchio's negative half, restrained: away from what was dismissed.

    A dismissed article takes away its FEEDBACK_TERMS strongest terms that are not
    the profile's own nor any word of an article sent to the contact: dismissing "EV
    sales in China" for a contact into electric vehicles lowers the next story on a
    carmakers' price war in China, not everything about electric vehicles; and what
    the user chose to send is never pushed away (a cereals follower who dismissed
    USDA sugar and cotton reports but sent a USDA wheat report keeps "usda" and
    "tonnes", which only the sent story's strongest terms used to protect). Only
    terms `shared` by several articles (a boolean mask over the vocabulary) take
    part: a word of that one article alone finds nothing else. Negative weights are
    kept, so an article sharing those terms scores lower. The shift is capped at
    FEEDBACK_CAP of the profile's own length. Sent articles are used by `build`.
    """
    rows = [i for i, cid in enumerate(contact_ids) if cid in feedback]
    if not rows:
        return direct
    wanted = sorted(
        {a for i in rows for f in (feedback[contact_ids[i]],) for a in f.sent + f.dismissed}
    )
    vectors = sp.csr_matrix(article_vectors(wanted), dtype=DTYPE, copy=True)
    if shared is not None:
        vectors.data[~shared[vectors.indices]] = 0.0
        vectors.eliminate_zeros()
    where = {article_id: n for n, article_id in enumerate(wanted)}
    direct = sp.csr_matrix(direct, dtype=DTYPE)
    shifts = []
    for i in rows:
        fb = feedback[contact_ids[i]]
        own = direct[i]
        core = set(own.indices[own.data > 0].tolist())
        delta = np.zeros(direct.shape[1], dtype=DTYPE)
        if fb.sent:
            taught = _mean_rows(vectors, [where[a] for a in fb.sent])
            core.update(taught.indices.tolist())
        if fb.dismissed:
            mean = _mean_rows(vectors, [where[a] for a in fb.dismissed])
            away = np.isin(mean.indices, np.fromiter(core, dtype=np.int64, count=len(core)))
            mean.data[away] = 0.0
            push = _top_terms(mean, FEEDBACK_TERMS)
            delta[push.indices] -= DISMISSED_WEIGHT * push.data
        norm = float(np.linalg.norm(delta))
        if norm > FEEDBACK_CAP:
            delta *= FEEDBACK_CAP / norm
        columns = np.flatnonzero(delta)
        shifts.append((i, columns, delta[columns]))
    shift = sp.csr_matrix(
        (
            np.concatenate([d for _, _, d in shifts]),
            (
                np.concatenate([np.full(len(c), i) for i, c, _ in shifts]),
                np.concatenate([c for _, c, _ in shifts]),
            ),
        ),
        shape=direct.shape,
        dtype=DTYPE,
    )
    return unit_rows(direct + shift)


def build(
    model: TextModel,
    direct: sp.csr_matrix,
    contact_ids: Sequence[int],
    corpus: sp.csr_matrix,
    corpus_latent: np.ndarray,
    expansion: Expansion,
    *,
    stories: np.ndarray | None = None,
    dismissed: sp.csr_matrix | None = None,
    sent: sp.csr_matrix | None = None,
    concepts: sp.csr_matrix | None = None,
    clauses: tuple[sp.csr_matrix, sp.csr_matrix] | None = None,
    chunk: int | None = None,
) -> Profiles:
    """Expand direct profiles from `corpus` (unit article rows, `stories` their story
    ids) and project them into the latent space.

    `dismissed` and `sent` (profiles × articles, non-zero where the user acted on
    that article for that contact) are real relevance feedback: a dismissed article
    never lends terms, a sent one always does, as much as the best match. Sent
    articles teach through the expansion rather than by pulling the profile to all
    their words: only what they share with the profile's other good matches is
    learnt, so one article cannot turn the profile into itself. `concepts`
    (profiles × vocabulary, query_terms.concepts) steer which matches lend terms.
    `clauses` (query_terms.clauses) are kept for scoring (see clause_discounts).
    """
    query = direct
    n = direct.shape[0]
    mix = np.zeros((n, 2), dtype=DTYPE)
    mix[:, 0] = 1.0
    if (
        expansion.feedback_docs
        and expansion.feedback_terms
        and corpus.shape[0] > 1
        and direct.shape[0]
    ):
        if stories is None:
            stories = np.arange(corpus.shape[0])
        none = sp.csr_matrix(direct.shape[:1] + corpus.shape[:1], dtype=bool)
        related = _pseudo_feedback(
            direct,
            corpus,
            stories,
            dismissed if dismissed is not None else none,
            sent if sent is not None else none,
            concepts if concepts is not None else sp.csr_matrix(direct.shape, dtype=np.int32),
            expansion,
            chunk or block_rows(corpus.shape[0]),
        )
        mixed = sp.csr_matrix(direct + expansion.feedback_weight * related, dtype=DTYPE)
        lengths = np.sqrt(np.asarray(mixed.multiply(mixed).sum(axis=1)).ravel())
        lengths[lengths == 0] = 1.0
        mix[:, 0] = 1.0 / lengths
        mix[:, 1] = np.where(related.getnnz(axis=1) > 0, expansion.feedback_weight, 0.0) / lengths
        query = unit_rows(mixed)
    empty = sp.csr_matrix((n, direct.shape[1]), dtype=np.int32)
    clause_rows, concept_rows = clauses if clauses is not None else (empty, empty)
    expanded = (mix[:, 1] > 0).astype(np.int32)[:, None]
    latent = model.latent(query) if expansion.latent_weight and corpus_latent.size else None
    return Profiles(
        contact_ids=tuple(contact_ids),
        direct=direct,
        query=query,
        latent=latent if latent is not None else np.zeros((direct.shape[0], 0), dtype=DTYPE),
        latent_weight=expansion.latent_weight if latent is not None else 0.0,
        mix=mix,
        clauses=_pruned(clause_rows.multiply(expanded)),
        clause_concepts=_pruned(concept_rows.multiply(expanded)),
    )


def _pruned(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = sp.csr_matrix(matrix, dtype=np.int32)
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _pseudo_feedback(
    direct: sp.csr_matrix,
    corpus: sp.csr_matrix,
    stories: np.ndarray,
    dismissed: sp.csr_matrix,
    sent: sp.csr_matrix,
    concepts: sp.csr_matrix,
    expansion: Expansion,
    chunk: int,
) -> sp.csr_matrix:
    """The terms that the profile's best first-pass matches have in common (unit
    rows; a row without any is zero).

    The matches lending terms are, if at least a quarter of `feedback_docs` do, only
    those that cover at least `min_concepts` of the profile's `concepts` (all of
    them, for a profile with fewer): a story that matches one broad word of
    "precious metals" or "copper mining" alone ("Reynolds Metals", a gold mine)
    scores well on that word, but its terms (aluminium, gold) are not what the
    contact wrote about, and as expansion terms they would pull in more of it.

    The feedback set is the `feedback_docs` best matches scoring at least
    `min_first_score`, one article per story (syndicated copies would vote twice),
    each weighing as its score squared, so the clear matches lead and the marginal
    ones barely count. A term's weight is its weighted mean in the set times the
    weighted share of the set that contains it, and a term in fewer than
    `min_support` of the matches (or in one article of the whole corpus) is left
    out: what the matches share ("gold", "ounce" for a precious metals profile)
    comes along, what one story happens to mention (a company, a town) does not.
    A set of SMALL_FEEDBACK_SET matches or fewer is taken as it is.
    All contacts of a chunk are expanded at once with sparse products.
    """
    docs = corpus.shape[0]
    k = min(expansion.feedback_docs, docs)
    pool = min(docs, 2 * k)  # room for copies of one story among the best matches
    # Fewer matches covering two concepts than a quarter of the feedback set are too
    # few stories to say what the interest is about: the set is then taken unnarrowed.
    coordinated_set = max(SMALL_FEEDBACK_SET + 1, k // 4)
    transposed = corpus.T.tocsr()
    # What an article can lend: its LENDING_TERMS strongest terms found in another
    # article too (a word of one article alone finds nothing else). Expansion terms
    # come from there; it also keeps the sparse products below small.
    lending = sp.csr_matrix(corpus, dtype=DTYPE, copy=True)
    lending.data[np.bincount(corpus.indices, minlength=corpus.shape[1])[lending.indices] < 2] = 0
    lending.eliminate_zeros()
    lending = _keep_top_terms(lending, LENDING_TERMS, normalize=False)
    present = sp.csr_matrix(lending, copy=True)
    present.data[:] = 1.0

    def expand(start: int) -> sp.csr_matrix:
        scores = (direct[start : start + chunk] @ transposed).toarray()
        chosen_by_user = sent[start : start + chunk].tocoo()
        best = np.maximum(scores.max(axis=1), expansion.min_first_score)
        scores[chosen_by_user.row, chosen_by_user.col] = best[chosen_by_user.row]
        excluded = dismissed[start : start + chunk].tocoo()
        scores[excluded.row, excluded.col] = -1.0
        if expansion.min_concepts > 1:
            return _keep_top_terms(narrowed(start, scores), expansion.feedback_terms)
        top, top_scores = top_columns(scores, pool, expansion.min_first_score)
        return _keep_top_terms(centroid(top, top_scores), expansion.feedback_terms)

    def narrowed(start: int, scores: np.ndarray) -> sp.csr_matrix:
        """The centroid of the matches covering `min_concepts` concepts, if enough do.

        Such a set was chosen for holding the profile's own words, so how often it
        holds them is no evidence: those words keep the weight the whole set gives
        them, and only the terms they come with are learnt from the narrowed set.
        """
        n = scores.shape[0]
        own = concepts[start : start + chunk]
        # Concepts are looked up only for the best matches: the set comes from those.
        top, top_scores = top_columns(
            scores, max(pool, COVERAGE_CANDIDATES), expansion.min_first_score
        )
        covering = _covering(own, transposed, top, expansion.min_concepts)
        # Whether the set is narrowed depends on the matches alone: an article the
        # user sent lends terms either way, and must not tip a set of too few.
        enough = covering.sum(axis=1) >= coordinated_set
        if not enough.any():
            return centroid(top[:, :pool], top_scores[:, :pool])
        line = np.arange(n)[:, None]
        by_user = sent[start : start + chunk].toarray()[line, np.maximum(top, 0)]
        keep = np.where(enough[:, None], covering | (by_user & (top >= 0)), top >= 0)
        order = np.argsort(~keep, axis=1, kind="stable")[:, :pool]
        kept = np.take_along_axis(keep, order, axis=1)
        words = np.unique(own.indices)
        whole = centroid(top[:, :pool], top_scores[:, :pool], words)
        out = centroid(
            np.where(kept, top[line, order], -1),
            np.where(kept, top_scores[line, order], -np.inf),
        )
        mask = sp.csr_matrix(own, dtype=DTYPE, copy=True)
        mask.data[:] = 1.0
        mask = sp.csr_matrix(sp.diags(enough.astype(DTYPE)) @ mask)
        out = sp.csr_matrix(out - out.multiply(mask) + whole.multiply(mask), dtype=DTYPE)
        out.eliminate_zeros()
        return out

    def centroid(
        top: np.ndarray, top_scores: np.ndarray, columns: np.ndarray | None = None
    ) -> sp.csr_matrix:
        """Each row's weighted centroid of the terms its matches `top` share (only
        at the vocabulary `columns`, if given: cheaper when only those are wanted)."""
        n = top.shape[0]
        lend, held = (
            (lending, present) if columns is None else (lending[:, columns], present[:, columns])
        )
        found = top >= 0
        # Empty slots get story ids of their own (negative), so they never repeat one.
        slot_stories = np.where(found, stories[np.maximum(top, 0)], -1 - np.arange(pool))
        usable = found & ~_repeated(slot_stories)
        usable &= np.cumsum(usable, axis=1) <= k
        weights = np.where(usable, top_scores, 0.0).astype(DTYPE) ** 2
        totals = weights.sum(axis=1, keepdims=True)
        weights /= np.where(totals > 0, totals, 1.0)
        rows = np.repeat(np.arange(n), pool)
        mixer = sp.csr_matrix(
            (weights.ravel(), (rows, np.maximum(top, 0).ravel())), shape=(n, docs)
        )
        mixer.eliminate_zeros()
        chosen = sp.csr_matrix(mixer, copy=True)
        chosen.data[:] = 1.0
        # Shared vocabulary says something only in a set of several matches: a
        # profile that finds a handful (a small corpus) takes them as they are.
        found = usable.sum(axis=1)
        need = np.where(found > SMALL_FEEDBACK_SET, expansion.min_support, 1)
        support = sp.csr_matrix(chosen @ held)
        entry_rows = np.repeat(np.arange(n), np.diff(support.indptr))
        support.data = (support.data >= need[entry_rows]).astype(DTYPE)
        share = sp.csr_matrix(mixer @ held).multiply(support)
        out = sp.csr_matrix(sp.csr_matrix(mixer @ lend).multiply(share), dtype=DTYPE)
        if columns is None:
            return out
        return sp.csr_matrix(
            (out.data, columns[out.indices], out.indptr), shape=(n, lending.shape[1])
        )

    parts = in_parallel(expand, range(0, direct.shape[0], chunk))
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix(direct.shape, dtype=DTYPE)


def _covering(
    concepts: sp.csr_matrix, transposed: sp.csr_matrix, candidates: np.ndarray, wanted: int
) -> np.ndarray:
    """(profiles × candidate slots) True where the candidate article holds at least
    `wanted` of the profile's concepts (all of them, if it has fewer; a profile with
    none: every candidate). `transposed` is the corpus, vocabulary × articles;
    `candidates` the article columns per profile, -1 for an empty slot.
    """
    n, slots = candidates.shape
    labelled = concepts.tocoo()
    counts = np.zeros((n, slots), dtype=np.int64)
    own = np.zeros(n, dtype=np.int64)
    if labelled.nnz:
        # Which articles hold each concept word of the block, as a dense lookup table.
        words, word_of = np.unique(labelled.col, return_inverse=True)
        holders = transposed[words]
        table = np.zeros(holders.shape, dtype=bool)
        table[np.repeat(np.arange(words.size), np.diff(holders.indptr)), holders.indices] = True
        # Every (profile, concept word) against every candidate of that profile.
        rows = np.repeat(labelled.row.astype(np.int64), slots)
        slot = np.tile(np.arange(slots), labelled.nnz)
        articles = candidates[rows, slot]
        found = table[np.repeat(word_of.ravel(), slots), articles] & (articles >= 0)
        # A concept counts once however many of its words (plural, singular) appear.
        labels = int(labelled.data.max()) + 1
        label = np.repeat(labelled.data.astype(np.int64), slots)[found]
        pair = np.unique((rows[found] * slots + slot[found]) * labels + label) // labels
        counts = np.bincount(pair, minlength=n * slots).reshape(n, slots)
        np.maximum.at(own, labelled.row, labelled.data.astype(np.int64))
    return (counts >= np.minimum(own, wanted)[:, None]) & (candidates >= 0)


class TermLookup:
    """The weight of any (row, term) of a CSR matrix with sorted indices, many at once."""

    def __init__(self, matrix: sp.csr_matrix):
        matrix = sp.csr_matrix(matrix)
        if not matrix.has_sorted_indices:
            matrix = matrix.sorted_indices()
        self.matrix = matrix
        self.width = np.int64(matrix.shape[1])
        rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
        self.keys = rows * self.width + matrix.indices

    def __call__(self, rows: np.ndarray, terms: np.ndarray) -> np.ndarray:
        keys = rows.astype(np.int64) * self.width + terms
        if not self.keys.size or not keys.size:
            return np.zeros(keys.shape, dtype=DTYPE)
        # Sorted needles find their places several times faster in a large table.
        order = np.argsort(keys, kind="stable")
        at = np.empty(keys.size, dtype=np.int64)
        at[order] = np.searchsorted(self.keys, keys[order])
        at = np.minimum(at, self.keys.size - 1)
        return np.where(self.keys[at] == keys, self.matrix.data[at], 0).astype(DTYPE)


class PostingLookup:
    """The weight of (article, term) pairs from a vocabulary × articles matrix, for
    the given `terms` only: a block of contacts needs few terms, and their postings
    are a far smaller table to search than every article's terms."""

    def __init__(self, transposed: sp.csr_matrix, terms: np.ndarray):
        self.terms = np.unique(terms)
        self.postings = TermLookup(sp.csr_matrix(transposed[self.terms]))

    def __call__(self, articles: np.ndarray, terms: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(self.terms, terms), max(self.terms.size - 1, 0))
        known = self.terms[at] == terms if self.terms.size else np.zeros(terms.shape, bool)
        return np.where(known, self.postings(at, articles), 0).astype(DTYPE)


def clause_discounts(
    profile_set: Profiles,
    rows: np.ndarray,
    articles: np.ndarray,
    lexical: np.ndarray | None,
    article_terms: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How far each pair (profile rows[j], article articles[j], whose lexical score
    is lexical[j], looked up if None) is discounted for covering a clause in part, as (pair, term,
    amount) entries: the query's weight at that term is lowered by the amount for
    that article, so its lexical score falls by the sum of amount × the article's
    weight (`article_terms(articles, terms)` looks those up: a TermLookup of the
    article vectors, or a PostingLookup).

    A clause of the contact's own words ("tanker traffic", "corporate scandals") is
    matched by an article holding at least PARTIAL_CLAUSE of its concepts, weighed
    as the direct profile weighs them (a story on an election matches "elections
    around the world"); one holding only a minor word of it (an airline's "traffic",
    a footballer's "scandal") matches it in part, and its direct words count only
    by the share held, squared. But only as far as the expansion (the terms the
    profile's best matches share) fails to confirm the match: an article whose
    expansion cosine reaches CONFIRMING_RATIO times its direct cosine is on the
    topic those matches share (a tanker story saying "shipping" and "vessels"), and
    loses nothing; below that the discount grows as the expansion cosine falls,
    whole for an article the expansion knows nothing of. Clauses of one
    concept ("terrorism") are matched whole or not at all, and never discounted.
    """
    pair, term, amount, _ = _discounts(profile_set, rows, articles, lexical, article_terms)
    return pair, term, amount


def _discounts(
    profile_set: Profiles,
    rows: np.ndarray,
    articles: np.ndarray,
    lexical: np.ndarray | None,
    article_terms: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """clause_discounts, and the article's weight at each entry's term."""
    none = np.zeros(0, dtype=np.int64)
    if not profile_set.with_clauses[rows].any():
        return none, none, np.zeros(0, dtype=DTYPE), np.zeros(0, dtype=DTYPE)
    # Only the profiles of these pairs are looked at (lookups over all would cost
    # as much as the profile set, again for every block of pairs).
    wanted, rows = np.unique(rows, return_inverse=True)
    rows = rows.ravel()
    clause_rows = sp.csr_matrix(profile_set.clauses[wanted])
    direct = sp.csr_matrix(profile_set.direct[wanted])
    mix_of = profile_set.mix[wanted]
    # Each profile's clause entries: term, clause, concept (0 for a bigram), and the
    # direct weight; each concept weighs its heaviest word, each clause its concepts.
    owner_row = np.repeat(np.arange(wanted.size), np.diff(clause_rows.indptr))
    term_of = clause_rows.indices.astype(np.int64)
    clause_of = clause_rows.data.astype(np.int64)
    concept_of = TermLookup(profile_set.clause_concepts[wanted])(owner_row, term_of)
    concept_of = concept_of.astype(np.int64)
    own_of = TermLookup(direct)(owner_row, term_of)
    width = int(clause_of.max()) + 1
    labels = int(concept_of.max()) + 1
    words = concept_of > 0
    concept_weight = np.zeros(wanted.size * labels)
    np.maximum.at(concept_weight, owner_row[words] * labels + concept_of[words], own_of[words])
    concept_clause = np.zeros(wanted.size * labels, dtype=np.int64)
    concept_clause[owner_row[words] * labels + concept_of[words]] = clause_of[words]
    concept_owner = np.repeat(np.arange(wanted.size), labels) * width + concept_clause
    total = np.bincount(concept_owner, concept_weight, minlength=wanted.size * width)
    # The same entries for every pair, with the article's weight at each term.
    pairs = rows.size
    entry_pair, at = row_entries(clause_rows, rows)
    term, clause, own = term_of[at], clause_of[at], own_of[at]
    held = article_terms(articles[entry_pair], term)
    # Per (pair, clause): the direct profile's part of the score, and the share of
    # the clause's weight the article holds.
    slot = entry_pair * width + clause
    part = np.bincount(slot, own * held, minlength=pairs * width)
    concept_slot = entry_pair[words[at]] * labels + concept_of[at][words[at]]
    found = np.bincount(concept_slot, held[words[at]] > 0, minlength=pairs * labels) > 0
    pair_concepts = (rows[:, None] * labels + np.arange(labels)).ravel()
    pair_owner = np.repeat(np.arange(pairs), labels) * width + concept_clause[pair_concepts]
    covered = np.bincount(
        pair_owner, concept_weight[pair_concepts] * found, minlength=pairs * width
    )
    totals = total.reshape(wanted.size, width)[rows].ravel()
    share = covered / np.where(totals > 0, totals, 1)
    missing = np.where((part > 0) & (totals > 0) & (share < PARTIAL_CLAUSE), 1.0 - share**2, 0.0)
    # The direct and expansion cosines of the pairs covering a clause in part.
    gate = np.zeros(pairs, dtype=np.float64)
    chosen = np.flatnonzero(missing.reshape(pairs, width).any(axis=1))
    if chosen.size:
        cosine = _row_dots(direct, rows[chosen], articles[chosen], article_terms)
        if lexical is None:
            query = sp.csr_matrix(profile_set.query[wanted])
            scored = _row_dots(query, rows[chosen], articles[chosen], article_terms)
        else:
            scored = lexical[chosen]
        mix = mix_of[rows[chosen]]
        expansion = (scored - mix[:, 0] * cosine) / np.where(mix[:, 1] > 0, mix[:, 1], 1)
        confirmed = expansion / (CONFIRMING_RATIO * np.where(cosine > 0, cosine, 1))
        gate[chosen] = np.where(cosine > 0, np.clip(1.0 - confirmed, 0.0, 1.0), 0.0)
    amount = mix_of[rows[entry_pair], 0] * gate[entry_pair] * missing[slot] * own
    keep = amount > 0
    return entry_pair[keep], term[keep], amount[keep].astype(DTYPE), held[keep]


def _row_dots(
    matrix: sp.csr_matrix,
    rows: np.ndarray,
    articles: np.ndarray,
    article_terms: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """matrix[rows[j]] · article articles[j], for each j."""
    pair, where = row_entries(matrix, rows)
    values = matrix.data[where] * article_terms(articles[pair], matrix.indices[where])
    return np.bincount(pair, values, minlength=rows.size)


def clause_penalty(
    profile_set: Profiles,
    rows: np.ndarray,
    articles: np.ndarray,
    lexical: np.ndarray,
    article_terms: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """How much each pair's lexical score falls (see clause_discounts)."""
    pair, _, amount, held = _discounts(profile_set, rows, articles, lexical, article_terms)
    return np.bincount(pair, amount * held, minlength=rows.size)


def block_rows(columns: int) -> int:
    """How many contacts to score at once against `columns` articles."""
    return max(16, min(MAX_BLOCK_ROWS, BLOCK_BYTES // (4 * max(columns, 1))))


def in_parallel(func: Callable[[_Item], _Result], items: Sequence[_Item]) -> list[_Result]:
    """`func` over `items` in order, on up to MAX_THREADS threads: the sparse products
    and sorts of scoring release the GIL for much of their work."""
    workers = min(MAX_THREADS, os.cpu_count() or 1, len(items))
    if workers <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(func, items))


def top_columns(scores: np.ndarray, k: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `k` best columns scoring at least `floor`, best first, as (rows × k)
    column indices and scores; slots a row cannot fill hold column -1, score -inf.

    A full partition of every row costs more than the scoring itself, so a lower
    bound for each row's k-th best is taken from a quarter of its columns first (the
    k-th best of a subset can only be lower), and only entries reaching it are sorted.
    """
    n, m = scores.shape
    k = min(k, m)
    bound = np.full(n, floor, dtype=np.float64)
    sample = scores[:, ::4]
    if sample.shape[1] >= 4 * k:
        kth = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
        bound = np.maximum(bound, kth)
    rows, columns = np.nonzero(scores >= bound[:, None])
    values = scores[rows, columns]
    order = np.lexsort((-values, rows))
    rows, columns, values = rows[order], columns[order], values[order]
    rank = np.arange(rows.size) - np.searchsorted(rows, np.arange(n))[rows]
    keep = rank < k
    top = np.full((n, k), -1, dtype=np.int64)
    top_scores = np.full((n, k), -np.inf, dtype=scores.dtype)
    top[rows[keep], rank[keep]] = columns[keep]
    top_scores[rows[keep], rank[keep]] = values[keep]
    return top, top_scores


def _repeated(stories: np.ndarray) -> np.ndarray:
    """True where a row's story id already appeared earlier in that row."""
    order = np.argsort(stories, axis=1, kind="stable")
    ranked = np.take_along_axis(stories, order, axis=1)
    same = np.zeros(ranked.shape, dtype=bool)
    same[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    out = np.empty_like(same)
    np.put_along_axis(out, order, same, axis=1)
    return out


def _keep_top_terms(matrix: sp.csr_matrix, keep: int, normalize: bool = True) -> sp.csr_matrix:
    """Each row's `keep` largest entries, rescaled to unit length (if `normalize`)."""
    matrix = sp.csr_matrix(matrix)
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    mask = np.ones(matrix.data.size, dtype=bool)
    for i in np.flatnonzero(lengths > keep).tolist():
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        mask[lo:hi] = False
        mask[lo + np.argpartition(-matrix.data[lo:hi], keep - 1)[:keep]] = True
    out = sp.csr_matrix(
        (matrix.data[mask], (rows[mask], matrix.indices[mask])), shape=matrix.shape, dtype=DTYPE
    )
    return unit_rows(out) if normalize else out


def _top_terms(row: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """One row's `keep` largest positive entries, rescaled to unit length."""
    row = sp.csr_matrix(row, dtype=DTYPE)
    row.data[row.data < 0] = 0.0
    row.eliminate_zeros()
    return _keep_top_terms(row, keep)


def _mean_rows(matrix: sp.csr_matrix, rows: Sequence[int]) -> sp.csr_matrix:
    return sp.csr_matrix(matrix[list(rows)].mean(axis=0), dtype=DTYPE)
