"""A clause of an interest matched only by its minor word is a partial match, unless the
profile's expansion confirms the article is on the topic (relevance, profiles)."""

from __future__ import annotations

from datetime import UTC, datetime

from relevance_corpus import store_articles

from pipeline import query_terms, relevance, textmodel
from pipeline.records import ContactFields
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)

# Fictional trade press. The tanker stories share the shipping trade's words; two of
# them say "tanker traffic". The other "traffic" stories are about airports, rail,
# roads and websites, and share nothing with the tankers but that one word, which is
# commoner than "tanker" (the interest's minor word).
TANKERS = {
    "strait": (
        "Tanker traffic through the Corran Strait resumes",
        "Tanker traffic through the Corran Strait resumed after the storm. Crude tankers "
        "queued at the anchorage, and the port authority said vessels would sail in convoy "
        "with their cargo of crude.",
    ),
    "queue": (
        "Tanker queue grows off Port Elvan",
        "The queue of crude tankers off Port Elvan grew to thirty vessels as a pipeline "
        "repair slowed loading. Charterers said cargo rates for the vessels rose at the port.",
    ),
    "freight": (
        "Tanker freight rates climb on crude demand",
        "Freight rates for crude tankers climbed as refiners booked cargo for the winter. "
        "Brokers said tanker owners ordered new vessels, and the port of Varn was busy.",
    ),
    "ban": (
        "Port bans old single-hull tankers",
        "The port of Varn banned single-hull tankers from its crude terminal. Shipowners "
        "must move the cargo to newer vessels, and tanker traffic at the terminal fell.",
    ),
    "grounding": (
        "Tanker grounding closes shipping lane",
        "A crude tanker ran aground in the shipping lane near Port Elvan. Salvage vessels "
        "pumped the cargo ashore and the port reopened the lane to tankers on Friday.",
    ),
    "fleet": (
        "Halvard Lines orders six vessels for its crude fleet",
        "Halvard Lines ordered six vessels from a yard in Varn to carry crude cargo "
        "between Port Elvan and the refineries of the south coast. The shipowner said "
        "its charterers wanted larger vessels, that freight from the port had risen "
        "for a year, and that one old tanker would be sold for scrap.",
    ),
}
TRAFFIC = {
    "air": (
        "Air traffic at a standstill over Harlow",
        "Air traffic over Harlow came to a standstill at noon, and traffic is light.",
    ),
    "rail": (
        "Rail traffic halted by flooding in the Dene valley",
        "Rail traffic in the Dene valley stopped when the river burst its banks. Trains "
        "were replaced by buses, and traffic on the line resumes once engineers inspect it.",
    ),
    "roads": (
        "Roadworks snarl city centre traffic",
        "Roadworks on the ring road snarled city centre traffic all week, and drivers "
        "faced long jams. The council said traffic lights would be retimed.",
    ),
    "web": (
        "Recipe site doubles its web traffic",
        "A recipe site doubled its web traffic after a cooking show mentioned it. Visitors "
        "stayed longer, and the traffic brought advertisers back.",
    ),
}
OTHER = {
    "cup": ("Riverside win the cup final", "Riverside won the final; traffic was heavy after."),
    "bakery": (
        "Bakery chain opens fifty stores",
        "A bakery chain opened stores with foot traffic.",
    ),
    "orchard": ("Apple growers expect a large crop", "Growers expect a large crop after spring."),
    "film": ("Film festival opens with a comedy", "The festival opened with a family comedy."),
    "chess": ("Chess prodigy wins national title", "A prodigy won the title without a loss."),
    "nurses": ("Hospital recruits nurses abroad", "The hospital recruited nurses for winter."),
}


def _store(workspace: Workspace) -> Store:
    store = open_store(workspace.db_path())
    store_articles(store, {**TANKERS, **TRAFFIC, **OTHER}, now=NOW, site="press.example.com")
    return store


def test_clauses_split_an_interest_at_lists_and_examples() -> None:
    docs = [textmodel.Document(t, b) for t, b in {**TANKERS, **TRAFFIC, **OTHER}.values()]
    model, _ = textmodel.fit(docs)
    clauses, concepts = query_terms.clauses(
        model, ["tanker traffic and crude, like vessels", "airport"]
    )
    row = clauses[0]
    named = {model.term(int(i)): int(n) for i, n in zip(row.indices, row.data, strict=True)}
    # "tanker traffic" names two concepts; "crude" and "vessels" one each: left out.
    assert set(named) == {"tanker", "tanker traffic", "traffic"}
    assert len(set(named.values())) == 1
    words = {model.term(int(i)) for i in concepts[0].indices}
    assert words == {"tanker", "traffic"}  # the bigram is no concept of its own
    assert clauses[1].nnz == 0 and concepts[1].nnz == 0


def test_a_story_matching_only_the_minor_word_of_a_clause_ranks_below_the_topic(
    workspace: Workspace,
) -> None:
    store = _store(workspace)
    contact = store.add_contact(ContactFields(name="Fay Moreno", interests="tanker traffic"))
    ranked = relevance.suggest_for(
        store, workspace.config(), workspace.models_dir, contact, limit=12, now=NOW
    )
    keys = [r.article.url.rsplit("/", 1)[1] for r in ranked]
    # Every tanker story, with "traffic" or not, comes before the airport's traffic.
    assert set(keys[: len(TANKERS)]) == set(TANKERS), keys
    # Reasons still name what the article shares with the contact's words.
    air = next(r for r in ranked if r.article.url.endswith("/air"))
    assert "traffic" in air.reasons
