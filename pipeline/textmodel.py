"""The TF-IDF space shared by articles and contact profiles: fit, save, load, vectorise.

This module owns the one vocabulary and idf table that relevance scores in, fitted on
the stored article corpus (title weighted above body), and its files under `models/`.
Files are plain NumPy arrays and JSON, read with `allow_pickle=False`, so loading a
model never executes code; a checksum written beside them refuses a file that was
changed after it was saved. It does not read the store or decide what to suggest.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfTransformer,
)

from pipeline.errors import ModelError

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the saved layout, the analyzer or the weighting changes: refitted
MODEL_FILE = "tfidf.npz"
META_FILE = "tfidf.json"
VECTORS_FILE = "article_vectors.npz"
TITLE_WEIGHT = 2  # a title word counts as two body words: headlines say what it is about
DTYPE = np.float32
# Latent space used to expand profiles (see pipeline.profiles); only the most frequent
# terms take part, which keeps the saved components small and the SVD fast.
LATENT_DIMENSIONS = 150
LATENT_TERMS = 40_000
LATENT_MIN_DOCUMENTS = 50  # below this, co-occurrence statistics are noise
# scikit-learn's English stop list also drops nouns that news is about: "interest"
# rates, a gold "mine", a steel "mill", a farm "bill", an oil "well", a "fire", a
# "system", a trade "show". Those stay terms; the list's function words still go.
# (Keeping them measured +0.05 P@10 on held-out Reuters contacts, e.g. "interest
# rate decisions", "steel mills", "Chilean mines".)
CONTENT_WORDS = frozenset(["bill", "fire", "interest", "mill", "mine", "show", "system", "well"])
STOP_WORDS = sorted(ENGLISH_STOP_WORDS - CONTENT_WORDS)


@dataclass(frozen=True)
class ModelInfo:
    fitted_at: datetime
    documents: int
    sklearn_version: str
    terms: int
    min_df: int
    max_df: float
    latent_dimensions: int
    checksum: str
    format: int = FORMAT


@dataclass(frozen=True)
class Document:
    """What the model reads of an article."""

    title: str
    body: str


def corpus_parameters(documents: int) -> tuple[int, float]:
    """(min_df, max_df) for a corpus of this size.

    A handful of documents keeps every term (a one-article corpus must still fit); a
    real corpus drops terms seen once (typos, one-off names) and terms in most
    documents (they tell nothing apart), leaving room for a topic that dominates a
    niche corpus (a battery newsletter is mostly about batteries).
    """
    if documents < 20:
        return 1, 1.0
    return 2, 0.85


def _analyzer_options(stop_words: str | None) -> dict[str, object]:
    """CountVectorizer options; `stop_words` is "english" (STOP_WORDS) or None."""
    return {
        "lowercase": True,
        "strip_accents": "unicode",
        "stop_words": STOP_WORDS if stop_words == "english" else None,
        "ngram_range": (1, 2),
        "dtype": DTYPE,
    }


class TextModel:
    """A fitted vocabulary + idf (+ latent components) that turns text into vectors."""

    def __init__(
        self,
        terms: list[str],
        idf: np.ndarray,
        info: ModelInfo,
        *,
        stop_words: str | None = "english",
        latent_terms: np.ndarray | None = None,
        components: np.ndarray | None = None,
    ):
        self.terms = terms
        self.idf = idf.astype(DTYPE, copy=False)
        self.info = info
        self.stop_words = stop_words
        self.latent_terms = latent_terms if latent_terms is not None else np.zeros(0, np.int32)
        self.components = components if components is not None else np.zeros((0, 0), dtype=DTYPE)
        self.vocabulary = {t: i for i, t in enumerate(terms)}
        self._counter = CountVectorizer(vocabulary=self.vocabulary, **_analyzer_options(stop_words))
        self._analyzer = self._counter.build_analyzer()

    @property
    def size(self) -> int:
        return len(self.terms)

    def term(self, index: int) -> str:
        return self.terms[index]

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.csr_matrix(self._counter.transform(texts), dtype=DTYPE)

    def weigh(self, counts: sp.csr_matrix, *, normalize: bool = True) -> sp.csr_matrix:
        """Sublinear tf times idf, rows scaled to unit length (unless asked not to)."""
        out = sp.csr_matrix(counts, dtype=DTYPE, copy=True)
        np.log(out.data, out=out.data)
        out.data += 1.0
        out.data *= self.idf[out.indices]
        return unit_rows(out) if normalize else out

    def documents(self, docs: Sequence[Document]) -> sp.csr_matrix:
        """Unit-length article vectors, the title counted TITLE_WEIGHT times."""
        body = self.counts([f"{d.title}\n{d.body}" for d in docs])
        titles = self.counts([d.title for d in docs])
        return self.weigh(body + (TITLE_WEIGHT - 1) * titles)

    def texts(self, texts: Sequence[str], *, normalize: bool = True) -> sp.csr_matrix:
        return self.weigh(self.counts(texts), normalize=normalize)

    def analyze(self, text: str) -> list[str]:
        """The terms (unigrams and bigrams, stop words removed) the model sees in `text`."""
        return list(self._analyzer(text))

    def latent(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Project TF-IDF rows into the latent space, rows scaled to unit length."""
        if not self.components.size:
            return np.zeros((vectors.shape[0], 0), dtype=DTYPE)
        projected = np.asarray(vectors[:, self.latent_terms] @ self.components.T, dtype=DTYPE)
        norms = np.linalg.norm(projected, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return projected / norms


def unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length (zero rows stay zero), as float32 CSR."""
    matrix = sp.csr_matrix(matrix, dtype=DTYPE)
    matrix.eliminate_zeros()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()).astype(DTYPE)
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=DTYPE)


def row_entries(
    matrix: sp.csr_matrix, rows: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The stored entries of `matrix`'s `rows` (in that order, repeats allowed): each
    entry's place among `rows` and its position in matrix.indices / matrix.data.
    Gathering them is cheaper than building the submatrix when only they are used."""
    chosen = np.asarray(rows, dtype=np.int64)
    starts = matrix.indptr[chosen]
    lengths = matrix.indptr[chosen + 1] - starts
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if chosen.size else 0
    at = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
    return np.repeat(np.arange(chosen.size), lengths), at


def fit(
    docs: Sequence[Document], *, now: datetime | None = None
) -> tuple[TextModel, sp.csr_matrix]:
    """Fit the TF-IDF space on `docs`; return the model and the documents' vectors."""
    if not docs:
        raise ModelError(
            "There are no articles to fit the relevance model on; run `cheesecake fetch` first."
        )
    min_df, max_df = corpus_parameters(len(docs))
    joined = [f"{d.title}\n{d.body}" for d in docs]
    stop_words: str | None = "english"
    counter: CountVectorizer | None = None
    counts: sp.csr_matrix | None = None
    # A tiny corpus may hold nothing but stop words ("Who is in?"): keep them rather
    # than refuse, since the product promises a model for any corpus of one document.
    for stop_words in ("english", None):
        counter = CountVectorizer(min_df=min_df, max_df=max_df, **_analyzer_options(stop_words))
        try:
            counts = counter.fit_transform(joined)
            break
        except ValueError:
            counts = None
    if counter is None or counts is None:
        raise ModelError(
            "The stored articles contain no words to fit the relevance model on; "
            "fetch some articles with text first."
        )
    idf = TfidfTransformer(sublinear_tf=True).fit(counts).idf_.astype(DTYPE)
    terms = [str(t) for t in counter.get_feature_names_out()]
    latent_terms, components = _fit_latent(counts, idf, len(docs))
    info = ModelInfo(
        fitted_at=(now or datetime.now(UTC)),
        documents=len(docs),
        sklearn_version=sklearn.__version__,
        terms=len(terms),
        min_df=min_df,
        max_df=max_df,
        latent_dimensions=int(components.shape[0]),
        checksum="",
    )
    model = TextModel(
        terms,
        idf,
        info,
        stop_words=stop_words,
        latent_terms=latent_terms,
        components=components,
    )
    titles = model.counts([d.title for d in docs])
    vectors = model.weigh(sp.csr_matrix(counts, dtype=DTYPE) + (TITLE_WEIGHT - 1) * titles)
    return model, vectors


def _fit_latent(
    counts: sp.csr_matrix, idf: np.ndarray, documents: int
) -> tuple[np.ndarray, np.ndarray]:
    """Truncated SVD (LSA) over the most frequent terms' TF-IDF weights.

    Terms that never co-occur enough to be placed in the latent space are left out:
    their lexical match still counts, only their expansion does not.
    """
    dimensions = min(LATENT_DIMENSIONS, documents // 4)
    if documents < LATENT_MIN_DOCUMENTS or dimensions < 2:
        return np.zeros(0, np.int32), np.zeros((0, 0), dtype=DTYPE)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    keep = np.sort(np.argsort(-df, kind="stable")[:LATENT_TERMS]).astype(np.int32)
    weighted = sp.csr_matrix(counts[:, keep], dtype=DTYPE)
    np.log(weighted.data, out=weighted.data)
    weighted.data += 1.0
    weighted.data *= idf[keep][weighted.indices]
    weighted = unit_rows(weighted)
    dimensions = min(dimensions, len(keep) - 1)
    # ARPACK, not the randomized solver: with few power iterations the randomized
    # subspace depended on the order the articles were stored in (its test matrix is
    # drawn over documents), so the same articles fetched in another order gave other
    # suggestions (Reuters P@10 0.924-0.935 between two fetches of the same pages).
    # The exact truncated SVD is the same whatever the order, at +25 % fit time
    # (10,000 articles: 11.9 -> 14.7 s).
    svd = TruncatedSVD(n_components=dimensions, algorithm="arpack", random_state=0)
    svd.fit(weighted)
    return keep, svd.components_.astype(DTYPE)


# --- files under models/ -------------------------------------------------------------


def save(model: TextModel, models_dir: Path) -> TextModel:
    """Write the model atomically; return it with its checksum filled in."""
    models_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        # Terms hold no newline (tokens are runs of word characters): one UTF-8 blob
        # is far smaller than a fixed-width string array.
        terms=np.frombuffer("\n".join(model.terms).encode("utf-8"), dtype=np.uint8),
        idf=model.idf,
        latent_terms=model.latent_terms,
        components=model.components,
        stop_words=np.array(model.stop_words or ""),
    )
    payload = buffer.getvalue()
    checksum = hashlib.sha256(payload).hexdigest()
    info = ModelInfo(**{**model.info.__dict__, "checksum": checksum})
    meta = {**info.__dict__, "fitted_at": info.fitted_at.isoformat()}
    atomic_write(models_dir / MODEL_FILE, payload)
    atomic_write(models_dir / META_FILE, json.dumps(meta, indent=2).encode())
    return TextModel(
        model.terms,
        model.idf,
        info,
        stop_words=model.stop_words,
        latent_terms=model.latent_terms,
        components=model.components,
    )


def load(models_dir: Path) -> TextModel | None:
    """The saved model, or None when there is none; ModelError if it cannot be trusted."""
    model_path, meta_path = models_dir / MODEL_FILE, models_dir / META_FILE
    if not model_path.exists() and not meta_path.exists():
        return None
    refit = f"delete {model_path} and {meta_path} and run `cheesecake match` to refit it"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        payload = model_path.read_bytes()
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"The relevance model in {models_dir} is unreadable ({exc}); {refit}."
        ) from None
    if hashlib.sha256(payload).hexdigest() != meta.get("checksum"):
        raise ModelError(
            f"{model_path} does not match the checksum saved in {meta_path} (the file was "
            f"changed after cheesecake wrote it); {refit}."
        )
    try:
        info = ModelInfo(**{**meta, "fitted_at": datetime.fromisoformat(meta["fitted_at"])})
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            blob = arrays["terms"].tobytes().decode("utf-8")
            terms = blob.split("\n") if blob else []
            idf = arrays["idf"]
            latent_terms, components = arrays["latent_terms"], arrays["components"]
            stop_words = str(arrays["stop_words"]) or None
    except (KeyError, TypeError, ValueError, OSError, UnicodeDecodeError) as exc:
        raise ModelError(
            f"The relevance model in {models_dir} is malformed ({exc}); {refit}."
        ) from None
    if len(terms) != len(idf) or len(terms) != info.terms:
        raise ModelError(f"The relevance model in {models_dir} is inconsistent; {refit}.")
    return TextModel(
        terms,
        idf,
        info,
        stop_words=stop_words,
        latent_terms=latent_terms,
        components=components,
    )


def stale_reason(info: ModelInfo, documents: int, growth: float) -> str | None:
    """Why a saved model should be refitted for a corpus of `documents`, or None."""
    if info.format != FORMAT:
        return "saved by another version of cheesecake"
    if info.sklearn_version != sklearn.__version__:
        return f"fitted with scikit-learn {info.sklearn_version}, now {sklearn.__version__}"
    if documents >= info.documents * (1 + growth) and documents > info.documents:
        return f"the corpus grew from {info.documents} to {documents} articles"
    if documents * (1 + growth) <= info.documents:
        return f"the corpus shrank from {info.documents} to {documents} articles"
    return None


def save_vectors(
    models_dir: Path,
    model: TextModel,
    ids: np.ndarray,
    revisions: np.ndarray,
    vectors: sp.csr_matrix,
    latent: np.ndarray,
) -> None:
    """Cache article vectors (they cost far more to compute than to read back), each
    with the revision of the article's text it was made from."""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        model=np.array(model.info.checksum),
        ids=ids.astype(np.int64),
        revisions=revisions.astype(np.int64),
        data=vectors.data,
        indices=vectors.indices,
        indptr=vectors.indptr,
        shape=np.array(vectors.shape, dtype=np.int64),
        latent=latent,
    )
    atomic_write(models_dir / VECTORS_FILE, buffer.getvalue())


def load_vectors(
    models_dir: Path, model: TextModel
) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray] | None:
    """Cached article vectors made with this very model (ids, text revisions, vectors,
    latent rows), else None (they are recomputed)."""
    path = models_dir / VECTORS_FILE
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            if str(arrays["model"]) != model.info.checksum:
                return None
            shape = tuple(int(x) for x in arrays["shape"])
            matrix = sp.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape
            )
            ids = arrays["ids"]
            # A cache written before articles had revisions holds first texts only.
            files = set(arrays.files)
            revisions = arrays["revisions"] if "revisions" in files else np.zeros_like(ids)
            latent = arrays["latent"]
    except (KeyError, TypeError, ValueError, OSError) as exc:
        log.warning("ignoring unreadable article vector cache %s: %s", path, exc)
        return None
    if (
        matrix.shape != (len(ids), model.size)
        or latent.shape != (len(ids), model.components.shape[0])
        or revisions.shape != ids.shape
        or (matrix.indices.size and int(matrix.indices.max()) >= model.size)
    ):
        return None
    return ids, revisions, matrix, latent


def atomic_write(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
