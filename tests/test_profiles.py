"""Profile expansion learns from matches that cover the interest, not from one broad word."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from pipeline import profiles, query_terms, textmodel
from pipeline.profiles import Expansion
from pipeline.records import Contact

# A small trade-press corpus (fictional companies and places). The copper stories say
# "copper" with "mining" or "smelter"; the gold stories are mining-company news that
# never mention copper or smelters, and say "mining" more often than the copper ones.
COPPER = [
    (
        "Andes Copper restarts smelter after strike",
        "Andes Copper restarted its Vallenar smelter after a two-week strike. The plant "
        "turns copper concentrate into cathode, and the company said cathode shipments "
        "to Asian wire makers resume next week.",
    ),
    (
        "Copper mining output rises in Zambia",
        "Copper mining output in Zambia rose eight percent as new shafts opened. More "
        "concentrate went to the Luanshya smelter, which shipped record cathode tonnage.",
    ),
    (
        "Smelter fees for copper concentrate fall",
        "Fees that smelters charge to process copper concentrate fell for a third "
        "quarter, traders said, as mining companies in Peru shipped more concentrate "
        "than expected. Cathode premiums held steady.",
    ),
    (
        "Mine fire halts copper concentrate deliveries",
        "A fire at the Cerro Alto copper mine halted concentrate deliveries to the coastal "
        "smelter. Mining resumed on one level, and cathode output will be cut this month.",
    ),
    (
        "Tariff dispute hits copper cathode trade",
        "Copper cathode exports from the Ilo smelter were held at the border in a tariff "
        "dispute. Mining unions warned that concentrate would pile up at the port.",
    ),
    (
        "New smelter to double regional copper capacity",
        "Harlow Metals will build a smelter that doubles the region's copper capacity "
        "and outgrows both older smelters. "
        "Local mining firms signed contracts to supply concentrate, and the cathode will "
        "go to cable makers.",
    ),
]
GOLD = [
    (
        "Mining company raises gold reserve estimate",
        "Northgate Mining raised its gold reserve estimate to four million ounces. The "
        "mining company said bullion output at its mine would rise next year, and mining "
        "costs per ounce fell.",
    ),
    (
        "Mining group sells stake in gold project",
        "Redfern Mining sold its stake in a gold project to a mining group from Toronto. "
        "The project holds two million ounces; the mining companies will share bullion "
        "sales.",
    ),
    (
        "Mining shares rally as gold climbs",
        "Shares of mining companies rallied as gold rose above 2,000 dollars an ounce. "
        "Mining analysts said bullion demand from central banks supported prices.",
    ),
    (
        "Mining strike ends at gold mine",
        "Workers ended a strike at the Kestrel gold mine after the mining company raised "
        "wages. The mine produced 300,000 ounces of gold last year; mining resumes today.",
    ),
    (
        "Junior mining firm reports gold find",
        "Tamsin Mining reported a gold find with grades of nine grams per tonne. The "
        "mining firm said drilling would continue, and that the ounces could support a mine.",
    ),
    (
        "Mining merger creates gold producer",
        "Two mining companies agreed to merge into a gold producer with eight million "
        "ounces of reserves. Mining executives expect bullion output to reach a record.",
    ),
]
OTHER = [
    (
        "Riverside win the cup final",
        "Riverside United won the cup final with a late header, and the crowd stayed "
        "long after the whistle.",
    ),
    (
        "Bakery chain opens fifty stores",
        "A bakery chain opened fifty stores this spring and hired bakers across the north.",
    ),
    (
        "Ferry operator adds winter sailings",
        "The ferry operator added winter sailings between the islands as bookings rose.",
    ),
    (
        "City council approves new tram line",
        "The city council approved a new tram line through the old town after a long debate.",
    ),
    (
        "Orchard growers expect a large apple crop",
        "Apple growers in the valley expect a large crop after a mild spring and few frosts.",
    ),
    (
        "Film festival opens with a comedy",
        "The film festival opened with a comedy about a family wedding that went wrong.",
    ),
    (
        "Hospital trust recruits nurses abroad",
        "The hospital trust recruited two hundred nurses abroad to fill winter shifts.",
    ),
    (
        "Chess prodigy wins national title",
        "A twelve-year-old chess prodigy won the national title without losing a game.",
    ),
]


def _space() -> tuple[textmodel.TextModel, sp.csr_matrix]:
    docs = [textmodel.Document(t, b) for t, b in COPPER + GOLD + OTHER]
    return textmodel.fit(docs)


def _expansion_terms(model: textmodel.TextModel, built: profiles.Profiles) -> dict[str, float]:
    extra = sp.csr_matrix(built.query - built.query.multiply(built.direct > 0))
    return {model.term(int(i)): float(v) for i, v in zip(extra.indices, extra.data, strict=True)}


def test_concepts_group_a_plural_with_its_singular_and_skip_filler_and_bigrams() -> None:
    model, _ = _space()
    interest = "news about copper mining and smelters"
    matrix = query_terms.concepts(model, [interest, ""])
    row = matrix[0]
    labels = {model.term(int(i)): int(n) for i, n in zip(row.indices, row.data, strict=True)}
    assert set(labels) == {"copper", "mining", "smelter", "smelters"}
    assert labels["smelter"] == labels["smelters"]
    assert len({labels["copper"], labels["mining"], labels["smelter"]}) == 3
    assert matrix[1].nnz == 0  # no words, no concepts


def test_expansion_learns_from_matches_covering_two_concepts_not_one_broad_word() -> None:
    # The gold stories match "mining" (several times each) and nothing else of the
    # interest; the copper stories match "copper" with "mining" or "smelter".
    model, vectors = _space()
    interest = "copper mining and smelters"
    direct = query_terms.weighted_terms(model, [interest])
    concepts = query_terms.concepts(model, [interest])
    expansion = Expansion(latent_weight=0.0)
    args = (model, direct, [1], vectors, np.zeros((vectors.shape[0], 0)))
    before = _expansion_terms(
        model, profiles.build(*args, replace(expansion, min_concepts=1), concepts=concepts)
    )
    after = _expansion_terms(model, profiles.build(*args, expansion, concepts=concepts))
    # Learning from every strong match, gold's words come along; from matches that
    # cover the interest, the copper trade's own words do and gold's do not.
    assert {"gold", "ounces"} & before.keys()
    assert not {"gold", "ounces", "bullion"} & after.keys()
    assert {"cathode", "concentrate"} <= after.keys()
    built = profiles.build(*args, expansion, concepts=concepts)
    scores = (built.query @ vectors.T).toarray().ravel()
    copper, gold = scores[: len(COPPER)], scores[len(COPPER) : len(COPPER) + len(GOLD)]
    assert copper.min() > gold.max()


def test_too_few_covering_matches_leave_the_feedback_set_as_it_was() -> None:
    # No story covers two concepts of this interest: the feedback set is not narrowed
    # to nothing, it is what it was without concepts.
    model, vectors = _space()
    interest = "tram lines and chess"
    direct = query_terms.weighted_terms(model, [interest])
    concepts = query_terms.concepts(model, [interest])
    args = (model, direct, [1], vectors, np.zeros((vectors.shape[0], 0)))
    plain = profiles.build(*args, Expansion(latent_weight=0.0))
    narrowed = profiles.build(*args, Expansion(latent_weight=0.0), concepts=concepts)
    assert (plain.query != narrowed.query).nnz == 0


def test_a_job_title_and_company_lend_their_topic_not_their_rank_or_legal_form() -> None:
    # A LinkedIn import gives a title and a company and nothing else. "Head" and
    # "Group" match stories about anything; "copper" and "trading" are the topic.
    people = [
        (
            "Retail group names a new head of stores",
            "The Marlow retail group named a new head of stores, its third in two years, "
            "and the group said the head office will move to Leeds.",
        ),
        (
            "Hotel group head resigns after audit",
            "The head of the Seaview hotel group resigned after an audit; the group board "
            "asked the deputy head to step in until a search is done.",
        ),
    ]
    model, vectors = textmodel.fit([textmodel.Document(t, b) for t, b in COPPER + OTHER + people])
    trader = Contact(
        id=1, name="Ola Brandt", title="Head of Copper Trading", company="Vallenar Group"
    )
    direct = profiles.text_profiles(model, [trader])
    terms = {model.term(int(i)) for i in direct[0].indices}
    assert "copper" in terms and not {"head", "group"} & terms
    scores = (direct @ vectors.T).toarray().ravel()
    assert scores[: len(COPPER)].min() > scores[-len(people) :].max()


def test_a_dismissal_never_pushes_away_a_word_of_an_article_the_user_sent() -> None:
    # Vocabulary: 0 "cereals" (the contact's word), 1 "usda", 2 "sugar", 3-42 the sent
    # story's other words, all stronger than its "usda" (outside its top terms).
    size = 43
    own = sp.csr_matrix(([1.0], ([0], [0])), shape=(1, size), dtype=np.float32)
    sent = np.zeros(size, dtype=np.float32)
    sent[0], sent[1], sent[3:] = 0.5, 0.01, 0.2
    dismissed = np.zeros(size, dtype=np.float32)
    dismissed[1], dismissed[2] = 0.6, 0.8
    vectors = {10: sent / np.linalg.norm(sent), 11: dismissed / np.linalg.norm(dismissed)}

    def article_vectors(ids):  # type: ignore[no-untyped-def]
        return sp.csr_matrix(np.vstack([vectors[i] for i in ids]))

    feedback = {1: profiles.Feedback(sent=(10,), dismissed=(11,))}
    shifted = profiles.apply_feedback(own, [1], feedback, article_vectors).toarray()[0]
    assert shifted[2] < 0  # the dismissed story's own subject is pushed away
    assert shifted[1] == 0  # "usda" is in the story the user sent: kept
