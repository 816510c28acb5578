"""Finding contacts in articles: matching rules, confidence, the scan ledger, not-them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from mention_fixtures import article

from pipeline.mentions import (
    CATCH_UP_DAYS,
    Found,
    MentionIndex,
    analyse,
    mark_not_them,
    mention_index,
    scan_new_articles,
)
from pipeline.records import Contact, ContactFields, NewArticle
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace


def person(contact_id: int, name: str, **fields: str) -> Contact:
    first, *_, last = name.split()
    middle = " ".join(name.split()[1:-1])
    defaults = {"first_name": first, "middle_name": middle, "last_name": last}
    return Contact(id=contact_id, name=name, **{**defaults, **fields})  # type: ignore[arg-type]


def found_for(contacts: list[Contact], title: str, text: str, **kw: str) -> dict[str, Found]:
    """contact name -> Found, for one article."""
    index = MentionIndex(contacts)
    names = {c.id: c.name for c in contacts}
    return {names[f.contact_id]: f for f in analyse(article(title, text, **kw), index)}


# --- Matching -------------------------------------------------------------------------


def test_diacritics_fold_both_ways() -> None:
    contacts = [person(1, "Jose Garcia"), person(2, "Zoë Lindqvist")]
    hits = found_for(contacts, "Update", "José García met Zoe Lindqvist in Malmö.")
    assert set(hits) == {"Jose Garcia", "Zoë Lindqvist"}


def test_family_name_first_and_spelled_out_umlauts_are_found() -> None:
    contacts = [
        person(1, "Xiaoming Wang", company="Dragon Semiconductor"),
        person(2, "Jürgen Müller"),
    ]
    hits = found_for(
        contacts,
        "Chipmaker doubles orders",
        "Dragon Semiconductor chief executive Wang Xiaoming said orders doubled. Juergen "
        "Mueller, an analyst, was appointed to its board.",
    )
    assert hits["Xiaoming Wang"].matched == "Wang Xiaoming"
    assert hits["Xiaoming Wang"].confidence == "high"  # company named beside the name
    assert hits["Jürgen Müller"].matched == "Juergen Mueller"


def test_nickname_matches_but_is_a_guess() -> None:
    robert = person(1, "Robert Kowalczyk", company="Northwind Freight")
    hits = found_for([robert], "Port news", "Bob Kowalczyk welcomed the new cranes.")
    assert hits["Robert Kowalczyk"].matched == "Bob Kowalczyk"
    assert hits["Robert Kowalczyk"].confidence == "verify"
    hits = found_for(
        [robert], "Port news", "Northwind Freight's Bob Kowalczyk welcomed the new cranes."
    )
    assert hits["Robert Kowalczyk"].confidence == "high"


def test_middle_initial_and_possessive() -> None:
    jane = person(1, "Imelda Varga")
    hits = found_for(
        [jane], "Notes", "Imelda K. Varga's proposal passed. Later Imelda Varga's team met."
    )
    assert hits["Imelda Varga"].salience == 2
    assert hits["Imelda Varga"].matched == "Imelda K. Varga"


def test_saved_middle_name_matches_without_it() -> None:
    hits = found_for([person(1, "Imelda Kata Varga")], "Notes", "Imelda Varga spoke first.")
    assert "Imelda Kata Varga" in hits


def test_all_caps_headline_matches() -> None:
    hits = found_for([person(1, "Imelda Varga")], "IMELDA VARGA TAKES THE HELM", "Body text.")
    assert hits["Imelda Varga"].matched == "IMELDA VARGA"


def test_lowercase_words_are_not_a_name() -> None:
    contacts = [person(1, "Will Smith"), person(2, "Rose Bush")]
    text = "Next week the apprentices will smith the metal and prune the rose bush."
    assert found_for(contacts, "Workshop", text) == {}
    assert "Will Smith" in found_for(contacts, "Workshop", "Will Smith visited.")


def test_name_only_in_a_title_case_headline_is_verify() -> None:
    """In a headline that capitalises every word, capitals do not show a name: "Rose
    Gold" may be the colour, "Summer Rain" the weather."""
    contacts = [person(1, "Rose Gold"), person(2, "Summer Rain", company="Fernhill Labs")]
    hits = found_for(
        contacts,
        "Rose Gold Watches Surge In Popularity After Summer Rain",
        "Jewellers said demand for the pink-hued metal climbed 20 percent this year.",
    )
    assert {name: f.confidence for name, f in hits.items()} == {
        "Rose Gold": "verify",
        "Summer Rain": "verify",
    }
    # Their company in the headline, or the name in the story too, still says who.
    hits = found_for(contacts, "Fernhill Labs Promotes Summer Rain To Partner", "It is official.")
    assert hits["Summer Rain"].confidence == "high"
    hits = found_for(
        contacts, "Rose Gold Takes The Helm", "Rose Gold was appointed chief executive on Monday."
    )
    assert hits["Rose Gold"].confidence == "medium"
    hits = found_for(contacts, "Rose Gold takes the helm at a rival", "It is official.")
    assert hits["Rose Gold"].confidence == "medium"  # a sentence-case headline


def test_name_of_a_prize_place_or_foundation_is_not_the_person() -> None:
    """ "the Harriet Quinlan Prize" is named after someone: no "congratulations on the
    award" to the contact because somebody else won it."""
    harriet = person(1, "Harriet Quinlan")
    for text in (
        "Ana Roe won the Harriet Quinlan Prize for design on Monday.",
        "The Harriet Quinlan Foundation awarded $2 million to rural clinics.",
        "Students at Harriet Quinlan High School won the robotics final.",
        "The concert takes place at Harriet Quinlan Memorial Hall on Friday.",
    ):
        hits = found_for([harriet], "Local news", text)
        assert hits["Harriet Quinlan"].confidence == "verify", text
    # The person herself, with a prize of another name, is still news about her.
    hits = found_for([harriet], "Local news", "Harriet Quinlan won the Delft Prize on Monday.")
    assert hits["Harriet Quinlan"].confidence == "medium"
    assert hits["Harriet Quinlan"].event == "award"


def test_name_of_a_firm_or_an_index_is_not_the_person() -> None:
    """ "John Lewis Partnership", "the Dow Jones Industrial Average": a firm or an index
    named after someone, not the contact of that name."""
    contacts = [person(1, "Marcus Oyelaran"), person(2, "Dow Jones")]
    for text in (
        "Marcus Oyelaran Partnership said sales fell at its department stores.",
        "Shares in Marcus Oyelaran Group fell 4 percent on Monday.",
        "Marcus Oyelaran Holdings Ltd raised its dividend. The Dow Jones Industrial "
        "Average fell 2 percent.",
    ):
        hits = found_for(contacts, "Retail results", text)
        assert {f.confidence for f in hits.values()} == {"verify"}, text
    # Their own firm, saved as their company, still says who it is.
    oyelaran = person(3, "Marcus Oyelaran", company="Marcus Oyelaran Group")
    text = "Shares in Marcus Oyelaran Group rose after Marcus Oyelaran's team won a contract."
    assert found_for([oyelaran], "Retail results", text)["Marcus Oyelaran"].confidence == "high"


def test_name_the_article_also_writes_as_plain_words_is_verify() -> None:
    """ "will bank" and "summer rain" in lower case show the capitalised ones may be
    words too (a sentence start, a label), not the contact."""
    contacts = [person(1, "Will Bank"), person(2, "Summer Rain")]
    hits = found_for(
        contacts,
        "Rates outlook",
        "Investors will bank on lower rates. The Will Bank decision is due. Heavy summer "
        "rain slowed building work. Summer Rain totals hit a record in July.",
    )
    assert {name: f.confidence for name, f in hits.items()} == {
        "Will Bank": "verify",
        "Summer Rain": "verify",
    }
    hits = found_for(contacts, "Rates outlook", "Will Bank said rates would fall in the spring.")
    assert hits["Will Bank"].confidence == "medium"
    # A name that is also a verb, after the first name alone, is not the name as words.
    umar = person(3, "Umar Said")
    text = "Umar Said met the miners. Later Umar said the talks would go on."
    assert found_for([umar], "Mining talks", text)["Umar Said"].confidence == "medium"
    boxmeer = person(4, "Van Boxmeer")
    text = "Van Boxmeer met the brewers. Later van Boxmeer said sales rose."
    assert found_for([boxmeer], "Beer", text)["Van Boxmeer"].confidence == "medium"


def test_surname_alone_never_matches_but_adds_salience() -> None:
    contacts = [person(1, "Imelda Varga")]
    assert found_for(contacts, "Council", "Varga said the plan was sound. Varga left.") == {}
    hits = found_for(
        contacts, "Council", "Imelda Varga said the plan was sound. Later Varga left. VARGA!"
    )
    assert hits["Imelda Varga"].salience == 3


def test_whole_words_and_longer_names_do_not_match() -> None:
    contacts = [person(1, "Jane Doe"), person(2, "Ann Lee")]
    text = (
        "Mary-Jane Doe spoke. Jane Doeling did not. The panel included Mary Jane Doe. "
        "Joann Leeds and Ann Leeson came too."
    )
    assert found_for(contacts, "Panel", text) == {}


def test_reversed_list_form() -> None:
    hits = found_for([person(1, "Imelda Varga")], "Board", "Directors:\nVarga, Imelda\nRoe, Tom")
    assert "Imelda Varga" in hits
    # Here "Imelda Roe" is the person: Varga is someone mentioned before the comma.
    text = "The prize went to Varga, Imelda Roe and Tom Hale."
    assert found_for([person(1, "Imelda Varga")], "Prize", text) == {}


def test_longer_contact_name_wins_over_the_shorter_one() -> None:
    contacts = [
        person(1, "Jane Doe"),
        person(2, "Mary Jane Doe", first_name="Mary Jane", middle_name=""),
    ]
    hits = found_for(contacts, "Panel", "Mary Jane Doe chaired the panel.")
    assert set(hits) == {"Mary Jane Doe"}


def test_particles_one_word_names_and_odd_spacing() -> None:
    contacts = [
        person(1, "Jan van der Berg", first_name="Jan", middle_name="", last_name="van der Berg"),
        person(2, "Nihad al-Boushi"),
        Contact(id=3, name="Madonna", first_name="Madonna"),
        person(4, "Imelda Varga"),
    ]
    text = (
        "Dutch minister Jan van der Berg met Nihad al-Boushi. Madonna sang.\n"
        "Later Imelda  Varga and Imelda\tVarga spoke; a madonna lily was in the hall."
    )
    hits = found_for(contacts, "Summit", text)
    assert set(hits) == {"Jan van der Berg", "Nihad al-Boushi", "Madonna", "Imelda Varga"}
    assert hits["Imelda Varga"].salience == 2
    assert found_for(contacts[2:3], "Flowers", "A madonna lily.") == {}


def test_name_glued_to_punctuation() -> None:
    contacts = [person(1, "Mohalenyane Phakela"), person(2, "Imelda Varga")]
    text = "Mathatisi Sebusi/Mohalenyane Phakela\n\nThe board (Imelda Varga, chair) met."
    hits = found_for(contacts, "Mining blasts shatter homes", text)
    assert set(hits) == {"Mohalenyane Phakela", "Imelda Varga"}
    assert hits["Mohalenyane Phakela"].event == "authored"


def test_cjk_name_in_unspaced_text() -> None:
    contact = Contact(id=1, name="王小明", first_name="小明", last_name="王")
    hits = found_for([contact], "新闻", "今天王小明说公司将扩张。")
    assert hits["王小明"].matched == "王小明"


# --- Confidence -----------------------------------------------------------------------


def test_company_nearby_is_high_and_uncommon_bare_name_is_medium() -> None:
    priya = person(1, "Priya Ramanathan", company="Helios Bank")
    hits = found_for(
        [priya], "Rates", "Priya Ramanathan, chief economist at Helios Bank, expects a cut."
    )
    assert hits["Priya Ramanathan"].confidence == "high"
    hits = found_for([priya], "Rates", "Priya Ramanathan expects a cut.")
    assert hits["Priya Ramanathan"].confidence == "medium"


def test_common_name_is_verify_unless_company_evidence() -> None:
    john = person(1, "John Smith", company="Copperleaf Mining")
    assert (
        found_for([john], "Match report", "John Smith scored twice.")["John Smith"].confidence
        == "verify"
    )
    hits = found_for([john], "Copperleaf Mining results", "John Smith presented the results.")
    assert hits["John Smith"].confidence == "high"


def test_another_company_beside_the_name_is_verify() -> None:
    priya = person(1, "Priya Ramanathan", company="Helios Bank")
    hits = found_for(
        [priya], "Rates", "Priya Ramanathan, chief economist at Gamma Partners, expects a cut."
    )
    assert hits["Priya Ramanathan"].confidence == "verify"
    assert hits["Priya Ramanathan"].context == "Gamma Partners"


def test_name_shared_by_two_contacts_is_verify() -> None:
    contacts = [person(1, "Imelda Varga", company="Aster"), person(2, "Imelda Varga")]
    hits = analyse(article("Council", "Imelda Varga spoke."), MentionIndex(contacts))
    assert {f.confidence for f in hits} == {"verify"}
    assert len(hits) == 2


def test_byline_only_is_verify() -> None:
    priya = person(1, "Priya Ramanathan")
    text = "By Priya Ramanathan\n\nRates are expected to fall this spring."
    hits = found_for([priya], "Rates outlook", text)
    assert hits["Priya Ramanathan"].confidence == "verify"
    assert hits["Priya Ramanathan"].event == "authored"
    text = "Rates fell.\n\nMedia contact: Priya Ramanathan, press@helios.example"
    hits = found_for([priya], "Rates outlook", text)
    assert hits["Priya Ramanathan"].confidence == "verify"
    assert hits["Priya Ramanathan"].event == "other"


def test_photo_credit_is_not_story_text() -> None:
    """A photographer credited under a picture is not named in the story."""
    priya = person(1, "Priya Ramanathan")
    for credit in (
        "Photo: Priya Ramanathan/Getty Images",
        "Photograph: Priya Ramanathan for The Herald",
        "Image credit: Priya Ramanathan",
        "The new terminal at dusk. (Photo by Priya Ramanathan)",
    ):
        text = f"The council approved the port expansion.\n\n{credit}\n\nWork starts in May."
        hits = found_for([priya], "Port expansion approved", text)
        assert hits["Priya Ramanathan"].confidence == "verify", credit


def test_a_credit_line_naming_the_outlet_is_a_byline() -> None:
    """ "Jane Doe for The Herald" under a picture or an op-ed credits the contact's work;
    it does not name her in the story."""
    priya = person(1, "Priya Ramanathan")
    for credit in ("Priya Ramanathan for The Harbour Herald", "Priya Ramanathan / Northlight"):
        text = f"Cranes unloading at the port on Monday.\n\n{credit}\n\nWork starts in May."
        hits = found_for([priya], "Port expansion approved", text)
        assert hits["Priya Ramanathan"].confidence == "verify", credit
    text = "Priya Ramanathan for The Harbour Herald said the port would grow."
    hits = found_for([priya], "Port expansion approved", text)
    assert hits["Priya Ramanathan"].confidence == "medium"  # a sentence of the story


def test_author_metadata_is_authored() -> None:
    priya = person(1, "Priya Ramanathan", company="Helios Bank")
    hits = found_for([priya], "Why rates fall", "Rates fall.", author="Priya Ramanathan, Tom Roe")
    assert hits["Priya Ramanathan"].event == "authored"
    assert hits["Priya Ramanathan"].confidence == "medium"
    assert "Why rates fall" in hits["Priya Ramanathan"].evidence
    hits = found_for(
        [priya], "Why rates fall", "Rates fall.", author="Priya Ramanathan", site="Helios Bank"
    )
    assert hits["Priya Ramanathan"].confidence == "high"


# --- The scan over the store ----------------------------------------------------------


def add_article(store: Store, url: str, title: str, text: str, **kw: object) -> int:
    article_id, _ = store.add_article(
        NewArticle(url=url, canonical_url=url, title=title, text=text, extracted=True),
        **kw,  # type: ignore[arg-type]
    )
    return article_id


@pytest.fixture
def store(workspace: Workspace) -> Iterator[Store]:
    opened = open_store(workspace.db_path())
    yield opened
    opened.close()


def test_scan_stores_each_contact_story_once_and_each_article_once(store: Store) -> None:
    store.add_contact(
        ContactFields(
            name="Imelda Varga", first_name="Imelda", last_name="Varga", company="Aster Labs"
        )
    )
    first = add_article(
        store,
        "https://a.example/1",
        "Aster Labs appoints Imelda Varga",
        "Aster Labs named Imelda Varga chief scientist.",
    )
    # The same story from another feed: a near-duplicate pointing at the first.
    add_article(
        store,
        "https://b.example/1",
        "Aster Labs appoints Imelda Varga",
        "Aster Labs named Imelda Varga chief scientist.",
        story_id=first,
    )
    found = scan_new_articles(store)
    assert len(found) == 1
    assert found[0].event == "new_role"
    assert found[0].confidence == "high"
    assert scan_new_articles(store) == []
    assert store.unscanned_article_ids() == []


def test_old_articles_are_scanned_whatever_their_date(store: Store) -> None:
    store.add_contact(ContactFields(name="Imelda Varga"))
    store.add_article(
        NewArticle(
            url="https://a.example/old",
            canonical_url="https://a.example/old",
            title="From the archive",
            text="In 2001 Imelda Varga opened the first lab.",
            extracted=True,
            published=datetime(2001, 5, 1, tzinfo=UTC),
        )
    )
    assert len(scan_new_articles(store)) == 1


NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_contact_saved_later_is_looked_for_in_recent_news(store: Store) -> None:
    old_hand = store.add_contact(ContactFields(name="Imelda Varga"))
    add_article(
        store,
        "https://a.example/board",
        "Aster Labs adds two directors",
        "Aster Labs appointed Tomasz Wieczorek and Imelda Varga to its board on Monday.",
        fetched_at=NOW - timedelta(days=3),
    )
    add_article(
        store,
        "https://a.example/archive",
        "From the archive",
        "Tomasz Wieczorek, then an intern, built the first prototype in a garage.",
        fetched_at=NOW - timedelta(days=CATCH_UP_DAYS + 5),
    )
    (first,) = scan_new_articles(store, now=NOW - timedelta(days=2))
    assert first.contact_id == old_hand.id
    assert store.unscanned_article_ids() == []

    # Saved today: found in the news stored last week, not in news older than the
    # catch-up window, and not reported again afterwards; the contact who was
    # already looked for is not reported twice.
    tomasz = store.add_contact(ContactFields(name="Tomasz Wieczorek"))
    (found,) = scan_new_articles(store, now=NOW)
    assert (found.contact_id, store.article(found.article_id).url) == (
        tomasz.id,
        "https://a.example/board",
    )
    assert scan_new_articles(store, now=NOW) == []
    assert store.contacts_not_scanned() == []
    assert len(store.mentions()) == 2


def test_a_contact_given_another_name_is_looked_for_again(store: Store) -> None:
    kasia = store.add_contact(ContactFields(name="Kasia Nowak", company="Aster Labs"))
    add_article(
        store,
        "https://a.example/award",
        "Engineer of the year",
        "Katarzyna Nowak of Aster Labs was named engineer of the year.",
        fetched_at=NOW - timedelta(days=1),
    )
    assert scan_new_articles(store, now=NOW) == []
    # A new title changes nothing the scan looks for: no second look.
    store.update_contact(
        kasia.id, ContactFields(name="Kasia Nowak", company="Aster Labs", title="CTO")
    )
    assert store.contacts_not_scanned() == []
    store.update_contact(
        kasia.id,
        ContactFields(name="Kasia Nowak", company="Aster Labs", aliases=("Katarzyna Nowak",)),
    )
    (found,) = scan_new_articles(store, now=NOW)
    assert found.contact_id == kasia.id


def test_only_news_fetched_within_the_alert_window_is_alerted(store: Store) -> None:
    add_article(
        store,
        "https://a.example/last-week",
        "Aster Labs funding",
        "Aster Labs, led by Imelda Varga, raised $40 million.",
        fetched_at=NOW - timedelta(days=6),
    )
    add_article(
        store,
        "https://a.example/this-morning",
        "Aster Labs opens Kraków office",
        "Imelda Varga opened the company's Kraków office this morning.",
        fetched_at=NOW - timedelta(hours=2),
    )
    scan_new_articles(store, now=NOW - timedelta(days=6))
    store.add_contact(ContactFields(name="Imelda Varga"))
    assert len(scan_new_articles(store, now=NOW)) == 2
    # Both are listed (and go into the digest); only this morning's is news to alert.
    assert store.queue_alerts(["webhook"], since=NOW - timedelta(hours=24)) == 1


def test_index_is_rebuilt_only_when_contacts_change(store: Store) -> None:
    contact = store.add_contact(ContactFields(name="Imelda Varga"))
    index = mention_index(store)
    assert mention_index(store) is index
    store.update_contact(contact.id, ContactFields(name="Imelda Varga", company="Aster Labs"))
    assert mention_index(store) is not index


def test_not_them_suppresses_similar_mentions_afterwards(store: Store) -> None:
    imelda = store.add_contact(
        ContactFields(
            name="Imelda Varga", first_name="Imelda", last_name="Varga", company="Aster Labs"
        )
    )
    add_article(
        store,
        "https://sport.example/1",
        "Harriers win relay",
        "Imelda Varga of Pinewood Harriers anchored the relay at the county championships.",
    )
    (mention,) = scan_new_articles(store)
    assert mention.context == "Pinewood Harriers"
    marked = mark_not_them(store, mention.id)
    assert marked.status == "not_them"

    add_article(
        store,
        "https://sport.example/2",
        "Harriers sweep the county",
        "Imelda Varga of Pinewood Harriers won the 800 metres.",
    )
    add_article(
        store,
        "https://news.example/3",
        "Aster Labs grows",
        "Imelda Varga, head of research at Aster Labs, opened the new wing.",
    )
    found = scan_new_articles(store)
    assert [m.contact_id for m in found] == [imelda.id]
    assert "Aster Labs" in found[0].evidence


def test_not_them_without_organisation_uses_context_words(store: Store) -> None:
    store.add_contact(ContactFields(name="Imelda Varga", first_name="Imelda", last_name="Varga"))
    add_article(
        store,
        "https://music.example/1",
        "Folk night at the Granary",
        "The Tuesday folk night at the Granary featured Imelda Varga on fiddle, with the "
        "Kestrel Quartet.",
    )
    (mention,) = scan_new_articles(store)
    mark_not_them(store, mention.id)
    add_article(
        store,
        "https://music.example/2",
        "Kestrel Quartet return",
        "The Kestrel Quartet returned to the Granary, Imelda Varga again on fiddle.",
    )
    assert scan_new_articles(store) == []


# --- CLI ------------------------------------------------------------------------------


def test_mentions_command_json_contract(run_cli, workspace: Workspace) -> None:
    with open_store(workspace.db_path()) as store:
        store.add_contact(
            ContactFields(
                name="Imelda Varga", first_name="Imelda", last_name="Varga", company="Aster Labs"
            )
        )
        store.add_contact(
            ContactFields(name="Tomasz Brzezinski", first_name="Tomasz", last_name="Brzezinski")
        )
        add_article(
            store,
            "https://a.example/1",
            "Aster Labs appoints Imelda Varga",
            "Aster Labs named Imelda Varga chief scientist.",
        )
        add_article(
            store,
            "https://a.example/2",
            "Investors sue Quarry Holdings",
            "Tomasz Brzezinski was named in the lawsuit.",
        )
        scan_new_articles(store)
    result = run_cli("mentions", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert len(items) == 2
    for item in items:
        assert {
            "id",
            "contact",
            "contact_id",
            "article_url",
            "title",
            "confidence",
            "event",
            "evidence",
            "draft",
        } <= set(item)
        assert item["id"].startswith("m")
    by_contact = {item["contact"]: item for item in items}
    assert by_contact["Tomasz Brzezinski"]["event"] == "negative"
    assert by_contact["Tomasz Brzezinski"]["draft"] is None
    assert by_contact["Imelda Varga"]["event"] == "new_role"
    assert by_contact["Imelda Varga"]["draft"]
    assert by_contact["Imelda Varga"]["article_url"] == "https://a.example/1"

    only = json.loads(run_cli("mentions", "--json", "--contact", "Imelda Varga").output)
    assert [m["contact"] for m in only] == ["Imelda Varga"]
    assert json.loads(run_cli("mentions", "--json", "--since", "2999-01-01").output) == []
    everyone = json.loads(run_cli("mentions", "--json").output)
    newest = json.loads(run_cli("mentions", "--json", "--limit", "1").output)
    assert len(everyone) > 1 and newest == everyone[:1]
    text = run_cli("mentions")
    assert text.exit_code == 0 and "Imelda Varga" in text.output
    filtered = run_cli("mentions", "--since", "2999-01-01", "--contact", "Imelda Varga")
    assert filtered.exit_code == 0, filtered.output
    # There are mentions; none passes the filter: no advice to scan for some.
    assert filtered.stdout == "No mentions of Imelda Varga since 2999-01-01.\n"
    bad = run_cli("mentions", "--since", "yesterday")
    assert bad.exit_code == 2
    missing = run_cli("mentions", "--contact", "Nobody Here")
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_cli_mentions_are_dated_by_their_article_not_by_when_they_were_found(
    run_cli, workspace: Workspace
) -> None:
    # The October story is found last (its contact was saved later, as with a late
    # import): it is still October's news, listed after November's and not --since it.
    with open_store(workspace.db_path()) as store:
        varga = store.add_contact(ContactFields(name="Imelda Varga", company="Aster Labs"))
        brzezinski = store.add_contact(ContactFields(name="Tomasz Brzezinski"))
        november = add_article(
            store,
            "https://a.example/november",
            "Aster Labs appoints Imelda Varga",
            "Aster Labs named Imelda Varga chief scientist.",
        )
        october = add_article(
            store,
            "https://a.example/october",
            "Quarry Holdings names Tomasz Brzezinski finance chief",
            "Quarry Holdings named Tomasz Brzezinski its chief financial officer.",
        )
        for article_id, contact, when, found in (
            (
                november,
                varga,
                datetime(2026, 11, 20, tzinfo=UTC),
                datetime(2026, 11, 20, 9, tzinfo=UTC),
            ),
            (
                october,
                brzezinski,
                datetime(2026, 10, 5, tzinfo=UTC),
                datetime(2026, 11, 25, tzinfo=UTC),
            ),
        ):
            store.conn.execute(
                "UPDATE articles SET published = ? WHERE id = ?", (when.isoformat(), article_id)
            )
            store.add_mention(
                contact.id, article_id, article_id, confidence="high", event="new_role",
                evidence="...", matched=contact.name, when=found,
            )  # fmt: skip
        store.conn.commit()
    listed = json.loads(run_cli("mentions", "--json").stdout)
    assert [m["contact"] for m in listed] == ["Imelda Varga", "Tomasz Brzezinski"]
    since = json.loads(run_cli("mentions", "--json", "--since", "2026-11-01").stdout)
    assert [m["contact"] for m in since] == ["Imelda Varga"]
    bad = run_cli("mentions", "--since", "2026-13-01")
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "'2026-13-01' is not a date; use YYYY-MM-DD." in bad.stderr


def test_match_command_scans_for_mentions(run_cli, workspace: Workspace) -> None:
    with open_store(workspace.db_path()) as store:
        store.add_contact(
            ContactFields(
                name="Imelda Varga",
                first_name="Imelda",
                last_name="Varga",
                interests="materials science",
            )
        )
        add_article(
            store,
            "https://a.example/1",
            "Aster Labs appoints Imelda Varga",
            "Aster Labs named Imelda Varga chief scientist for materials science.",
        )
    result = run_cli("match", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["mentions"] == 1
    again = run_cli("match")
    assert again.exit_code == 0 and "0 new press mentions" in again.output


def test_batch_scan_matches_one_by_one_scan() -> None:
    index = MentionIndex(
        [person(1, "José García"), person(2, "Imelda Varga"), person(3, "Ana Lucia Ferreira")]
    )
    texts = [
        "Olá. José García e Ana L. Ferreira chegaram.",
        "Imelda Varga spoke.\n\nJose Garcia too.",
        "",
        "Nothing here but Varga.",
        "Café owner Imelda Varga’s plan: Zoë’s idea, Ana Lucia Ferreira said.",
        "Minutes of the Board",  # ends with a capitalised word, and the next text...
        "IMELDA VARGA RETIRES",  # ...starts with a name: the texts must not run together
    ]
    one_by_one = [index.hits(t) for t in texts]
    assert index.hits_many(texts) == one_by_one
    assert [len(h) for h in one_by_one] == [2, 2, 0, 0, 2, 0, 1]
    text = texts[0]
    assert [text[h.start : h.end] for h in one_by_one[0]] == ["José García", "Ana L. Ferreira"]


def test_confidence_rules() -> None:
    from pipeline.mentions import Signals, confidence_of

    base = dict(
        in_story=True,
        title_case_only=False,
        named_after=False,
        as_words=False,
        author_only=False,
        common=False,
        derived=False,
        shared=False,
        company_anywhere=False,
        company_near=False,
        front_with_company=False,
        title_near=False,
        other_company=False,
        own_site=False,
    )

    def level(**changes: bool) -> str:
        return confidence_of(Signals(**{**base, **changes}))

    assert level() == "medium"  # an uncommon full name, nothing else
    assert level(common=True) == "verify"
    assert level(derived=True) == "verify"  # a nickname guess alone
    assert level(company_near=True) == "high"
    assert level(common=True, company_anywhere=True) == "high"
    assert level(derived=True, company_anywhere=True) == "medium"
    assert level(front_with_company=True) == "high"
    assert level(title_near=True) == "high"
    assert level(title_near=True, common=True) == "medium"
    assert level(shared=True, company_near=True) == "verify"
    assert level(other_company=True) == "verify"
    assert level(title_case_only=True) == "verify"
    assert level(title_case_only=True, title_near=True) == "verify"
    assert level(title_case_only=True, company_anywhere=True) == "high"
    assert level(named_after=True) == "verify"
    assert level(as_words=True) == "verify"
    assert level(as_words=True, company_anywhere=True, company_near=True) == "high"
    assert level(in_story=False) == "verify"  # byline, press contact or footer only
    assert level(in_story=False, author_only=True) == "medium"
    assert level(in_story=False, author_only=True, common=True) == "verify"
    assert level(in_story=False, author_only=True, own_site=True) == "high"


def test_scan_reads_aliases_and_email_domain_from_the_store(store: Store) -> None:
    store.add_contact(
        ContactFields(
            name="Margaret Osei-Bonsu",
            first_name="Margaret",
            last_name="Osei-Bonsu",
            aliases=("Maggie Osei",),
            emails=("m.osei@helios-bank.example",),
        )
    )
    add_article(
        store,
        "https://a.example/osei",
        "New faces in treasury",
        "Maggie Osei joins the treasury team. Press: helios-bank.example/press",
    )
    (mention,) = scan_new_articles(store)
    assert mention.matched == "Maggie Osei"
    assert mention.confidence == "high"  # the e-mail domain corroborates
    assert mention.event == "new_role"


def test_dismiss_not_them_from_the_cli(run_cli, workspace: Workspace) -> None:
    with open_store(workspace.db_path()) as store:
        store.add_contact(
            ContactFields(name="Imelda Varga", first_name="Imelda", last_name="Varga")
        )
        add_article(
            store,
            "https://sport.example/1",
            "Harriers win relay",
            "Imelda Varga of Pinewood Harriers anchored the relay.",
        )
        (mention,) = scan_new_articles(store)
    result = run_cli("dismiss", mention.public_id, "--not-them")
    assert result.exit_code == 0, result.output
    assert json.loads(run_cli("mentions", "--json").output) == []
    again = run_cli("dismiss", mention.public_id, "--not-them")  # said twice: one rule
    assert again.exit_code == 0, again.output
    assert again.stdout == f"{mention.public_id} was already marked as someone else.\n"
    with open_store(workspace.db_path()) as store:
        assert len(store.not_them()) == 1
    with open_store(workspace.db_path()) as store:
        add_article(
            store,
            "https://sport.example/2",
            "Harriers again",
            "Imelda Varga of Pinewood Harriers won the 800 metres.",
        )
        assert scan_new_articles(store) == []


def test_typographic_punctuation_around_names() -> None:
    contacts = [person(1, "Imelda Varga"), person(2, "Connor O'Neil")]
    text = "The chair\u2014Imelda Varga\u2014said \u201cConnor O\u2019Neil\u2019s plan\u201d works."
    hits = found_for(contacts, "Board", text)
    assert hits["Imelda Varga"].matched == "Imelda Varga"
    assert hits["Connor O'Neil"].matched == "Connor O\u2019Neil"


def test_saved_name_with_punctuation_is_searched_as_written() -> None:
    contact = Contact(
        id=1,
        name="Jean (Johnny) Hallyday-Smith",
        first_name="Jean",
        last_name="Hallyday-Smith",
        nickname="Johnny",
    )
    hits = found_for([contact], "Gala", "Guests included Jean (Johnny) Hallyday-Smith.")
    assert hits["Jean (Johnny) Hallyday-Smith"].matched == "Jean (Johnny) Hallyday-Smith"
    quoted = Contact(
        id=2,
        name='Robert "Bob" Kowalczyk',
        first_name="Robert",
        last_name="Kowalczyk",
        nickname="Bob",
    )
    hits = found_for([quoted], "Port", 'Robert "Bob" Kowalczyk and Bob Kowalczyk are one.')
    assert hits['Robert "Bob" Kowalczyk'].salience == 2


def test_a_paragraph_break_ends_a_sentence_even_without_a_full_stop() -> None:
    # Extraction keeps paragraphs on their own lines; a paragraph whose last sentence
    # lost its full stop must not run into the next one and lend it its words.
    text = (
        "Kettle sales rose 12% in the spring, according to analysts Quillfeather\n"
        "More than 40 million kettles were sold, said Imelda Varga of Brightwater."
    )
    found = found_for([person(1, "Imelda Varga")], "Kettle sales up", text)
    assert found["Imelda Varga"].evidence == (
        "More than 40 million kettles were sold, said Imelda Varga of Brightwater."
    )
