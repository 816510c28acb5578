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


def reasons(
    model: TextModel,
    query: sp.csr_matrix,
    direct: sp.csr_matrix,
    article: sp.csr_matrix,
    latent_profile: np.ndarray | None = None,
    *,
    limit: int = MAX_REASONS,
) -> tuple[str, ...]:
    """The terms that make `article` (one row) match `query` (one row), best first.

    `direct` is the profile before expansion: a term it lacks is marked related.
    When the match is mostly latent (few shared terms), the article's own terms
    closest to the profile in the latent space are added, also marked related.
    """
    q = _as_dict(query)
    d = _as_dict(article)
    own = {t for t, w in _as_dict(direct).items() if w > 0}
    ranked = sorted(((q[t] * d[t], t) for t in q.keys() & d.keys() if q[t] > 0), reverse=True)
    # The contact's own terms and expansion terms are chosen separately, so a bigram
    # only absorbs unigrams of its own kind: "tanker" they wrote stays theirs even if
    # the article's "tanker rates" came in through expansion.
    mine = _whole_bigrams([(s, model.term(t)) for s, t in ranked if t in own], limit)
    related = _whole_bigrams([(s, model.term(t)) for s, t in ranked if t not in own], limit)
    merged = sorted(
        [(s, n) for s, n in mine] + [(s, n + RELATED) for s, n in related], reverse=True
    )
    out = [name for _, name in merged[:limit]]
    if len(out) < 2 and latent_profile is not None and latent_profile.size:
        exclude = {name.removesuffix(RELATED) for name in out}
        for name in _latent_terms(model, article, latent_profile, exclude=exclude):
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
    model: TextModel, article: sp.csr_matrix, latent_profile: np.ndarray, exclude: set[str]
) -> list[str]:
    """The article's terms whose latent direction is closest to the profile's."""
    d = _as_dict(article)
    position = {int(t): n for n, t in enumerate(model.latent_terms)}
    scored = []
    for t, weight in d.items():
        n = position.get(t)
        if n is None:
            continue
        affinity = float(model.components[:, n] @ latent_profile.ravel())
        if affinity > 0:
            scored.append((affinity * weight, model.term(t)))
    scored.sort(reverse=True)
    return [name for _, name in scored if name not in exclude and " " not in name]


def _as_dict(row: sp.csr_matrix) -> dict[int, float]:
    row = sp.csr_matrix(row)
    return dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))


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


def best_sentence(candidates: Quotable, profile: sp.csr_matrix) -> str:
    """The sentence most similar to `profile` (earliest wins a tie, so with nothing
    shared it is the first usable sentence); "" for an article with none."""
    if not candidates.sentences:
        return ""
    scores = (candidates.vectors @ sp.csr_matrix(profile).T).toarray().ravel()
    return candidates.sentences[int(np.argmax(scores))]


def quote(model: TextModel, profile: sp.csr_matrix, text: str) -> str:
    """The sentence of `text` most similar to `profile`."""
    return best_sentence(quotable(model, text), profile)
