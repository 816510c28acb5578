"""Relevance: which stored articles each contact would enjoy, and why.

This stage owns scoring articles against contact profiles in one TF-IDF space
(`pipeline.textmodel`; the corpus and profiles come from `pipeline.corpus`), turning the
best matches into suggestions with reasons and a quote, and answering "what could I
send this person now?" on demand. Scores are computed a block of contacts at a time
with only the top candidates kept, never as a full contacts × articles matrix. It
does not fetch, detect mentions, draft messages or decide what the digest shows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from pipeline import explain, profiles
from pipeline.config import Config
from pipeline.corpus import Corpus, articles, load_corpus, profiles_for
from pipeline.errors import UsageError
from pipeline.profiles import Expansion, Profiles
from pipeline.records import SUGGESTION_PREFIX, Article, Contact
from pipeline.store import Store
from pipeline.store._base import utcnow
from pipeline.store.suggestions import NewSuggestion

log = logging.getLogger(__name__)

STAGE = "relevance"  # the `processed` stage name: articles match has scored
SAME_STORY_COSINE = 0.8  # two articles this alike tell one story: suggest it once
LATENT_PREFILTER = 0.5  # below this latent cosine two articles are never that alike
CANDIDATE_FACTOR = 4  # candidates kept per suggestion wanted (room for duplicates)
# A contact with clauses of several concepts has this many times the candidates
# scored before a clause covered in part lowers some (profiles.clause_discounts).
CLAUSE_POOL_FACTOR = 2
EXPANSION = Expansion()


@dataclass(frozen=True)
class MatchReport:
    articles: int  # new articles scored
    contacts: int  # contacts with a profile
    without_profile: int  # contacts with nothing to match on (mentions only)
    suggestions: int  # suggestions stored by this match
    refitted: str | None  # why the model was refitted, if it was
    seconds: float


@dataclass(frozen=True)
class Ranked:
    """One item of an on-demand list; `id` is the stored suggestion's (for sent/dismiss)."""

    id: int
    contact_id: int
    article: Article
    score: float
    weak: bool  # below the digest's threshold
    fresh: bool  # younger than relevance.max_age_days
    reasons: tuple[str, ...]
    quote: str

    @property
    def public_id(self) -> str:
        return f"{SUGGESTION_PREFIX}{self.id}"


# --- profiles ---------------------------------------------------------------------------


def contacts_without_profile(store: Store) -> int:
    """How many contacts have nothing to match articles on (no words, no feedback)."""
    with_feedback = store.feedback_articles().keys()
    return sum(
        1
        for c in store.contacts()
        if not profiles.has_profile_text(c) and c.id not in with_feedback
    )


def _fingerprint(contact: Contact) -> str:
    return sha256(profiles.profile_text(contact).encode()).hexdigest()[:16]


# --- scoring ---------------------------------------------------------------------------


def _blocks(
    profile_set: Profiles,
    corpus: Corpus,
    columns: np.ndarray,
    rows: np.ndarray,
    k: int,
    floor: float | None = None,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(profile row, candidate columns best first, their scores) for each row in `rows`.

    A block of contacts (profiles.block_rows) is scored against the candidate
    articles at a time and reduced to its top k at once, so memory stays at a block's
    rows × len(columns) floats per thread. With a `floor`, only scores reaching it are
    candidates.
    """
    if not columns.size or not rows.size:
        return
    k = min(k, columns.size)
    transposed = corpus.vectors[columns].T.tocsr()
    latent = corpus.latent[columns]
    weight = profile_set.latent_weight
    with_clauses = profile_set.with_clauses
    bottom = -np.inf if floor is None else floor

    def score(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = (profile_set.query[block] @ transposed).toarray()
        if weight:
            scores *= 1.0 - weight
            scores += weight * (profile_set.latent[block] @ latent.T)
        if not with_clauses[block].any():
            return profiles.top_columns(scores, k, bottom)
        # A clause covered in part only lowers a score (profiles.clause_discounts):
        # the best matches before it are looked up, and the best after it kept.
        pool = min(columns.size, CLAUSE_POOL_FACTOR * k)
        top, top_scores = profiles.top_columns(scores, pool, bottom)
        line, slot = np.nonzero(top >= 0)
        lexical = top_scores[line, slot]
        if 0 < weight < 1:  # the blended score less its latent part
            near = np.einsum("ij,ij->i", profile_set.latent[block[line]], latent[top[line, slot]])
            lexical = (lexical - weight * near) / (1.0 - weight)
        terms = [profile_set.clauses[block].indices, profile_set.direct[block].indices]
        penalty = profiles.clause_penalty(
            profile_set,
            block[line],
            top[line, slot],  # positions in `columns`, as `transposed` has them
            lexical,
            profiles.PostingLookup(transposed, np.concatenate(terms)),
        )
        top_scores[line, slot] -= (1.0 - weight) * penalty
        top[top_scores < bottom] = -1
        top_scores[top < 0] = -np.inf
        order = np.argsort(-top_scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_scores, order, axis=1)

    step = profiles.block_rows(columns.size)
    blocks = [rows[start : start + step] for start in range(0, rows.size, step)]
    for block, (top, top_scores) in zip(blocks, profiles.in_parallel(score, blocks), strict=True):
        found = (top >= 0).sum(axis=1)
        for n, row in enumerate(block):
            end = int(found[n])
            yield int(row), columns[top[n, :end]], top_scores[n, :end]


def _pick(
    corpus: Corpus,
    candidates: np.ndarray,
    scores: np.ndarray,
    taken: set[int],
    limit: int,
    floor: float,
    before: Sequence[int] = (),
    memo: dict[tuple[int, int], bool] | None = None,
) -> list[tuple[int, float]]:
    """Best candidates scoring at least `floor`, one per story.

    A story is a stored story id (near-duplicates found at ingest) or, failing
    that, articles whose vectors are nearly the same (syndicated copies) as a pick
    or as one of the columns `before` (articles this contact was already offered).
    """
    keep = scores >= floor
    candidates, scores = candidates[keep], scores[keep]
    out: list[tuple[int, float]] = []
    kept = list(before)
    memo = {} if memo is None else memo
    for column, score in zip(candidates.tolist(), scores.tolist(), strict=True):
        story = int(corpus.stories[column])
        if story in taken or (kept and _near_duplicate(corpus, column, kept, memo)):
            continue
        kept.append(column)
        taken.add(story)
        out.append((column, score))
        if len(out) == limit:
            break
    return out


def _near_duplicate(
    corpus: Corpus, column: int, others: Sequence[int], memo: dict[tuple[int, int], bool]
) -> bool:
    """Whether the article's vector has cosine >= SAME_STORY_COSINE with any of `others`.

    Articles far apart in the latent space are not compared term by term: a copy of
    the same text lands on (nearly) the same latent point, so this only skips work.
    """
    pool = np.asarray(others, dtype=np.int64)
    if corpus.latent.shape[1]:
        pool = pool[corpus.latent[pool] @ corpus.latent[column] >= LATENT_PREFILTER]
    for other in pool.tolist():
        pair = (min(column, other), max(column, other))
        if pair not in memo:  # popular articles meet again in many contacts' lists
            memo[pair] = _cosine(corpus.vectors, column, other) >= SAME_STORY_COSINE
        if memo[pair]:
            return True
    return False


def _cosine(vectors: sp.csr_matrix, a: int, b: int) -> float:
    """Dot product of two unit rows, straight from the CSR arrays."""
    ia = vectors.indices[vectors.indptr[a] : vectors.indptr[a + 1]]
    ib = vectors.indices[vectors.indptr[b] : vectors.indptr[b + 1]]
    _, at, bt = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
    da = vectors.data[vectors.indptr[a] : vectors.indptr[a + 1]]
    db = vectors.data[vectors.indptr[b] : vectors.indptr[b + 1]]
    return float(da[at] @ db[bt])


class _Explainer:
    """Reasons and quotes for picked (contact row, article column) pairs, computed an
    article at a time for every contact it goes to (its sentences are vectorised
    once, however many contacts it goes to)."""

    def __init__(self, store: Store, corpus: Corpus, profile_set: Profiles):
        self.store, self.corpus, self.profiles = store, corpus, profile_set
        self.articles: dict[int, Article] = {}

    def explain(
        self, picks: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[tuple[str, ...], str]]:
        corpus, p = self.corpus, self.profiles
        wanted = sorted({int(corpus.ids[c]) for _, c in picks} - self.articles.keys())
        self.articles.update((a.id, a) for a in articles(self.store, wanted))
        by_column: dict[int, list[int]] = {}
        for row, column in picks:
            by_column.setdefault(column, []).append(row)
        out: dict[tuple[int, int], tuple[tuple[str, ...], str]] = {}
        vectors = corpus.vectors
        texts, titles = [], []
        for column in by_column:
            article = self.articles[int(corpus.ids[column])]
            texts.append(article.text or article.summary or article.description or "")
            titles.append(article.title)
        quotables = explain.quotables(corpus.model, texts, titles)
        scored = self._scored_queries(by_column)
        for (column, rows), quotable in zip(by_column.items(), quotables, strict=True):
            lo, hi = vectors.indptr[column], vectors.indptr[column + 1]
            explained = explain.explain_article(
                corpus.model,
                vectors.indices[lo:hi],
                vectors.data[lo:hi],
                quotable,
                explain.rows_of(scored[column], range(len(rows)))
                if column in scored
                else explain.rows_of(p.query, rows),
                explain.rows_of(p.direct, rows),
                p.latent[rows] if p.latent.shape[1] else None,
            )
            out.update(((row, column), e) for row, e in zip(rows, explained, strict=True))
        return out

    def _scored_queries(self, by_column: dict[int, list[int]]) -> dict[int, sp.csr_matrix]:
        """For each article column whose profiles lost weight on it for a clause
        covered in part (profiles.clause_discounts), their query rows as they scored
        it, so that reasons rank terms by what they really contributed."""
        p, vectors = self.profiles, self.corpus.vectors
        pairs = [(row, column) for column, rows in by_column.items() for row in rows]
        if not pairs or not p.with_clauses[[row for row, _ in pairs]].any():
            return {}
        rows = np.array([row for row, _ in pairs], dtype=np.int64)
        columns = np.array([column for _, column in pairs], dtype=np.int64)
        picked, position = np.unique(columns, return_inverse=True)
        pair, term, amount = profiles.clause_discounts(
            p, rows, position.ravel(), None, profiles.TermLookup(vectors[picked])
        )
        order = np.argsort(pair, kind="stable")
        pair, term, amount = pair[order], term[order], amount[order]
        out: dict[int, sp.csr_matrix] = {}
        start = 0  # each column's pairs are consecutive, in the order of its rows
        for column, column_rows in by_column.items():
            end = start + len(column_rows)
            lo, hi = np.searchsorted(pair, [start, end])
            if hi > lo:
                query = sp.csr_matrix(p.query[column_rows], dtype=np.float32)
                discount = sp.csr_matrix(
                    (amount[lo:hi], (pair[lo:hi] - start, term[lo:hi])),
                    shape=query.shape,
                    dtype=np.float32,
                )
                out[column] = sp.csr_matrix(query - discount, dtype=np.float32)
            start = end
        return out


# --- match -----------------------------------------------------------------------------


def match_articles(
    store: Store,
    config: Config,
    models_dir: Path,
    *,
    now: datetime | None = None,
    expansion: Expansion = EXPANSION,
) -> MatchReport:
    """Score fresh articles against contacts and store the strong matches as suggestions.

    Contacts whose profile is unchanged since the last match are scored against the
    articles new since then; a new or edited contact against every fresh article.
    Matches below `relevance.threshold` are dropped, not padded; each contact gets at
    most `relevance.per_contact` new suggestions, one per story.
    """
    started = time.perf_counter()
    now = now or utcnow()
    settings = config.relevance
    everyone = store.contacts()
    unprocessed = store.unprocessed_articles(STAGE)
    corpus = load_corpus(store, settings, models_dir, now)
    with_feedback = store.feedback_articles().keys()
    contacts = [c for c in everyone if profiles.has_profile_text(c) or c.id in with_feedback]
    suggestions: list[NewSuggestion] = []
    scored = 0
    if corpus is not None and contacts:
        fresh = corpus.fresh(now, settings.max_age_days)
        new = fresh & np.isin(corpus.ids, np.asarray(unprocessed, dtype=np.int64))
        scored = int(new.sum())
        known = store.profile_fingerprints()
        changed = np.array([known.get(c.id) != _fingerprint(c) for c in contacts])
        profile_set = profiles_for(store, corpus, contacts, expansion, cache=models_dir)
        taken = store.suggested_stories([c.id for c in contacts])
        # A story naming the contact is news about them, not reading for them: the
        # mention offers the congratulation, or stays an alert when the news is bad.
        for contact_id, stories in store.stories_naming([c.id for c in contacts]).items():
            taken.setdefault(contact_id, set()).update(stories)
        columns_of_story: dict[int, list[int]] = {}
        for column, story in enumerate(corpus.stories.tolist()):
            columns_of_story.setdefault(story, []).append(column)
        explainer = _Explainer(store, corpus, profile_set)
        k = settings.per_contact * CANDIDATE_FACTOR
        picks: list[tuple[int, int, float]] = []
        memo: dict[tuple[int, int], bool] = {}
        for mask, rows in ((fresh, np.flatnonzero(changed)), (new, np.flatnonzero(~changed))):
            rows = rows[~profile_set.empty[rows]]
            for row, candidates, scores in _blocks(
                profile_set, corpus, np.flatnonzero(mask), rows, k, settings.threshold
            ):
                seen = taken.setdefault(contacts[row].id, set())
                offered = [c for story in seen for c in columns_of_story.get(story, ())]
                for column, score in _pick(
                    corpus,
                    candidates,
                    scores,
                    seen,
                    settings.per_contact,
                    settings.threshold,
                    offered,
                    memo,
                ):
                    picks.append((row, column, score))
        explained = explainer.explain([(row, column) for row, column, _ in picks])
        for row, column, score in picks:
            reasons, quote = explained[row, column]
            suggestions.append(
                NewSuggestion(
                    contact_id=contacts[row].id,
                    article_id=int(corpus.ids[column]),
                    story_id=int(corpus.stories[column]),
                    score=round(score, 4),
                    reasons=reasons,
                    quote=quote,
                )
            )
    stored = store.add_suggestions(suggestions, when=now)
    store.mark_processed(STAGE, unprocessed)
    store.set_profile_fingerprints({c.id: _fingerprint(c) for c in contacts})
    return MatchReport(
        articles=scored,
        contacts=len(contacts),
        without_profile=len(everyone) - len(contacts),
        suggestions=stored,
        refitted=corpus.refit if corpus else None,
        seconds=round(time.perf_counter() - started, 3),
    )


# --- suggest ---------------------------------------------------------------------------


def suggest_for(
    store: Store,
    config: Config,
    models_dir: Path,
    contact: Contact,
    *,
    limit: int = 10,
    now: datetime | None = None,
    expansion: Expansion = EXPANSION,
) -> list[Ranked]:
    """The `limit` best articles to send `contact` now, best first, each stored as a
    suggestion so `sent`/`dismiss` accept its id.

    Fresh strong matches come first, then older strong ones (when fresh ones run
    out), then weak ones flagged `weak`: a ranked list of `limit` whenever the window
    holds that many stories the user has not already sent or dismissed (stories
    naming the contact are left to `mentions`).
    """
    if limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}.")
    now = now or utcnow()
    settings = config.relevance
    corpus = load_corpus(store, settings, models_dir, now)
    if corpus is None:
        return []
    profile_set = profiles_for(store, corpus, [contact], expansion)
    if profile_set.empty[0]:
        return []
    acted = store.suggested_stories([contact.id], statuses=("sent", "dismissed"))
    named = store.stories_naming([contact.id])  # news about them is for `mentions`
    taken = set(acted.get(contact.id, set())) | named.get(contact.id, set())
    columns = np.flatnonzero(~np.isin(corpus.stories, np.asarray(sorted(taken), np.int64)))
    ((_, candidates, scores),) = list(
        _blocks(profile_set, corpus, columns, np.array([0]), columns.size)
    )
    fresh = corpus.fresh(now, settings.max_age_days)[candidates]
    weak = scores < settings.threshold
    order = np.lexsort((-scores, ~fresh, weak))
    # Copies of a story the user already sent or dismissed, or that names the contact,
    # are not offered either.
    acted_columns = np.flatnonzero(np.isin(corpus.stories, np.asarray(sorted(taken), np.int64)))
    picked = _pick(
        corpus, candidates[order], scores[order], taken, limit, -np.inf, acted_columns.tolist()
    )
    explainer = _Explainer(store, corpus, profile_set)
    explained = explainer.explain([(0, column) for column, _ in picked])
    articles = explainer.articles
    fresh_all = corpus.fresh(now, settings.max_age_days)
    out: list[Ranked] = []
    for column, score in picked:
        article = articles[int(corpus.ids[column])]
        reasons, quote = explained[0, column]
        is_weak = score < settings.threshold
        stored = store.add_suggestion(
            contact.id,
            article.id,
            int(corpus.stories[column]),
            round(score, 4),
            reasons,
            quote,
            when=now,
            weak=is_weak,
            origin="suggest",
        ) or store.suggestion_for(contact.id, int(corpus.stories[column]))
        assert stored is not None
        out.append(
            Ranked(
                id=stored.id,
                contact_id=contact.id,
                article=article,
                score=round(score, 4),
                weak=is_weak,
                fresh=bool(fresh_all[column]),
                reasons=reasons,
                quote=quote,
            )
        )
    return out
