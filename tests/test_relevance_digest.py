"""The digest never shows weak suggestions: those stored by `suggest` are for on-demand lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from relevance_corpus import ARTICLES, store_articles

from pipeline import relevance
from pipeline.digest import build_digest
from pipeline.records import ContactFields
from pipeline.store import open_store
from pipeline.workspace import Workspace

NOW = datetime.now(UTC).replace(microsecond=0)


def test_weak_suggestions_from_suggest_stay_out_of_the_digest(workspace: Workspace) -> None:
    store = open_store(workspace.db_path())
    store_articles(store, ARTICLES, now=NOW)
    contact = store.add_contact(
        ContactFields(name="Rui Costa", interests="arabica coffee prices and roasters")
    )
    config = workspace.config()
    ranked = relevance.suggest_for(
        store, config, workspace.models_dir, contact, limit=len(ARTICLES), now=NOW
    )
    weak = {r.id for r in ranked if r.weak}
    strong = {r.id for r in ranked if not r.weak}
    assert weak and strong  # the on-demand list holds both, all stored
    assert {s.id for s in store.suggestions(contact_id=contact.id)} == weak | strong
    assert {s.id for s in store.suggestions() if s.weak} == weak

    candidates = store.digest_suggestions(NOW.date(), until=NOW + timedelta(minutes=1))
    assert {s.id for s in candidates} == strong

    digest = build_digest(store, config, workspace, day=NOW.date(), now=NOW)
    shown = {item.suggestion.id for item in digest.shares}
    assert shown and not shown & weak
