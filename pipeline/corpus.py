"""The corpus relevance scores against, and the contact profiles built on it.

This module owns the window's articles as vectors (the model refitted first when it is
stale, article vectors cached under `models/` so only new articles are vectorised) and
each contact's profile expanded against that corpus (also cached under `models/`, and
rebuilt only when the contact's words or feedback, the expansion or the model change).
It does not score, pick or explain (pipeline.relevance does).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from pipeline import profiles, textmodel
from pipeline.config import RelevanceSettings
from pipeline.profiles import Expansion, Feedback, Profiles
from pipeline.records import Article, Contact
from pipeline.store import Store
from pipeline.store.suggestions import CorpusEntry
from pipeline.textmodel import Document, TextModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Corpus:
    """The window's articles as vectors, row i being article ids[i]."""

    model: TextModel
    ids: np.ndarray
    stories: np.ndarray
    when: np.ndarray  # POSIX seconds: published, else fetched
    vectors: sp.csr_matrix
    latent: np.ndarray
    refit: str | None  # why the model was refitted on this load, if it was

    def fresh(self, now: datetime, max_age_days: int) -> np.ndarray:
        return np.asarray(self.when >= (now - timedelta(days=max_age_days)).timestamp())


def load_corpus(
    store: Store, settings: RelevanceSettings, models_dir: Path, now: datetime
) -> Corpus | None:
    """Vectors of the window's articles, refitting the model first if it is stale.

    None when the window holds no article. Article vectors are cached beside the
    model, so only articles new since the last call are vectorised.
    """
    entries = store.corpus_entries(now - timedelta(days=settings.window_days))
    if not entries:
        return None
    ids = np.array([e.id for e in entries], dtype=np.int64)
    revisions = np.array([e.revision for e in entries], dtype=np.int64)
    model = textmodel.load(models_dir)
    reason = (
        "no model yet"
        if model is None
        else textmodel.stale_reason(model.info, len(entries), settings.refit_growth)
    )
    if model is None or reason:
        log.info("fitting the relevance model on %d articles: %s", len(entries), reason)
        model, vectors = textmodel.fit(documents(store, ids), now=now)
        model = textmodel.save(model, models_dir)
        latent = model.latent(vectors)
        textmodel.save_vectors(models_dir, model, ids, revisions, vectors, latent)
        return _corpus(model, entries, ids, vectors, latent, reason)
    vectors, latent = _cached_vectors(store, model, models_dir, ids, revisions)
    return _corpus(model, entries, ids, vectors, latent, None)


def _cached_vectors(
    store: Store, model: TextModel, models_dir: Path, ids: np.ndarray, revisions: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray]:
    cached = textmodel.load_vectors(models_dir, model)
    if cached is None:
        cached = (
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            sp.csr_matrix((0, model.size), dtype=textmodel.DTYPE),
            np.zeros((0, model.components.shape[0]), dtype=textmodel.DTYPE),
        )
    cached_ids, cached_revisions, cached_vectors, cached_latent = cached
    # A vector made from an earlier text of the article (its feed's summary, before
    # a later fetch got the page) is made again.
    wanted = dict(zip(ids.tolist(), revisions.tolist(), strict=True))
    pairs = zip(cached_ids.tolist(), cached_revisions.tolist(), strict=True)
    current = np.array([wanted.get(a, r) == r for a, r in pairs], dtype=bool)
    if not current.all():
        cached_ids = cached_ids[current]
        cached_vectors, cached_latent = cached_vectors[current], cached_latent[current]
    missing = np.setdiff1d(ids, cached_ids)
    if missing.size:
        fresh = model.documents(documents(store, missing))
        cached_ids = np.concatenate([cached_ids, missing])
        cached_vectors = sp.vstack([cached_vectors, fresh], format="csr")
        cached_latent = np.vstack([cached_latent, model.latent(fresh)])
    where = {int(a): n for n, a in enumerate(cached_ids)}
    order = np.array([where[int(a)] for a in ids], dtype=np.int64)
    vectors, latent = cached_vectors[order], cached_latent[order]
    if missing.size or len(cached_ids) != len(ids):
        textmodel.save_vectors(models_dir, model, ids, revisions, vectors, latent)
    return vectors, latent


def _corpus(
    model: TextModel,
    entries: Sequence[CorpusEntry],
    ids: np.ndarray,
    vectors: sp.csr_matrix,
    latent: np.ndarray,
    refit: str | None,
) -> Corpus:
    vectors = sp.csr_matrix(vectors, dtype=textmodel.DTYPE)
    vectors.sort_indices()  # explanations look terms up by binary search
    return Corpus(
        model=model,
        ids=ids,
        stories=np.array([e.story_id for e in entries], dtype=np.int64),
        when=np.array([e.when.timestamp() for e in entries], dtype=np.float64),
        vectors=vectors,
        latent=latent,
        refit=refit,
    )


def documents(store: Store, ids: Sequence[int] | np.ndarray) -> list[Document]:
    by_id = {a.id: a for a in articles(store, [int(i) for i in ids])}
    return [_document(by_id[int(i)]) for i in ids]


def _document(article: Article) -> Document:
    body = article.text or article.summary or article.description or ""
    return Document(title=article.title, body=body)


def articles(store: Store, ids: Sequence[int]) -> list[Article]:
    out: list[Article] = []
    for start in range(0, len(ids), 900):
        out.extend(store.articles(ids=list(ids[start : start + 900]), with_text=True))
    return out


def profiles_for(
    store: Store,
    corpus: Corpus,
    contacts: Sequence[Contact],
    expansion: Expansion,
    *,
    cache: Path | None = None,
) -> Profiles:
    """The contacts' profiles, expanded against `corpus`.

    With a `cache` folder (models/), profiles are kept there between runs and only
    those whose inputs changed are built again: the contact's words or feedback, the
    expansion settings, or the model (refitted as the corpus grows, and only then do
    expansions see the new articles). A cache that cannot be read is rebuilt.
    """
    ids = [c.id for c in contacts]
    feedback = {
        cid: Feedback(sent=sent, dismissed=dismissed)
        for cid, (sent, dismissed) in store.feedback_articles(ids).items()
    }
    keys = [_profile_key(c, feedback.get(c.id), expansion) for c in contacts]
    cached = _load_profiles(cache, corpus.model) if cache is not None else None
    known = {} if cached is None else {k: n for n, k in enumerate(cached.keys)}
    missing = [n for n, key in enumerate(keys) if key not in known]
    built = _build_profiles(store, corpus, [contacts[n] for n in missing], feedback, expansion)
    if cached is None or len(missing) == len(contacts):
        out = built
    else:
        # Rows of the cache first, then the new ones; `order` puts each contact's in place.
        where = {n: len(cached.keys) + m for m, n in enumerate(missing)}
        order = np.array([where[n] if n in where else known[k] for n, k in enumerate(keys)])
        width = max(cached.latent.shape[1], built.latent.shape[1])

        def stacked(name: str) -> sp.csr_matrix:
            both = [getattr(cached, name), getattr(built, name)]
            return sp.csr_matrix(sp.vstack(both, format="csr")[order])

        out = Profiles(
            contact_ids=tuple(ids),
            direct=stacked("direct"),
            query=stacked("query"),
            latent=np.vstack([_widen(cached.latent, width), _widen(built.latent, width)])[order],
            latent_weight=expansion.latent_weight if width else 0.0,
            mix=np.vstack([cached.mix, built.mix])[order],
            clauses=stacked("clauses"),
            clause_concepts=stacked("clause_concepts"),
        )
    if cache is not None and missing:
        _save_profiles(cache, corpus.model, keys, out)
    return out


def _widen(latent: np.ndarray, width: int) -> np.ndarray:
    """Latent rows padded to `width` columns (an empty block has none)."""
    if latent.shape[1] == width:
        return latent
    return np.zeros((latent.shape[0], width), dtype=textmodel.DTYPE)


def _profile_key(contact: Contact, feedback: Feedback | None, expansion: Expansion) -> str:
    """What a contact's profile is built from: their words, feedback and the settings."""
    acted = feedback or Feedback()
    text = "\n".join(
        [
            str(profiles.PROFILE_VERSION),
            str(contact.id),
            profiles.profile_text(contact),
            ",".join(map(str, acted.sent)),
            ",".join(map(str, acted.dismissed)),
            repr(expansion),
        ]
    )
    return sha256(text.encode()).hexdigest()[:24]


def _build_profiles(
    store: Store,
    corpus: Corpus,
    contacts: Sequence[Contact],
    all_feedback: dict[int, Feedback],
    expansion: Expansion,
) -> Profiles:
    model = corpus.model
    ids = [c.id for c in contacts]
    direct = profiles.text_profiles(model, contacts)
    feedback = {cid: all_feedback[cid] for cid in ids if cid in all_feedback}
    if feedback:
        rows = {int(a): n for n, a in enumerate(corpus.ids)}

        def vectors_of(article_ids: Sequence[int]) -> sp.csr_matrix:
            # Feedback articles may have left the window: vectorise those from the store.
            outside = [a for a in article_ids if a not in rows]
            extra = model.documents(documents(store, outside)) if outside else None
            parts = []
            for a in article_ids:
                if a in rows:
                    parts.append(corpus.vectors[rows[a]])
                else:
                    assert extra is not None
                    parts.append(extra[outside.index(a)])
            return sp.vstack(parts, format="csr")

        shared = np.bincount(corpus.vectors.indices, minlength=model.size) >= 2
        direct = profiles.apply_feedback(direct, ids, feedback, vectors_of, shared)
    return profiles.build(
        model,
        direct,
        ids,
        corpus.vectors,
        corpus.latent,
        expansion,
        stories=corpus.stories,
        dismissed=_acted_columns(corpus, ids, {c: f.dismissed for c, f in feedback.items()}),
        sent=_acted_columns(corpus, ids, {c: f.sent for c, f in feedback.items()}),
        concepts=profiles.concept_profiles(model, contacts),
        clauses=profiles.clause_profiles(model, contacts),
    )


def _acted_columns(
    corpus: Corpus, contact_ids: Sequence[int], acted: dict[int, tuple[int, ...]]
) -> sp.csr_matrix:
    """(contacts × corpus articles) True where the article, or a copy of its story, was
    acted on (`acted`: contact id -> article ids) for the contact."""
    column = {int(a): n for n, a in enumerate(corpus.ids)}
    copies: dict[int, list[int]] = {}
    for n, story in enumerate(corpus.stories.tolist()):
        copies.setdefault(story, []).append(n)
    rows: list[int] = []
    columns: list[int] = []
    for row, cid in enumerate(contact_ids):
        for article in acted.get(cid, ()):
            if article in column:
                same = copies[int(corpus.stories[column[article]])]
                rows.extend([row] * len(same))
                columns.extend(same)
    return sp.csr_matrix(
        (np.ones(len(rows), dtype=bool), (rows, columns)),
        shape=(len(contact_ids), corpus.ids.size),
    )


# --- the profile cache under models/ --------------------------------------------------

PROFILES_FILE = "profiles.npz"
_SPARSE = ("direct", "query", "clauses", "clause_concepts")  # the sparse parts saved


@dataclass(frozen=True)
class _CachedProfiles:
    keys: list[str]
    direct: sp.csr_matrix
    query: sp.csr_matrix
    latent: np.ndarray
    mix: np.ndarray
    clauses: sp.csr_matrix
    clause_concepts: sp.csr_matrix


def _save_profiles(folder: Path, model: TextModel, keys: Sequence[str], built: Profiles) -> None:
    buffer = io.BytesIO()
    arrays: dict[str, np.ndarray] = {
        "model": np.array(model.info.checksum),
        "keys": np.array(list(keys), dtype="U24"),
        "latent": built.latent,
        "mix": built.mix,
    }
    for name in _SPARSE:
        matrix = sp.csr_matrix(getattr(built, name))
        arrays[f"{name}_data"] = matrix.data
        arrays[f"{name}_indices"] = matrix.indices
        arrays[f"{name}_indptr"] = matrix.indptr
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    textmodel.atomic_write(folder / PROFILES_FILE, buffer.getvalue())


def _load_profiles(folder: Path, model: TextModel) -> _CachedProfiles | None:
    path = folder / PROFILES_FILE
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            if str(arrays["model"]) != model.info.checksum:
                return None  # made with another model: every profile is rebuilt
            keys = [str(k) for k in arrays["keys"]]
            shape = (len(keys), model.size)
            direct, query, clauses, clause_concepts = (
                sp.csr_matrix(
                    (arrays[f"{n}_data"], arrays[f"{n}_indices"], arrays[f"{n}_indptr"]),
                    shape=shape,
                )
                for n in _SPARSE
            )
            latent, mix = arrays["latent"], arrays["mix"]
    except (KeyError, TypeError, ValueError, OSError) as exc:
        log.warning("ignoring unreadable profile cache %s: %s", path, exc)
        return None
    if latent.shape[0] != len(keys) or mix.shape != (len(keys), 2):
        return None
    return _CachedProfiles(keys, direct, query, latent, mix, clauses, clause_concepts)
