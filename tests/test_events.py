"""Event kinds, one block of hand-written articles per kind, and the negative guard."""

from __future__ import annotations

import pytest
from mention_fixtures import article

from pipeline.events import EventContext, classify, negative_cue, positive_kind, quoted_only
from pipeline.mentions import MentionIndex, analyse, scan_new_articles
from pipeline.messages import mention_draft
from pipeline.records import Contact, ContactFields, NewArticle
from pipeline.store import open_store
from pipeline.workspace import Workspace

NADIA = Contact(
    id=1,
    name="Nadia Okafor",
    first_name="Nadia",
    last_name="Okafor",
    company="Brightwater Analytics",
    title="Chief Data Officer",
)
INDEX = MentionIndex([NADIA])


def event_of(title: str, text: str, author: str | None = None) -> str:
    found = analyse(article(title, text, author), INDEX)
    assert len(found) == 1, found
    return found[0].event


BLOCKS = {
    "new_role": [
        (
            "Brightwater Analytics names new data chief",
            "Brightwater Analytics has appointed Nadia Okafor as chief data officer, the "
            "company said on Tuesday. Okafor previously led analytics at a logistics firm.",
        ),
        (
            "Harbourline hires analytics veteran",
            "Nadia Okafor joins Harbourline as head of data science after six years at "
            "Brightwater Analytics.",
        ),
        (
            "Promotions at Brightwater",
            "Nadia Okafor was promoted to chief operating officer at Brightwater Analytics.",
        ),
        # "names" the verb of a headline, not the plural noun.
        (
            "Harbourline names Nadia Okafor CFO",
            "Harbourline names Nadia Okafor CFO, effective in March. She spent six years "
            "at Brightwater Analytics.",
        ),
        (
            "Harbourline names Nadia Okafor as its new head of data",
            "The insurer said on Monday that it had picked Nadia Okafor after a long search.",
        ),
    ],
    "award": [
        (
            "Data leaders recognised",
            "Nadia Okafor of Brightwater Analytics won the Data Leader of the Year award at "
            "the annual Insight Gala in Leeds.",
        ),
        (
            "The 40 under 40 in analytics",
            "This year's list names Nadia Okafor to the 40 Under 40 list for her work on "
            "open flood-risk models.",
        ),
        # The number spelled out, and the list's people called its honourees.
        (
            "Forty Under 40: the class of 2026",
            "This year's honourees include Ann Lo, Nadia Okafor of Brightwater Analytics "
            "and Hal Ito.",
        ),
        (
            "Meet the Thirty Under Thirty",
            "Nadia Okafor of Brightwater Analytics is among this year's honorees.",
        ),
    ],
    "funding": [
        (
            "Brightwater Analytics raises $40 million",
            "Brightwater Analytics raised $40 million in a Series B round led by Fernhill "
            "Ventures. Nadia Okafor, its chief data officer, said the money would fund hiring.",
        ),
    ],
    "launch": [
        (
            "A new tool for flood forecasting",
            "Nadia Okafor unveiled FloodLens, an open forecasting toolkit, at a press "
            "briefing on Wednesday.",
        ),
    ],
    "publication": [
        (
            "Flood survey results due",
            "Nadia Okafor said the names of the families who paid for the survey would "
            "stay private.",
        ),
        (
            "Data summit line-up announced",
            "Nadia Okafor will speak at the Northern Data Summit in May on responsible "
            "forecasting.",
        ),
        (
            "Why models fail in floods",
            "Nadia Okafor publishes a new paper on the limits of hydrological models.",
        ),
        (
            "Forecasters brace for wet spring",
            'Rain is expected to persist. "The models are converging," said Nadia Okafor, '
            "a forecaster who has studied the region for a decade.",
        ),
        # An expert quoted on someone else's bad news is quoted, not sued.
        (
            "File transfer vendor Crestline sued by customers",
            "Customers sued Crestline over a breach of its transfer service. "
            '"Lawsuits like this will become more common," said Nadia Okafor, threat '
            "intelligence lead at Redline Labs.",
        ),
        (
            "Ransomware gang behind Crestline attack, researchers say",
            "Crestline faces a class action. Nadia Okafor, research director at Redline "
            "Labs, said the campaign had been run by a gang that had hit dozens of firms.",
        ),
        # Quoted as her company names someone else: their new role, not hers.
        (
            "Brightwater Analytics names Tomas Reyes chief commercial officer",
            "Brightwater Analytics has named Tomas Reyes chief commercial officer. "
            '"We are delighted to welcome him," said chief data officer Nadia Okafor.',
        ),
    ],
    "company_news": [
        (
            "Brightwater Analytics opens Glasgow office",
            "Brightwater Analytics will open an office in Glasgow next month. The firm, "
            "where Nadia Okafor has worked since 2019, expects to employ 30 people there.",
        ),
    ],
    "other": [
        # Someone else's promotion, reporting to her: no congratulation for her.
        (
            "Harbourline promotes Tomas Reyes to head of data",
            "Harbourline promoted Tomas Reyes to head of data on Monday. Reyes will report "
            "to Nadia Okafor and join the executive committee.",
        ),
        (
            "Allotment society holds spring fair",
            "Residents queued for seedlings on Saturday. Among the volunteers was Nadia "
            "Okafor, who ran the tombola.",
        ),
    ],
    "negative": [
        (
            "Investors file suit",
            "Nadia Okafor was named in a lawsuit filed by former investors on Friday.",
        ),
        (
            "Administrators appointed",
            "Nadia Okafor was appointed administrator in the bankruptcy of Tidewell Foods.",
        ),
        (
            "Brightwater data chief departs",
            "Nadia Okafor steps down after an internal investigation into the handling of "
            "client data.",
        ),
        (
            "Brightwater Analytics cuts 200 jobs",
            "Brightwater Analytics said it would lay off 200 staff. Chief data officer Nadia "
            "Okafor was promoted to lead the restructuring.",
        ),
        (
            "Obituary: a life in numbers",
            "Nadia Okafor, who built Brightwater Analytics' first forecasting team, died on "
            "Sunday aged 61.",
        ),
        (
            "Founder charged",
            "Prosecutors charged Nadia Okafor with fraud on Thursday; she denies wrongdoing.",
        ),
        (
            "Data breach at Brightwater",
            "Hackers stole customer records. Nadia Okafor said the company had informed "
            "regulators.",
        ),
        (
            "Product recall",
            "Brightwater Analytics announced a recall of its sensor kits, and Nadia Okafor "
            "apologised to customers.",
        ),
    ],
}


@pytest.mark.parametrize(
    ("kind", "title", "text"),
    [(kind, title, text) for kind, items in BLOCKS.items() for title, text in items],
)
def test_event_kind_of_hand_written_articles(kind: str, title: str, text: str) -> None:
    assert event_of(title, text) == kind


def test_author_is_authored_but_bad_news_about_them_is_still_negative() -> None:
    assert event_of("Five lessons from flood models", "Models fail.", "Nadia Okafor") == (
        "authored"
    )
    assert (
        event_of(
            "What the recall taught me",
            "Writing about the sensor recall was hard.",
            author="Nadia Okafor",
        )
        == "authored"
    )
    assert (
        event_of("A column", "Nadia Okafor was arrested on Monday.", author="Nadia Okafor")
        == "negative"
    )


def test_negative_wins_over_positive_in_the_same_sentence() -> None:
    context = EventContext(
        mention_sentences=["Nadia Okafor was named in the lawsuit and appointed as a witness."]
    )
    assert classify(context).event == "negative"
    assert negative_cue("She was named in a lawsuit") == "lawsuit"
    assert negative_cue("She was named chief executive") is None


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("award", "Nadia Okafor, head of fraud prevention at Brightwater, won the Data Leader "
         "of the Year award."),
        ("award", "Nadia Okafor, a litigation partner at Hale & Co, was named partner of the "
         "year."),
        ("new_role", "Nadia Okafor, who leads the investigations team, was promoted to chief "
         "operating officer."),
        ("new_role", "Nadia Okafor, an expert in corporate insolvency, joins Harbourline as "
         "general counsel."),
        ("launch", "Nadia Okafor unveiled an anti-money laundering toolkit for small banks."),
        ("funding", "Nadia Okafor's fund led Loomly's $40 million funding round; the "
         "start-up's software helps shops detect fraudulent card payments."),
        ("launch", "Nadia Okafor launched a crash test laboratory in Leeds."),
        # ...but bad news about someone who works in such a field is still bad news
        ("negative", "Nadia Okafor, head of fraud prevention at Brightwater, was arrested on "
         "Monday."),
        ("negative", "Nadia Okafor, a litigation partner, was promoted weeks before she was "
         "charged with fraud."),
        ("negative", "Nadia Okafor was appointed investigator in the fraud at Tidewell Foods."),
    ],
)  # fmt: skip
def test_a_field_of_work_is_not_bad_news(kind: str, text: str) -> None:
    # Fraud, security, litigation and insolvency people win awards and get promoted
    # too; "no congratulation" on every one of those was the guard misfiring.
    assert event_of("People", text) == kind


def test_the_contacts_own_company_and_title_are_not_bad_news() -> None:
    founder = Contact(id=2, name="Ines Varga", company="Recall Foods", title="Founder")
    text = "Ines Varga, founder of Recall Foods, raised $5 million in seed funding."
    found = analyse(article("Snack maker raises seed round", text), MentionIndex([founder]))
    assert found[0].event == "funding"
    # the same sentence about someone else's company with that name stays guarded
    other = Contact(id=3, name="Ines Varga", company="Larder Labs")
    found = analyse(article("Snack maker raises seed round", text), MentionIndex([other]))
    assert found[0].event == "negative"


def test_evidence_is_the_sentence_naming_the_contact() -> None:
    found = analyse(
        article(
            "Harbourline hires analytics veteran",
            "Harbourline is growing. It has hired Nadia Okafor as head of data. The firm "
            "has 40 staff.",
        ),
        INDEX,
    )
    assert found[0].evidence == "It has hired Nadia Okafor as head of data."


def test_zero_drafts_on_negatives_through_the_real_pipeline(workspace: Workspace) -> None:
    with open_store(workspace.db_path()) as store:
        contact = store.add_contact(
            ContactFields(
                name="Nadia Okafor",
                first_name="Nadia",
                last_name="Okafor",
                company="Brightwater Analytics",
                emails=("nadia@brightwater.example",),
            )
        )
        expected = {}
        for kind, items in BLOCKS.items():
            for n, (title, text) in enumerate(items):
                url = f"https://news.example/{kind}/{n}"
                store.add_article(
                    NewArticle(url=url, canonical_url=url, title=title, text=text, extracted=True)
                )
                expected[url] = kind
        mentions = scan_new_articles(store)
        assert len(mentions) == len(expected)
        drafts = {}
        for mention in mentions:
            article = store.article(mention.article_id)
            assert mention.event == expected[article.url], article.title
            drafts[article.url] = mention_draft(
                contact, article, mention, templates_dir=workspace.templates_dir
            )
    negatives = [url for url, kind in expected.items() if kind == "negative"]
    assert len(negatives) == len(BLOCKS["negative"])
    assert [drafts[url] for url in negatives] == [None] * len(negatives)
    assert all(drafts[url] is not None for url, kind in expected.items() if kind != "negative")


def test_a_quote_is_told_apart_from_a_publication_of_their_own() -> None:
    quote = '"Margins will recover by spring," said Amara Okafor, an analyst at Dunmore.'
    assert quoted_only(quote)
    assert quoted_only(quote, "Freight rates slide for a third month")
    # The headline or the sentence says more than a quote: their own work.
    assert not quoted_only(quote, "Amara Okafor publishes her first book on port economics")
    assert not quoted_only("Amara Okafor presented the study at the conference, she said.")
    assert not quoted_only("Amara Okafor joined the panel.")  # no quote at all


def test_a_quote_in_someone_elses_good_news_is_still_a_quote() -> None:
    # An investor quoted on a start-up's round: the round is the start-up's, so she is
    # drafted "saw you quoted", not congratulated on a publication.
    quote = '"It is a strong team," said Amara Okafor, a partner at Dunmore Capital.'
    assert quoted_only(quote, "Vela Robotics raises $20 million to build warehouse robots")
    assert quoted_only(quote, "Vela Robotics wins the Delft design award")


@pytest.mark.parametrize(
    "text",
    [
        "Brightwater Analytics said on Monday that Nadia Okafor has been promoted to chief "
        "operating officer, effective July 1.",
        "The company told staff that Nadia Okafor would join the board next month.",
    ],
)
def test_a_name_after_said_that_is_the_news_not_the_speaker(text: str) -> None:
    # "X said that Nadia ..." reports news about her; only "..., said Nadia" quotes her.
    lead = "Analytics firms reshuffled their boards this week. "
    assert event_of("Changes at Brightwater", lead + text) == "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor will step down at the end of the year.",
        "Nadia Okafor expects flood claims to peak in the first half of the year.",
        "Nadia Okafor said spring is the busiest time of the year for forecasters.",
        "Nadia Okafor will run the team for the rest of the year.",
    ],
)
def test_a_time_of_the_year_is_no_award(text: str) -> None:
    # "of the year" is an award ("Data Leader of the Year") only after a title, not
    # after a stretch of the calendar: "the end of the year" congratulated a departure.
    assert positive_kind(text) != "award"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Brightwater data chief to leave at year end",
            "Nadia Okafor, chief data officer at Brightwater Analytics, will step down at "
            "the end of the year to pursue other opportunities, the company said.",
        ),
        (
            "Brightwater data chief resigns",
            "Nadia Okafor has resigned as chief data officer of Brightwater Analytics, the "
            "company told staff on Monday.",
        ),
        (
            "Brightwater data chief retires",
            "Nadia Okafor will retire in March after 20 years at Brightwater Analytics, "
            "the firm said.",
        ),
    ],
)
def test_a_departure_the_company_announces_is_no_quote(title: str, text: str) -> None:
    # "the company said" is not her speaking: drafting "I saw you quoted" would invent
    # a quote, and a departure is no news to congratulate on. A neutral note it is.
    assert event_of(title, text) == "other"


def test_leaving_for_a_new_role_is_still_a_new_role() -> None:
    text = (
        "Nadia Okafor is leaving Brightwater Analytics to join Harbourline as its chief "
        "data officer, the company said."
    )
    assert event_of("Leadership change at Brightwater", text) == "new_role"


def test_a_retired_speaker_is_still_quoted() -> None:
    text = '"Ports need dredging," said retired admiral Nadia Okafor on Tuesday.'
    assert event_of("Dredging plans stall", text) == "publication"


@pytest.mark.parametrize(
    "text",
    [
        "Brightwater Analytics won a contract with the Aldmere port authority, Nadia Okafor said.",
        "Brightwater Analytics, where Nadia Okafor is chief data officer, wins a $40 "
        "million tender to model flood risk.",
        "Nadia Okafor's team won the bid for the Aldmere flood survey.",
    ],
)
def test_winning_business_is_no_award(text: str) -> None:
    # A contract, a tender or a bid won is company news: "Congratulations on the
    # recognition ... your award" would be about an award nobody gave.
    assert event_of("Brightwater wins new business", text) != "award"


def test_a_cyberattack_on_their_company_is_bad_news() -> None:
    # Speaking for the company after a ransomware attack is no "comment" to enjoy.
    text = (
        "Brightwater Analytics was hit by a ransomware attack on Monday. Nadia Okafor "
        "said the company was restoring its systems."
    )
    assert event_of("Brightwater Analytics hit by ransomware", text) == "negative"
    cyber = "Hackers' cyberattack took Brightwater Analytics offline; Nadia Okafor said "
    assert event_of("Brightwater offline", cyber + "it was back.") == "negative"


def test_ransomware_as_a_field_of_work_is_not_bad_news() -> None:
    text = (
        "Nadia Okafor, head of ransomware response at Brightwater Analytics, won the "
        "Defender of the Year award."
    )
    assert event_of("Security awards announced", text) == "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor won the Aldmere North seat by 3,000 votes in the council election.",
        "Nadia Okafor has won 31 of her 40 matches on the regional circuit.",
        "Nadia Okafor's Brightwater side won 3-1 on Saturday.",
        "Nadia Okafor praised her rowers after the 2-0 cup win against Harbourline.",
        "Nadia Okafor is not expected to win the chair election in May.",
        "Nadia Okafor said the team could still win the league if it beat Harbourline.",
        "Nadia Okafor won backing from the board for the flood survey.",
        "Nadia Okafor won the Aldmere & Fenwick seat for the Greens.",
        "Nadia Okafor and Tomas Reyes both won on Tuesday to reach the semi-finals.",
        "Nadia Okafor said the final would be won or lost in the scrum.",
        "Nadia Okafor may have won but she was not at her best.",
        "Nadia Okafor won again in Leeds on Sunday.",
        "Tomas Reyes's film beat Nadia Okafor's documentary to the top prize.",
        "Lena Marsh beat actors including Kate Ross, Nadia Okafor and Tomas Reyes to the prize.",
        "Tomas Reyes pipped Nadia Okafor to best director at the Leeds awards.",
    ],
)
def test_a_contest_won_or_a_win_in_prospect_is_no_award(text: str) -> None:
    # A match, a seat or a vote won, a win someone may yet have, or "a 2-0 win" is
    # no award: "Congratulations on the recognition ... your award" read as not
    # having looked at the article (a coach praising a match, a politician who is
    # "not expected to win").
    assert event_of("Weekend round-up", text) != "award"


def test_a_departure_with_a_winning_record_is_no_award() -> None:
    text = (
        "Nadia Okafor has retired from the county rowing team. Okafor leaves the squad "
        "with a fine record, having won 36 of her 50 races."
    )
    assert event_of("Okafor quits county rowing", text) == "other"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor was named best newcomer at the Northern Data Awards.",
        "Flood Atlas was named best public dataset while Nadia Okafor won best data journalism.",
        "Nadia Okafor was named the best analyst of the season by the Leeds Data Guild.",
    ],
)
def test_named_best_is_an_award_not_a_new_role(text: str) -> None:
    # "named best director" is a prize, not an appointment: the draft said "I saw
    # you've taken on a new role" to a winner.
    assert event_of("Data prizes handed out", text) == "award"


def test_a_headline_about_someone_else_is_not_theirs_when_their_company_is_far_down() -> None:
    # Her company named in passing deep in the story does not make the story theirs:
    # "Just read about the launch at Brightwater Analytics. Congratulations to you and
    # the team" went to a rival quoted criticising the launch.
    text = (
        "Harbourline chief Tomas Reyes said the platform would cut forecasting costs. "
        "Analysts expect a price war. Nadia Okafor, chief data officer at Brightwater "
        'Analytics, added: "Customers will not be taken in by these claims." '
        "Brightwater Analytics is expected to answer with its own tool in the spring."
    )
    assert event_of("Harbourline unveils flood forecasting platform", text) != "launch"


def test_a_story_about_their_company_still_gives_them_its_news() -> None:
    text = (
        "The round was led by Fernhill Ventures. Nadia Okafor, its chief data officer, "
        "said the money would fund hiring."
    )
    title = "Brightwater Analytics raises $40 million"
    assert event_of(title, text) == "funding"


def test_a_profit_warning_is_bad_news() -> None:
    # The day its shares sink on a profit warning is no day to congratulate the
    # chief executive "on the launch" of the albums whose delay caused it.
    text = (
        "Shares in Brightwater Analytics fell 16% after it issued a profit warning "
        "following delays to two product releases. Nadia Okafor, its chief data "
        'officer, called the results "disappointing" but said new releases were due.'
    )
    assert event_of("Brightwater shares hit by profit warning", text) == "negative"
    assert negative_cue("The firm issued its second profits warning in a year.") is not None


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor made her debut for the county side in 1994 against Harbourline.",
        "After Nadia Okafor became chief data officer in 2011, the team doubled.",
        "In 2009, Nadia Okafor won the Data Leader of the Year award.",
        "Her first book was published in 2004, when Nadia Okafor was still at college.",
    ],
)
def test_an_event_dated_to_an_earlier_year_is_history_not_news(text: str) -> None:
    # The article (fetched in 2026) recalls what happened years ago: "Congratulations
    # on the launch" for a 1994 debut, or on a new role taken in 2011, reads as not
    # having looked at the article.
    assert event_of("County looks back", text) == "other"


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (
            "new_role",
            "Nadia Okafor, who joined Brightwater in 2019, was promoted to chief "
            "operating officer on Monday.",
        ),
        ("award", "Nadia Okafor won the Data Leader of the Year award for 2026."),
        ("new_role", "Nadia Okafor will become chief data officer in 2027."),
    ],
)
def test_a_past_year_beside_todays_news_keeps_the_news(kind: str, text: str) -> None:
    assert event_of("Brightwater news", text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor warned that flood claims could double by the spring.",
        "Nadia Okafor argued the models had been right all along.",
        "Chief data officer Nadia Okafor was quoted by the Harbour Gazette as saying "
        "the survey would be free.",
        "Nadia Okafor backed the plan, saying the data would be open.",
    ],
)
def test_every_way_of_quoting_them_is_drafted_as_a_quote(text: str) -> None:
    # A contact who "warned" or "was quoted as saying" is quoted, like one who
    # "said": the draft said "I saw your work featured ..., congratulations".
    assert event_of("Flood claims to rise", text) == "publication"
    assert quoted_only(text, "Flood claims to rise")


@pytest.mark.parametrize(
    "text",
    [
        "The Bank of Aldmere raised interest rates to 4.75% on Thursday, Nadia Okafor said.",
        "Nadia Okafor said Brightwater Analytics raised prices by 5% in March.",
        "Brightwater Analytics, where Nadia Okafor is chief data officer, raised its "
        "dividend 10% after a strong year.",
        "Harbourline's offer for Brightwater Analytics, led by Nadia Okafor, will be "
        "raised to £1.5bn.",
    ],
)
def test_raising_a_rate_a_price_or_a_bid_is_no_funding(text: str) -> None:
    # "raised ... to 4.75%" is an increase, not money raised: "Just read about the
    # funding. Congratulations, exciting times ahead" went to a central banker.
    assert event_of("Rates and prices", text) != "funding"


@pytest.mark.parametrize(
    "text",
    [
        "Brightwater Analytics raised $40 million in a Series B round, Nadia Okafor said.",
        "Nadia Okafor's start-up raised 4 million euros from Fernhill Ventures.",
        "Nadia Okafor is raising new capital for Brightwater Analytics.",
    ],
)
def test_money_raised_is_still_funding(text: str) -> None:
    assert event_of("Brightwater raises money", text) == "funding"


@pytest.mark.parametrize(
    "text",
    [
        "The winger said referee Nadia Okafor had made the wrong call on the line.",
        "Auditors said that Nadia Okafor's forecasts for flood claims were too optimistic.",
        "The Harbour Gazette said Harbourline would let Nadia Okafor take the helm.",
    ],
)
def test_what_others_say_about_them_is_not_their_quote(text: str) -> None:
    # Someone else speaking about the contact: "I came across your comments" would
    # invent comments they never made. A neutral note says only what is true.
    found = analyse(article("Flood survey row", text), INDEX)[0]
    assert found.event != "publication"


def test_a_cue_word_in_what_they_said_keeps_it_a_quote() -> None:
    # "funding" is in what she warned about, not news about her: the draft said
    # "I saw your work featured in ..., congratulations".
    said = "And Ms Okafor warned that investors could soon stop funding flood defences."
    assert quoted_only(said, "Flood defences at risk")
    assert not quoted_only("Nadia Okafor raised $4 million for flood defences, she said.")


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Brightwater names successor to Okafor",
            "Brightwater Analytics named a successor to Nadia Okafor on Tuesday, ending "
            "months of speculation.",
        ),
        (
            "Brightwater names new chief",
            "Brightwater Analytics has named Tomas Reyes as successor to Nadia Okafor, who "
            "retires in June.",
        ),
        (
            "Reyes to take over at Brightwater",
            "Tomas Reyes will take over as chief executive in place of Nadia Okafor at "
            "Brightwater Analytics.",
        ),
    ],
)
def test_the_one_succeeded_has_no_new_role(title: str, text: str) -> None:
    # "Names successor to Nadia Okafor" is the successor's new role: she is the one
    # leaving, and "Congratulations on the new role" would say the opposite.
    assert event_of(title, text) not in ("new_role", "award", "funding", "launch")


def test_the_successor_has_the_new_role() -> None:
    text = "Nadia Okafor was named successor to Tomas Reyes at Brightwater Analytics."
    assert event_of("Okafor named successor", text) == "new_role"
    text = "Nadia Okafor will succeed Tomas Reyes as chief executive of Brightwater Analytics."
    assert event_of("Okafor to succeed Reyes", text) == "new_role"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Okafor walks out of Island Kitchen",
            "Nadia Okafor has criticised the producers of Island Kitchen after quitting "
            "the cookery show on Sunday. Viewers had been puzzled by Okafor's decision to "
            "join the show, given her columns attacking it.",
        ),
        (
            "Brightwater data chief steps down",
            "Nadia Okafor, who joined Brightwater Analytics six years ago, is stepping down "
            "as chief data officer.",
        ),
        (
            "Okafor leaves the council",
            "Nadia Okafor is leaving the Harbourline advisory council, two years after joining it.",
        ),
    ],
)
def test_a_joining_told_in_a_leaving_story_is_no_new_role(title: str, text: str) -> None:
    # The story is that she left: how she came ("her decision to join the show", "who
    # joined six years ago") is its background, and "congratulations on the new role"
    # on the day she quits reads as not having looked at the article.
    assert event_of(title, text) == "other"


def test_where_they_go_after_leaving_is_still_a_new_role() -> None:
    text = (
        "Nadia Okafor, who joined Brightwater Analytics in 2019, quits to join Harbourline "
        "as its chief data officer."
    )
    assert event_of("Brightwater data chief quits", text) == "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor introduced Dr Lena Marsh to the guests as the finest hydrologist of "
        "her generation.",
        "The mayor introduced Nadia Okafor to the delegates before the vote.",
        "Nadia Okafor introduced him to the audience with a story about floods.",
        "Nadia Okafor was introduced to flood modelling at university.",
    ],
)
def test_introducing_a_person_is_no_launch(text: str) -> None:
    # Someone introduced to guests is being presented, not released: "congratulations
    # on the launch" for a host's welcome reads as not having looked at the article.
    assert positive_kind(text) != "launch"
    assert event_of("Gala dinner in Leeds", text) != "launch"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor introduced a new flood-mapping app for insurers.",
        "Brightwater Analytics introduces FloodLens, a service for insurers, said Nadia Okafor.",
        "Nadia Okafor introduced her latest tool to customers in March.",
    ],
)
def test_introducing_a_product_is_still_a_launch(text: str) -> None:
    assert positive_kind(text) == "launch"


@pytest.mark.parametrize(
    "text",
    [
        "Previous winners of the Gold Ledger award include Tom Reyes of Harbourline and "
        "Nadia Okafor of Brightwater Analytics.",
        "Past recipients of the prize, such as Nadia Okafor and Tom Reyes, did not make "
        "this year's shortlist.",
        "Nadia Okafor, who previously won the Gold Ledger award, sat on the jury.",
    ],
)
def test_past_winners_listed_under_an_award_story_won_nothing_now(text: str) -> None:
    # The list of earlier winners under a story about this year's winner: each of them
    # congratulated "on the award" reads as not having looked at the article.
    lead = "Ada Pell of Pell Foods won the Gold Ledger award on Friday. "
    assert event_of("Pell Foods chief wins Gold Ledger award", lead + text) != "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor won the Gold Ledger award; previous winners include Tom Reyes.",
        "Nadia Okafor, a previous winner, won the Gold Ledger award again this year.",
    ],
)
def test_this_years_winner_beside_the_past_winners_still_won(text: str) -> None:
    assert event_of("Gold Ledger award", text) == "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor has been recalled to the county squad for the spring tour.",
        "Nadia Okafor earned a recall to the national side after a strong season.",
        "Nadia Okafor wins a county squad recall after a strong season.",
        "Nadia Okafor recalls how her first flood model failed in the rain.",
        "Nadia Okafor recalled that the survey had begun on paper.",
        "Asked about the early days, she recalled the night the servers flooded.",
    ],
)
def test_a_player_recalled_or_a_memory_recalled_is_no_recall(text: str) -> None:
    # Picked again for a team, or remembering: "no congratulation, bad news" for a
    # player back in the squad was the product-recall cue misfiring.
    assert negative_cue(text) is None
    assert event_of("County notes", f"Nadia Okafor spoke to us. {text}") != "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Brightwater recalled 40,000 vehicles over a brake fault.",
        "Harbourline recalls its flood sensors after a battery fire.",
        "The cars were recalled to fix a faulty brake line.",
        "The recall of two million kettles cost the firm dearly.",
    ],
)
def test_a_product_recall_is_still_bad_news(text: str) -> None:
    assert negative_cue(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor is tipped to win the Data Leader of the Year award next week.",
        "Bookmakers predict Nadia Okafor will be named best analyst at the Northern Data Awards.",
        "Nadia Okafor is second favourite with the bookmakers to take the Gold Ledger prize.",
        "Nadia Okafor has 5/1 odds of winning the Gold Ledger prize.",
        "Nadia Okafor has never won the Gold Ledger prize despite four nominations.",
        "Nadia Okafor didn't win the Gold Ledger prize this year.",
        "Nadia Okafor failed to win the Gold Ledger prize for the third year running.",
        "Nadia Okafor lost to Tomas Reyes in the best analyst category at the Gold Ledger awards.",
        "Brightwater's best chance of a medal is Nadia Okafor in the relay.",
        "The biggest medal hope, Nadia Okafor, withdrew from the final.",
        "Nadia Okafor won't race again this season, her coach said.",
        "Beaten finalist Nadia Okafor rose to second in the rankings.",
    ],
)
def test_an_award_in_prospect_or_lost_is_no_award(text: str) -> None:
    # Tipped, favourite, the odds, a medal hope, never won, failed to win, lost to,
    # "won't": nothing has been won. "Congratulations on the award" to the actress
    # the bookmakers fancy, or to the one who lost, reads as not having read it.
    assert event_of("Weekend round-up", text) != "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor, tipped by many, won the Gold Ledger prize on Friday.",
        "Nadia Okafor won the Gold Ledger prize after being tipped to win it.",
        "Nadia Okafor beat the favourite to win the Gold Ledger prize.",
        "Nadia Okafor not only won the Gold Ledger prize but also the readers' vote.",
        "Nadia Okafor didn't just win the Gold Ledger prize, she swept the evening.",
        "Nadia Okafor beat Kate Ross and Tomas Reyes to win the Gold Ledger prize.",
        "Lena Marsh pipped Kate Ross to best director, while Nadia Okafor won best actress.",
    ],
)
def test_an_award_won_beside_a_prospect_is_still_an_award(text: str) -> None:
    assert event_of("Weekend round-up", text) == "award"


@pytest.mark.parametrize(
    "title, text",
    [
        (
            "Okafor back in county squad",
            "Nadia Okafor has been recalled to the county squad for the spring tour. Her "
            "teammate Lena Marsh has been promoted to captain after a fine season.",
        ),
        (
            "Okafor backs flood plan",
            "Nadia Okafor of Brightwater Analytics has backed the council's flood plan. The "
            "plan will be run by the new chief executive of the river trust, Tomas Reyes.",
        ),
        (
            "Okafor warns regulators",
            'Nadia Okafor warned regulators against new rules on Tuesday. "Why would the '
            'watchdog be joining the critics now?" asked one banker.',
        ),
    ],
)
def test_a_new_role_in_a_sentence_about_someone_else_is_not_theirs(title: str, text: str) -> None:
    # Named up front, a contact was given the promotion of the teammate in the next
    # sentence: a new role is personal, and a sentence that does not name them (or
    # speak of them as "she") tells someone else's.
    assert event_of(title, text) != "new_role"


def test_a_new_role_told_of_them_as_she_beside_the_lead_is_theirs() -> None:
    text = (
        "Nadia Okafor is leaving Brightwater Analytics after six years. She will join "
        "Vela Robotics as chief data officer in May."
    )
    assert event_of("Okafor to leave Brightwater", text) == "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor's best friend and fellow analyst Tomas Reyes said she was ready.",
        "Ada Pell has 5/1 odds, ahead of fellow Leeds analyst Nadia Okafor.",
        "Nadia Okafor and fellow officials could not remember how the file went missing.",
    ],
)
def test_a_fellow_analyst_is_a_colleague_not_a_fellowship(text: str) -> None:
    # "fellow" before a noun is a companion: "congratulations on the award" to a
    # runner described beside her "fellow distance runner" was no fellowship.
    assert event_of("Weekend round-up", text) != "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor was elected a Fellow of the Royal Statistical Society.",
        "Nadia Okafor has been named a senior fellow at the Leeds Data Institute.",
        "Nadia Okafor won a research fellowship at the Leeds Data Institute.",
        "Nadia Okafor is among the new fellows of the Royal Statistical Society.",
    ],
)
def test_a_fellowship_is_still_an_award(text: str) -> None:
    assert event_of("Weekend round-up", text) == "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor released a statement through her agent on Monday.",
        "Nadia Okafor launches her defence of the county title on Wednesday.",
        "Nadia Okafor moved to dismiss claims that Harbourline could launch a £35m bid.",
        "The Leeds stage launched the careers of Nadia Okafor and Tomas Reyes.",
        "Nadia Okafor, on loan from Harbourline, was given her county debut on Sunday.",
        "Nadia Okafor won the race in 2019 on her marathon debut and will run again.",
        "It is also a debut nomination for Nadia Okafor, 49.",
        "Nadia Okafor was released from hospital on Friday.",
    ],
)
def test_launching_a_bid_or_a_career_or_a_personal_debut_is_no_launch(text: str) -> None:
    # A statement released, a title defence or a bid launched, a career launched, a
    # player's first game: "Congratulations on the launch ... to you and the team"
    # to a tennis player starting his title defence read as a form letter.
    assert event_of("Weekend round-up", text) != "launch"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor launched FloodLens, a mapping app for insurers.",
        "Nadia Okafor released her debut album on Friday.",
        "Brightwater's new sensor made its debut at the Leeds fair, said Nadia Okafor.",
        "Nadia Okafor launches a bid tracker for public tenders.",
    ],
)
def test_a_product_launched_or_released_is_still_a_launch(text: str) -> None:
    assert positive_kind(text) == "launch"


def test_a_manager_unveiled_as_new_manager_has_a_new_role() -> None:
    text = "Harbourline are set to unveil Nadia Okafor as their new manager on Wednesday."
    assert event_of("Okafor poised for Harbourline", text) == "new_role"


def test_an_award_dated_after_a_lost_one_keeps_its_year() -> None:
    # The blanked prospect must not shift the offsets the year is read from.
    text = "Nadia Okafor, tipped to win the prize, lost, but won the Gold Ledger award in 2009."
    assert event_of("Weekend round-up", text) != "award"


@pytest.mark.parametrize(
    "text",
    [
        "The guest list grew on Monday. They join Leeds stars Tomas Reyes and Nadia "
        "Okafor, who were booked for guest roles.",
        "The two ministers were all smiles as they joined Nadia Okafor to unveil the poster.",
        "Nadia Okafor hired Tomas Reyes after parting from her old coach.",
        "Nadia Okafor recruits a new finance chief from Harbourline.",
    ],
)
def test_whoever_joins_or_is_hired_beside_them_is_not_their_new_role(text: str) -> None:
    # The contact is the one joined ("They join ... Kate Winslet") or the one who
    # hires ("Roddick hired Gilbert"): the new role is the other person's.
    assert event_of("Weekend round-up", text) != "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Harbourline has been joined by Nadia Okafor, who becomes its data chief.",
        "Nadia Okafor joins Harbourline as head of data science.",
        "Nadia Okafor hired as chief data officer at Harbourline.",
        "Nadia Okafor joined Tomas Reyes at Vela Robotics as chief data officer.",
    ],
)
def test_whoever_joins_or_is_hired_keeps_the_new_role(text: str) -> None:
    assert event_of("Weekend round-up", text) == "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor hopes the talks will lead to a formal offer for the club.",
        "Nadia Okafor's film will lead British hopes at the Leeds awards.",
        "After the vote it became clear that Nadia Okafor had lost the room.",
        "For her proposal to succeed, Nadia Okafor needs the support of two shareholders.",
        "Nadia Okafor failed in her bid to take over as party leader last year.",
        "Nadia Okafor attacked the party she once wanted to lead.",
        "The side has improved since Nadia Okafor took over as coach in the summer.",
        "Nadia Okafor has been a calming presence since joining the club.",
        "Nadia Okafor became world champion in Doha on Sunday.",
        "Nadia Okafor, who last month succeeded Kate Ross as European champion, won again.",
        "Nadia Okafor took over as world number one after the final.",
    ],
)
def test_lead_to_became_clear_or_a_bid_to_lead_is_no_new_role(text: str) -> None:
    # Talks that "will lead to" an offer, "it became clear", a proposal "to succeed",
    # a failed bid to take over, how long since they took over: no appointment, yet
    # each was drafted "congratulations on the new role".
    assert event_of("Weekend round-up", text) != "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor will lead the data team at Harbourline from May.",
        "Nadia Okafor became chief executive of Harbourline on Monday.",
        "Nadia Okafor succeeds Tomas Reyes as chief data officer.",
        "Nadia Okafor is to head the new flood unit at Brightwater Analytics.",
        "Nadia Okafor will take over as coach in the summer.",
        "Nadia Okafor succeeded Kate Ross as chair of the champions' league board.",
    ],
)
def test_leading_becoming_or_succeeding_is_still_a_new_role(text: str) -> None:
    assert event_of("Weekend round-up", text) == "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor is said to have been impressed by the county's young keeper.",
        "Tomas Reyes and Nadia Okafor are said to believe the offer is too low.",
        "Nadia Okafor will play the detective in the film, according to two newspapers.",
    ],
)
def test_hearsay_about_them_is_no_quote_of_theirs(text: str) -> None:
    # "is said to", "according to two newspapers": others speak about the contact;
    # "Saw you quoted in ..." would tell them they said what they never said.
    assert event_of("Weekend round-up", text) != "publication"


@pytest.mark.parametrize(
    "text",
    [
        "According to Nadia Okafor, the flood survey is a month late.",
        "Nadia Okafor said to reporters that the flood survey was a month late.",
        "The survey is late, according to Brightwater's Nadia Okafor.",
    ],
)
def test_what_they_say_is_still_a_quote(text: str) -> None:
    assert event_of("Weekend round-up", text) == "publication"


@pytest.mark.parametrize(
    "text",
    [
        "The academy said that Nadia Okafor will present an award at the ceremony.",
        "Nadia Okafor handed out the prizes at the Leeds Data Awards.",
        "Nadia Okafor and Tomas Reyes were among the guests who attended the Leeds Data Awards.",
        "Nadia Okafor is one of Leeds' most bankable analysts.",
    ],
)
def test_presenting_or_attending_an_award_or_a_compliment_is_no_award(text: str) -> None:
    # Presenting or handing out a prize, walking the red carpet, or "one of the most
    # bankable stars" in a profile: nothing was won.
    assert event_of("Weekend round-up", text) != "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor was presented with the Gold Ledger award on Friday.",
        "Nadia Okafor was named one of the most influential analysts in Leeds.",
        "Nadia Okafor has been ranked one of the top 50 data leaders by the Leeds Guild.",
        "Nadia Okafor has scooped one of the top prizes at the Leeds Data Awards.",
    ],
)
def test_an_award_presented_to_them_or_a_ranking_is_still_an_award(text: str) -> None:
    assert event_of("Weekend round-up", text) == "award"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor joins a growing list of analysts set to present at the ceremony.",
        "Nadia Okafor joined the chorus of critics of the flood plan.",
        "Nadia Okafor joined forces with Tomas Reyes to map the river.",
    ],
)
def test_joining_a_list_or_a_chorus_is_no_new_role(text: str) -> None:
    assert event_of("Weekend round-up", text) != "new_role"


@pytest.mark.parametrize(
    "sentence",
    [
        "New model launches are now on hold, said Brightwater chief executive Amara Okafor.",
        "The leader will host a news conference every morning, party chair Amara Okafor said.",
        "Amara Okafor, who has won two awards for her maps, said it meant a lot to be there.",
    ],
)
def test_what_comes_before_said_name_is_what_they_said(sentence: str) -> None:
    # "..., said Amara Okafor": the words before the comma are her quote, and a
    # clause about her before "said" is not news of a publication either; drafted
    # "Nice work ... congratulations" or "Congratulations on the publication", those
    # read as not having looked at the article.
    assert quoted_only(sentence)


TOMAS = Contact(id=2, name="Tomas Reyes", first_name="Tomas", last_name="Reyes")
LEAD = "The week brought changes across the data industry."


@pytest.mark.parametrize(
    "text",
    [
        # someone else's appointment, which the contact endorses or opposes
        "His appointment has been warmly welcomed across the sector, including by "
        "Nadia Okafor, who hired him as an intern a decade ago.",
        "Nadia Okafor voted against the appointment of three Harbourline directors to the board.",
        # joined by the contact, elected beside them, named with their project
        "Tomas Reyes will be joined at the hearing by Brightwater chief Nadia Okafor, "
        "who expects a long ban.",
        "Helen Park was elected to the council along with two rivals, Ivo Brandt and "
        "Nadia Okafor, on the same night.",
        "The runners-up were also named with Nadia Okafor's mapping team just behind.",
        "Harbourline's new chief executive, Tomas Reyes, thanked Nadia Okafor for her advice.",
    ],
)
def test_a_new_role_not_about_the_contact_is_not_theirs(text: str) -> None:
    # The cue is in her sentence but about someone else: congratulating her on a new
    # role she does not have is the worst message the product can send. (A story
    # naming her up front keeps the headline and lead rules.)
    assert event_of("Weekend round-up", f"{LEAD} {text}") != "new_role"


@pytest.mark.parametrize(
    "text",
    [
        "Nadia Okafor has been appointed chief data officer at Brightwater Analytics.",
        "Harbourline has appointed Nadia Okafor as its chief data officer.",
        "Nadia Okafor, who was appointed chief data officer last week, will run the lab.",
        "Nadia Okafor, 45, joins Harbourline as chief data officer.",
        "Harbourline has named Nadia Okafor its new chief data officer.",
        "Nadia Okafor will succeed Tomas Reyes as chief executive of Harbourline.",
        "The deal was welcomed by Harbourline's newly appointed chief executive Nadia "
        "Okafor, who took over last month.",
        "Nadia Okafor spent a decade at a logistics firm before she joined Harbourline as "
        "its data chief.",
        "The board backed Nadia Okafor's appointment as chair on Tuesday.",
        "Harbourline, led by new chief executive Nadia Okafor, expects a profit.",
    ],
)
def test_a_new_role_about_the_contact_is_theirs(text: str) -> None:
    assert event_of("Weekend round-up", f"{LEAD} {text}") == "new_role"


def test_a_headline_role_keeps_the_headline_rule() -> None:
    # Headlines drop the "was": "Nadia Okafor appointed ..." is hers there.
    title = "Nadia Okafor appointed chief data officer of Harbourline"
    assert event_of(title, f"{LEAD} The firm confirmed the move.") == "new_role"


def test_a_new_role_told_after_a_first_mention_is_theirs() -> None:
    text = (
        "Nadia Okafor was in Lisbon on Monday for the data summit. By Friday, Harbourline "
        "hires Okafor as its chief data officer."
    )
    assert event_of("Weekend round-up", text) == "new_role"


def test_the_one_succeeding_has_the_new_role_not_the_one_succeeded() -> None:
    text = f"{LEAD} Nadia Okafor will succeed Tomas Reyes as chief executive of Harbourline."
    found = analyse(article("Weekend round-up", text), MentionIndex([NADIA, TOMAS]))
    events = {m.contact_id: m.event for m in found}
    assert events == {NADIA.id: "new_role", TOMAS.id: "other"}
