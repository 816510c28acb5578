"""`articles list/show/search` over articles ingested by a real fetch from loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli
from pipeline.loopback import LoopbackServer, Response
from pipeline.records import ContactFields, FeedSource, NewArticle
from pipeline.store import open_store
from pipeline.workspace import Workspace, init_workspace

STORIES = {
    "/news/cold-chain": (
        "Northwind Harbour Logistics expands cold-chain capacity",
        "Amara Okafor",
        datetime(2025, 3, 11, 8, 30, tzinfo=UTC),
        [
            "Northwind Harbour Logistics will double its refrigerated container capacity at "
            "Maasvlakte by the autumn, adding 1,800 reefer plugs for fruit and pharmaceutical "
            "cargo arriving from South America and West Africa.",
            "The expansion follows a year in which reefer volumes through Rotterdam rose eleven "
            "per cent while dry-container traffic fell, chief operating officer Henrik Vos said.",
            "Vos said the cold-chain business now earns a third of the terminal's margin and "
            "that pharmaceutical shippers pay a premium for temperature logs at every handover.",
        ],
    ),
    "/news/arabica": (
        "Arabica futures reach a 14-year high",
        "Zoë Lindqvist",
        datetime(2025, 3, 10, 9, 0, tzinfo=UTC),
        [
            "Arabica futures closed at $4.30 a pound on Wednesday, the highest since 2011, after "
            "frost damaged trees in Minas Gerais and exchange stocks fell to a 25-year low.",
            "Brightmoor Coffee Traders told its roasters to expect retail prices to rise by "
            "between eight and twelve per cent before the summer.",
            "Demand for robusta blends has doubled since January, although Vietnam's harvest came "
            "in six per cent short of early estimates after a dry December.",
        ],
    ),
    "/news/series-b": (
        "Kestrel Analytics raises $38 million",
        "Lucía Ferreira",
        datetime(2025, 2, 1, 14, 0, tzinfo=UTC),
        [
            "Kestrel Analytics has raised $38 million in a Series B round led by Fairwater "
            "Ventures to build demand forecasting for mid-sized retailers.",
            "Chief executive Lucía Ferreira said tools built for supermarket chains with "
            "thousands of stores served smaller retailers poorly, and that weekly forecasts beat "
            "monthly ones for chains with fewer than fifty sites.",
            "The Gdańsk-based company employs ninety people and plans to hire forty more this "
            "year, mostly data engineers, and to open a sales office in Amsterdam.",
        ],
    ),
}
MISSING = "/news/gone"  # listed in a feed, but the page is a 404: summary fallback


def page(title: str, author: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title><meta name="author" content="{escape(author)}"></head><body><nav>Home · '
        f"Markets · Ports</nav><article><h1>{escape(title)}</h1>{body}</article>"
        f"<footer>© 2025 Harbourline Media</footer></body></html>"
    ).encode()


def rss(title: str, server: LoopbackServer, paths: list[str]) -> bytes:
    items = []
    for path in paths:
        if path == MISSING:
            head, author, when = "Port strike called off", "Priya Raman", datetime(2025, 3, 1)
            summary = "Dockers accepted a two-year pay deal late on Sunday."
        else:
            head, author, when, paragraphs = STORIES[path]
            summary = paragraphs[0]
        items.append(
            f"<item><title>{escape(head)}</title><link>{server.url(path)}?utm_source=rss</link>"
            f"<guid>{server.url(path)}</guid><author>desk@example.org ({escape(author)})</author>"
            f"<pubDate>{format_datetime(when.replace(tzinfo=UTC))}</pubDate>"
            f"<description>{escape(summary)}</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>{server.url('/')}</link>{''.join(items)}</channel></rss>"
    ).encode()


@dataclass(frozen=True)
class Fetched:
    """A workspace filled once per module by a real `cheesecake fetch` (it is read-only)."""

    root: Path
    feeds: dict[str, str]
    server: LoopbackServer

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--workspace", str(self.root), *args])


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fetched]:
    workspace, _ = init_workspace(tmp_path_factory.mktemp("articles") / "ws")
    with LoopbackServer() as server:
        for path, (title, author, _when, paragraphs) in STORIES.items():
            server.routes[path] = Response(page(title, author, paragraphs))
        server.routes["/ports.xml"] = Response(
            rss("Ports", server, ["/news/cold-chain", "/news/series-b", MISSING]),
            content_type="application/rss+xml",
        )
        server.routes["/markets.xml"] = Response(
            rss("Markets", server, ["/news/arabica", "/news/series-b"]),
            content_type="application/rss+xml",
        )
        state = Fetched(
            workspace.root,
            {"ports": server.url("/ports.xml"), "markets": server.url("/markets.xml")},
            server,
        )
        for url in state.feeds.values():
            assert state.cli("feeds", "add", url).exit_code == 0
        result = state.cli("fetch", "--json")
        assert result.exit_code == 0, result.output
        yield state


def listed(fetched: Fetched, *args: str) -> list[dict[str, object]]:
    result = fetched.cli("articles", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_list_json_contract(fetched: Fetched) -> None:
    rows = listed(fetched)
    assert [r["title"] for r in rows] == [  # newest first
        "Northwind Harbour Logistics expands cold-chain capacity",
        "Arabica futures reach a 14-year high",
        "Port strike called off",
        "Kestrel Analytics raises $38 million",
    ]
    for row in rows:
        assert set(row) >= {"id", "url", "title", "feed_url", "published", "author", "extracted"}
    first = rows[0]
    assert first["url"] == fetched.server.url("/news/cold-chain")  # tracking parameter removed
    assert first["feed_url"] == fetched.feeds["ports"]
    assert first["published"] == "2025-03-11T08:30:00+00:00"
    assert first["author"] == "Amara Okafor"
    assert first["extracted"] is True
    strike = rows[2]
    assert strike["extracted"] is False  # only the feed summary was available


def test_an_article_in_two_feeds_is_listed_once_with_its_first_feed(fetched: Fetched) -> None:
    rows = [r for r in listed(fetched) if r["title"] == "Kestrel Analytics raises $38 million"]
    assert len(rows) == 1
    assert rows[0]["feed_url"] == fetched.feeds["ports"]
    shown = json.loads(fetched.cli("articles", "show", str(rows[0]["id"]), "--json").stdout)
    assert sorted(shown["feed_urls"]) == sorted(fetched.feeds.values())


def test_list_filters(fetched: Fetched) -> None:
    assert [r["title"] for r in listed(fetched, "--since", "2025-03-10")] == [
        "Northwind Harbour Logistics expands cold-chain capacity",
        "Arabica futures reach a 14-year high",
    ]
    assert {r["title"] for r in listed(fetched, "--feed", fetched.feeds["markets"])} == {
        "Arabica futures reach a 14-year high",
        "Kestrel Analytics raises $38 million",
    }
    assert len(listed(fetched, "--limit", "1")) == 1


def test_list_feed_by_url_as_typed(fetched: Fetched) -> None:
    markets = {"Arabica futures reach a 14-year high", "Kestrel Analytics raises $38 million"}
    typed = fetched.feeds["markets"].replace("http://", "HTTP://") + "#latest"
    assert {r["title"] for r in listed(fetched, "--feed", typed)} == markets


@pytest.mark.parametrize("feed", ["notaurl", "https://nowhere.example/feed"])
def test_list_of_a_feed_that_is_not_configured_says_so(fetched: Fetched, feed: str) -> None:
    result = fetched.cli("articles", "list", "--feed", feed)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"No feed {feed!r}" in result.stderr and "cheesecake feeds list" in result.stderr
    assert "No articles." not in result.output


def test_list_of_a_removed_feed_shows_its_kept_articles(tmp_path: Path) -> None:
    workspace, _ = init_workspace(tmp_path / "ws")
    url = "https://gone.example/feed.xml"
    with open_store(workspace.db_path()) as store:
        store.sync_feeds((FeedSource(url=url, name="Gone"),))
        (feed,) = store.feed_states()
        store.add_article(
            NewArticle(
                url="https://gone.example/a", canonical_url="https://gone.example/a",
                title="Kept after removal", text="Text.", extracted=True,
            ),
            feed_id=feed.id, entry_key="a",
        )  # fmt: skip
    for feed in (url, "Gone"):  # by URL or by name
        result = CliRunner().invoke(
            cli, ["--workspace", str(workspace.root), "articles", "list", "--feed", feed, "--json"]
        )
        assert result.exit_code == 0, result.output
        assert [r["title"] for r in json.loads(result.stdout)] == ["Kept after removal"]


def test_list_human_output(fetched: Fetched) -> None:
    result = fetched.cli("articles", "list")
    assert result.exit_code == 0
    assert "2025-03-11  Northwind Harbour Logistics expands cold-chain capacity" in result.stdout
    assert "Port strike called off  (feed summary only)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "last tuesday"), "is not a date"),
        (("--limit", "0"), "--limit"),
    ],
)
def test_list_usage_errors(fetched: Fetched, args: tuple[str, ...], message: str) -> None:
    result = fetched.cli("articles", "list", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_show_with_and_without_text(fetched: Fetched) -> None:
    row = listed(fetched)[0]
    plain = json.loads(fetched.cli("articles", "show", str(row["id"]), "--json").stdout)
    assert "text" not in plain
    assert {k: plain[k] for k in row} == row  # the list fields, same values
    full = json.loads(fetched.cli("articles", "show", str(row["id"]), "--json", "--text").stdout)
    assert "1,800 reefer plugs" in full["text"]
    assert "Harbourline Media" not in full["text"]  # boilerplate left out
    assert full["language"] == "en"
    human = fetched.cli("articles", "show", str(row["id"]), "--text").stdout
    assert human.startswith("Northwind Harbour Logistics expands cold-chain capacity\n")
    assert "1,800 reefer plugs" in human


def test_show_fallback_says_why(fetched: Fetched) -> None:
    strike = next(r for r in listed(fetched) if r["title"] == "Port strike called off")
    shown = json.loads(
        fetched.cli("articles", "show", str(strike["id"]), "--json", "--text").stdout
    )
    assert shown["text"] == "Dockers accepted a two-year pay deal late on Sunday."
    assert shown["extract_error"] and "404" in shown["extract_error"]


def test_show_unknown_id(fetched: Fetched) -> None:
    result = fetched.cli("articles", "show", "9999")
    assert result.exit_code == 1
    assert "No article 9999" in result.output
    assert fetched.cli("articles", "show", "nine").exit_code == 2


def test_search(fetched: Fetched) -> None:
    def titles(*args: str) -> list[str]:
        result = fetched.cli("articles", "search", *args, "--json")
        assert result.exit_code == 0, result.output
        return [r["title"] for r in json.loads(result.stdout)]

    assert titles("robusta") == ["Arabica futures reach a 14-year high"]
    assert titles('"reefer plugs"') == ["Northwind Harbour Logistics expands cold-chain capacity"]
    assert titles("Gdansk") == ["Kestrel Analytics raises $38 million"]  # diacritics folded
    # not FTS5 syntax, just words a user typed
    assert titles("cold-chain") == ["Northwind Harbour Logistics expands cold-chain capacity"]
    assert titles("semiconductors") == []
    human = fetched.cli("articles", "search", "forecasting")
    assert "Kestrel Analytics raises $38 million" in human.stdout
    # a leading minus excludes a word, as in a web search
    everything = set(titles("the"))
    assert "Arabica futures reach a 14-year high" in everything and len(everything) > 2
    assert set(titles("the -robusta")) == everything - {"Arabica futures reach a 14-year high"}
    blank = fetched.cli("articles", "search", "  ")
    assert blank.exit_code == 2 and "Give words to search for" in blank.output


def test_empty_store(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("articles", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    result = run_cli("articles", "list")
    assert result.exit_code == 0
    assert "No articles." in result.output


def test_a_bare_since_date_starts_that_day_in_the_workspace_time_zone(
    run_cli, workspace: Workspace
) -> None:
    # In Tokyo 2026-03-10 starts at 15:00 UTC on the 9th: a story published at 14:00 UTC
    # is the user's 9 March, not "since 10 March"; one at 16:00 UTC is their 10 March.
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write('\n[schedule]\ntimezone = "Asia/Tokyo"\n')
    with open_store(workspace.db_path()) as store:
        contact = store.add_contact(ContactFields(name="Imelda Varga"))
        for hour, title in ((14, "Late on the ninth"), (16, "Early on the tenth")):
            article_id, _ = store.add_article(
                NewArticle(
                    url=f"https://a.example/{hour}",
                    canonical_url=f"https://a.example/{hour}",
                    title=title,
                    text="Imelda Varga spoke.",
                    extracted=True,
                    published=datetime(2026, 3, 9, hour, tzinfo=UTC),
                )
            )
            store.add_mention(
                contact.id, article_id, article_id, confidence="high", event="other",
                evidence="Imelda Varga spoke.", matched="Imelda Varga",
            )  # fmt: skip

    def titles(*args: str) -> list[str]:
        result = run_cli(*args, "--json")
        assert result.exit_code == 0, result.output
        return [row["title"] for row in json.loads(result.stdout)]

    for command in (("articles", "list"), ("mentions",)):
        assert titles(*command, "--since", "2026-03-10") == ["Early on the tenth"]
        assert titles(*command, "--since", "2026-03-09T00:00:00+00:00") == [
            "Early on the tenth",
            "Late on the ninth",
        ]
    assert (
        run_cli("contacts", "edit", "Imelda Varga", "--last-contacted", "2026-03-10").exit_code == 0
    )
    shown = json.loads(run_cli("contacts", "show", "Imelda Varga", "--json").stdout)
    assert shown["last_contacted"] == "2026-03-09T15:00:00+00:00"
    assert "last contacted: 2026-03-10" in run_cli("contacts", "show", "Imelda Varga").stdout


@pytest.mark.parametrize(
    ("zone", "value", "when"),
    [
        ("Asia/Tokyo", "0001-01-01", "past"),  # before year 1 in UTC
        ("UTC", "0001-01-01T00:00:00+05:00", "past"),
        ("America/New_York", "9999-12-31T23:00:00", "future"),  # after year 9999 in UTC
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ("articles", "list", "--since"),
        ("mentions", "--since"),
        ("contacts", "edit", "Imelda Varga", "--last-contacted"),
    ],
)
def test_a_date_out_of_range_in_utc_is_a_usage_error(
    run_cli, workspace: Workspace, zone: str, value: str, when: str, command: tuple[str, ...]
) -> None:
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[schedule]\ntimezone = "{zone}"\n')
    assert run_cli("contacts", "add", "Imelda Varga").exit_code == 0
    result = run_cli(*command, value)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{value!r} is too far in the {when}" in result.stderr


def test_dates_shown_are_in_the_workspace_zone(run_cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    # QA: `articles list` showed the UTC day, while `--since` days start in the workspace's
    # zone: a story at 22:30 UTC on the 10th is on the 11th in Tokyo.
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write('\n[schedule]\ntimezone = "Asia/Tokyo"\n')
    store = open_store(workspace.db_path(workspace.config()))
    url = "https://news.example/late"
    published = datetime(2025, 3, 10, 22, 30, tzinfo=UTC)
    article = NewArticle(
        url=url, canonical_url=url, title="Late story", text="Text.", extracted=True,
        published=published,
    )  # fmt: skip
    article_id, _ = store.add_article(article)
    store.close()
    listed = run_cli("articles", "list")
    assert "2025-03-11  Late story" in listed.stdout
    since = run_cli("articles", "list", "--since", "2025-03-11")
    assert "Late story" in since.stdout
    shown = run_cli("articles", "show", str(article_id))
    assert "published: 2025-03-11 07:30 JST" in shown.stdout
    as_json = json.loads(run_cli("articles", "show", str(article_id), "--json").stdout)
    assert as_json["published"] == "2025-03-10T22:30:00+00:00"
