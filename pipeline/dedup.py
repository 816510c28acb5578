"""Near-duplicate detection: the same story republished under another URL or feed.

This module owns the definition of "one story": two texts whose sets of word
shingles have a Jaccard similarity of at least `NEAR_DUPLICATE`. It produces
MinHash LSH band keys (stored in `article_band_keys`, so candidates are found with
one indexed lookup) and the exact similarity that confirms a candidate. It refuses
to touch the store or decide what to do with a duplicate: that is ingest's call.

Shingles are hashed to 64 bits once (CRC-32 per word, combined per shingle and
mixed). The signature is one-permutation MinHash with optimal densification
(Shrivastava, ICML 2017): each shingle falls into one of the signature's rows by its
hash's high bits and a row keeps the least low bits that fall into it; a row no
shingle fell into copies the row its own fixed probe sequence reaches first. Two
texts agree on a row with probability equal to their Jaccard similarity, as with a
hash function per row, but it costs one sort of the shingles instead of 120 passes
over them (0.03 ms for a 1,200-word article instead of about 0.5-1 ms).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

# Two articles sharing at least 85 % of their text are one story.
NEAR_DUPLICATE = 0.85

SHINGLE_WORDS = 4  # a one-word edit changes at most 4 shingles
MIN_WORDS = 30  # below this, two texts matching says little: a teaser, not a story

# LSH banding: 20 bands of 6 rows (120 signature rows). A pair with Jaccard s becomes a
# candidate with probability 1 - (1 - s**6) ** 20:
#   s = 0.85 -> 0.99992 (a true duplicate is missed about once in 13,000 pairs)
#   s = 0.95 -> 1.0,  s = 0.5 -> 0.27,  s = 0.3 -> 0.015
# Candidates are then confirmed with the exact `similarity`, so the false candidates
# between 0.3 and 0.85 never merge two stories. Most never even cost that comparison:
# below `ESTIMATE_FLOOR`, the signatures' own estimate rules them out (its standard
# deviation at s = 0.85 over 120 rows is 0.033, so 0.6 sits more than 7 of them below).
BANDS = 20
ROWS = 6
SIGNATURE_ROWS = BANDS * ROWS
ESTIMATE_FLOOR = 0.6
# Stored band keys depend on everything below: changing any of it needs a
# migration that re-bands every stored article (see m009 in store/migrations.py).
SEED = 0x5EED_CA4E
SCHEME = "crc32-mix64-oph-densified"
# A band's key is one integer: the band's number in the bits above KEY_SHIFT, the
# high bits of the BLAKE2b digest of its rows below (58 bits: two different bands of
# rows share a key about once in 10**17 comparisons). One integer column keeps the
# stored index small; see m015 in store/migrations.py.
KEY_SHIFT = 58
assert BANDS <= 1 << (63 - KEY_SHIFT)  # every key fits a signed 64-bit SQLite integer

_WORD = re.compile(r"\w+")
_MIX = (0xBF58476D1CE4E5B9, 0x94D049BB133111EB)  # splitmix64's finaliser multipliers
_LOW32 = np.uint64(0xFFFFFFFF)
_EMPTY = np.iinfo(np.uint64).max  # a row no shingle fell into (values fit 32 bits)


def _splitmix64(seed: int, count: int) -> np.ndarray:
    """The first `count` outputs of splitmix64 from `seed` (uint64): fixed constants,
    where NumPy's generators may change between versions and stored hashes must not.
    Computed all at once (the n-th state is seed + n * the increment), as drawing the
    14,644 constants one by one in Python cost 7 ms of every import."""
    state = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15) * np.arange(
        1, count + 1, dtype=np.uint64
    )
    z = (state ^ (state >> np.uint64(30))) * np.uint64(_MIX[0])
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX[1])
    return z ^ (z >> np.uint64(31))


def _constants() -> tuple[np.ndarray, np.ndarray]:
    """The shingle multipliers, and each row's probe sequence: a fixed permutation of
    all rows (Fisher-Yates on the stream) in which an empty row looks for a donor."""
    stream = _splitmix64(SEED, SHINGLE_WORDS + SIGNATURE_ROWS * (SIGNATURE_ROWS - 1))
    powers = stream[:SHINGLE_WORDS] | np.uint64(1)
    draws = iter(stream[SHINGLE_WORDS:].tolist())
    probes = np.empty((SIGNATURE_ROWS, SIGNATURE_ROWS), dtype=np.int64)
    for row in range(SIGNATURE_ROWS):
        order = list(range(SIGNATURE_ROWS))
        for i in range(SIGNATURE_ROWS - 1, 0, -1):
            j = next(draws) % (i + 1)
            order[i], order[j] = order[j], order[i]
        probes[row] = order
    return powers, probes


_POWERS, _PROBES = _constants()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingle_hashes(tokens: list[str]) -> np.ndarray:
    """The distinct 64-bit hashes of the tokens' shingles, sorted (uint64).

    A shingle is `SHINGLE_WORDS` consecutive words (the whole text when shorter), so
    two texts' shingle sets overlap as much as their wording does.
    """
    hashes = np.sort(_shingles(tokens))
    distinct = np.ones(hashes.size, dtype=bool)
    distinct[1:] = hashes[1:] != hashes[:-1]
    return hashes[distinct]


def _shingles(tokens: list[str]) -> np.ndarray:
    """The 64-bit hash of every shingle of the tokens, in text order (repeats kept)."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    ids = {word: zlib.crc32(word.encode("utf-8")) for word in set(tokens)}
    codes = np.fromiter((ids[w] for w in tokens), dtype=np.uint64, count=len(tokens))
    width = min(SHINGLE_WORDS, len(codes))
    count = len(codes) - width + 1
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        combined = np.zeros(count, dtype=np.uint64)
        for offset in range(width):
            combined += codes[offset : offset + count] * _POWERS[offset]
        # splitmix64's finaliser: every input bit reaches the high bits the
        # permutations below keep.
        combined ^= combined >> np.uint64(30)
        combined *= np.uint64(_MIX[0])
        combined ^= combined >> np.uint64(27)
        combined *= np.uint64(_MIX[1])
        combined ^= combined >> np.uint64(31)
    return combined


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' shingle sets (0.0 if either is empty).

    Computed on 64-bit shingle hashes: exact but for a collision, about one in
    10**13 for two 1,000-word articles.
    """
    sa, sb = shingle_hashes(words(a)), shingle_hashes(words(b))
    if not len(sa) or not len(sb):
        return 0.0
    shared = len(np.intersect1d(sa, sb, assume_unique=True))
    return shared / (len(sa) + len(sb) - shared)


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash signature (SIGNATURE_ROWS little-endian uint32) and the keys of its
    LSH bands (one per band, see `band_key`)."""

    signature: bytes
    band_keys: tuple[int, ...]


def band_digest(signature: bytes, band: int) -> bytes:
    """The 8-byte BLAKE2b digest of one band's rows of a signature."""
    width = ROWS * 4  # bytes per band: ROWS little-endian uint32
    return hashlib.blake2b(signature[band * width : (band + 1) * width], digest_size=8).digest()


def band_key(band: int, digest: bytes) -> int:
    """The stored key of a band whose rows have this digest."""
    return (band << KEY_SHIFT) | (int.from_bytes(digest, "big") >> (64 - KEY_SHIFT))


def fingerprint(text: str) -> Fingerprint | None:
    """The text's MinHash fingerprint; None for a text too short to judge."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    # A repeated shingle cannot change a row's least value: no need to drop repeats.
    rows = _signature(_shingles(tokens)).astype("<u4").tobytes()
    keys = tuple(band_key(band, band_digest(rows, band)) for band in range(BANDS))
    return Fingerprint(rows, keys)


def _signature(hashes: np.ndarray) -> np.ndarray:
    """One-permutation MinHash of shingle hashes (repeats or not), densified (uint64
    rows holding 32-bit values)."""
    # The row is the high 32 bits scaled to SIGNATURE_ROWS (no modulo bias); sorting
    # (row, low 32 bits) keys puts each row's least value first.
    rows = ((hashes >> np.uint64(32)) * np.uint64(SIGNATURE_ROWS)) >> np.uint64(32)
    keys = np.sort((rows << np.uint64(32)) | (hashes & _LOW32))
    sorted_rows = (keys >> np.uint64(32)).astype(np.int64)
    first = np.ones(keys.size, dtype=bool)
    first[1:] = sorted_rows[1:] != sorted_rows[:-1]
    signature = np.full(SIGNATURE_ROWS, _EMPTY, dtype=np.uint64)
    signature[sorted_rows[first]] = keys[first] & _LOW32
    filled = signature != _EMPTY
    if not filled.all():
        # Optimal densification: an empty row takes the value of the first filled
        # row in its own probe sequence. The sequences are fixed, so two texts whose
        # rows are empty alike borrow alike, and agreement stays as likely as their
        # similarity.
        reached = filled[_PROBES].argmax(axis=1)
        donors = _PROBES[np.arange(SIGNATURE_ROWS), reached]
        signature = np.where(filled, signature, signature[donors])
    return signature


def estimated_similarity(a: bytes, b: bytes) -> float:
    """Jaccard similarity estimated from two signatures: the share of equal rows."""
    rows_a, rows_b = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    if len(rows_a) != len(rows_b) or not len(rows_a):
        return 1.0  # not comparable: let the exact similarity decide
    return float(np.count_nonzero(rows_a == rows_b)) / len(rows_a)


def is_near_duplicate(a: str, b: str) -> bool:
    return similarity(a, b) >= NEAR_DUPLICATE
