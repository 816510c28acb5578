"""Reasons and quotes as a reader sees them (pipeline.explain), on hand-written text."""

from __future__ import annotations

import pytest

from pipeline.explain import MAX_REASONS, RELATED, _names_topic, _reasons, quotables, sentences


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
        "ap",  # a wire agency's name from a dateline or byline: who filed it
        "reuters",
        "afp correspondent",
    ],
)
def test_a_term_with_a_word_naming_no_topic_is_no_reason(term: str) -> None:
    assert not _names_topic(term)


@pytest.mark.parametrize(
    "term",
    ["tanker", "tanker rates", "3g", "3g handsets", "f1", "marching band", "mayor", "apple"],
)
def test_topical_terms_stay_reasons(term: str) -> None:
    assert _names_topic(term)


def _shown(own: list[tuple[float, str]], related: list[tuple[float, str]] = ()) -> list[str]:  # type: ignore[assignment]
    """The reasons `_reasons` names for shared terms scored (contribution, name)."""
    names = [n for _, n in own] + [n for _, n in related]
    ranked = [(v, i, True) for i, (v, _) in enumerate(own)]
    ranked += [(v, len(own) + i, False) for i, (v, _) in enumerate(related)]
    ranked.sort(reverse=True)
    return _reasons(names, ranked, MAX_REASONS)


def test_a_word_in_two_forms_is_one_reason() -> None:
    # Before: ['gadgets', 'gadget', 'technology']: the reader sees the same word twice.
    assert _shown([(0.5, "gadgets"), (0.4, "gadget"), (0.3, "technology")]) == [
        "gadgets",
        "technology",
    ]
    assert _shown([(0.6, "interest rates"), (0.5, "interest rate"), (0.4, "inflation")]) == [
        "interest rates",
        "inflation",
    ]
    assert _shown([(0.6, "mobile phone"), (0.5, "phones"), (0.4, "video")]) == [
        "mobile phone",
        "video",
    ]
    # A bigram absorbs its words in either form ("rates", then "interest rate").
    assert _shown([(0.6, "rates"), (0.5, "interest rate"), (0.4, "jobs")]) == [
        "interest rate",
        "jobs",
    ]
    assert _shown([(0.5, "policies"), (0.4, "policy"), (0.3, "trade")]) == ["policies", "trade"]


def test_a_word_whose_s_makes_no_plural_is_its_own_reason() -> None:
    # Before: ['news', 'media']: "new" was taken for a second form of "news".
    assert _shown([(0.5, "news"), (0.4, "new"), (0.3, "media")]) == ["news", "new", "media"]
    assert _shown([(0.5, "gas"), (0.4, "ga")]) == ["gas", "ga"]
    assert _shown([(0.5, "news"), (0.4, "news")]) == ["news"]


def test_a_related_term_repeating_the_contacts_own_words_is_not_shown() -> None:
    # Before: ['films', 'film (related)', ...] and ['rugby', 'football',
    # 'rugby football (related)', ...]: the inferred term says nothing the
    # contact's own words did not.
    assert _shown([(0.5, "films")], [(0.45, "film"), (0.3, "festival")]) == [
        "films",
        "festival" + RELATED,
    ]
    assert _shown(
        [(0.6, "rugby"), (0.5, "football")], [(0.55, "rugby football"), (0.3, "rugby union")]
    ) == ["rugby", "football", "rugby union" + RELATED]


def test_a_related_phrase_extending_the_contacts_word_stays() -> None:
    # "tanker" they wrote stays theirs, and "tanker rates" adds what they did not say.
    assert _shown([(0.5, "tanker")], [(0.4, "tanker rates")]) == [
        "tanker",
        "tanker rates" + RELATED,
    ]


def test_a_quoted_sentence_keeps_its_closing_quote_mark() -> None:
    # Before: '"The harbour is full.' and 'He told reporters: "We will reopen.' — the
    # mark closing the speaker's words went with the space after the sentence.
    text = (
        '"The harbour is full." Ships wait outside the breakwater. '
        'He told reporters: "We will reopen on Monday." (Tugs stand by.) The end.'
    )
    assert sentences(text) == [
        '"The harbour is full."',
        "Ships wait outside the breakwater.",
        'He told reporters: "We will reopen on Monday."',
        "(Tugs stand by.)",
        "The end.",
    ]


def test_a_sentence_does_not_end_at_an_initial_or_abbreviation() -> None:
    # Before: "... President George W." / "Bush met ...", "... due on Sept." / "14 ...",
    # "the U.S." / "Maritime Commission said ...": quotes cut mid-sentence.
    text = (
        "President George W. Bush met the U.N. envoy on Sept. 14 at No. 10 Downing Street. "
        "Dr. Ruiz and Mr. Okafor of the U.S. Maritime Commission said the port would reopen. "
        "Freight rates rose. Tanker traffic fell by a third."
    )
    assert sentences(text) == [
        "President George W. Bush met the U.N. envoy on Sept. 14 at No. 10 Downing Street.",
        "Dr. Ruiz and Mr. Okafor of the U.S. Maritime Commission said the port would reopen.",
        "Freight rates rose.",
        "Tanker traffic fell by a third.",
    ]


def test_a_line_break_still_ends_a_sentence_after_an_initial() -> None:
    assert sentences("Photo: J. Smith for the U.S.\nThe harbour reopened today.") == [
        "Photo: J. Smith for the U.S.",
        "The harbour reopened today.",
    ]


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("PORTSMOUTH (Wirenews) - Tanker traffic through the strait fell by a third.", ""),
        ("Wirenews - Tanker traffic through the strait fell by a third.", ""),
        ("ROTTERDAM, Netherlands -- Tanker traffic through the strait fell by a third.", ""),
        ("SAN PEDRO, Calif. -- Tanker traffic through the strait fell by a third.", ""),
        ("LE HAVRE, Sept. 3 (Wirenews) -- Tanker traffic through the strait fell by a third.", ""),
        (
            "Valletta, Malta (Harbour Radio) - Tanker traffic through the strait fell by a third.",
            "",
        ),
        ("GDANSK : Tanker traffic through the strait fell by a third.", ""),
        ("-- Tanker traffic through the strait fell by a third.", ""),
        ("Wirenews.com - OSLO, Norway -- Tanker traffic through the strait fell by a third.", ""),
        # Dashes inside a sentence are the sentence's own.
        ("Tanker traffic - once the port's mainstay - fell by a third this year.", None),
        ("The Port Authority (PA) - its board met today - cut fees for tankers.", None),
    ],
)
def test_a_quote_leaves_out_the_dateline(sentence: str, quoted: str | None) -> None:
    # Before: "PORTSMOUTH (Wirenews) - Tanker traffic ...": the quote opened with where
    # and by whom the story was filed, which says nothing about the contact's interest.
    from pipeline.textmodel import Document, fit

    text = f"{sentence}\nPilots expect the traffic to recover when the new berths open next spring."
    model, _ = fit([Document(title="Strait traffic", body=text)])
    (quotable,) = quotables(model, [text], ["Strait traffic"])
    expected = "Tanker traffic through the strait fell by a third." if quoted == "" else sentence
    assert quotable.sentences[0] == expected
