"""Contact profiles: what each contact cares about, as vectors in the article TF-IDF space.

A profile starts from the contact's own words (interests, industry, tags, title, notes,
company; each weighted by how much it says about their reading), moves toward the
articles the user sent them and away from those dismissed (Rocchio), and is then
expanded from the corpus itself so that a short interest written in a person's own
words reaches articles that use other words for the same thing: pseudo-relevance
feedback adds the strongest terms of its best matches, and a latent (LSA) view of the
profile is kept for blending with the lexical score. Expansion terms stay separate so
explanations can mark them. This module does not read the store or rank articles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.records import Contact
from pipeline.textmodel import DTYPE, TextModel, unit_rows

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
# Profile terms are weighted by (sublinear) frequency only, not idf: the article side
# already carries idf, and squaring it (idf on both sides) lets one rare, incidental
# phrase of a short interest text ("big companies") outweigh its topic ("economy").
QUERY_IDF_POWER = 0.0
# Rocchio weights against the unit-length text profile.
SENT_WEIGHT = 0.6
DISMISSED_WEIGHT = 0.5


@dataclass(frozen=True)
class Feedback:
    """Articles the user sent to, or dismissed for, one contact."""

    sent: tuple[int, ...] = ()
    dismissed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Expansion:
    """How short profiles are widened from the corpus (all zero: no expansion)."""

    feedback_docs: int = 8  # best first-pass matches that lend their terms
    feedback_terms: int = 30  # strongest centroid terms kept
    feedback_weight: float = 0.7  # weight of those terms against the direct profile
    min_first_score: float = 0.05  # a first pass weaker than this lends nothing (no drift)
    latent_weight: float = 0.25  # share of the LSA similarity in the blended score


NO_EXPANSION = Expansion(feedback_docs=0, feedback_terms=0, feedback_weight=0.0, latent_weight=0.0)


@dataclass(frozen=True)
class Profiles:
    """Profiles of several contacts, row i belonging to contact_ids[i]."""

    contact_ids: tuple[int, ...]
    direct: sp.csr_matrix  # the contact's words plus feedback (unit rows, may be zero)
    query: sp.csr_matrix  # direct plus expansion terms (unit rows): what is scored
    latent: np.ndarray  # the query in the LSA space (unit rows; no columns without one)
    latent_weight: float

    def row(self, contact_id: int) -> int:
        return self.contact_ids.index(contact_id)

    @property
    def empty(self) -> np.ndarray:
        """True for contacts with nothing to match on (no words the model knows)."""
        return np.asarray(self.direct.getnnz(axis=1) == 0)


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
            total = total + weight * model.texts(texts, idf_power=QUERY_IDF_POWER)
    return unit_rows(total)


def apply_feedback(
    direct: sp.csr_matrix,
    contact_ids: Sequence[int],
    feedback: Mapping[int, Feedback],
    article_vectors: Callable[[Sequence[int]], sp.csr_matrix],
) -> sp.csr_matrix:
    """Rocchio: toward the mean of sent articles, away from the mean of dismissed ones.

    Negative weights are kept, so an article sharing the dismissed article's own
    words (not only the contact's) is pushed down too: dismissing "EV sales in China"
    lowers the next sales story, not just everything about electric vehicles.
    """
    rows = [i for i, cid in enumerate(contact_ids) if cid in feedback]
    if not rows:
        return direct
    wanted = sorted(
        {a for i in rows for f in (feedback[contact_ids[i]],) for a in f.sent + f.dismissed}
    )
    vectors = article_vectors(wanted)
    where = {article_id: n for n, article_id in enumerate(wanted)}
    shift = sp.lil_matrix(direct.shape, dtype=DTYPE)
    for i in rows:
        fb = feedback[contact_ids[i]]
        delta = sp.csr_matrix((1, direct.shape[1]), dtype=DTYPE)
        if fb.sent:
            delta = delta + SENT_WEIGHT * _mean_rows(vectors, [where[a] for a in fb.sent])
        if fb.dismissed:
            delta = delta - DISMISSED_WEIGHT * _mean_rows(vectors, [where[a] for a in fb.dismissed])
        shift[i] = delta
    return unit_rows(direct + shift.tocsr())


def build(
    model: TextModel,
    direct: sp.csr_matrix,
    contact_ids: Sequence[int],
    corpus: sp.csr_matrix,
    corpus_latent: np.ndarray,
    expansion: Expansion,
    *,
    chunk: int = 1000,
) -> Profiles:
    """Expand direct profiles from `corpus` (unit article rows) and project them."""
    query = direct
    if expansion.feedback_docs and expansion.feedback_terms and corpus.shape[0] > 1:
        query = _pseudo_feedback(direct, corpus, expansion, chunk)
    latent = model.latent(query) if expansion.latent_weight and corpus_latent.size else None
    return Profiles(
        contact_ids=tuple(contact_ids),
        direct=direct,
        query=query,
        latent=latent if latent is not None else np.zeros((direct.shape[0], 0), dtype=DTYPE),
        latent_weight=expansion.latent_weight if latent is not None else 0.0,
    )


def _pseudo_feedback(
    direct: sp.csr_matrix, corpus: sp.csr_matrix, expansion: Expansion, chunk: int
) -> sp.csr_matrix:
    """Add the distinctive terms of each profile's best first-pass matches.

    Only matches scoring at least `min_first_score` and at least half the best one
    lend terms (weighted by score), so a profile that matches nothing well, or a
    word shared with an unrelated story ("apple" in an orchard piece), does not
    drag it toward noise. A term's weight is its mean weight in those matches less
    its mean weight in the whole corpus, so words every article uses ("said",
    "week") do not come along, and a term found in one article only is left out,
    since it can find no other article.
    """
    transposed = corpus.T.tocsr()
    k = min(expansion.feedback_docs, corpus.shape[0])
    df = np.bincount(corpus.indices, minlength=corpus.shape[1])
    background = np.asarray(corpus.mean(axis=0)).ravel().astype(DTYPE)
    background[df < 2] = np.inf
    parts = []
    for start in range(0, direct.shape[0], chunk):
        block = direct[start : start + chunk]
        scores = (block @ transposed).toarray()
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        weights = np.take_along_axis(scores, top, axis=1)
        floor = np.maximum(expansion.min_first_score, 0.5 * weights.max(axis=1, keepdims=True))
        weights[weights < floor] = 0.0
        totals = weights.sum(axis=1, keepdims=True)
        weights /= np.where(totals > 0, totals, 1.0)
        rows = np.repeat(np.arange(block.shape[0]), k)
        mixer = sp.csr_matrix(
            (weights.ravel(), (rows, top.ravel())), shape=(block.shape[0], corpus.shape[0])
        )
        mixer.eliminate_zeros()
        centroids = sp.csr_matrix(mixer @ corpus, dtype=DTYPE)
        centroids.data -= background[centroids.indices]
        centroids.data[centroids.data < 0] = 0.0
        parts.append(_keep_top_terms(centroids, expansion.feedback_terms))
    expansion_part = sp.vstack(parts, format="csr") if parts else direct
    return unit_rows(direct + expansion.feedback_weight * expansion_part)


def _keep_top_terms(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Each row's `keep` largest entries, rescaled to unit length."""
    matrix = matrix.tocsr()
    data, indices, indptr = [], [], [0]
    for i in range(matrix.shape[0]):
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        values = matrix.data[lo:hi]
        if len(values) > keep:
            best = np.argpartition(-values, keep - 1)[:keep]
        else:
            best = np.arange(len(values))
        data.append(values[best])
        indices.append(matrix.indices[lo:hi][best])
        indptr.append(indptr[-1] + len(best))
    out = sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, DTYPE),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=matrix.shape,
    )
    return unit_rows(out)


def _mean_rows(matrix: sp.csr_matrix, rows: Sequence[int]) -> sp.csr_matrix:
    return sp.csr_matrix(matrix[list(rows)].mean(axis=0), dtype=DTYPE)
