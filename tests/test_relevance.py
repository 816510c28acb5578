"""Relevance: the right article for each contact, with the reason, and feedback that counts."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from relevance_corpus import ARTICLES, store_article, store_articles

from pipeline import corpus as corpus_module
from pipeline import query_terms, relevance, textmodel
from pipeline.errors import ModelError
from pipeline.explain import RELATED
from pipeline.records import ContactFields, NewArticle
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)


def _add(store: Store, key: str, title: str, text: str, *, age: timedelta) -> int:
    return store_article(store, key, title, text, at=NOW - age)


@pytest.fixture
def store(workspace: Workspace) -> Store:
    opened = open_store(workspace.db_path())
    store_articles(opened, ARTICLES, now=NOW)
    return opened


def _contact(store: Store, name: str, **fields: str) -> int:
    return store.add_contact(ContactFields(name=name, **fields)).id


def _keys(store: Store, article_ids: list[int]) -> list[str]:
    return [store.article(i).url.rsplit("/", 1)[1] for i in article_ids]


def _suggest(store: Store, workspace: Workspace, name: str, limit: int = 10):  # type: ignore[no-untyped-def]
    contact = store.find_contact(name)
    return relevance.suggest_for(
        store, workspace.config(), workspace.models_dir, contact, limit=limit, now=NOW
    )


def test_a_contact_gets_the_articles_on_their_interest(store: Store, workspace: Workspace) -> None:
    batteries = _contact(store, "Ada Lindqvist", interests="battery recycling")
    football = _contact(store, "Tom Okafor", interests="football, the cup and league matches")
    report = relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    assert report.articles == len(ARTICLES) and report.contacts == 2
    assert report.refitted == "no model yet"
    got = {
        cid: set(_keys(store, [s.article_id for s in store.suggestions(contact_id=cid)]))
        for cid in (batteries, football)
    }
    assert got[batteries] == {"battery", "battery2"}
    assert got[football] >= {"football"} and not got[football] & {"battery", "battery2"}
    suggestion = store.suggestions(contact_id=batteries)[0]
    assert suggestion.reasons[0] == "battery recycling"
    assert "battery recycling" in suggestion.quote


def test_reasons_name_terms_the_profile_and_article_really_share(
    store: Store, workspace: Workspace
) -> None:
    _contact(store, "Lena Brandt", interests="central bank interest rates and bond yields")
    ranked = _suggest(store, workspace, "Lena Brandt", limit=3)
    top = ranked[0]
    assert _keys(store, [top.article.id]) == ["rates"]
    text = (top.article.title + " " + top.article.text).lower()
    own = [r for r in top.reasons if not r.endswith(RELATED)]
    assert own, top.reasons
    for reason in top.reasons:
        words = reason.removesuffix(RELATED).split()
        assert all(w in text for w in words), reason
    for reason in own:
        assert all(w in "central bank interest rates and bond yields" for w in reason.split())
    assert top.quote in top.article.text
    assert any(w in top.quote.lower() for w in ("interest rate", "bond yields", "central bank"))


def test_reasons_skip_numbers_and_reporting_verbs(store: Store, workspace: Workspace) -> None:
    # The interest shares "said" and "000" with several articles; reasons name topics.
    _contact(store, "Noor Haddad", interests="what traders said about 40,000 tonnes of coffee")
    ranked = _suggest(store, workspace, "Noor Haddad", limit=8)
    reasons = [r.removesuffix(RELATED) for item in ranked for r in item.reasons]
    assert reasons and "coffee" in reasons
    noise = {"said", "says", "according", "told"}
    for reason in reasons:  # each names at least one word that is not noise
        assert any(not w.isdigit() and w not in noise for w in reason.split()), reasons


def test_match_drops_weak_matches_instead_of_padding(store: Store, workspace: Workspace) -> None:
    cid = _contact(store, "Rui Costa", interests="arabica coffee prices and roasters")
    relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    keys = _keys(store, [s.article_id for s in store.suggestions(contact_id=cid)])
    assert keys == ["coffee"]
    threshold = workspace.config().relevance.threshold
    assert all(s.score >= threshold and not s.weak for s in store.suggestions())


def test_suggest_limit_returns_that_many_with_weak_flags(
    store: Store, workspace: Workspace, run_cli
) -> None:  # type: ignore[no-untyped-def]
    _contact(store, "Rui Costa", interests="arabica coffee prices and roasters")
    result = run_cli("suggest", "--contact", "rui costa", "--limit", "6", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert len(items) == 6
    for field in (
        "id",
        "contact",
        "article_url",
        "title",
        "score",
        "weak",
        "reasons",
        "quote",
        "draft",
        "mailto",
    ):
        assert field in items[0]
    assert items[0]["title"].startswith("Arabica") and items[0]["weak"] is False
    threshold = workspace.config().relevance.threshold
    assert [i["weak"] for i in items] == [i["score"] < threshold for i in items]
    assert any(i["weak"] for i in items)
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert items[0]["mailto"].startswith("mailto:") and "Rui" in items[0]["draft"]
    assert all(i["id"].startswith("s") for i in items)
    # The ids are stored suggestions: `dismiss` accepts them.
    assert run_cli("dismiss", items[1]["id"]).exit_code == 0


def test_feedback_moves_a_dismissed_topic_down(store: Store, workspace: Workspace) -> None:
    _contact(store, "Mia Hart", interests="electric vehicles: battery recycling and car sales")
    before = _suggest(store, workspace, "Mia Hart", limit=6)
    before_keys = _keys(store, [r.article.id for r in before])
    assert {"ev_sales", "ev_sales2", "battery"} <= set(before_keys[:4])
    dismissed = next(r for r in before if _keys(store, [r.article.id]) == ["ev_sales"])
    store.set_suggestion_status(dismissed.id, "dismissed")
    after = _suggest(store, workspace, "Mia Hart", limit=6)
    after_keys = _keys(store, [r.article.id for r in after])
    assert "ev_sales" not in after_keys  # never offered again
    # The other story on the carmakers' price war drops below the battery story,
    # though the contact's own words ("car sales") still hold it above the rest.
    assert before_keys.index("ev_sales2") < before_keys.index("battery")
    assert after_keys.index("ev_sales2") > after_keys.index("battery")
    score = {k: r.score for k, r in zip(before_keys, before, strict=True)}
    new_score = {k: r.score for k, r in zip(after_keys, after, strict=True)}
    assert new_score["ev_sales2"] < score["ev_sales2"]


def test_sent_pulls_the_profile_toward_the_article(store: Store, workspace: Workspace) -> None:
    _contact(store, "Sam Reyes", interests="markets")
    before = {r.article.id: r.score for r in _suggest(store, workspace, "Sam Reyes", limit=15)}
    ranked = _suggest(store, workspace, "Sam Reyes", limit=len(ARTICLES))
    sent = next(r for r in ranked if "Gold" in r.article.title)
    store.set_suggestion_status(sent.id, "sent")
    after = _suggest(store, workspace, "Sam Reyes", limit=15)
    metals = next(r for r in after if r.article.title.startswith("Precious metals"))
    assert metals.score > before[metals.article.id]
    assert store.contact(sent.contact_id).last_contacted is not None


def test_feedback_protocol_improves_the_next_ranking(store: Store, workspace: Workspace) -> None:
    # A vague profile: "markets" of what? The top is about smartphone markets. The user
    # dismisses those and sends the precious-metals story: the bullion story, which
    # shares no word with the profile, comes up from nowhere to the top.
    _contact(store, "Jo Park", interests="commodity markets")
    before = _keys(store, [r.article.id for r in _suggest(store, workspace, "Jo Park", limit=5)])
    assert before[:2] == ["iphone2", "iphone"] and "bullion" not in before
    ranked = _suggest(store, workspace, "Jo Park", limit=len(ARTICLES))
    by_key = {_keys(store, [r.article.id])[0]: r for r in ranked}
    store.set_suggestion_status(by_key["metals"].id, "sent")
    for key in ("iphone2", "ev_sales2"):
        store.set_suggestion_status(by_key[key].id, "dismissed")
    after = _suggest(store, workspace, "Jo Park", limit=5)
    keys = _keys(store, [r.article.id for r in after])
    assert keys[0] == "bullion" and after[0].score > 2 * by_key["bullion"].score
    assert not {"metals", "iphone2", "ev_sales2"} & set(keys)  # acted on: not offered again
    assert any(r.endswith(RELATED) for r in after[0].reasons)


def test_sent_articles_alone_make_a_profile(store: Store, workspace: Workspace) -> None:
    cid = _contact(store, "Lu Chen", interests="battery recycling")
    ranked = _suggest(store, workspace, "Lu Chen", limit=1)
    store.set_suggestion_status(ranked[0].id, "sent")
    contact = store.contact(cid)
    store.update_contact(cid, replace(contact, interests=""))  # no words left
    keys = _keys(store, [r.article.id for r in _suggest(store, workspace, "Lu Chen", limit=3)])
    assert keys[0] in ("battery", "battery2") and _keys(store, [ranked[0].article.id]) != keys[:1]


def test_expansion_finds_a_bullion_story_sharing_no_word(
    store: Store, workspace: Workspace
) -> None:
    _contact(store, "Ines Roth", interests="precious metals")
    ranked = _suggest(store, workspace, "Ines Roth", limit=5)
    keys = _keys(store, [r.article.id for r in ranked])
    assert keys[:2] == ["metals", "bullion"]
    bullion = ranked[1]
    assert not {"precious", "metals"} & set(bullion.article.text.lower().split())
    assert any(r in (f"gold{RELATED}", f"silver{RELATED}") for r in bullion.reasons)
    unrelated = relevance.suggest_for(
        store,
        workspace.config(),
        workspace.models_dir,
        store.find_contact("Ines Roth"),
        limit=5,
        now=NOW,
        expansion=relevance.profiles.NO_EXPANSION,
    )
    plain = {r.article.id: r.score for r in unrelated}
    assert plain.get(bullion.article.id, 0.0) == 0.0  # without expansion: no shared word


def test_expansion_does_not_drift_from_iphones_to_orchards(
    store: Store, workspace: Workspace
) -> None:
    _contact(store, "Kai Nguyen", interests="Apple's iPhone sales")
    ranked = _suggest(store, workspace, "Kai Nguyen", limit=len(ARTICLES))
    keys = _keys(store, [r.article.id for r in ranked])
    assert keys[:2] == ["iphone", "iphone2"]
    orchards = [r for r in ranked if _keys(store, [r.article.id])[0].startswith("orchard")]
    assert all(r.weak for r in orchards)
    assert max(r.score for r in orchards) < ranked[1].score / 1.5
    assert all("orchard" not in reason for r in ranked[:2] for reason in r.reasons)


def test_interest_words_are_weighed_as_a_person_means_them() -> None:
    docs = [
        textmodel.Document("War in the north", "The war displaced thousands; a ceasefire failed."),
        textmodel.Document("Ceasefire talks", "Envoys met to end the war and the fighting."),
        textmodel.Document("News of the day", "New rules for big companies took effect."),
        textmodel.Document("Big companies report", "Big companies reported profits; news spread."),
        textmodel.Document("Chocolate makers", "Chocolate makers bought cocoa beans."),
        textmodel.Document("Cocoa crop", "The cocoa crop and the beans were smaller."),
        textmodel.Document("One bean", "A single bean of cocoa, one bean, sold."),
    ]
    model, _ = textmodel.fit(docs)

    def weights(text: str) -> dict[str, float]:
        row = query_terms.weighted_terms(model, [text])
        return {model.term(i): float(v) for i, v in zip(row.indices, row.data, strict=True)}

    # "wars" is unknown to the corpus; its singular stands in for it.
    assert "war" in weights("wars and diplomacy")
    # Filler words that frame an interest are not part of it; "news" never becomes "new".
    framed = weights("news like chocolate makers")
    assert "chocolate" in framed and not {"news", "like", "new"} & framed.keys()
    # A rare phrase weighs no more than its rarer word.
    phrase = weights("big companies")
    assert phrase["big companies"] <= max(phrase["big"], phrase["companies"]) + 1e-6
    # A plural brings its singular, a little lighter, and the pair weighs what the
    # plural would alone: "beans" does not count twice against "chocolate".
    both = weights("chocolate beans")
    assert 0 < both["bean"] < both["beans"]
    pair = math.hypot(both["beans"], both["bean"])
    assert pair / both["chocolate"] == pytest.approx(
        model.idf[model.vocabulary["beans"]] / model.idf[model.vocabulary["chocolate"]], rel=1e-4
    )


def test_nouns_on_the_generic_stop_list_stay_terms(store: Store, workspace: Workspace) -> None:
    # scikit-learn's English stop list drops "interest", "mine", "mill", "bill" and
    # "well": words a news reader follows (interest rates, a gold mine, a steel mill).
    model, _ = textmodel.fit([textmodel.Document("Mill", "The mill and the mine.")])
    terms = set(model.analyze("Interest rates, the steel mill, a gold mine and the farm bill"))
    assert {"interest", "interest rates", "mill", "steel mill", "mine", "gold mine"} <= terms
    assert {"bill", "farm bill"} <= terms and not {"the", "and", "a"} & terms
    _contact(store, "Rui Costa", interests="interest rate decisions")
    top = _suggest(store, workspace, "Rui Costa", limit=1)[0]
    assert _keys(store, [top.article.id]) == ["rates"]
    assert any(reason.startswith("interest") for reason in top.reasons)


def test_contacts_without_profile_get_no_topical_suggestions(
    store: Store, workspace: Workspace, run_cli
) -> None:  # type: ignore[no-untyped-def]
    _contact(store, "Noor Haddad")
    _contact(store, "Zoe Park", interests="battery recycling")
    assert relevance.contacts_without_profile(store) == 1
    report = relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    assert report.without_profile == 1
    assert store.suggestions(contact_id=store.find_contact("Noor Haddad").id) == []
    result = run_cli("suggest", "--contact", "Noor Haddad")
    assert result.exit_code == 0 and "no interests" in result.stdout


def test_suggest_with_nothing_in_common_does_not_send_the_user_to_fetch(
    store: Store, workspace: Workspace, run_cli
) -> None:  # type: ignore[no-untyped-def]
    # The store holds articles; none shares a word with her interests.
    _contact(store, "Noor Haddad", interests="zymurgy, xylophones")
    result = run_cli("suggest", "--contact", "Noor Haddad")
    assert result.exit_code == 0, result.output
    assert "fetch" not in result.output
    assert "Noor Haddad" in result.stdout and "interests" in result.stdout


def test_model_round_trips_and_refuses_a_tampered_file(store: Store, workspace: Workspace) -> None:
    relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    loaded = textmodel.load(workspace.models_dir)
    assert loaded is not None and loaded.info.documents == len(ARTICLES)
    docs = [textmodel.Document(t, b) for t, b in ARTICLES.values()]
    refit, vectors = textmodel.fit(docs)
    assert loaded.terms == refit.terms
    assert np.allclose((loaded.documents(docs) - vectors).toarray(), 0.0, atol=1e-6)
    path = workspace.models_dir / textmodel.MODEL_FILE
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(ModelError, match="checksum") as caught:
        textmodel.load(workspace.models_dir)
    assert "\n" not in str(caught.value) and "delete" in str(caught.value)


def test_tampered_model_is_a_clean_cli_error(store: Store, workspace: Workspace, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("match").exit_code == 0
    meta = workspace.models_dir / textmodel.META_FILE
    data = json.loads(meta.read_text())
    data["checksum"] = "0" * 64
    meta.write_text(json.dumps(data))
    result = run_cli("match")
    assert result.exit_code == 1
    assert "checksum" in result.stderr and "Traceback" not in result.stderr


def test_model_file_holds_no_pickle(store: Store, workspace: Workspace) -> None:
    relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    with np.load(workspace.models_dir / textmodel.MODEL_FILE, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


@pytest.mark.parametrize(
    "docs",
    [
        [("Tidal power", "A tidal power station opened in the estuary.")],
        [("Who is in?", "It is what it is.")],  # nothing but stop words
    ],
)
def test_the_model_fits_a_one_document_corpus(docs: list[tuple[str, str]], tmp_path: Path) -> None:
    model, vectors = textmodel.fit([textmodel.Document(t, b) for t, b in docs])
    assert vectors.shape == (1, model.size) and model.size > 0
    saved = textmodel.save(model, tmp_path)
    loaded = textmodel.load(tmp_path)
    assert loaded is not None and loaded.info.checksum == saved.info.checksum


def test_one_article_store_still_suggests(workspace: Workspace) -> None:
    store = open_store(workspace.db_path())
    _add(
        store,
        "tidal",
        "Tidal power station opens",
        "A tidal power station opened.",
        age=timedelta(0),
    )
    _contact(store, "Eli Moss", interests="tidal power")
    ranked = _suggest(store, workspace, "Eli Moss", limit=3)
    assert len(ranked) == 1 and ranked[0].reasons == ("tidal power",)


def test_model_is_refitted_only_when_the_corpus_grew(store: Store, workspace: Workspace) -> None:
    config, models = workspace.config(), workspace.models_dir
    _contact(store, "Ada Lindqvist", interests="battery recycling")
    assert relevance.match_articles(store, config, models, now=NOW).refitted == "no model yet"
    assert relevance.match_articles(store, config, models, now=NOW).refitted is None
    _add(store, "extra", "Grid batteries", "Utilities install grid batteries.", age=timedelta(0))
    assert relevance.match_articles(store, config, models, now=NOW).refitted is None
    for n in range(3):
        _add(store, f"more{n}", f"Solar farm {n}", "A solar farm opened.", age=timedelta(0))
    assert "grew" in (relevance.match_articles(store, config, models, now=NOW).refitted or "")


def test_match_is_incremental_and_suggests_a_story_once(store: Store, workspace: Workspace) -> None:
    config, models = workspace.config(), workspace.models_dir
    cid = _contact(store, "Ada Lindqvist", interests="battery recycling")
    first = relevance.match_articles(store, config, models, now=NOW)
    assert first.suggestions == 2
    again = relevance.match_articles(store, config, models, now=NOW)
    assert again.articles == 0 and again.suggestions == 0
    # The same story syndicated under another URL is not suggested a second time.
    title, text = ARTICLES["battery"]
    _add(store, "battery-copy", title, text + " Reporting by a wire service.", age=timedelta(0))
    _add(
        store,
        "battery-new",
        "Battery recycling plant planned in Ohio",
        ARTICLES["battery2"][1].replace("Cell manufacturers", "Ohio officials"),
        age=timedelta(0),
    )
    third = relevance.match_articles(store, config, models, now=NOW)
    assert third.articles == 2
    keys = _keys(store, [s.article_id for s in store.suggestions(contact_id=cid)])
    assert "battery-copy" not in keys
    # A contact added later is matched against every fresh article, once.
    late = _contact(store, "Bo Lund", interests="battery recycling")
    relevance.match_articles(store, config, models, now=NOW)
    assert len(store.suggestions(contact_id=late)) >= 2


def test_a_story_naming_the_contact_is_news_about_them_not_a_suggestion(
    store: Store, workspace: Workspace
) -> None:
    # Voltcycle's chief executive follows battery recycling; the Voltcycle story names
    # him. Sending it "because you are interested in battery recycling" would be
    # absurd (and cruel, were it bad news): the mention offers the congratulation.
    from pipeline.mentions import scan_new_articles

    config, models = workspace.config(), workspace.models_dir
    named = _add(
        store,
        "battery-ceo",
        "Voltcycle names Idris Marlowe chief executive",
        "Voltcycle, the battery recycling startup, named Idris Marlowe chief executive on "
        "Monday. Marlowe ran battery recycling at a carmaker's Nevada plant, where recycling "
        "lines recover lithium, nickel and cobalt from used battery packs, and he takes "
        "over as Voltcycle doubles its battery recycling capacity.",
        age=timedelta(0),
    )
    cid = _contact(store, "Idris Marlowe", interests="battery recycling", company="Voltcycle")
    assert [m.article_id for m in scan_new_articles(store, now=NOW)] == [named]
    relevance.match_articles(store, config, models, now=NOW)
    suggested = [s.article_id for s in store.suggestions(contact_id=cid)]
    assert sorted(_keys(store, suggested)) == ["battery", "battery2"]
    offered = [r.article.id for r in _suggest(store, workspace, "Idris Marlowe", limit=20)]
    assert named not in offered
    # Once the user says that is someone else, the story is reading like any other.
    (mention,) = store.mentions(contact_id=cid)
    store.set_mention_status(mention.id, "not_them")
    offered = [r.article.id for r in _suggest(store, workspace, "Idris Marlowe", limit=20)]
    assert named in offered[:2]


def test_suggest_for_a_contact_added_since_the_last_run_knows_the_news_naming_them(
    store: Store, run_cli
) -> None:  # type: ignore[no-untyped-def]
    named = _add(
        store,
        "battery-ceo",
        "Voltcycle names Idris Marlowe chief executive",
        "Voltcycle, the battery recycling startup, named Idris Marlowe chief executive on "
        "Monday. Marlowe ran battery recycling at a carmaker's Nevada plant.",
        age=timedelta(0),
    )
    _contact(store, "Idris Marlowe", interests="battery recycling", company="Voltcycle")
    result = run_cli("suggest", "--contact", "Idris Marlowe", "--limit", "20", "--json")
    assert result.exit_code == 0, result.output
    offered = {item["article_url"] for item in json.loads(result.stdout)}
    assert store.article(named).url not in offered and offered
    assert [m.article_id for m in store.mentions()] == [named]


def test_profiles_are_rebuilt_only_when_their_inputs_change(
    store: Store, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, models = workspace.config(), workspace.models_dir
    ada = _contact(store, "Ada Lindqvist", interests="battery recycling")
    _contact(store, "Tom Okafor", interests="football, the cup and league matches")
    built: list[list[int]] = []
    real_build = corpus_module._build_profiles

    def counting(store_, corpus_, contacts, *args):  # type: ignore[no-untyped-def]
        built.append([c.id for c in contacts])
        return real_build(store_, corpus_, contacts, *args)

    monkeypatch.setattr(corpus_module, "_build_profiles", counting)
    relevance.match_articles(store, config, models, now=NOW)
    assert (models / corpus_module.PROFILES_FILE).exists() and len(built[-1]) == 2
    relevance.match_articles(store, config, models, now=NOW)
    assert built[-1] == []  # nothing changed: every profile comes from the cache
    tom = store.find_contact("Tom Okafor")
    store.update_contact(tom.id, replace(tom, interests="rugby and the six nations"))
    relevance.match_articles(store, config, models, now=NOW)
    assert built[-1] == [tom.id]
    first = store.suggestions(contact_id=ada)[0]
    store.set_suggestion_status(first.id, "dismissed")  # feedback changes the profile too
    relevance.match_articles(store, config, models, now=NOW)
    assert built[-1] == [ada]
    # A cached profile is the very one a fresh build gives.
    corpus = corpus_module.load_corpus(store, config.relevance, models, NOW)
    assert corpus is not None
    contacts = store.contacts()
    cached = corpus_module.profiles_for(store, corpus, contacts, relevance.EXPANSION, cache=models)
    fresh = corpus_module.profiles_for(store, corpus, contacts, relevance.EXPANSION)
    assert abs(cached.query - fresh.query).max() < 1e-6
    assert np.allclose(cached.latent, fresh.latent)
    # A damaged cache is rebuilt, not trusted.
    (models / corpus_module.PROFILES_FILE).write_bytes(b"not a cache")
    relevance.match_articles(store, config, models, now=NOW)
    assert len(built[-1]) == 2


def test_old_articles_are_only_suggested_on_demand_and_say_so(workspace: Workspace) -> None:
    store = open_store(workspace.db_path())
    for n, (key, (title, text)) in enumerate(ARTICLES.items()):
        _add(store, key, title, text, age=timedelta(days=30 + n))
    _add(store, "fresh", "Fresh football", ARTICLES["football2"][1], age=timedelta(hours=1))
    _contact(store, "Ada Lindqvist", interests="battery recycling")
    report = relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    assert report.suggestions == 0
    ranked = _suggest(store, workspace, "Ada Lindqvist", limit=3)
    assert _keys(store, [r.article.id for r in ranked])[:2] in (
        ["battery", "battery2"],
        ["battery2", "battery"],
    )
    assert not ranked[0].fresh and not ranked[0].weak


@pytest.mark.parametrize("bad", ["12", "x12", "s", "m-1"])
def test_feedback_ids_need_their_prefix(run_cli, bad: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("sent", bad)
    assert result.exit_code == 2
    assert "s12" in result.stderr and "Traceback" not in result.stderr


def _two_suggestions(store: Store, workspace: Workspace):  # type: ignore[no-untyped-def]
    """A battery-recycling contact matched to the corpus's two battery stories."""
    cid = _contact(store, "Ada Lindqvist", interests="battery recycling")
    relevance.match_articles(store, workspace.config(), workspace.models_dir, now=NOW)
    first, second = store.suggestions(contact_id=cid)
    return cid, first, second


def test_sent_and_dismiss_record_what_the_user_did(
    store: Store, workspace: Workspace, run_cli
) -> None:  # type: ignore[no-untyped-def]
    cid, first, second = _two_suggestions(store, workspace)
    assert run_cli("sent", f"s{first.id}").exit_code == 0
    assert run_cli("dismiss", f"S{second.id}").exit_code == 0
    assert store.suggestion(first.id).status == "sent"
    assert store.suggestion(second.id).status == "dismissed"
    assert store.contact(cid).last_contacted is not None
    assert run_cli("dismiss", "s9999").exit_code == 1
    mention = store.add_mention(
        cid,
        first.article_id,
        first.story_id,
        confidence="high",
        event="award",
        evidence="Ada Lindqvist won.",
        matched="Ada Lindqvist",
    )
    assert mention is not None
    assert run_cli("dismiss", f"m{mention.id}").exit_code == 0
    assert store.mention(mention.id).status == "dismissed"
    assert run_cli("sent", f"m{mention.id}").exit_code == 0
    assert store.mention(mention.id).status == "sent"


def test_sent_and_dismiss_say_when_the_item_was_already_handled(
    store: Store, workspace: Workspace, run_cli
) -> None:  # type: ignore[no-untyped-def]
    cid, first, _ = _two_suggestions(store, workspace)
    assert "Marked" in run_cli("sent", f"s{first.id}").stdout
    contacted = store.contact(cid).last_contacted
    again = run_cli("sent", f"s{first.id}")
    assert again.exit_code == 0 and "already marked as sent to Ada Lindqvist" in again.stdout
    assert store.contact(cid).last_contacted == contacted  # the cooldown did not restart
    flipped = run_cli("dismiss", f"s{first.id}")
    assert "(it was marked sent)" in flipped.stdout
    assert store.suggestion(first.id).status == "dismissed"
    assert "already dismissed" in run_cli("dismiss", f"s{first.id}").stdout


def test_match_cli_prints_a_summary_and_json(store: Store, run_cli) -> None:  # type: ignore[no-untyped-def]
    _contact(store, "Ada Lindqvist", interests="battery recycling")
    _contact(store, "Noor Haddad")
    result = run_cli("match", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["suggestions"] == 2 and data["without_profile"] == 1
    text = run_cli("match")
    assert "Scored 0 new articles" in text.stdout and "1 contact without interests" in text.stdout


def test_match_cli_counts_agree_with_their_nouns(store: Store, run_cli) -> None:  # type: ignore[no-untyped-def]
    _contact(store, "Rui Costa", interests="arabica coffee prices and roasters")
    _add(
        store,
        "award",
        "Roaster of the year",
        "Rui Costa of Lisbon won the roaster of the year award on Friday.",
        age=timedelta(hours=1),
    )
    result = run_cli("match")
    assert result.exit_code == 0, result.output
    assert ": 1 new suggestion (" in result.stdout
    assert ", 1 new press mention (see" in result.stdout


def test_quote_is_never_the_headline() -> None:
    from pipeline.explain import quotables
    from pipeline.textmodel import Document, fit

    title = "Battery recycling plant opens in Nevada"
    text = (
        f"{title}\nThe plant recovers lithium, nickel and cobalt from spent electric vehicle "
        "batteries at industrial scale. Recycled cathode material will be sold to cell makers."
    )
    model, _ = fit([Document(title=title, body=text)])
    (quotable,) = quotables(model, [text], [title])
    assert quotable.sentences and all(title not in s for s in quotable.sentences)


def test_an_article_whose_page_came_later_is_scored_on_its_page(
    store: Store, workspace: Workspace
) -> None:
    # A fetch stored the feed's one-line summary; a later fetch got the page. The
    # article must be vectorised and scored again on the page's text, not on the
    # summary's vector cached under models/.
    article_id, _ = store.add_article(
        NewArticle(
            url="https://news.example.com/late",
            canonical_url="https://news.example.com/late",
            title="Weekly round-up",
            text="Our weekly round-up of the stories you may have missed.",
            extracted=False,
            published=NOW - timedelta(hours=1),
        ),
        fetched_at=NOW - timedelta(hours=1),
    )
    ada = _contact(store, "Ada Lindqvist", interests="battery recycling")
    config, models = workspace.config(), workspace.models_dir
    relevance.match_articles(store, config, models, now=NOW)
    assert article_id not in {s.article_id for s in store.suggestions(contact_id=ada)}
    page = ARTICLES["battery"][1].replace("Voltcycle", "Cellback")
    late = store.article(article_id)
    store.revise_article(
        article_id, NewArticle(late.url, late.canonical_url, late.title, page, extracted=True)
    )
    report = relevance.match_articles(store, config, models, now=NOW)
    assert report.refitted is None  # the cached model, with this article's vector made again
    assert article_id in {s.article_id for s in store.suggestions(contact_id=ada)}
    corpus = corpus_module.load_corpus(store, config.relevance, models, NOW)
    assert corpus is not None
    row = int(np.flatnonzero(corpus.ids == article_id)[0])
    fresh = corpus.model.documents(corpus_module.documents(store, [article_id]))
    assert abs(corpus.vectors[row] - fresh[0]).max() < 1e-6
