"""Why an article fits a contact: the shared terms, and the sentence to quote.

Reasons are the terms contributing most to the profile-article similarity, written
as a person reads them: a bigram stays whole ("battery recycling", not "battery" and
"recycling"), and a term the profile only holds through corpus expansion is marked
`(related)` so the user can tell their own words from what cheesecake inferred. The
quote is the article sentence closest to the profile. Pure functions over vectors
and text; nothing here ranks or stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.textmodel import TextModel

RELATED = " (related)"
MAX_REASONS = 5
# Sentences the quote is chosen from: long enough to say something, short enough
# to sit in an 80-word message.
QUOTE_MIN_WORDS = 6
QUOTE_MAX_WORDS = 45
QUOTE_MAX_SENTENCES = 40
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")


@dataclass(frozen=True)
class ProfileView:
    """One contact's profile as dense arrays: explaining many articles for the same
    contact then costs a few array lookups per article."""

    query: np.ndarray  # expanded profile weights over the vocabulary
    own: np.ndarray  # True where the direct profile (their words, feedback) is positive
    latent: np.ndarray | None  # unit profile in the latent space, if there is one


def view(query: sp.csr_matrix, direct: sp.csr_matrix, latent: np.ndarray | None) -> ProfileView:
    size = query.shape[1]
    dense = np.zeros(size, dtype=np.float32)
    row = sp.csr_matrix(query)
    dense[row.indices] = row.data
    own = np.zeros(size, dtype=bool)
    mine = sp.csr_matrix(direct)
    own[mine.indices[mine.data > 0]] = True
    return ProfileView(dense, own, latent if latent is not None and latent.size else None)


def reasons(
    model: TextModel,
    profile: ProfileView,
    indices: np.ndarray,
    weights: np.ndarray,
    *,
    limit: int = MAX_REASONS,
) -> tuple[str, ...]:
    """The terms that make an article (its term `indices` and `weights`) match
    `profile`, best first.

    A term the direct profile lacks is marked related. When the match is mostly
    latent (fewer than two shared terms), the article's own terms closest to the
    profile in the latent space are added, also marked related.
    """
    contributions = profile.query[indices] * weights
    shared = contributions > 0
    terms, values = indices[shared], contributions[shared]
    order = np.argsort(-values, kind="stable")[: limit * 4]
    ranked = [(float(values[o]), int(terms[o])) for o in order]
    # The contact's own terms and expansion terms are chosen separately, so a bigram
    # only absorbs unigrams of its own kind: "tanker" they wrote stays theirs even if
    # the article's "tanker rates" came in through expansion.
    mine = _whole_bigrams([(v, model.term(t)) for v, t in ranked if profile.own[t]], limit)
    related = _whole_bigrams([(v, model.term(t)) for v, t in ranked if not profile.own[t]], limit)
    merged = sorted(
        [(v, n) for v, n in mine] + [(v, n + RELATED) for v, n in related], reverse=True
    )
    out = [name for _, name in merged[:limit]]
    if len(out) < 2 and profile.latent is not None:
        exclude = {name.removesuffix(RELATED) for name in out}
        for name in _latent_terms(model, indices, weights, profile.latent, exclude):
            if len(out) >= min(limit, 3):
                break
            out.append(name + RELATED)
    return tuple(out)


def _whole_bigrams(ranked: list[tuple[float, str]], limit: int) -> list[tuple[float, str]]:
    """Best terms, a bigram replacing the unigrams it contains (taking the best score)."""
    chosen: list[tuple[float, str]] = []
    for score, term in ranked:
        words = term.split()
        if len(words) == 1 and any(term in c.split() for _, c in chosen if " " in c):
            continue
        if len(words) == 2:
            covered = [(s, c) for s, c in chosen if c in words]
            if covered:
                chosen = [(s, c) for s, c in chosen if c not in words]
                chosen.append((max(s for s, _ in covered), term))
                chosen.sort(reverse=True)
                continue
        if len(chosen) < limit:
            chosen.append((score, term))
        elif len(words) == 1:
            break  # full, and only a bigram absorbing a chosen unigram could still change it
    return chosen[:limit]


def _latent_terms(
    model: TextModel,
    indices: np.ndarray,
    weights: np.ndarray,
    latent: np.ndarray,
    exclude: set[str],
) -> list[str]:
    """The article's single words whose latent direction is closest to the profile's."""
    positions = np.searchsorted(model.latent_terms, indices)
    positions = np.minimum(positions, max(len(model.latent_terms) - 1, 0))
    placed = model.latent_terms[positions] == indices if len(model.latent_terms) else positions < 0
    if not placed.any():
        return []
    affinity = (model.components[:, positions[placed]].T @ latent.ravel()) * weights[placed]
    order = np.argsort(-affinity, kind="stable")
    names = [model.term(int(indices[placed][o])) for o in order if affinity[o] > 0]
    return [n for n in names if n not in exclude and " " not in n]


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace tidied."""
    parts = (" ".join(p.split()) for p in _SENTENCE_END.split(text))
    return [p for p in parts if p]


@dataclass(frozen=True)
class Quotable:
    """An article's candidate quote sentences and their vectors (reused across contacts)."""

    sentences: tuple[str, ...]
    vectors: sp.csr_matrix


def quotable(model: TextModel, text: str) -> Quotable:
    candidates = [
        s
        for s in sentences(text)[: QUOTE_MAX_SENTENCES * 2]
        if QUOTE_MIN_WORDS <= len(s.split()) <= QUOTE_MAX_WORDS
    ][:QUOTE_MAX_SENTENCES]
    vectors = model.texts(candidates) if candidates else sp.csr_matrix((0, model.size))
    return Quotable(tuple(candidates), vectors)


def best_sentence(candidates: Quotable, profile: np.ndarray) -> str:
    """The sentence most similar to `profile` (dense weights; earliest wins a tie, so
    with nothing shared it is the first usable sentence); "" for an article with none."""
    if not candidates.sentences:
        return ""
    scores = candidates.vectors @ profile
    return candidates.sentences[int(np.argmax(scores))]
