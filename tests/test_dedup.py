"""Near-duplicate detection: shingles, exact Jaccard, and MinHash LSH bands."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup import (
    BANDS,
    ESTIMATE_FLOOR,
    KEY_SHIFT,
    MIN_WORDS,
    NEAR_DUPLICATE,
    ROWS,
    SHINGLE_WORDS,
    estimated_similarity,
    fingerprint,
    is_near_duplicate,
    similarity,
    words,
)
from pipeline.records import NewArticle
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace


def shingles(text: str) -> set[str]:
    """The definition dedup's hashed shingles stand for: overlapping 4-word sequences."""
    tokens = words(text)
    if len(tokens) <= SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def text_bands(text: str) -> list[int]:
    found = fingerprint(text)
    return list(found.band_keys) if found else []


ORIGINAL = """
Brightmoor Coffee Traders said on Wednesday that arabica futures had closed at $4.30 a
pound, the highest level since 2011, after frost damaged trees across southern Minas
Gerais and certified stocks held in exchange warehouses fell to a 25-year low. The
company, which supplies green coffee to roughly three hundred independent roasters in
Britain and Ireland, told customers to expect retail prices to rise by between eight and
twelve per cent before the summer. "Roasters have absorbed as much as they can," said
head of trading Zoë Lindqvist. "Most of our customers hedged only to the end of the first
quarter, and the forward curve gives them very little relief after that." Lindqvist said
demand for cheaper robusta blends had doubled since January, although Vietnam's harvest
came in six per cent short of early estimates because of a dry December in the Central
Highlands. Brightmoor expects freight costs on the route from Santos to Felixstowe to stay
high until new vessels are delivered next year, and it has begun offering roasters
six-month fixed-price contracts for the first time in its history.
"""

# The same story as a partner site runs it: a new first sentence, a figure updated, a
# syndication line added.
REPUBLISHED = (
    ORIGINAL.replace(
        "Brightmoor Coffee Traders said on Wednesday",
        "Coffee importer Brightmoor Coffee Traders said on Wednesday",
    ).replace("roughly three hundred", "about three hundred")
    + "\nThis article first appeared in Brightmoor Market Notes."
)

ARABICA_HIGH = NewArticle(
    url="https://blog.brightmoor.example/news/arabica-high",
    canonical_url="https://blog.brightmoor.example/news/arabica-high",
    title="Arabica futures hit a 14-year high",
    text=ORIGINAL,
    extracted=True,
)

UNRELATED = """
Kestrel Analytics has raised $38 million in a Series B round led by Fairwater Ventures,
the Gdańsk-based company said on Tuesday. The money will fund a demand-forecasting product
for mid-sized retailers, which chief executive Lucía Ferreira said were poorly served by
tools built for supermarket chains with thousands of stores. Kestrel employs ninety people
and plans to hire forty more this year, mostly data engineers, and to open a sales office
in Amsterdam. Existing investors North Quay Capital and the founders also took part.
"""


def test_similarity_is_exact_jaccard_of_word_shingles() -> None:
    assert similarity(ORIGINAL, ORIGINAL) == 1.0
    assert similarity(ORIGINAL, ORIGINAL.upper()) == 1.0  # case-folded
    assert similarity(ORIGINAL, UNRELATED) == 0.0
    a, b = shingles(ORIGINAL), shingles(REPUBLISHED)
    assert similarity(ORIGINAL, REPUBLISHED) == len(a & b) / len(a | b)
    assert similarity("", ORIGINAL) == 0.0


def test_republished_story_is_a_near_duplicate() -> None:
    assert similarity(ORIGINAL, REPUBLISHED) >= NEAR_DUPLICATE
    assert is_near_duplicate(ORIGINAL, REPUBLISHED)
    assert not is_near_duplicate(ORIGINAL, UNRELATED)
    shared = set(text_bands(ORIGINAL)) & set(text_bands(REPUBLISHED))
    assert shared, "a near-duplicate must share at least one LSH band"
    assert not set(text_bands(ORIGINAL)) & set(text_bands(UNRELATED))


def test_bands_are_deterministic_and_well_formed() -> None:
    bands = text_bands(ORIGINAL)
    assert bands == text_bands(ORIGINAL)
    assert [key >> KEY_SHIFT for key in bands] == list(range(BANDS))
    assert all(0 <= key < 2**63 for key in bands)  # SQLite's signed 64-bit integers


def test_signatures_stay_those_already_stored() -> None:
    # Stored signatures and band keys are compared with new ones for as long as the
    # articles are kept: a change of a single bit needs a migration (see m016), so
    # the scheme's output for one text is pinned here.
    found = fingerprint(ORIGINAL)
    assert found is not None
    assert hashlib.sha256(found.signature).hexdigest()[:16] == "6c53ed7dc04f288c"
    assert found.band_keys[:3] == (73200862898843992, 559631299677713280, 766357100158955517)


def test_short_texts_get_no_bands() -> None:
    teaser = " ".join(["word"] * (MIN_WORDS - 1))
    assert text_bands(teaser) == []
    assert text_bands("") == []


def _pair_with_similarity(rng: random.Random, target: float) -> tuple[str, str, float]:
    """Two random 300-word texts whose Jaccard is just at or above `target`."""
    vocabulary = [f"w{n}" for n in range(5000)]
    first = rng.choices(vocabulary, k=300)
    second, value = list(first), 1.0
    step = max(1, round((1 - target) * 10))  # bigger edits when aiming lower
    while True:
        edited = list(second)
        for _ in range(step):
            edited[rng.randrange(len(edited))] = rng.choice(vocabulary)
        edited_value = similarity(" ".join(first), " ".join(edited))
        if edited_value < target:
            return " ".join(first), " ".join(second), value
        second, value = edited, edited_value


def test_pairs_at_the_threshold_are_found_with_high_probability() -> None:
    rng = random.Random(20250311)
    found = 0
    pairs = 300
    for _ in range(pairs):
        a, b, value = _pair_with_similarity(rng, NEAR_DUPLICATE)
        assert NEAR_DUPLICATE <= value < 0.9
        if set(text_bands(a)) & set(text_bands(b)):
            found += 1
    # 1 - (1 - 0.85**6) ** 20 = 0.9999: allow a little sampling noise.
    assert found >= pairs - 2


def test_dissimilar_pairs_rarely_become_candidates() -> None:
    rng = random.Random(7)
    candidates = 0
    for _ in range(200):
        a, b, _value = _pair_with_similarity(rng, 0.25)
        if set(text_bands(a)) & set(text_bands(b)):
            candidates += 1
    assert candidates <= 10  # about 1 % expected at Jaccard 0.25


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_similarity_is_a_symmetric_fraction(a: str, b: str) -> None:
    value = similarity(a, b)
    assert 0.0 <= value <= 1.0
    assert value == similarity(b, a)


def test_bands_find_candidates_through_the_store(workspace: Workspace) -> None:
    with open_store(workspace.db_path(workspace.config())) as store:
        article_id, _ = store.add_article(ARABICA_HIGH, band_keys=text_bands(ORIGINAL))
        candidates = store.articles_sharing_bands(text_bands(REPUBLISHED))
        assert article_id in candidates
        assert store.articles_sharing_bands(text_bands(UNRELATED)) == {}


@pytest.mark.parametrize("text", [ORIGINAL, REPUBLISHED, UNRELATED])
def test_bands_survive_whitespace_and_punctuation_changes(text: str) -> None:
    squashed = " ".join(text.replace(",", " ").replace(".", " ; ").split())
    assert text_bands(squashed) == text_bands(text)


def test_fixture_pages_are_not_near_duplicates_of_each_other() -> None:
    pages = sorted((Path(__file__).parent / "data" / "pages").glob("*.html"))
    texts = [p.read_text(encoding="latin-1") for p in pages]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not is_near_duplicate(a, b)


def _legacy_bands(store: Store, rows: list[tuple[int, int, str]]) -> None:
    """Turn the store back into one written before m015: bands as (band, hex digest)
    rows, m015 not applied."""
    with store.conn:
        store.conn.execute("DROP TABLE article_band_keys")
        store.conn.execute(
            "CREATE TABLE article_bands (article_id INTEGER NOT NULL, band INTEGER NOT NULL,"
            " hash TEXT NOT NULL, PRIMARY KEY (band, hash, article_id))"
        )
        store.conn.executemany("INSERT INTO article_bands VALUES (?, ?, ?)", rows)
        store.conn.execute("DELETE FROM _migrations WHERE name = 'm015_band_keys'")


def _old_scheme_digests(text: str) -> list[str]:
    """The band hashes stores held before m015: BLAKE2b-64 hex of each band's rows."""
    found = fingerprint(text)
    assert found is not None
    width = ROWS * 4
    return [
        hashlib.blake2b(found.signature[b * width : (b + 1) * width], digest_size=8).hexdigest()
        for b in range(BANDS)
    ]


def test_an_old_workspace_is_rebanded_when_it_opens(workspace: Workspace) -> None:
    # A database written before m009 holds band hashes of the old scheme, which no
    # new article would ever share, and no signatures: opening it must fingerprint
    # every article again (and m015 then keys the new bands).
    db = workspace.db_path(workspace.config())
    with open_store(db) as store:
        article_id, _ = store.add_article(ARABICA_HIGH)
        _legacy_bands(store, [(article_id, band, f"{band:016x}") for band in range(BANDS)])
        with store.conn:
            store.conn.execute("DROP TABLE article_minhash")
            store.conn.execute("DELETE FROM _migrations WHERE name = 'm009_minhash_fingerprints'")
    with open_store(db) as store:
        assert article_id in store.articles_sharing_bands(text_bands(REPUBLISHED))
        stored = store.conn.execute(
            "SELECT key FROM article_band_keys WHERE article_id = ? ORDER BY key", (article_id,)
        ).fetchall()
        assert [row[0] for row in stored] == text_bands(ORIGINAL)
        expected = fingerprint(ORIGINAL)
        assert expected is not None
        assert store.minhash_signatures([article_id]) == {article_id: expected.signature}


def test_band_digests_stored_before_m015_become_the_same_keys(workspace: Workspace) -> None:
    # m015 keys the digests already stored: a story stored last month is still found
    # when a copy of it arrives after the upgrade, with no text fingerprinted again.
    db = workspace.db_path(workspace.config())
    with open_store(db) as store:
        old_id, _ = store.add_article(ARABICA_HIGH)
        rows = [(old_id, band, h) for band, h in enumerate(_old_scheme_digests(ORIGINAL))]
        rows.append((old_id, 0, "not a digest"))  # unreadable: left out, not fatal
        _legacy_bands(store, rows)
    with open_store(db) as store:
        assert store.articles_sharing_bands(text_bands(REPUBLISHED)) == {
            old_id: len(set(text_bands(ORIGINAL)) & set(text_bands(REPUBLISHED)))
        }
        keys = store.conn.execute(
            "SELECT key FROM article_band_keys WHERE article_id = ? ORDER BY key", (old_id,)
        ).fetchall()
        assert [k[0] for k in keys] == text_bands(ORIGINAL)
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert "article_bands" not in tables


def test_signatures_of_an_earlier_scheme_are_computed_again(workspace: Workspace) -> None:
    # Before m016 signatures came from 120 hash functions; no copy arriving after
    # the upgrade could share a band with them. Opening the store fingerprints every
    # stored article again, so last month's story is still found.
    db = workspace.db_path(workspace.config())
    with open_store(db) as store:
        old_id, _ = store.add_article(ARABICA_HIGH)
        short_id, _ = store.add_article(
            NewArticle(
                url="https://blog.brightmoor.example/news/teaser",
                canonical_url="https://blog.brightmoor.example/news/teaser",
                title="Teaser",
                text="Arabica is up again.",
                extracted=False,
            )
        )
        with store.conn:
            store.conn.execute("UPDATE article_band_keys SET key = key + 1")
            store.conn.execute("UPDATE article_minhash SET signature = zeroblob(480)")
            store.conn.execute(
                "DELETE FROM _migrations WHERE name = 'm016_one_permutation_minhash'"
            )
        assert old_id not in store.articles_sharing_bands(text_bands(REPUBLISHED))
    with open_store(db) as store:
        assert old_id in store.articles_sharing_bands(text_bands(REPUBLISHED))
        keys = store.conn.execute(
            "SELECT key FROM article_band_keys WHERE article_id = ? ORDER BY key", (old_id,)
        ).fetchall()
        assert [k[0] for k in keys] == sorted(text_bands(ORIGINAL))
        expected = fingerprint(ORIGINAL)
        assert expected is not None
        assert store.minhash_signatures([old_id, short_id]) == {old_id: expected.signature}


def test_densified_rows_agree_as_often_as_the_texts_do() -> None:
    # A 35-word text fills at most 32 of the 120 rows; the others borrow. Borrowing
    # must not make two different short texts look alike, nor two copies unalike.
    rng = random.Random(3)
    vocabulary = [f"w{n}" for n in range(5000)]
    for _ in range(30):
        first = rng.choices(vocabulary, k=35)
        other = rng.choices(vocabulary, k=35)
        copy = list(first)
        copy[rng.randrange(35)] = "edited"
        prints = [fingerprint(" ".join(t)) for t in (first, other, copy)]
        assert all(p is not None for p in prints)
        a, b, c = (p.signature for p in prints if p is not None)
        assert estimated_similarity(a, b) < 0.15
        assert abs(estimated_similarity(a, c) - similarity(" ".join(first), " ".join(copy))) < 0.2


def test_the_signature_estimate_tracks_the_exact_similarity() -> None:
    rng = random.Random(11)
    for target in (0.2, 0.5, 0.85, 0.95):
        for _ in range(20):
            a, b, value = _pair_with_similarity(rng, target)
            print_a, print_b = fingerprint(a), fingerprint(b)
            assert print_a is not None and print_b is not None
            estimate = estimated_similarity(print_a.signature, print_b.signature)
            assert abs(estimate - value) < 0.15  # about 4 standard deviations
            # The floor that skips the exact comparison never skips a duplicate.
            assert value < NEAR_DUPLICATE or estimate >= ESTIMATE_FLOOR
