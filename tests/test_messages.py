"""Drafts: every kind rendered (golden), restraint in tone, mailto encoding, overrides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from golden_files import assert_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.alerts import compose_alert
from pipeline.errors import TemplateError
from pipeline.messages import (
    MAX_WORDS,
    MENTION_DRAFT_KINDS,
    Draft,
    interest_phrase,
    mailto_link,
    mention_draft,
    mention_label,
    share_draft,
)
from pipeline.records import CONFIDENCES, Article, Contact, Mention, Suggestion

WHEN = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def contact(**overrides: object) -> Contact:
    values: dict[str, object] = {
        "name": "Amara Okafor",
        "first_name": "Amara",
        "last_name": "Okafor",
        "company": "Harbourline Freight",
        "title": "Head of Operations",
        "emails": ("amara@harbourline.example",),
        "interests": "maritime logistics, port automation; precious metals investing",
        "id": 4,
    }
    values.update(overrides)
    return Contact(**values)  # type: ignore[arg-type]


def article(**overrides: object) -> Article:
    values: dict[str, object] = {
        "id": 11,
        "url": "https://portweekly.example/2024/05/rotterdam-cranes",
        "canonical_url": "https://portweekly.example/2024/05/rotterdam-cranes",
        "title": "Rotterdam's automated cranes cut vessel turnaround by a fifth",
        "text": "",
        "extracted": True,
        "fetched_at": WHEN,
        "site_name": "Port Weekly",
        "published": WHEN,
    }
    values.update(overrides)
    return Article(**values)  # type: ignore[arg-type]


def suggestion(**overrides: object) -> Suggestion:
    values: dict[str, object] = {
        "id": 21,
        "contact_id": 4,
        "article_id": 11,
        "story_id": 11,
        "score": 0.42,
        "reasons": ("automation", "port", "cranes"),
        "quote": "Automated stacking cranes now handle 60 per cent of container moves at the "
        "Maasvlakte terminals, the operator said.",
        "status": "new",
        "created_at": WHEN,
    }
    values.update(overrides)
    return Suggestion(**values)  # type: ignore[arg-type]


def mention(event: str, confidence: str = "high", **overrides: object) -> Mention:
    values: dict[str, object] = {
        "id": 31,
        "contact_id": 4,
        "article_id": 11,
        "story_id": 11,
        "confidence": confidence,
        "event": event,
        "evidence": "Amara Okafor, head of operations at Harbourline Freight, said the cranes "
        "had changed the terminal.",
        "matched": "Amara Okafor",
        "salience": 2,
        "status": "new",
        "created_at": WHEN,
    }
    values.update(overrides)
    return Mention(**values)  # type: ignore[arg-type]


def as_text(draft: Draft) -> str:
    return f"Subject: {draft.subject}\n\n{draft.body}\n\n{draft.mailto}\n"


def opening(draft: Draft) -> str:
    """The greeting and first sentence: what the recipient reads first."""
    lines = [line for line in draft.body.splitlines() if line.strip()]
    return " ".join(lines[:2])


OWN_PAPER = "Amara Okafor published a study of crane automation in the Journal of Port Operations."


# --- golden drafts ----------------------------------------------------------------------


def test_share_draft_golden() -> None:
    draft = share_draft(contact(), article(), suggestion(), sequence=0)
    assert draft.kind == "share"
    assert_golden("drafts/share.txt", as_text(draft))


@pytest.mark.parametrize("kind", MENTION_DRAFT_KINDS)
def test_mention_draft_golden(kind: str) -> None:
    draft = mention_draft(contact(), article(), mention(kind), sequence=0)
    assert draft is not None and draft.kind == kind
    assert_golden(f"drafts/{kind}.txt", as_text(draft))


def test_a_publication_of_their_own_is_congratulated_golden() -> None:
    # The fixture's evidence is a quote ("..., said the cranes had changed the
    # terminal"), drafted as "saw you quoted"; this one is a paper of their own.
    draft = mention_draft(
        contact(), article(), mention("publication", evidence=OWN_PAPER), sequence=0
    )
    assert draft is not None
    assert_golden("drafts/publication-own.txt", as_text(draft))


@pytest.mark.parametrize("sequence", range(3))
def test_a_quote_is_never_congratulated(sequence: int) -> None:
    for confidence in ("high", "verify"):
        draft = mention_draft(
            contact(), article(), mention("publication", confidence), sequence=sequence
        )
        assert draft is not None
        text = f"{draft.subject} {draft.body}".lower()
        assert "congratulat" not in text and "publication" not in text
        assert "quoted" in text or "comments" in text


def test_a_quote_is_labelled_as_one() -> None:
    assert mention_label(mention("publication"), article()) == "quoted in the press"
    own = mention("publication", evidence=OWN_PAPER)
    assert mention_label(own, article()) == "publication or talk"
    assert mention_label(mention("new_role"), article()) == "new role"
    quoted = mention("publication")
    alert = compose_alert(contact(), article(), quoted, mention_draft(contact(), article(), quoted))
    assert "in the news: quoted in the press" in alert.subject
    assert alert.mention["event"] == "publication"  # the JSON contract keeps the event


def test_verify_draft_golden() -> None:
    draft = mention_draft(contact(), article(), mention("new_role", "verify"), sequence=0)
    assert draft is not None
    assert_golden("drafts/new_role-verify.txt", as_text(draft))


# --- what a draft says --------------------------------------------------------------------


UNTITLED_URL = "https://portweekly.example/?p=48213"


@pytest.mark.parametrize("variant", range(4))
def test_an_untitled_article_is_named_by_its_description_not_its_address(variant: int) -> None:
    untitled = article(
        title="",
        url=UNTITLED_URL,
        canonical_url=UNTITLED_URL,
        description="Rotterdam's new cranes moved 60 per cent of containers in May. The "
        "operator plans two more berths.",
        text="Automated stacking cranes now handle most container moves.",
    )
    draft = share_draft(contact(), untitled, suggestion(), sequence=variant)
    assert "http" not in draft.subject
    assert draft.body.count(UNTITLED_URL) == 1  # the link itself, once
    assert "Rotterdam's new cranes moved 60 per cent of containers in May." in draft.body
    assert "two more berths" not in draft.body  # one sentence stands for a title
    congratulation = mention_draft(contact(), untitled, mention("award"), sequence=variant)
    assert congratulation.body.count(UNTITLED_URL) == 1


def test_an_untitled_article_without_a_description_is_named_by_its_first_sentence() -> None:
    untitled = article(
        title="",
        url=UNTITLED_URL,
        canonical_url=UNTITLED_URL,
        text="Harbourline Freight opened a second terminal in Gdansk on Monday. It cost EUR 40m.",
    )
    draft = share_draft(contact(), untitled, suggestion(), sequence=0)
    assert "Harbourline Freight opened a second terminal in Gdansk on Monday." in draft.body
    assert "EUR 40m" not in draft.body and "http" not in draft.subject
    bare = article(title="", url=UNTITLED_URL, canonical_url=UNTITLED_URL, text="")
    assert UNTITLED_URL in share_draft(contact(), bare, suggestion(), sequence=0).body


def test_share_draft_is_personal() -> None:
    draft = share_draft(contact(), article(), suggestion(), sequence=1)
    assert draft.body.startswith(("Hi Amara,", "Hello Amara,", "Hey Amara,"))
    assert "port automation" in draft.body  # their own words, not "automation, port, cranes"
    assert "automation, port" not in draft.body
    assert "Automated stacking cranes now handle 60 per cent" in draft.body
    assert article().url in draft.body


def test_nickname_is_the_greeting() -> None:
    draft = share_draft(contact(nickname="Mara"), article(), suggestion(), sequence=0)
    assert "Mara," in draft.body.splitlines()[0]


@pytest.mark.parametrize(
    ("name", "parts", "greeting"),
    [
        ("Dr. Chen", {"honorific": "Dr.", "last_name": "Chen"}, "Dr. Chen"),
        ("de la Cruz", {"last_name": "de la Cruz"}, "de la Cruz"),
        ("J. R. Hartley", {"first_name": "J.", "middle_name": "R.", "last_name": "Hartley"},
         "J. R. Hartley"),
    ],
)  # fmt: skip
def test_without_a_first_name_the_greeting_is_no_fragment(
    name: str, parts: dict[str, str], greeting: str
) -> None:
    # "Hey Dr.," and "Hi de," were the first word of the name; an initial is no name
    # to open a message with either.
    who = contact(**{"name": name, "first_name": "", "last_name": "", **parts})
    draft = share_draft(who, article(), suggestion(), sequence=0)
    assert draft.body.splitlines()[0].endswith(f" {greeting},")


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_negative_news_never_gets_a_draft(confidence: str) -> None:
    assert mention_draft(contact(), article(), mention("negative", confidence)) is None


@pytest.mark.parametrize("kind", MENTION_DRAFT_KINDS)
def test_verify_mention_is_asked_not_asserted(kind: str) -> None:
    sure = mention_draft(contact(), article(), mention(kind, "high"), sequence=0)
    unsure = mention_draft(contact(), article(), mention(kind, "verify"), sequence=0)
    assert sure is not None and unsure is not None
    assert re.search(r"\b(wondered|whether|if so|was this|may be)\b", unsure.body, re.I), (
        unsure.body
    )
    assert not re.search(r"\b(I just saw the news|Congratulations on)\b", unsure.body)
    assert sure.body != unsure.body


def test_congratulation_kinds_each_congratulate() -> None:
    for kind in ("new_role", "award", "funding", "launch", "publication"):
        # A publication of their own (a quote of them is not congratulated: see below).
        own = {"evidence": OWN_PAPER} if kind == "publication" else {}
        draft = mention_draft(contact(), article(), mention(kind, **own), sequence=0)
        assert draft is not None and "congratulat" in draft.body.lower(), kind


NOMINATED = (
    "Amara Okafor is among the nominees for the Port Operator of the Year prize, to be "
    "announced in June."
)


@pytest.mark.parametrize("turn", range(3))
def test_a_nomination_is_congratulated_as_one_not_as_a_win(turn: int) -> None:
    draft = mention_draft(contact(), article(), mention("award", evidence=NOMINATED), sequence=turn)
    assert draft is not None
    text = f"{draft.subject} {draft.body}".lower()
    assert "your award" not in text and "recognition" not in draft.subject.lower()
    assert re.search(r"nominat|shortlist|congratulations", text), text
    unsure = mention_draft(
        contact(), article(), mention("award", "verify", evidence=NOMINATED), sequence=turn
    )
    assert unsure is not None and "nominees" in unsure.body and "winner" not in unsure.body
    won = mention_draft(contact(), article(), mention("award"), sequence=turn)
    assert won is not None and "nominat" not in won.body.lower()


def test_authored_and_company_news_phrasing() -> None:
    authored = mention_draft(contact(), article(), mention("authored"), sequence=0)
    news = mention_draft(contact(), article(), mention("company_news"), sequence=0)
    assert authored is not None and "enjoyed" in authored.body.lower()
    assert "your piece" in authored.body or "your article" in authored.body
    assert news is not None and "Harbourline Freight" in news.body
    assert "congratulat" not in news.body.lower()
    phrasings = {
        mention_draft(contact(id=0), article(), mention("company_news"), sequence=turn).body  # type: ignore[union-attr]
        for turn in range(3)
    }
    assert any("saw the news about Harbourline Freight" in body for body in phrasings)
    pieces = {
        mention_draft(contact(id=0), article(), mention("authored"), sequence=turn).body  # type: ignore[union-attr]
        for turn in range(3)
    }
    assert any("enjoyed your piece on" in body for body in pieces)


def test_unknown_event_gets_the_neutral_note() -> None:
    draft = mention_draft(contact(), article(), mention("promotion_rumour"), sequence=0)
    assert draft is not None and draft.kind == "other"
    assert "congratulat" not in draft.body.lower()


@pytest.mark.parametrize("kind", ("share", *MENTION_DRAFT_KINDS))
def test_same_person_never_gets_the_same_opening_twice_in_a_row(kind: str) -> None:
    for person in (contact(id=1), contact(id=2), contact(id=7)):
        previous = None
        for turn in range(6):
            if kind == "share":
                draft = share_draft(person, article(), suggestion(), sequence=turn)
            else:
                found = mention_draft(person, article(), mention(kind), sequence=turn)
                assert found is not None
                draft = found
            if previous is not None:
                assert opening(draft) != opening(previous), (kind, person.id, turn)
            previous = draft


LONG_TITLE = " ".join(["Extraordinarily"] * 40)
LONG_QUOTE = " ".join(["word"] * 120) + "."


@pytest.mark.parametrize("kind", ("share", *MENTION_DRAFT_KINDS))
@pytest.mark.parametrize("confidence", ("high", "verify"))
def test_drafts_are_short_and_calm(kind: str, confidence: str) -> None:
    person = contact(interests=" ".join(["very long interest phrase"] * 10), company="A " * 30)
    piece = article(title=LONG_TITLE, site_name="The " + "Long " * 20 + "Gazette")
    for turn in range(4):
        if kind == "share":
            draft = share_draft(person, piece, suggestion(quote=LONG_QUOTE), sequence=turn)
        else:
            found = mention_draft(person, piece, mention(kind, confidence), sequence=turn)
            assert found is not None
            draft = found
        assert len(draft.body.split()) < MAX_WORDS, draft.body
        assert draft.body.count("!") <= 1 and draft.subject.count("!") == 0


def test_duck_typed_suggestion_is_enough() -> None:
    @dataclass(frozen=True)
    class Scored:
        id: int
        score: float
        reasons: tuple[str, ...]
        quote: str

    draft = share_draft(contact(), article(), Scored(5, 0.3, ("logistics",), "Ships wait."))
    assert "maritime logistics" in draft.body and '"Ships wait."' in draft.body


def test_without_quote_or_interests_the_draft_still_reads() -> None:
    draft = share_draft(
        contact(interests=""), article(), suggestion(reasons=(), quote=""), sequence=0
    )
    assert '""' not in draft.body and "interest in" not in draft.body
    assert article().url in draft.body


# --- interest phrase ----------------------------------------------------------------------


def test_interest_phrase_prefers_the_contacts_own_words() -> None:
    interests = "precious metals investing, maritime logistics; coffee"
    assert interest_phrase(interests, ("logistic", "freight")) == "maritime logistics"
    assert interest_phrase(interests, ("invest", "metal", "gold")) == "precious metals investing"


def test_interest_phrase_follows_the_strongest_reason() -> None:
    # One word each: the phrase holding the stronger reason (reasons come best first)
    # is the one the story is about, not the one listed first.
    interests = "wheat futures, coffee sourcing"
    assert interest_phrase(interests, ("coffee", "futures", "arabica")) == "coffee sourcing"
    assert interest_phrase(interests, ("futures", "wheat", "coffee")) == "wheat futures"


def test_interest_phrase_is_empty_rather_than_a_guess() -> None:
    # No interest phrase the article matches: the draft opens without naming one.
    assert interest_phrase("knitting", ("arabica", "futures", "brazil")) == ""
    assert interest_phrase("", ()) == ""


# --- mailto -------------------------------------------------------------------------------


def test_mailto_encodes_non_ascii_and_line_breaks() -> None:
    body = "Hallo Zoë,\n\nSchön: “Café” & more?\r\nZeile drei\rEnde #1 100% + more"
    link = mailto_link("zoë.müller@example.com", "Grüße & ☕ = 1?", body)
    assert link.startswith("mailto:")
    assert not re.search(r"[\s\"<>\x80-\U0010ffff]", link)  # ASCII, no spaces or breaks
    assert "+" not in link.split("?", 1)[1]  # spaces are %20, never +
    parts = urlsplit(link)
    assert unquote(parts.path) == "zoë.müller@example.com"
    fields = parse_qs(parts.query, keep_blank_values=True)
    assert set(fields) == {"subject", "body"}
    assert fields["subject"] == ["Grüße & ☕ = 1?"]
    assert fields["body"] == [
        "Hallo Zoë,\r\n\r\nSchön: “Café” & more?\r\nZeile drei\r\nEnde #1 100% + more"
    ]
    assert "%0D%0A%0D%0A" in link and "%C3%AB" in link  # CRLF pairs, UTF-8 bytes


def test_mailto_without_email_still_opens_a_draft() -> None:
    link = mailto_link("", "Hi", "Body")
    assert link == "mailto:?subject=Hi&body=Body"
    draft = share_draft(contact(emails=()), article(), suggestion(), sequence=0)
    assert draft.mailto.startswith("mailto:?subject=")


def test_mailto_address_delimiters_are_encoded() -> None:
    link = mailto_link("odd?name&x@example.com", "s", "b")
    assert link.startswith("mailto:odd%3Fname%26x@example.com?subject=")


# --- templates ----------------------------------------------------------------------------


def test_workspace_template_overrides_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "share.txt").write_text(
        "Subject: For {{ name }}: {{ title | shorten(3) }}\n\n"
        "{{ name }}, {{ interest }} — {{ url }}\n",
        encoding="utf-8",
    )
    draft = share_draft(contact(), article(), suggestion(), templates_dir=tmp_path)
    assert draft.subject == "For Amara: Rotterdam's automated cranes…"
    assert draft.body == f"Amara, port automation — {article().url}"
    # kinds the user did not override still come from the package
    other = mention_draft(contact(), article(), mention("award"), templates_dir=tmp_path)
    assert other is not None and "award" in other.body


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Subject: x\n\nHello {{ nmae }}\n", "line 3", "'nmae' is undefined"),
        ("Subject: x\n{% if %}\n", "line 2", "Expected an expression"),
        ("Subject: x\n\n\n{{ contact.shoe_size }}\n", "line 4", "shoe_size"),
        ("Subject: x\n\n{{ title | nosuchfilter }}\n", "line 3", "nosuchfilter"),
    ],
)
def test_broken_user_template_is_a_clear_error(
    tmp_path: Path, text: str, line: str, fragment: str
) -> None:
    path = tmp_path / "share.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        share_draft(contact(), article(), suggestion(), templates_dir=tmp_path)
    message = str(caught.value)
    assert str(path) in message and line in message and fragment in message, message
    assert "\n" not in message


def test_template_without_a_subject_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "award.txt"
    path.write_text("Well done {{ name }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=re.escape(str(path)) + ".*Subject"):
        mention_draft(contact(), article(), mention("award"), templates_dir=tmp_path)


@settings(max_examples=200, deadline=None)
@given(
    subject=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60),
    body=st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200),
)
def test_mailto_round_trips_any_text(subject: str, body: str) -> None:
    link = mailto_link("someone@example.com", subject, body)
    assert link.isascii() and not re.search(r"\s", link)
    query = urlsplit(link).query
    fields = dict(part.split("=", 1) for part in query.split("&"))
    assert set(fields) == {"subject", "body"}
    assert unquote(fields["subject"], errors="strict") == subject
    assert unquote(fields["body"], errors="strict") == re.sub(r"\r\n|\r|\n", "\r\n", body)


def test_interest_phrase_never_names_a_company_or_an_inferred_reason() -> None:
    # Imported with a company and a title only: the reasons are their employer's name
    # and inferred words, none of them an interest they told anyone about.
    reasons = ("vantor aerospace", "ships (related)", "container (related)")
    assert interest_phrase("", reasons) == ""
    assert interest_phrase("container shipping", reasons) == "container shipping"


def test_a_quote_that_opens_with_quotation_marks_is_not_quoted_twice() -> None:
    said = '"Automation is no longer optional," said the port\'s chief engineer.'
    body = share_draft(contact(), article(), suggestion(quote=said), sequence=0).body
    assert said in body and '""' not in body
    plain = share_draft(
        contact(), article(), suggestion(quote="Cranes cut turnaround."), sequence=0
    )
    assert '"Cranes cut turnaround."' in plain.body


@pytest.mark.parametrize("sequence", range(4))
@pytest.mark.parametrize("kind", MENTION_DRAFT_KINDS)
def test_a_name_or_title_ending_in_punctuation_gets_no_second_stop(
    kind: str, sequence: int
) -> None:
    # "the round at Quillfeather Ltd.. That's" and "your piece on Is gold overvalued?.
    # Thanks": the template's full stop after a name or title that has its own.
    who = contact(company="Quillfeather Ltd.")
    piece = article(title="Is gold overvalued?", site_name="Bullion Notes Inc.")
    draft = mention_draft(who, piece, mention(kind, evidence=OWN_PAPER), sequence=sequence)
    assert draft is not None
    assert not re.search(r"(?<!\.)\.\.(?!\.)|[?!…]\.", draft.body + draft.subject), draft.body


@pytest.mark.parametrize("sequence", range(3))
@pytest.mark.parametrize("kind", MENTION_DRAFT_KINDS)
def test_an_organisation_beside_the_name_is_not_called_theirs(kind: str, sequence: int) -> None:
    # "Nadia Okafor, a partner at Fernhill Ventures, led the round in Vela Robotics":
    # the organisation beside the name may be an investor, a former employer or a
    # client. Drafted as theirs it read "Congratulations on the round at Fernhill
    # Ventures", a fact the article never states.
    beside = mention(kind, evidence=OWN_PAPER, context="Fernhill Ventures")
    draft = mention_draft(contact(company=""), article(), beside, sequence=sequence)
    assert draft is not None
    assert "Fernhill" not in draft.subject + draft.body


@pytest.mark.parametrize(
    "evidence",
    [
        "Vela Robotics has hired Amara Okafor as chief operating officer.",
        "Amara Okafor joins Vela Robotics from Harbourline Freight as chief operating officer.",
        "Amara Okafor, formerly of Harbourline Freight, was named chief executive at Vela.",
        "Amara Okafor, who left Harbourline Freight in March, will lead Vela Robotics.",
        "Amara Okafor has been named chief operating officer.",
    ],
)
@pytest.mark.parametrize("sequence", range(2))
def test_a_new_role_is_not_placed_at_the_company_they_left(evidence: str, sequence: int) -> None:
    # The saved company is where they worked when the user saved them. After a move,
    # "Congratulations on the new role at Harbourline Freight" congratulates them on
    # the job they left; the new role is named there only when the news says so.
    moved = mention("new_role", evidence=evidence)
    draft = mention_draft(contact(), article(), moved, sequence=sequence)
    assert draft is not None
    assert "Harbourline" not in draft.subject + draft.body
    assert "new role" in draft.body.lower()


@pytest.mark.parametrize(
    "evidence",
    [
        "Harbourline Freight promoted Amara Okafor to chief operating officer.",
        "Amara Okafor was named chief operating officer of Harbourline Freight Ltd.",
    ],
)
def test_a_new_role_at_their_own_company_names_it(evidence: str) -> None:
    promoted = mention("new_role", evidence=evidence)
    draft = mention_draft(contact(), article(), promoted, sequence=0)
    assert draft is not None
    assert "new role at Harbourline Freight" in draft.body
