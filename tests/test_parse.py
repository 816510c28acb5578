"""Feed parsing and URL cleaning on fixture feeds written for these tests.

Golden files: `tests/data/feeds/cases.json` names each case (file, URL, response
headers); `<case>.expected.json` is what parse_feed must return. Regenerate them only
deliberately: `CHEESECAKE_REGEN_GOLDEN=1 pytest tests/test_parse.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from feedgen.feed import FeedGenerator
from golden_files import assert_golden
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.feeds import EntryParser, ParsedFeed, html_to_text, parse_feed
from pipeline.records import FeedEntry
from pipeline.urls import clean_url, same_site

DATA = Path(__file__).parent / "data" / "feeds"
CASES: dict[str, dict[str, Any]] = json.loads((DATA / "cases.json").read_text())


def parse_case(name: str) -> ParsedFeed:
    case = CASES[name]
    return parse_feed((DATA / case["file"]).read_bytes(), url=case["url"], headers=case["headers"])


def as_json(feed: ParsedFeed) -> str:
    def entry(e: FeedEntry) -> dict[str, Any]:
        return {
            "key": e.key,
            "url": e.url,
            "title": e.title,
            "author": e.author,
            "published": e.published.isoformat() if e.published else None,
            "summary": e.summary,
            "tags": list(e.tags),
        }

    data = {
        "title": feed.title,
        # the exception's class only: its wording depends on the Python/expat version
        "warning": feed.warning.split(":")[0] if feed.warning else None,
        "entries": [entry(e) for e in feed.entries],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    assert_golden(f"{name}.expected.json", as_json(parse_case(name)), directory=DATA)


# --- what the golden files encode, spelled out ------------------------------------------


def test_rss20_links_are_absolute_without_tracking_or_fragment() -> None:
    entries = parse_case("rss20").entries
    assert entries[0].url == (
        "https://news.harbourline.example/2025/03/northwind-terminal?ref=homepage"
    )
    assert entries[1].url == "https://news.harbourline.example/2025/03/freight-rates?page=2"


def test_content_location_is_the_base_for_relative_links() -> None:
    entry = parse_case("rss20_content_location").entries[0]
    assert entry.url == (
        "https://news.harbourline.example/mirror/weekly/2025/03/northwind-terminal?ref=homepage"
    )


def test_cdata_html_and_entities_become_plain_text() -> None:
    first, second, *_ = parse_case("rss20").entries
    assert "€640 million" in first.summary
    assert "“Automation is not about replacing dockers,”" in first.summary
    assert "Antwerp & Hamburg" in first.summary
    assert "trackView" not in first.summary  # scripts are not text
    assert "<" not in first.summary
    assert second.title == "Freight rates fall for a third month as Q&A season starts"
    assert second.summary == (
        "Spot rates on Asia–Europe lanes slipped 4% & carriers blamed overcapacity."
    )


def test_entry_fields() -> None:
    first, second, third, fourth = parse_case("rss20").entries
    assert first.key == "harbourline-2025-0311"  # the guid, even when not a permalink
    assert first.author == "Amara Okafor"
    assert first.published == datetime(2025, 3, 11, 7, 30, tzinfo=UTC)
    assert first.tags == ("Ports", "Automation")
    assert second.author == "Priya Raman"  # "email (Name)", with a TLD longer than four
    assert third.url == "https://news.harbourline.example/guides/coastal-shipping"
    # no link and no guid: identity is a hash of the content, the title its first words
    assert fourth.url == ""
    assert fourth.key.startswith("sha256:")
    assert fourth.title.startswith("Brief: Kestrel Analytics is hiring")


def test_atom_xml_base_dates_and_content() -> None:
    feed = parse_case("atom")
    first, second = feed.entries
    assert first.url == "https://blog.brightmoor.example/news/2025/02/arabica-high"
    assert first.key == "tag:blog.brightmoor.example,2025:arabica-high"
    assert first.title == "Arabica futures hit a 14-year high & roasters pass on costs"
    assert first.author == "Zoë Lindqvist"
    assert first.published == datetime(2025, 2, 20, 3, 15, tzinfo=UTC)  # -05:00 to UTC
    assert first.published.utcoffset() == timedelta(0)
    assert "$4.30 per pound" in first.summary  # the full content wins over the summary
    assert second.published == datetime(2025, 2, 12, 4, 30, tzinfo=UTC)  # updated only


def test_a_date_in_the_future_is_no_publication_date() -> None:
    # A typo in the year (2091 for 2019) would keep the entry "newest" for decades: on
    # top of every listing and inside every --since window. The updated date, if
    # believable, or else the page's own date is used instead.
    now = datetime.now(UTC)
    parser = EntryParser("https://example.org/")

    def published(**dates: datetime) -> datetime | None:
        entry = {k: v.timetuple() for k, v in dates.items()}
        return parser.parse({"link": "https://example.org/a", **entry}).published

    soon = (now + timedelta(hours=6)).replace(microsecond=0)  # a time zone written wrong
    assert published(published_parsed=soon) == soon
    assert published(published_parsed=datetime(2091, 3, 4, tzinfo=UTC)) is None
    past = datetime(2019, 3, 4, 5, 6, tzinfo=UTC)
    assert published(published_parsed=datetime(2091, 3, 4, tzinfo=UTC), updated_parsed=past) == past


def test_rss10_rdf() -> None:
    feed = parse_case("rss10")
    assert feed.title == "Kestrel Analytics Press Room"
    series_b, cfo = feed.entries
    assert series_b.url == "https://press.kestrel.example/2025/series-b"  # mc_cid/mc_eid gone
    assert series_b.author == "Lucía Ferreira"
    assert series_b.tags == ("Funding",)
    assert cfo.published == datetime(2025, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("charset_header_only", "Tomás Ibáñez, nuevo director de compras de Tostadores Peñalba"),
        ("charset_header_koi8r", "Северный Порт запускает новый контейнерный терминал"),
        ("charset_xml_only", "“A year of discipline”: Orchard Lane lifts dividend to €0.42"),
        ("charset_wrong", "Nordvik Energi får konsesjon for havvindpark ved Ørland"),
    ],
)
def test_charsets(name: str, needle: str) -> None:
    feed = parse_case(name)
    assert feed.entries[0].title == needle


def test_wrongly_declared_charset_is_used_with_a_warning() -> None:
    feed = parse_case("charset_wrong")
    assert feed.warning is not None and "utf-8" in feed.warning
    assert "Solveig Bjørnstad" in feed.entries[0].summary


def test_bozo_feed_with_entries_is_used_and_the_reason_returned() -> None:
    feed = parse_case("bozo")
    assert [e.url for e in feed.entries] == [
        "https://blog.fenwickhale.example/five-questions",
        "https://blog.fenwickhale.example/salary-bands",
    ]
    assert feed.warning and "not well-formed" in feed.warning


# --- not a feed ----------------------------------------------------------------------


def test_html_page_names_the_feed_it_advertises() -> None:
    body = (DATA / "html_with_alternate.html").read_bytes()
    with pytest.raises(ParseError) as caught:
        parse_feed(body, url="https://kestrel.example/blog/", headers={"Content-Type": "text/html"})
    message = str(caught.value)
    assert "HTML page, not a feed" in message
    assert "https://kestrel.example/blog/feed.xml" in message  # absolute, tracking removed
    assert "utm_source" not in message


def test_html_page_without_a_feed_link() -> None:
    body = (DATA / "html_without_alternate.html").read_bytes()
    with pytest.raises(ParseError, match="HTML page, not a feed, and advertises none"):
        parse_feed(body, url="https://harbourline.example/rss", headers={})


@pytest.mark.parametrize("body", [b"", b"   \n\t ", b"\xef\xbb\xbf"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty body"):
        parse_feed(body, url="https://example.org/feed", headers={})


def test_xml_that_is_not_a_feed() -> None:
    body = b'<?xml version="1.0"?><invoice><total currency="EUR">12.50</total></invoice>'
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(body, url="https://example.org/feed", headers={"Content-Type": "text/xml"})


def test_xml_with_a_title_element_is_not_called_html() -> None:
    body = b"<catalog><book><title>Freight Forwarding Basics</title></book></catalog>"
    with pytest.raises(ParseError, match=r"not a feed \(neither RSS nor Atom\)"):
        parse_feed(body, url="https://example.org/books.xml", headers={})


def test_json_feed_is_named_as_such() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Kestrel notes", '
        b'"items": [{"id": "1", "content_html": "<p>Hello</p>"}]}'
    )
    with pytest.raises(ParseError, match="is a JSON Feed, which cheesecake does not read"):
        parse_feed(body, url="https://kestrel.example/feed.json", headers={})


def test_a_valid_feed_with_no_entries_is_not_an_error() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet week</title></channel></rss>'
    feed = parse_feed(body, url="https://example.org/feed", headers={})
    assert feed == ParsedFeed(title="Quiet week", entries=(), warning=None)


def test_bytes_are_never_read_as_a_file_path(tmp_path: Path) -> None:
    # feedparser.parse(bytes) tries the bytes as a file name first.
    secret = tmp_path / "secret.xml"
    secret.write_text(
        '<rss version="2.0"><channel><item><title>leak</title></item></channel></rss>'
    )
    with pytest.raises(ParseError):
        parse_feed(str(secret).encode(), url="https://example.org/feed", headers={})


# --- per-entry robustness and overrides ------------------------------------------------


def test_a_broken_entry_is_skipped_not_the_feed() -> None:
    class Fussy(EntryParser):
        def parse_title(self, entry: Mapping[str, Any]) -> str:
            if "Freight" in entry.get("title", ""):
                raise ValueError("this entry's title breaks our quirk handler")
            return super().parse_title(entry)

    case = CASES["rss20"]
    feed = parse_feed(
        (DATA / case["file"]).read_bytes(),
        url=case["url"],
        headers=case["headers"],
        entry_parser=Fussy(case["url"]),
    )
    assert len(feed.entries) == 3
    assert all("Freight" not in e.title for e in feed.entries)


def test_content_hash_identity_is_stable_and_content_specific() -> None:
    parser = EntryParser("https://example.org/")
    a = parser.parse({"summary": "Quarterly results beat forecasts."})
    again = parser.parse({"summary": "Quarterly results beat forecasts."})
    b = parser.parse({"summary": "Quarterly results missed forecasts."})
    assert a.key == again.key != b.key


def test_a_guid_shared_by_different_links_gives_way_to_the_links() -> None:
    items = "".join(
        f"<item><title>T{n}</title><link>https://example.org/{path}</link>"
        "<guid>https://example.org/</guid></item>"
        for n, path in enumerate(("a", "b", "a"))
    )
    body = f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, url="https://example.org/feed", headers={})
    assert [e.key for e in feed.entries] == [f"https://example.org/{p}" for p in "aba"]
    # A guid shared only by copies of one link keeps them one entry, under that guid.
    copies = body.replace(b"/b</link>", b"/a</link>")
    assert {e.key for e in parse_feed(copies, url="u", headers={}).entries} == {
        "https://example.org/"
    }


def test_feedgen_feed_round_trip() -> None:
    generator = FeedGenerator()
    generator.title("Orchard Lane Careers")
    generator.link(href="https://careers.orchardlane.example/", rel="alternate")
    generator.description("Open roles at Orchard Lane Foods.")
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    for n in range(30):
        item = generator.add_entry()
        item.id(f"role-{n}")
        item.title(f"Role {n}: category manager, chilled desserts")
        item.link(href=f"https://careers.orchardlane.example/roles/{n}?utm_source=rss")
        item.description(f"<p>Team {n} is hiring in <b>Leeds</b>.</p>")
        item.pubDate(start + timedelta(days=n))
    feed = parse_feed(
        generator.rss_str(), url="https://careers.orchardlane.example/rss", headers={}
    )
    assert len(feed.entries) == 30
    by_key = {e.key: e for e in feed.entries}
    assert by_key["role-7"].url == "https://careers.orchardlane.example/roles/7"
    assert by_key["role-7"].summary == "Team 7 is hiring in Leeds."
    assert by_key["role-7"].published == start + timedelta(days=7)


def test_html_to_text() -> None:
    assert html_to_text("<p>One\n  two</p><p>three &amp; four</p><style>p{}</style>") == (
        "One two\nthree & four"
    )


# --- Hypothesis ----------------------------------------------------------------------

_FRAGMENTS = [
    b'<?xml version="1.0" encoding="utf-8"?>',
    b'<?xml version="1.0" encoding="koi8-r"?>',
    b'<rss version="2.0">',
    b"<channel>",
    b"<item>",
    b"</item>",
    b"<title>",
    b"</title>",
    b"<link>",
    b"</link>",
    b"<guid>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">',
    b"<entry>",
    b'<link href="',
    b'"/>',
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&nbsp;",
    b"&#xD800;",
    b"<html>",
    b'<link rel="alternate" type="application/rss+xml" href="',
    b"javascript:alert(1)",
    b"http://",
    b"/../",
    b"\x00",
    b"\xff\xfe",
    b"<!DOCTYPE rss [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;",
]

feedish = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=20)), max_size=30).map(
    b"".join
)


@example(body=b"<link rel=alternate\ttype=application/rss+xml\thref=a://[>", content_type="")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(st.binary(max_size=400), feedish),
    content_type=st.sampled_from(
        ["", "application/rss+xml; charset=utf-8", "text/html", "text/xml; charset=bogus"]
    ),
)
def test_arbitrary_bytes_give_a_feed_or_parse_error(body: bytes, content_type: str) -> None:
    try:
        feed = parse_feed(
            body, url="https://example.org/feed", headers={"Content-Type": content_type}
        )
    except ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(feed, ParsedFeed)
        for entry in feed.entries:
            assert entry.key
            assert entry.published is None or entry.published.tzinfo is not None


# --- clean_url -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://Example.COM/News/Story?utm_source=rss&utm_medium=feed&id=42#comments",
            "https://example.com/News/Story?id=42",
        ),
        ("HTTP://example.com/a?fbclid=IwAR0&gclid=xyz", "http://example.com/a"),
        ("https://example.com/a?mc_cid=1&b=2&mc_eid=3", "https://example.com/a?b=2"),
        (
            "https://example.com/a?UTM_Campaign=spring&q=coffee+beans",
            "https://example.com/a?q=coffee+beans",
        ),
        ("https://example.com/a?z=1&a=2&m=%20x", "https://example.com/a?z=1&a=2&m=%20x"),
        ("https://user:Pass@Example.com:8443/P", "https://user:Pass@example.com:8443/P"),
        ("https://example.com/a/./b/../c/", "https://example.com/a/./b/../c/"),
        ("https://example.com/a?", "https://example.com/a"),
        ("  https://example.com/x  ", "https://example.com/x"),
    ],
)
def test_clean_url(url: str, expected: str) -> None:
    assert clean_url(url) == expected


def test_clean_url_makes_relative_links_absolute() -> None:
    base = "https://news.example/section/feed.xml"
    assert clean_url("story-1?utm_source=x", base=base) == "https://news.example/section/story-1"
    assert clean_url("/about#team", base=base) == "https://news.example/about"
    assert clean_url("//cdn.example/x", base=base) == "https://cdn.example/x"
    assert clean_url("https://other.example/y", base=base) == "https://other.example/y"


url_text = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, host, path, params, fragment: (
            f"{scheme}://{host}{path}"
            + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
            + (f"#{fragment}" if fragment else "")
        ),
        st.sampled_from(["http", "https", "HTTPS"]),
        st.from_regex(r"[A-Za-z0-9.-]{1,20}", fullmatch=True),
        st.from_regex(r"(/[A-Za-z0-9._~%!$'()*+,;=:@-]{0,10}){0,4}", fullmatch=True),
        st.lists(
            st.tuples(
                st.one_of(
                    st.sampled_from(["utm_source", "UTM_MEDIUM", "utm_", "fbclid", "id", "q"]),
                    st.from_regex(r"[A-Za-z_%0-9]{1,8}", fullmatch=True),
                ),
                st.from_regex(r"[A-Za-z0-9%+=_-]{0,8}", fullmatch=True),
            ),
            max_size=5,
        ),
        st.text(max_size=8),
    ),
)


@settings(max_examples=300, deadline=None)
@given(url=url_text)
def test_clean_url_properties(url: str) -> None:
    cleaned = clean_url(url)
    assert clean_url(cleaned) == cleaned  # idempotent
    assert urlsplit(cleaned).path == urlsplit(url.strip()).path  # the path is never touched
    assert "#" not in cleaned
    for key, _ in parse_qsl(urlsplit(cleaned).query, keep_blank_values=True):
        assert not key.strip().lower().startswith("utm_")


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "text/plain"])
def test_a_wrong_content_type_on_a_good_feed_is_no_warning(content_type: str | None) -> None:
    case = CASES["atom"]
    headers = {"Content-Type": content_type} if content_type else {}
    feed = parse_feed((DATA / case["file"]).read_bytes(), url=case["url"], headers=headers)
    assert feed.warning is None
    assert len(feed.entries) == 2


@pytest.mark.parametrize("prefix", [b"\n\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\t "])
def test_blank_lines_or_a_bom_before_the_xml_declaration_are_no_warning(prefix: bytes) -> None:
    # A CMS plugin printing blank lines before the feed is common; the feed is fine.
    case = CASES["rss20"]
    body = (DATA / case["file"]).read_bytes()
    assert body.startswith(b"<?xml")
    feed = parse_feed(prefix + body, url=case["url"], headers=case["headers"])
    assert feed.warning is None
    assert feed.entries == parse_case("rss20").entries


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("<![CDATA[It&#8217;s the R&amp;D budget]]>", "It’s the R&D budget"),
        ("<![CDATA[R&paragraph 7 &copy 2025]]>", "R&paragraph 7 &copy 2025"),  # no half entities
        ("x &lt; y", "x < y"),
    ],
)
def test_plain_text_titles_decode_complete_entities_only(title: str, expected: str) -> None:
    body = (
        f'<rss version="2.0"><channel><title>t</title><item><title>{title}</title>'
        f"<link>https://example.org/a</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(body, url="https://example.org/feed", headers={})
    assert feed.entries[0].title == expected


def test_a_malformed_advertised_feed_link_is_passed_over() -> None:
    body = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="http://[oops">'
        b'<link rel="alternate" type="application/atom+xml" href="/atom.xml"></head></html>'
    )
    with pytest.raises(ParseError, match=r"advertises the feed https://example\.org/atom\.xml"):
        parse_feed(body, url="https://example.org/", headers={})


def test_an_entry_with_a_malformed_link_is_kept_without_one() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>Broken link</title><link>http://[oops/story</link></item>"
        b"<item><title>Fine</title><link>https://example.org/fine</link></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(body, url="https://example.org/feed", headers={})
    assert [(e.title, e.url) for e in feed.entries] == [
        ("Broken link", ""),
        ("Fine", "https://example.org/fine"),
    ]


@pytest.mark.parametrize(
    ("feed", "page", "same"),
    [
        ("https://feeds.harbourline.example/rss", "https://www.harbourline.example/a", True),
        ("https://news.aggregator.example/rss", "https://www.harbourline.example/a", False),
        ("http://127.0.0.1:8765/feed.xml", "http://127.0.0.1:8765/a", True),
        ("http://127.0.0.1:8765/feed.xml", "http://127.0.0.2:8765/a", False),
        ("https://feeds.harbourline.example/rss", "http://[::1/broken", False),
    ],
)
def test_same_site(feed: str, page: str, same: bool) -> None:
    assert same_site(feed, page) is same
