"""Near-duplicate detection: the same story republished under another URL or feed.

This module owns the definition of "one story": two texts whose sets of word
shingles have a Jaccard similarity of at least `NEAR_DUPLICATE`. It produces
MinHash LSH band keys (stored in `article_band_keys`, so candidates are found with
one indexed lookup) and the exact similarity that confirms a candidate. It refuses
to touch the store or decide what to do with a duplicate: that is ingest's call.

Shingles are hashed to 64 bits once (CRC-32 per word, combined per shingle and
mixed), and the MinHash permutations are a multiply-shift family evaluated with
NumPy over all shingles at once: about 0.3 ms for a 1,200-word article, where a
cryptographic hash per shingle in Python took five times as long.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# Two articles sharing at least 85 % of their text are one story.
NEAR_DUPLICATE = 0.85

SHINGLE_WORDS = 4  # a one-word edit changes at most 4 shingles
MIN_WORDS = 30  # below this, two texts matching says little: a teaser, not a story

# LSH banding: 20 bands of 6 rows (120 permutations). A pair with Jaccard s becomes a
# candidate with probability 1 - (1 - s**6) ** 20:
#   s = 0.85 -> 0.99992 (a true duplicate is missed about once in 13,000 pairs)
#   s = 0.95 -> 1.0,  s = 0.5 -> 0.27,  s = 0.3 -> 0.015
# Candidates are then confirmed with the exact `similarity`, so the false candidates
# between 0.3 and 0.85 never merge two stories. Most never even cost that comparison:
# below `ESTIMATE_FLOOR`, the signatures' own estimate rules them out (its standard
# deviation at s = 0.85 over 120 rows is 0.033, so 0.6 sits more than 7 of them below).
BANDS = 20
ROWS = 6
NUM_PERM = BANDS * ROWS
ESTIMATE_FLOOR = 0.6
# Stored band keys depend on everything below: changing any of it needs a
# migration that re-bands every stored article (see m009 in store/migrations.py).
SEED = 0x5EED_CA4E
SCHEME = "crc32-mix64-multiply-shift"
# A band's key is one integer: the band's number in the bits above KEY_SHIFT, the
# high bits of the BLAKE2b digest of its rows below (58 bits: two different bands of
# rows share a key about once in 10**17 comparisons). One integer column keeps the
# stored index small; see m015 in store/migrations.py.
KEY_SHIFT = 58
assert BANDS <= 1 << (63 - KEY_SHIFT)  # every key fits a signed 64-bit SQLite integer

_WORD = re.compile(r"\w+")
_M64 = (1 << 64) - 1
_MIX = (0xBF58476D1CE4E5B9, 0x94D049BB133111EB)  # splitmix64's finaliser multipliers
# Shingles per NumPy block. The block's temporary (120 x 512 x 8 bytes = 480 KB) stays
# in the core's cache: 2,048 (1.9 MB) made a 1,200-word article's signature a quarter
# slower. The result does not depend on it (a minimum over blocks).
_CHUNK = 512


def _splitmix64(seed: int) -> Iterator[int]:
    """A fixed stream of 64-bit constants (NumPy's generators may change between
    versions; stored hashes must not)."""
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & _M64
        z = state
        z = ((z ^ (z >> 30)) * _MIX[0]) & _M64
        z = ((z ^ (z >> 27)) * _MIX[1]) & _M64
        yield z ^ (z >> 31)


def _constants() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stream = _splitmix64(SEED)
    powers = np.array([next(stream) | 1 for _ in range(SHINGLE_WORDS)], dtype=np.uint64)
    multipliers = np.array([next(stream) | 1 for _ in range(NUM_PERM)], dtype=np.uint64)
    increments = np.array([next(stream) for _ in range(NUM_PERM)], dtype=np.uint64)
    return powers, multipliers[:, None], increments[:, None]


_POWERS, _MULTIPLY, _ADD = _constants()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingle_hashes(tokens: list[str]) -> np.ndarray:
    """The distinct 64-bit hashes of the tokens' shingles, sorted (uint64).

    A shingle is `SHINGLE_WORDS` consecutive words (the whole text when shorter), so
    two texts' shingle sets overlap as much as their wording does.
    """
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
    return np.unique(combined)


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
    """A text's MinHash signature (NUM_PERM little-endian uint32) and the keys of its
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
    hashes = shingle_hashes(tokens)
    signature = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), _CHUNK):
            # Multiply-shift: the high 32 bits of a*x + b (mod 2**64), one row per
            # permutation; in place, as fresh megabyte temporaries cost page faults.
            values = hashes[None, start : start + _CHUNK] * _MULTIPLY
            values += _ADD
            values >>= np.uint64(32)
            np.minimum(signature, values.min(axis=1), out=signature)
    rows = signature.astype("<u4").tobytes()
    keys = tuple(band_key(band, band_digest(rows, band)) for band in range(BANDS))
    return Fingerprint(rows, keys)


def estimated_similarity(a: bytes, b: bytes) -> float:
    """Jaccard similarity estimated from two signatures: the share of equal rows."""
    rows_a, rows_b = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    if len(rows_a) != len(rows_b) or not len(rows_a):
        return 1.0  # not comparable: let the exact similarity decide
    return float(np.count_nonzero(rows_a == rows_b)) / len(rows_a)


def is_near_duplicate(a: str, b: str) -> bool:
    return similarity(a, b) >= NEAR_DUPLICATE
