"""Reasons and quotes as a reader sees them (pipeline.explain), on hand-written text."""

from __future__ import annotations

import pytest

from pipeline.explain import _names_topic


@pytest.mark.parametrize(
    "term",
    [
        "friday",  # a weekday: when, not what
        "said friday",
        "december",
        "record march",  # "record March 12", a dividend's dates
        "000 tonnes",  # "40,000 tonnes": the number's tail, not a topic
        "5m",  # "$5m"
        "6bn euros",
        "113th",
        "harbour said",  # a name and a reporting verb
        "wire wire",  # "(Wire) - ... (Wire)": one word twice is no phrase
    ],
)
def test_a_term_with_a_word_naming_no_topic_is_no_reason(term: str) -> None:
    assert not _names_topic(term)


@pytest.mark.parametrize(
    "term", ["tanker", "tanker rates", "3g", "3g handsets", "f1", "marching band", "mayor"]
)
def test_topical_terms_stay_reasons(term: str) -> None:
    assert _names_topic(term)
