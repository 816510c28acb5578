"""Article extraction on fixture pages."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.errors import ExtractError
from pipeline.extract import extract_page, meta_refresh

PAGES = Path(__file__).parent / "data" / "pages"
URL = "https://news.harbourline.example/2025/03/northwind-terminal?utm_source=rss"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_main_text_and_metadata() -> None:
    result = extract_page(page("article_full.html"), URL)
    assert "Northwind Harbour Logistics on Monday opened its first fully automated" in result.text
    assert "Lucía Ferreira" in result.text
    assert "second phase of the terminal in 2027" in result.text
    assert result.title == "Northwind Harbour Logistics bets on automation in Rotterdam"
    assert result.author == "Amara Okafor"
    assert result.published == datetime(2025, 3, 11, 7, 30, tzinfo=UTC)
    assert result.site_name == "Harbourline"
    assert result.description and result.description.startswith("The €640 million terminal")
    assert result.language == "en-us"
    # relative rel=canonical made absolute, tracking removed, path untouched
    assert result.canonical_url == "https://news.harbourline.example/2025/03/northwind-terminal"


def test_boilerplate_and_comments_are_left_out() -> None:
    text = extract_page(page("article_full.html"), URL).text
    assert "portwatcher77" not in text
    assert "Forty people per shift sounds optimistic" not in text
    assert "All rights reserved" not in text
    assert "Subscribe" not in text


def test_charset_declared_in_the_page() -> None:
    result = extract_page(page("article_cp1252.html"), "https://investors.orchardlane.example/r")
    assert "raised its final dividend to €0.42" in result.text
    assert "“stopped chasing volume for its own sake”" in result.text
    assert "François Dubé" in result.text
    assert result.title == "Orchard Lane lifts dividend after “a year of discipline”"
    assert result.language == "en-gb"


def test_charset_declared_only_in_the_response_header() -> None:
    result = extract_page(
        page("article_latin1_header_only.html"),
        "https://revista.cafecacao.example/2025/ibanez",
        content_type="text/html; charset=ISO-8859-1",
    )
    assert "Tostadores Peñalba ha nombrado a Tomás Ibáñez" in result.text
    assert result.canonical_url is None  # the page names no URL of its own


def test_a_wrong_header_charset_defers_to_the_page() -> None:
    result = extract_page(
        page("article_cp1252.html"),
        "https://investors.orchardlane.example/r",
        content_type="text/html; charset=utf-8",  # the bytes are windows-1252
    )
    assert "François Dubé" in result.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (page("script_only.html"), "no article text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "not an HTML"),
        (b"<html><body><p>Subscribe to read.</p></body></html>", "no article text"),
    ],
)
def test_nothing_usable_is_an_extract_error_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        extract_page(body, "https://example.org/a")


def test_results_pickle_for_the_process_pool() -> None:
    result = extract_page(page("article_full.html"), URL)
    assert pickle.loads(pickle.dumps(result)) == result


def test_a_malformed_canonical_link_costs_only_the_canonical() -> None:
    html = page("article_full.html").replace(
        b'href="/2025/03/northwind-terminal?utm_source=canonical"', b'href="http://[broken/"'
    )
    html = html.replace(
        b'content="https://news.harbourline.example/2025/03/northwind-terminal"', b'content=""'
    )
    result = extract_page(html, URL)
    assert result.canonical_url is None
    assert "Lucía Ferreira" in result.text


def _byline_page(*creators: str, name: str = "dc.creator") -> bytes:
    tags = "".join(f'<meta name="{name}" content="{c}">' for c in creators)
    body = " ".join(
        "Researchers at the Saltmarsh Institute have mapped how tidal wetlands store carbon "
        "over decades, and their survey of forty estuaries suggests restoration pays off sooner "
        "than models assumed."
        for _ in range(4)
    )
    return (
        f"<html><head><title>Wetlands store carbon faster than thought</title>{tags}</head>"
        f"<body><article><h1>Wetlands store carbon faster than thought</h1><p>{body}</p>"
        f"<p>{body}</p></article></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("creators", "expected"),
    [
        # Scholarly publishers write each author "Family, Given"; trafilatura splits on the comma.
        (["Okonkwo, Adaeze"], "Adaeze Okonkwo"),
        (
            ["Lindqvist, Maja", "van der Berg, Anna", "Ferris, Tomas J."],
            "Maja Lindqvist; Anna van der Berg; Tomas J. Ferris",
        ),
    ],
)
def test_inverted_byline_tags_read_as_names(creators: list[str], expected: str) -> None:
    result = extract_page(_byline_page(*creators), "https://journal.saltmarsh.example/a/1")
    assert result.author == expected


def test_a_name_and_its_outlet_are_not_read_as_one_inverted_name() -> None:
    page_bytes = _byline_page("Priya Castellano, Harbour Ledger", name="author")
    author = extract_page(page_bytes, "https://harbourledger.example/a/2").author
    assert author is not None and not author.startswith("Harbour Ledger")
    assert "Priya Castellano" in author


def _author_of(*head: str) -> str | None:
    page_bytes = _byline_page().replace(b"</head>", "".join(head).encode() + b"</head>")
    return extract_page(page_bytes, "https://journal.saltmarsh.example/a/3").author


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Halima Osei, PhD", "Halima Osei"),  # a credential is no second author
        ("Ruth Achterberg, MS, RDN", "Ruth Achterberg"),
        ("By Marguerite Lacroix Okafor May 2, 2025", "Marguerite Lacroix Okafor"),
        ("Anna Berg March 11, 2015 3:46 PM", "Anna Berg"),
        ("Theresa May", "Theresa May"),  # a month that is the name stays
    ],
)
def test_bylines_lose_credentials_and_datelines(byline: str, expected: str) -> None:
    assert _author_of(f'<meta name="author" content="{byline}">') == expected


def test_one_author_found_twice_in_different_case_is_one_author() -> None:
    from pipeline.bylines import _bylined

    assert _bylined("Tobias Renner; TOBIAS RENNER") == "Tobias Renner"
    assert _bylined("sauli giliard; Sauli Giliard; Ana Reyes") == "Sauli Giliard; Ana Reyes"


def test_no_site_name_rather_than_the_host_or_the_headline() -> None:
    # Ingest names the feed's publication instead (never "127.0.0.1" in a draft).
    bare = extract_page(_byline_page(), "http://127.0.0.1:8765/a/4")
    assert bare.site_name is None
    headline = '<meta property="og:site_name" content="Wetlands store carbon faster than thought">'
    page_bytes = _byline_page().replace(b"</head>", headline.encode() + b"</head>")
    assert extract_page(page_bytes, "http://127.0.0.1:8765/a/5").site_name is None


B = "https://b.example/x"


@pytest.mark.parametrize(
    ("head", "target"),
    [
        (
            '<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/story?utm_source=rss">',
            "http://a.example/story",
        ),
        ('<meta content="2;url=&#39;https://b.example/x&#39;" http-equiv=refresh>', B),
        ("<meta http-equiv='refresh' content=\"1; url='https://b.example/x'\">", B),
        ('<meta http-equiv="refresh" content="0;https://b.example/x">', B),
        ('<meta http-equiv="refresh" content="300">', None),  # reloads itself
        ('<meta http-equiv="refresh" content="600; url=/other">', None),  # not a link
        ('<meta http-equiv="refresh" content="0; url=file:///etc/passwd">', None),
        ('<meta http-equiv="refresh" content="0; url=/go">', None),  # itself
        ('<meta name="refresh" content="0; url=/story">', None),
    ],
)
def test_a_meta_refresh_names_where_the_page_sends_the_reader(
    head: str, target: str | None
) -> None:
    html = f"<html><head>{head}</head><body><p>Redirecting</p></body></html>".encode()
    assert meta_refresh(html, "http://a.example/go") == target
