"""The digest: golden Markdown and HTML, restraint rules, escaping, archive and CLI."""

from __future__ import annotations

import functools
import html as html_module
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from golden_files import assert_golden
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from pipeline.digest import DigestResult, write_digest
from pipeline.errors import TemplateError
from pipeline.loopback import LoopbackServer, Response
from pipeline.records import Contact, ContactFields, NewArticle
from pipeline.store import Store, open_store
from pipeline.templating import md_escape
from pipeline.workspace import Workspace

NOW = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
DAY = date(2024, 5, 1)
FEEDS = """
[schedule]
timezone = "UTC"
{digest}
[[feeds]]
url = "https://portweekly.example/feed.xml"
name = "Port Weekly"
tags = ["shipping"]

[[feeds]]
url = "https://beandaily.example/rss"
name = "Bean Daily"
tags = ["coffee"]

[[feeds]]
url = "https://metalswire.example/atom"
name = "Metals Wire"
tags = ["metals"]

[[feeds]]
url = "https://broken.example/feed"
name = "Broken Bulletin"
tags = ["metals"]
"""


@dataclass
class World:
    workspace: Workspace
    store: Store
    feed_ids: dict[str, int]

    def config(self):  # type: ignore[no-untyped-def]
        return self.workspace.config()

    def contact(self, name: str, **fields: object) -> Contact:
        first = name.split()[0]
        return self.store.add_contact(ContactFields(name=name, first_name=first, **fields))  # type: ignore[arg-type]

    def article(
        self,
        slug: str,
        title: str,
        *,
        feed: str = "shipping",
        hours_ago: float = 2,
        story_id: int | None = None,
        site: str | None = None,
        **fields: object,
    ) -> int:
        host = {"shipping": "portweekly", "coffee": "beandaily", "metals": "metalswire"}[feed]
        url = f"https://{host}.example/{slug}"
        values: dict[str, object] = {
            "url": url,
            "canonical_url": url,
            "title": title,
            "text": f"{title}. A realistic paragraph of text about it.",
            "extracted": True,
            "site_name": site,
            "published": NOW - timedelta(hours=hours_ago + 1),
        }
        values.update(fields)
        article_id, _ = self.store.add_article(
            NewArticle(**values),  # type: ignore[arg-type]
            feed_id=self.feed_ids[feed],
            entry_key=slug,
            story_id=story_id,
            fetched_at=NOW - timedelta(hours=hours_ago),
        )
        return article_id

    def suggest(
        self,
        contact: Contact,
        article_id: int,
        score: float,
        *,
        reasons: tuple[str, ...] = ("port", "automation"),
        quote: str = "",
        hours_ago: float = 1,
    ) -> int:
        found = self.store.add_suggestion(
            contact.id,
            article_id,
            self.store.article(article_id).story,
            score,
            reasons,
            quote,
            when=NOW - timedelta(hours=hours_ago),
        )
        assert found is not None
        return found.id

    def mention(
        self,
        contact: Contact,
        article_id: int,
        event: str,
        confidence: str = "high",
        *,
        evidence: str = "",
        hours_ago: float = 1,
    ) -> int:
        found = self.store.add_mention(
            contact.id,
            article_id,
            self.store.article(article_id).story,
            confidence=confidence,
            event=event,
            evidence=evidence or f"{contact.name} was named in the report.",
            matched=contact.name,
            when=NOW - timedelta(hours=hours_ago),
        )
        assert found is not None
        return found.id

    def digest(self, day: date = DAY, now: datetime = NOW, **kwargs: object) -> DigestResult:
        return write_digest(self.store, self.config(), self.workspace, day=day, now=now, **kwargs)  # type: ignore[arg-type]


def make_world(workspace: Workspace, digest_settings: str = "") -> World:
    workspace.config_path.write_text(
        FEEDS.format(digest=f"[digest]\n{digest_settings}\n" if digest_settings else ""),
        encoding="utf-8",
    )
    store = open_store(workspace.db_path())
    states = store.sync_feeds(workspace.config().feeds)
    tags = ["shipping", "coffee", "metals", "broken"]
    ids = {tag: state.id for tag, state in zip(tags, states, strict=True)}
    for tag in ("shipping", "coffee", "metals"):
        store.record_feed_success(
            ids[tag],
            status=200,
            etag=None,
            last_modified=None,
            body_hash=None,
            when=NOW - timedelta(hours=1),
        )
    for _ in range(2):
        store.record_feed_failure(
            ids["broken"], "HTTP 500 from the server", status=500, when=NOW - timedelta(hours=1)
        )
    return World(workspace, store, ids)


@pytest.fixture
def world(workspace: Workspace):  # type: ignore[no-untyped-def]
    built = make_world(workspace)
    yield built
    built.store.close()


def populate(world: World) -> dict[str, int]:
    """A realistic morning: two people in the news, three to share with, one held back."""
    amara = world.contact(
        "Amara Okafor",
        company="Harbourline Freight",
        title="Head of Operations",
        emails=("amara@harbourline.example",),
        interests="maritime logistics, port automation",
        met="Port Tech Summit 2023, Rotterdam",
    )
    diego = world.contact(
        "Diego Alvarez",
        emails=("diego.alvarez@example.org",),
        interests="coffee futures; specialty roasting",
        met="Former colleague at Bean & Co",
    )
    priya = world.contact("Priya Raman", interests="precious metals investing")
    world.store.set_last_contacted(priya.id, NOW - timedelta(days=3))
    tom = world.contact("Tom Becker", company="Northwind Shipping")
    lena = world.contact("Lena Fischer")
    ids = {
        "cranes": world.article(
            "cranes",
            "Rotterdam's automated cranes cut vessel turnaround by a fifth",
            site="Port Weekly",
        ),
        "arabica": world.article(
            "arabica", "Arabica futures climb as Brazil's harvest slips", feed="coffee"
        ),
        "robusta": world.article(
            "robusta", "Robusta stocks thin in European warehouses", feed="coffee"
        ),
        "gold": world.article("gold", "Central banks keep buying gold", feed="metals"),
        "appoint": world.article(
            "appointment", "Harbourline Freight names new chief operating officer", hours_ago=5
        ),
        "fine": world.article("fine", "Regulator fines Northwind Shipping over emissions"),
        "award": world.article("award", "Logistics awards 2024: the winners", hours_ago=3),
        "lng": world.article("lng", "LNG carriers face a crowded summer", hours_ago=4),
        "copper": world.article("copper", "Copper smelters cut output", feed="metals"),
        "old": world.article("old", "Last week's shipping rates", hours_ago=80),
    }
    ids["lng2"] = world.article(
        "lng-again", "LNG carriers face crowded summer", feed="coffee", story_id=ids["lng"]
    )
    world.suggest(
        amara,
        ids["cranes"],
        0.42,
        reasons=("automation", "port", "cranes"),
        quote="Automated stacking cranes now handle 60 per cent of container moves.",
    )
    world.suggest(
        diego,
        ids["arabica"],
        0.35,
        reasons=("futures", "arabica"),
        quote="Arabica futures rose 4 per cent on Tuesday.",
    )
    world.suggest(diego, ids["robusta"], 0.2, reasons=("robusta",))
    world.suggest(priya, ids["gold"], 0.5, reasons=("gold", "investing"))
    world.mention(
        amara,
        ids["appoint"],
        "new_role",
        evidence="Harbourline Freight said Amara Okafor will become chief operating officer "
        "in June.",
    )
    world.mention(
        tom,
        ids["fine"],
        "negative",
        "medium",
        evidence="Tom Becker, Northwind's chief executive, declined to comment on the fine.",
    )
    world.mention(
        lena,
        ids["award"],
        "award",
        "verify",
        evidence="The rising-star award went to Lena Fischer of a Hamburg forwarder.",
        hours_ago=2,
    )
    return ids


REPORT = {"feeds": 4, "feeds_failed": 1, "new_articles": 11, "seconds": 12.34}


# --- golden digests -----------------------------------------------------------------------


def test_digest_golden_markdown_and_html(world: World) -> None:
    populate(world)
    result = world.digest(run_report=REPORT)
    assert_golden("digest.md", result.markdown.read_text(encoding="utf-8"))
    assert_golden("digest.html", result.html.read_text(encoding="utf-8"))


def test_digest_sections_and_restraint_in_one_morning(world: World) -> None:
    populate(world)
    result = world.digest(run_report=REPORT)
    md = result.markdown.read_text(encoding="utf-8")
    order = [md.index(h) for h in ("## In the news", "## Worth sharing", "## Also notable", "---")]
    assert order == sorted(order)
    shared = [(i.contact.name, i.article.title) for i in result.digest.shares]
    assert shared == [
        ("Amara Okafor", "Rotterdam's automated cranes cut vessel turnaround by a fifth"),
        ("Diego Alvarez", "Arabica futures climb as Brazil's harvest slips"),
    ]  # Priya in cooldown; Diego's weaker robusta suggestion waits
    news = [(i.contact.name, i.mention.event) for i in result.digest.news]
    assert sorted(news) == [
        ("Amara Okafor", "new_role"),
        ("Lena Fischer", "award"),
        ("Tom Becker", "negative"),
    ]
    negative = next(i for i in result.digest.news if i.mention.event == "negative")
    assert negative.draft is None and "No draft: negative news." in md
    assert "**Amara Okafor** will become chief operating officer" in md
    notable = [i.article.title for _, items in result.digest.notable for i in items]
    assert "LNG carriers face a crowded summer" in notable
    assert "LNG carriers face crowded summer" not in notable  # one per story
    assert "Last week's shipping rates" not in notable  # not today's
    assert "Broken Bulletin (2 in a row): HTTP 500 from the server" in md
    assert "4 feeds fetched, 1 failing, 11 new articles, 12.3 s." in md
    assert "1 suggestion for contacts in cooldown" in md
    assert "1 further suggestion for contacts already in this digest" in md


def test_footer_counts_agree_with_their_nouns(world: World) -> None:
    report = {"feeds": 1, "feeds_failed": 0, "new_articles": 1, "seconds": 0.5}
    result = world.digest(run_report=report)
    md = result.markdown.read_text(encoding="utf-8")
    html = result.html.read_text(encoding="utf-8")
    for text in (md, html):
        assert "1 feed fetched, " in text and ", 1 new article, 0.5 s." in text


def test_an_earlier_days_digest_reports_the_run_of_that_day(world: World) -> None:
    for started, feeds in (("2024-05-01T06:00:00+00:00", 3), ("2024-05-03T06:00:00+00:00", 1)):
        run_id = world.store.start_run("run")
        world.store.finish_run(run_id, {"feeds": feeds, "new_articles": 5, "seconds": 2.0})
        with world.store.transaction() as conn:
            conn.execute("UPDATE runs SET started_at = ? WHERE id = ?", (started, run_id))
    result = world.digest(day=DAY, now=NOW + timedelta(days=2, hours=2))
    md = result.markdown.read_text(encoding="utf-8")
    assert "Last run 1 May 2024: 3 feeds fetched" in md
    assert "3 May 2024" not in md


def test_an_earlier_days_empty_digest_does_not_call_it_today(world: World) -> None:
    world.contact("Priya Raman", interests="gold")
    earlier = world.digest(day=DAY - timedelta(days=2), now=NOW)
    md = earlier.markdown.read_text(encoding="utf-8")
    html = earlier.html.read_text(encoding="utf-8")
    for text in (md, html):
        assert "Nothing to send that day." in text and "today" not in text
        assert "No new articles arrived in the last 24 hours of that day" in text
    assert "Nothing to send today." in world.digest(now=NOW).markdown.read_text(encoding="utf-8")


# --- restraint ----------------------------------------------------------------------------


def test_cooldown_holds_back_a_recently_contacted_contact(world: World) -> None:
    priya = world.contact("Priya Raman", interests="gold")
    world.store.set_last_contacted(priya.id, NOW - timedelta(days=13))
    world.suggest(priya, world.article("gold", "Gold climbs", feed="metals"), 0.6)
    result = world.digest()
    assert result.digest.shares == ()
    assert "in cooldown" in result.digest.quiet
    # 15 days later the same contact is fair game (the suggestion is still fresh enough)
    world.store.set_last_contacted(priya.id, NOW - timedelta(days=15))
    assert [i.contact.name for i in world.digest().digest.shares] == ["Priya Raman"]


def test_cooldown_per_contact_overrides_the_default(world: World) -> None:
    short = world.contact("Sam Short", cooldown_days=2)
    long = world.contact("Lou Long", cooldown_days=30)
    world.store.set_last_contacted(short.id, NOW - timedelta(days=3))
    world.store.set_last_contacted(long.id, NOW - timedelta(days=20))
    world.suggest(short, world.article("a", "A story"), 0.5)
    world.suggest(long, world.article("b", "B story"), 0.6)
    assert [i.contact.name for i in world.digest().digest.shares] == ["Sam Short"]


def test_cooldown_from_feeds_toml(workspace: Workspace) -> None:
    world = make_world(workspace, "cooldown_days = 2")
    ana = world.contact("Ana Lima")
    world.store.set_last_contacted(ana.id, NOW - timedelta(days=3))
    world.suggest(ana, world.article("a", "A story"), 0.5)
    assert [i.contact.name for i in world.digest().digest.shares] == ["Ana Lima"]
    world.store.close()


def test_cap_keeps_the_best_and_carries_the_rest_to_a_later_digest(world: World) -> None:
    for n in range(12):
        person = world.contact(f"Person {n:02d} Example")
        world.suggest(person, world.article(f"s{n}", f"Story {n}"), 0.1 + n / 100)
    first = world.digest()
    scores = [i.suggestion.score for i in first.digest.shares]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    assert min(scores) == pytest.approx(0.12)
    assert "2 suggestions over the cap of 10, kept for a later digest" in first.digest.held
    second = world.digest(DAY + timedelta(days=1), NOW + timedelta(days=1))
    assert sorted(i.suggestion.score for i in second.digest.shares) == pytest.approx([0.1, 0.11])


def test_at_most_one_suggestion_per_contact(world: World) -> None:
    diego = world.contact("Diego Alvarez")
    for n, score in enumerate((0.3, 0.7, 0.5)):
        world.suggest(diego, world.article(f"c{n}", f"Coffee {n}", feed="coffee"), score)
    shares = world.digest().digest.shares
    assert [(i.contact.name, i.suggestion.score) for i in shares] == [("Diego Alvarez", 0.7)]


def test_never_the_same_story_to_the_same_contact_twice(world: World) -> None:
    ana = world.contact("Ana Lima")
    first = world.article("lng", "LNG carriers face a crowded summer")
    copy = world.article("lng2", "LNG carriers face crowded summer", feed="coffee", story_id=first)
    world.suggest(ana, first, 0.4)
    assert world.store.add_suggestion(ana.id, copy, first, 0.9, [], "") is None
    assert world.store.add_suggestion(ana.id, first, first, 0.9, [], "") is None
    assert len(world.digest().digest.shares) == 1


def test_mentions_are_shown_once_per_story(world: World) -> None:
    amara = world.contact("Amara Okafor")
    story = world.article("appoint", "Harbourline names a new COO")
    copy = world.article("appoint2", "Harbourline appoints COO", feed="coffee", story_id=story)
    world.mention(amara, story, "new_role")
    again = world.store.add_mention(
        amara.id, copy, story, confidence="high", event="new_role", evidence="x", matched="x"
    )
    assert again is None
    today = world.digest()
    assert len(today.digest.news) == 1
    tomorrow = world.digest(DAY + timedelta(days=1), NOW + timedelta(days=1))
    assert tomorrow.digest.news == ()
    regenerated = world.digest(DAY, NOW + timedelta(hours=3))
    assert len(regenerated.digest.news) == 1  # the same day shows the same items again


def test_mentions_bypass_cooldown_and_cap(workspace: Workspace) -> None:
    world = make_world(workspace, "max_suggestions = 0")
    amara = world.contact("Amara Okafor")
    world.store.set_last_contacted(amara.id, NOW - timedelta(days=1))
    world.mention(amara, world.article("award", "Awards"), "award")
    world.suggest(amara, world.article("x", "Other story"), 0.9)
    result = world.digest()
    assert [i.contact.name for i in result.digest.news] == ["Amara Okafor"]
    assert result.digest.shares == ()
    world.store.close()


def test_no_share_of_a_story_the_contact_is_in_the_news_for(world: World) -> None:
    amara = world.contact("Amara Okafor")
    story = world.article("appoint", "Harbourline names a new COO")
    world.mention(amara, story, "new_role")
    world.suggest(amara, story, 0.8)
    result = world.digest()
    assert result.digest.shares == () and len(result.digest.news) == 1
    assert "in the news for" in result.digest.quiet


def test_no_cheerful_share_on_the_day_a_contact_is_in_bad_news(world: World) -> None:
    # QA: a chief executive sued that day was sent "I came across this and thought
    # of you" about another story, in the same digest as the lawsuit.
    amara = world.contact("Amara Okafor")
    world.mention(amara, world.article("lawsuit", "Harbourline sued by customers"), "negative")
    other = world.suggest(amara, world.article("cranes", "Cranes cut turnaround"), 0.8)
    result = world.digest()
    assert result.digest.shares == () and len(result.digest.news) == 1
    assert any("in bad news today" in note for note in result.digest.held)
    assert "in bad news today" in result.digest.quiet
    assert world.store.suggestion(other).status == "new"  # kept for a later digest
    world.store.close()


def test_suggestions_expire(world: World) -> None:
    ana = world.contact("Ana Lima")
    stale = world.suggest(
        ana, world.article("old", "Old story", hours_ago=500), 0.9, hours_ago=20 * 24
    )
    result = world.digest()
    assert result.digest.shares == ()
    assert world.store.suggestion(stale).status == "expired"


def test_regenerating_after_sent_drops_that_contact(world: World) -> None:
    amara = world.contact("Amara Okafor")
    diego = world.contact("Diego Alvarez")
    sent = world.suggest(amara, world.article("a", "A story"), 0.6)
    world.suggest(diego, world.article("b", "B story", feed="coffee"), 0.5)
    first = world.digest()
    assert {i.contact.name for i in first.digest.shares} == {"Amara Okafor", "Diego Alvarez"}
    world.store.set_suggestion_status(sent, "sent", when=NOW + timedelta(minutes=5))
    again = world.digest(DAY, NOW + timedelta(minutes=10))
    assert [i.contact.name for i in again.digest.shares] == ["Diego Alvarez"]
    assert "Amara Okafor" not in again.markdown.read_text(encoding="utf-8")


def test_an_earlier_day_only_sees_what_existed_by_its_end(world: World) -> None:
    ana = world.contact("Ana Lima")
    world.suggest(ana, world.article("a", "A story"), 0.6)  # created on DAY
    yesterday = world.digest(DAY - timedelta(days=1), NOW)
    assert yesterday.digest.shares == ()


def test_draft_phrasing_rotates_after_each_sent_message(world: World) -> None:
    ana = world.contact("Ana Lima", interests="maritime logistics")
    first_id = world.suggest(ana, world.article("a", "A story"), 0.6, reasons=("logistics",))
    first = world.digest().digest.shares[0].draft
    world.store.set_suggestion_status(first_id, "sent", when=NOW - timedelta(days=30))
    world.store.set_last_contacted(ana.id, NOW - timedelta(days=30))
    world.suggest(ana, world.article("b", "B story"), 0.6, reasons=("logistics",))
    second = world.digest(DAY + timedelta(days=1), NOW + timedelta(days=1)).digest.shares[0].draft
    assert first.body.splitlines()[:3] != second.body.splitlines()[:3]


# --- empty days ---------------------------------------------------------------------------


def test_empty_day_without_contacts_says_so(world: World) -> None:
    result = world.digest()
    md = result.markdown.read_text(encoding="utf-8")
    assert result.digest.empty and "Nothing to send today." in md
    assert "no contacts yet" in md and "cheesecake contacts add" in md
    assert "## Worth sharing" not in md  # short: no empty sections
    assert "no contacts yet" in result.html.read_text(encoding="utf-8")


def test_empty_day_without_new_articles_says_so(world: World) -> None:
    world.contact("Ana Lima")
    result = world.digest()
    assert result.digest.quiet == "No new articles arrived in the last 24 hours; 1 feed failing."


def test_empty_day_with_everyone_in_cooldown_says_so(world: World) -> None:
    for name in ("Ana Lima", "Ben Ode"):
        person = world.contact(name)
        world.store.set_last_contacted(person.id, NOW - timedelta(days=2))
        world.suggest(person, world.article(name.split()[0], f"{name} story"), 0.5)
    result = world.digest()
    assert result.digest.quiet == (
        "2 suggestions waiting: everyone they are for was contacted recently and is in cooldown."
    )


def test_empty_day_with_articles_but_no_match_says_so(world: World) -> None:
    world.contact("Ana Lima")
    world.article("a", "A story")
    assert "None of the 1 new article matched" in world.digest().digest.quiet


# --- escaping -----------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)


def test_hostile_feed_and_page_strings_are_shown_as_text(world: World) -> None:
    victim = world.contact(
        f"Eve {HOSTILE} Mallory",
        company=f"Evil](javascript:alert(3)) {HOSTILE}",
        met="`code` **bold** [x](javascript:alert(4))",
        emails=("eve@example.com",),
        interests="<b>tags</b>",
    )
    bad = world.article(
        "bad",
        f"{HOSTILE} ```\n# Heading ``` ](javascript:alert(5))",
        site=f"{HOSTILE} Site",
        author=HOSTILE,
        summary=HOSTILE,
        description=HOSTILE,
    )
    js = world.article("js", "Click me", url="javascript:alert(6)", canonical_url="javascript:x")
    other = world.contact(f"Olly {HOSTILE}")
    world.suggest(victim, bad, 0.9, reasons=(HOSTILE, "<i>x</i>"), quote=f"{HOSTILE} said")
    world.mention(other, js, "award", evidence=f"{HOSTILE} Olly {HOSTILE} won ```")
    world.article("notable", HOSTILE, feed="metals")
    result = world.digest()
    html = result.html.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= {
        "html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "p",
        "span", "a", "br", "strong", "pre", "code", "mark", "ul", "li",
    }  # fmt: skip
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not [name for name, _ in parser.attrs if name.startswith("on")]
    hrefs = [value for name, value in parser.attrs if name == "href"]
    assert hrefs and all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = result.markdown.read_text(encoding="utf-8")
    # outside code blocks (which Markdown shows verbatim) no "<" or "](" survives unescaped
    prose = re.sub(r"^(`{3,})text\n.*?^\1$", "", md, flags=re.M | re.S)
    assert not re.search(r"(?<!\\)<", prose)
    assert not re.search(r"(?<!\\)\]\(javascript:", prose)
    assert "\\<script\\>alert(1)\\</script\\>" in prose
    assert "\n# Heading" not in md  # no heading injected from a title
    # and a real CommonMark renderer (raw HTML allowed) turns none of it into markup
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(md)
    assert not re.search(r"<(script|img)\b", rendered)
    assert 'href="javascript:' not in rendered
    assert rendered.count("<h1>") == 1
    # fenced drafts cannot be closed early by backticks from a title
    blocks = re.findall(r"^(`{3,})text\n(.*?)^\1$", md, flags=re.M | re.S)
    assert len(blocks) == 2 and "```" in blocks[1][1]
    for fence, inside in blocks:
        assert all(len(run) < len(fence) for run in re.findall(r"`+", inside))


# --- files, archive and feed --------------------------------------------------------------


def test_regenerating_replaces_files_atomically_and_updates_index_and_feed(world: World) -> None:
    populate(world)
    first = world.digest(DAY - timedelta(days=1), NOW - timedelta(days=1))
    second = world.digest()
    again = world.digest()
    assert again.markdown == second.markdown
    folder = world.workspace.digests_dir
    assert sorted(p.name for p in folder.iterdir()) == [
        "2024-04-30.html",
        "2024-04-30.md",
        "2024-05-01.html",
        "2024-05-01.md",
        "feed.xml",
        "index.html",
    ]  # no temp files left behind
    index = second.index.read_text(encoding="utf-8")
    assert index.index('href="2024-05-01.html"') < index.index('href="2024-04-30.html"')
    feed = feedparser.parse(second.feed.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries] == ["Digest for 1 May 2024", "Digest for 30 April 2024"]
    assert "Amara Okafor" in feed.entries[0].content[0].value
    assert first.html.exists()


def test_html_is_self_contained_and_phone_and_dark_mode_ready(world: World) -> None:
    populate(world)
    html = world.digest().html.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe|object)\b", html)
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    assert 'name="viewport"' in html and "prefers-color-scheme: dark" in html
    assert 'style="' in html  # CSS inlined for mail clients that drop <style>


# --- templates ----------------------------------------------------------------------------


def test_digest_template_overridden_from_the_workspace(world: World) -> None:
    populate(world)
    world.workspace.templates_dir.mkdir()
    (world.workspace.templates_dir / "digest.md").write_text(
        "My digest {{ d.day }}: {% for i in d.shares %}{{ i.contact.name }}; {% endfor %}\n",
        encoding="utf-8",
    )
    text = world.digest().markdown.read_text(encoding="utf-8")
    assert text.strip() == "My digest 2024-05-01: Amara Okafor; Diego Alvarez;"


def test_broken_user_digest_template_names_it(world: World) -> None:
    world.workspace.templates_dir.mkdir()
    path = world.workspace.templates_dir / "digest.html"
    path.write_text("<p>\n{{ d.nonexistent }}\n</p>\n", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        world.digest()
    assert str(path) in str(caught.value) and "line 2" in str(caught.value)
    assert not (world.workspace.digests_dir / "2024-05-01.html").exists()


# --- CLI ----------------------------------------------------------------------------------


def test_cli_digest_prints_absolute_paths(run_cli, world: World) -> None:  # type: ignore[no-untyped-def]
    populate(world)
    result = run_cli("digest", "--date", "2024-05-01")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [Path(line).name for line in lines] == [
        "2024-05-01.md",
        "2024-05-01.html",
        "index.html",
        "feed.xml",
    ]
    assert all(Path(line).is_absolute() and Path(line).exists() for line in lines)


def test_cli_digest_when_the_archive_cannot_be_rewritten(run_cli, world: World) -> None:  # type: ignore[no-untyped-def]
    # The day's digest is written; a folder where index.html should be is one sentence.
    populate(world)
    world.workspace.digests_dir.mkdir(parents=True, exist_ok=True)
    (world.workspace.digests_dir / "index.html").mkdir()
    result = run_cli("digest", "--date", "2024-05-01")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "Cannot update the digest archive" in result.stderr
    assert (world.workspace.digests_dir / "2024-05-01.html").exists()


def test_cli_digest_archive_reads_a_digest_saved_in_cp1252(run_cli, world: World) -> None:  # type: ignore[no-untyped-def]
    populate(world)
    world.workspace.digests_dir.mkdir(parents=True, exist_ok=True)
    edited = world.workspace.digests_dir / "2024-04-30.html"
    edited.write_bytes("<html><body><p>Caf\xe9 notes</p></body></html>".encode("cp1252"))
    result = run_cli("digest", "--date", "2024-05-01")
    assert result.exit_code == 0, result.output
    feed = (world.workspace.digests_dir / "feed.xml").read_text(encoding="utf-8")
    assert "Caf\ufffd notes" in feed


def test_cli_digest_json(run_cli, world: World) -> None:  # type: ignore[no-untyped-def]
    populate(world)
    result = run_cli("digest", "--date", "2024-05-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["date"] == "2024-05-01" and Path(data["html"]).exists()
    assert [s["contact"] for s in data["suggestions"]] == ["Amara Okafor", "Diego Alvarez"]
    first = data["suggestions"][0]
    assert re.fullmatch(r"s\d+", first["id"]) and first["mailto"].startswith("mailto:amara@")
    assert {m["event"]: m["draft"] is None for m in data["mentions"]} == {
        "new_role": False,
        "award": False,
        "negative": True,
    }


def test_cli_digest_bad_date_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("digest", "--date", "01/05/2024")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def test_cli_digest_of_a_future_day_is_a_usage_error(run_cli, workspace) -> None:  # type: ignore[no-untyped-def]
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    result = run_cli("digest", "--date", tomorrow)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"Invalid value for '--date': {tomorrow} is after today" in result.stderr
    assert not list(workspace.digests_dir.iterdir())  # nothing written, no empty digest


@pytest.mark.parametrize("day", ["0001-01-01", "0009-06-30", "1969-12-31"])
def test_cli_digest_of_a_day_long_ago_is_a_usage_error(run_cli, workspace, day: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("digest", "--date", day)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"Invalid value for '--date': {day} is too long ago" in result.stderr
    assert not list(workspace.digests_dir.iterdir())


def test_cli_broken_template_is_one_sentence(run_cli, world: World) -> None:  # type: ignore[no-untyped-def]
    world.workspace.templates_dir.mkdir()
    (world.workspace.templates_dir / "digest.md").write_text("{% for %}\n", encoding="utf-8")
    result = run_cli("digest", "--date", "2024-05-01")
    assert result.exit_code == 1
    assert "digest.md, line 1" in result.stderr and "Traceback" not in result.stderr


# --- a real browser -----------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed on this machine")
def test_html_digest_renders_in_headless_chromium(world: World, tmp_path: Path) -> None:
    populate(world)
    html = world.digest(run_report=REPORT).html.read_bytes()
    shot, netlog = tmp_path / "digest.png", tmp_path / "netlog.json"
    with LoopbackServer({"/digest.html": Response(html)}) as server:
        run = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                f"--user-data-dir={tmp_path / 'profile'}",
                # anything but the loopback server fails to resolve: no real network
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--window-size=412,2000",
                f"--screenshot={shot}",
                f"--log-net-log={netlog}",
                "--enable-logging=stderr",
                "--v=0",
                server.url("/digest.html"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": str(tmp_path)},
        )
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", run.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # something was drawn
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    log = json.loads(netlog.read_text(encoding="utf-8"))
    kinds = {value: name for name, value in log["constants"]["logEventTypes"].items()}
    origin = server.base_url
    fetched = {
        event["params"]["url"]
        for event in log["events"]
        if kinds.get(event["type"]) == "URL_REQUEST_START_JOB"
        and event.get("params", {}).get("initiator") == origin
    }
    # the page asked for nothing (the browser's own favicon probe aside)
    assert fetched <= {server.url("/favicon.ico")}, fetched
    assert set(server.hits) <= {"/digest.html", "/favicon.ico"}


# --- Markdown escaping, for any text --------------------------------------------------------

_ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1
)


@functools.cache
def _commonmark():  # type: ignore[no-untyped-def]
    return pytest.importorskip("markdown_it").MarkdownIt("commonmark")


@settings(max_examples=200, deadline=None)
@given(text=_ANY_TEXT, lead=st.sampled_from(["", "> ", "- ", "### ", "Why: "]))
@example(text="Rated 5 ##", lead="### ")  # a heading's closing sequence, which CommonMark drops
def test_markdown_escaping_shows_any_text_as_written(text: str, lead: str) -> None:
    collapsed = re.sub(r"\s+", " ", text).strip()
    assume(collapsed)
    rendered = _commonmark().render(lead + md_escape(collapsed))
    shown = html_module.unescape(re.sub(r"</?(p|blockquote|ul|li|h3)>", "", rendered)).strip()
    assert shown == (f"{lead}{collapsed}" if lead == "Why: " else collapsed)
