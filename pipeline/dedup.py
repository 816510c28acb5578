"""Near-duplicate detection: the same story republished under another URL or feed.

This module owns the definition of "one story": two texts whose sets of word
shingles have a Jaccard similarity of at least `NEAR_DUPLICATE`. It produces
MinHash LSH band hashes (stored in `article_bands`, so candidates are found with
one indexed lookup) and the exact similarity that confirms a candidate. It refuses
to touch the store or decide what to do with a duplicate: that is ingest's call.
"""

from __future__ import annotations

import hashlib
import re

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
# between 0.3 and 0.85 cost one comparison each and never merge two stories.
BANDS = 20
ROWS = 6
NUM_PERM = BANDS * ROWS
# Stored band hashes depend on these: changing one needs a migration that re-bands
# every article. The scheme is named because datasketch's default may change.
SEED = 1
SCHEME = "affine32"

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str) -> set[str]:
    """The set of overlapping `SHINGLE_WORDS`-word sequences of the text, case-folded."""
    tokens = words(text)
    if len(tokens) <= SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def similarity(a: str, b: str) -> float:
    """Exact Jaccard similarity of the two texts' shingle sets (0.0 if either is empty)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def text_bands(text: str) -> list[tuple[int, str]]:
    """LSH band hashes of the text: [(band number, hex digest)]; [] for a short text."""
    from datasketch import MinHash

    if len(words(text)) < MIN_WORDS:
        return []
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    values = np.asarray(minhash.hashvalues, dtype="<u8")
    return [
        (
            band,
            hashlib.blake2b(
                values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8
            ).hexdigest(),
        )
        for band in range(BANDS)
    ]


def is_near_duplicate(a: str, b: str) -> bool:
    return similarity(a, b) >= NEAR_DUPLICATE
