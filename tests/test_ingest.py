"""fetch_all and `cheesecake fetch` end to end: real loopback servers, real SQLite."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import tzlocal
from ingest_fixtures import (
    PUBLIC_ADDRESS,
    Item,
    LoopbackAliases,
    article_html,
    article_paragraphs,
    endless,
    fake_resolver,
    feeds_toml,
    gzip_bomb,
    rss,
    story,
    trickle,
)

import pipeline.ingest as ingest_module
from pipeline.ingest import fetch_all
from pipeline.loopback import LoopbackServer, Request, Response
from pipeline.records import FetchReport
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace

RSS = "application/rss+xml"


def serve_feed(server: LoopbackServer, path: str, items: Sequence[Item], **kw: object) -> str:
    server.routes[path] = Response(
        rss(f"Feed {path}", server.url("/"), items),
        content_type=RSS,
        **kw,  # type: ignore[arg-type]
    )
    return server.url(path)


def ingest(
    workspace: Workspace,
    urls: Sequence[str],
    *,
    public: tuple[str, ...] = (),
    **settings: object,
) -> tuple[FetchReport, Store]:
    workspace.config_path.write_text(feeds_toml(urls, **settings), encoding="utf-8")
    store = open_store(workspace.db_path())
    run_id = store.start_run("fetch")
    report = fetch_all(
        store,
        workspace.config(),
        run_id=run_id,
        resolver=fake_resolver(dict.fromkeys(public, PUBLIC_ADDRESS)) if public else None,
        transport=LoopbackAliases(public) if public else None,
    )
    return report, store


def test_new_articles_are_extracted_with_the_feeds_url_and_date(
    workspace: Workspace, server: LoopbackServer
) -> None:
    first = story(server, "/news/a1", 1)
    tracked = Item(
        title=first.title,
        link=first.link + "?utm_source=rss&utm_medium=feed&ref=7#comments",
        summary=first.summary,
        published=datetime(2024, 3, 4, 5, 6, tzinfo=UTC),
    )
    undated = story(server, "/news/a2", 2, published=datetime(2024, 2, 1, 12, 0, tzinfo=UTC))
    undated = Item(undated.title, undated.link, summary=undated.summary, dated=False)
    progress: list[tuple[int, int]] = []
    workspace.config_path.write_text(feeds_toml([serve_feed(server, "/f.xml", [tracked, undated])]))
    with open_store(workspace.db_path()) as store:
        report = fetch_all(store, workspace.config(), progress=lambda d, t: progress.append((d, t)))
        by_url = {a.url: a for a in store.articles(with_text=True)}
    assert (report.new_articles, report.extracted, report.fallbacks) == (2, 2, 0)
    assert progress[-1] == (3, 3)  # one feed and its two new entries
    a1 = by_url[server.url("/news/a1?ref=7")]  # tracking and fragment gone, the rest kept
    assert a1.extracted and a1.author == "Jordan Ellery"
    assert a1.published == datetime(2024, 3, 4, 5, 6, tzinfo=UTC)  # the feed's date wins
    assert article_paragraphs(1)[3] in a1.text
    assert a1.feed_urls == (server.url("/f.xml"),)
    a2 = by_url[server.url("/news/a2")]
    assert a2.published is not None and a2.published.date().isoformat() == "2024-02-01"


def test_a_second_fetch_costs_one_304_per_feed(
    workspace: Workspace, server: LoopbackServer
) -> None:
    feed = serve_feed(server, "/f.xml", [story(server, f"/p{i}", i) for i in range(3)])
    first, store = ingest(workspace, [feed])
    assert first.new_articles == 3
    pages_before = {p: n for p, n in server.hits.items() if p.startswith("/p")}
    second, _ = ingest(workspace, [feed])
    assert (second.feeds_unchanged, second.pages, second.new_articles, second.requests) == (
        1,
        0,
        0,
        1,
    )
    assert {p: n for p, n in server.hits.items() if p.startswith("/p")} == pages_before
    assert store.count_articles() == 3
    state = store.feed_state(feed)
    assert state is not None and state.last_status == 304 and state.ok


def test_an_unchanged_body_without_validators_is_not_parsed_again(
    workspace: Workspace, server: LoopbackServer
) -> None:
    feed = serve_feed(server, "/f.xml", [story(server, "/p", 1)], conditional=False)
    ingest(workspace, [feed])
    second, store = ingest(workspace, [feed])
    assert (second.feeds_unchanged, second.pages, store.count_articles()) == (1, 0, 1)
    # Then a new entry appears: only its page is fetched.
    serve_feed(
        server, "/f.xml", [story(server, "/p", 1), story(server, "/q", 2)], conditional=False
    )
    third, _ = ingest(workspace, [feed])
    assert (third.new_articles, third.pages, server.hits["/p"], server.hits["/q"]) == (1, 1, 1, 1)


def test_the_same_story_in_two_feeds_is_stored_once_and_linked_to_both(
    workspace: Workspace, server: LoopbackServer
) -> None:
    shared = story(server, "/shared", 10)
    original = story(server, "/original", 11)
    # The same article republished at another URL that names the original as canonical.
    server.routes["/mirror"] = Response(
        article_html(original.title, article_paragraphs(11), canonical=server.url("/original"))
    )
    # A near-copy under its own URL: one sentence of the story changed.
    paragraphs = article_paragraphs(12)
    reworded = [*paragraphs[:-1], paragraphs[-1].rsplit(". ", 1)[0] + ". Shares were flat."]
    near = story(server, "/near-a", 12)
    server.routes["/near-b"] = Response(article_html(near.title, reworded))
    feed_a = serve_feed(server, "/a.xml", [shared, original, near])
    feed_b = serve_feed(
        server,
        "/b.xml",
        [
            shared,
            Item(original.title, server.url("/mirror"), summary=original.summary),
            Item(near.title, server.url("/near-b"), summary=near.summary),
        ],
    )
    report, store = ingest(workspace, [feed_a], extract_workers=2)
    later, _ = ingest(workspace, [feed_a, feed_b], extract_workers=2)
    assert report.new_articles == 3
    assert (later.new_articles, later.duplicates, later.near_duplicates) == (1, 2, 1)
    articles = {a.url: a for a in store.articles()}
    assert len(articles) == 4
    assert set(articles[server.url("/shared")].feed_urls) == {feed_a, feed_b}
    assert set(articles[server.url("/original")].feed_urls) == {feed_a, feed_b}
    first, copy = articles[server.url("/near-a")], articles[server.url("/near-b")]
    assert copy.story_id == first.id and copy.story == first.story
    assert server.hits["/shared"] == 1


def test_a_feed_giving_every_entry_the_same_guid_loses_none_of_them(
    workspace: Workspace, server: LoopbackServer
) -> None:
    # A CMS template bug: one guid (the site's home page) on every item.
    def items(n: int) -> list[Item]:
        return [replace(story(server, f"/p{i}", 40 + i), guid=server.url("/")) for i in range(n)]

    feed = serve_feed(server, "/f.xml", items(3))
    first, store = ingest(workspace, [feed])
    assert first.new_articles == 3
    serve_feed(server, "/f.xml", items(4))  # then a fourth story is published
    second, _ = ingest(workspace, [feed])
    assert (second.new_articles, second.pages, store.count_articles()) == (1, 1, 4)


def test_the_same_link_in_two_feeds_at_once_is_fetched_once(
    workspace: Workspace, server: LoopbackServer
) -> None:
    shared = story(server, "/shared", 20)
    feeds = [serve_feed(server, f"/{n}.xml", [shared]) for n in "abc"]
    report, store = ingest(workspace, feeds)
    assert (report.new_articles, report.duplicates, server.hits["/shared"]) == (1, 2, 1)
    assert len(store.articles()[0].feed_urls) == 3


def test_a_page_that_fails_falls_back_to_the_feed_summary(
    workspace: Workspace, server: LoopbackServer
) -> None:
    server.routes["/broken"] = Response(b"down", status=500)
    server.routes["/thin"] = Response(b"<html><body><p>Subscribe to read.</p></body></html>")
    server.routes["/pdf"] = Response(b"%PDF-1.7", content_type="application/pdf")
    # A podcast's episode link: 128 MB of audio, refused on its header, never downloaded
    # (reading it would end at the page size cap instead, a few MB later).
    audio = Response(endless(b"\xff" * 65536, 2048), content_type="audio/mpeg")
    server.routes["/episode.mp3"] = audio
    items = [
        Item("Broken page", server.url("/broken"), summary="Freight rates rose in May."),
        Item("Thin page", server.url("/thin"), summary="Arabica futures hit a record."),
        Item("A PDF", server.url("/pdf"), summary="Annual report."),
        Item("Episode 12", server.url("/episode.mp3"), summary="Port automation, with guests."),
    ]
    report, store = ingest(workspace, [serve_feed(server, "/f.xml", items)])
    assert (report.new_articles, report.fallbacks, report.extracted) == (4, 4, 0)
    by_title = {a.title: store.article(a.id) for a in store.articles()}
    broken = by_title["Broken page"]
    assert not broken.extracted and broken.text == "Freight rates rose in May."
    assert broken.extract_error == "page not fetched: HTTP 500 Internal Server Error"
    assert "no article text" in (by_title["Thin page"].extract_error or "")
    assert by_title["A PDF"].extract_error == (
        "page not fetched: the response is application/pdf, not a web page (nothing was read)"
    )
    assert "audio/mpeg, not a web page (nothing was read)" in (
        by_title["Episode 12"].extract_error or ""
    )
    assert {e.stage for e in report.errors} == {"page", "extract"}


def refresh_page(target: str, seconds: int = 0) -> Response:
    """A page with no text of its own that sends the reader on, as redirectors do."""
    return Response(
        f"<html><head><meta http-equiv='refresh' content='{seconds}; url={target}'>"
        "<title>Redirecting</title></head><body><p>Redirecting...</p></body></html>".encode()
    )


def test_a_page_that_refreshes_to_the_article_is_followed(
    workspace: Workspace, server: LoopbackServer
) -> None:
    real = story(server, "/2026/arabica-high", 40)
    server.routes["/go/1"] = refresh_page("/2026/arabica-high?utm_source=feed")
    server.routes["/go/2"] = refresh_page("/go/3")  # two hops: a shortener's shortener
    server.routes["/go/3"] = refresh_page(real.link.replace("arabica-high", "cocoa-low"))
    cocoa = story(server, "/2026/cocoa-low", 41)
    server.routes["/loop/a"] = refresh_page("/loop/b")
    server.routes["/loop/b"] = refresh_page("/loop/a")
    server.routes["/reload"] = refresh_page("/reload", seconds=300)  # a page reloading itself
    items = [
        Item(real.title, server.url("/go/1"), summary="Arabica futures rose."),
        Item(cocoa.title, server.url("/go/2"), summary="Cocoa fell."),
        Item("Loop", server.url("/loop/a"), summary="Going round."),
        Item("Reload", server.url("/reload"), summary="Live prices."),
    ]
    report, store = ingest(workspace, [serve_feed(server, "/f.xml", items)])
    stored = {a.canonical_url: store.article(a.id) for a in store.articles()}
    assert set(stored) == {real.link, cocoa.link, server.url("/loop/a"), server.url("/reload")}
    assert stored[real.link].extracted and stored[cocoa.link].extracted
    assert (report.new_articles, report.extracted, report.fallbacks) == (4, 2, 2)
    loop = stored[server.url("/loop/a")]
    assert not loop.extracted and loop.text == "Going round."
    assert "no article text" in (loop.extract_error or "")
    assert server.hits["/loop/a"] + server.hits["/loop/b"] == 3  # two hops, no more
    assert server.hits["/reload"] == 1


def test_a_refresh_to_a_private_address_is_refused_like_a_link(
    workspace: Workspace, server: LoopbackServer
) -> None:
    port = server.port
    server.routes["/secret"] = Response(b"<html>intranet</html>")
    server.routes["/go"] = refresh_page(server.url("/secret"))
    server.routes["/gone"] = refresh_page("/missing")
    items = [
        Item("Sneaky", f"http://news.example:{port}/go", summary="x"),
        Item("Missing", f"http://news.example:{port}/gone", summary="y"),
    ]
    serve_feed(server, "/public.xml", items)
    report, _ = ingest(
        workspace, [f"http://news.example:{port}/public.xml"], public=("news.example",)
    )
    errors = {e.item: e.message for e in report.errors}
    assert "(127.0.0.1)" in errors[f"http://news.example:{port}/go"]
    assert (
        f"the meta refresh of http://news.example:{port}/go leads to"
        in errors[f"http://news.example:{port}/go"]
    )
    assert "/secret" not in server.hits
    assert "HTTP 404" in errors[f"http://news.example:{port}/gone"]
    assert report.fallbacks == 2


def test_a_link_the_http_client_cannot_send_falls_back_and_the_feed_completes(
    workspace: Workspace, server: LoopbackServer
) -> None:
    long_link = server.url("/archive/" + "x" * 70_000)
    items = [
        story(server, "/p", 1),
        Item("A very long link", long_link, summary="Charter rates eased in June."),
    ]
    feed = serve_feed(server, "/f.xml", items)
    report, store = ingest(workspace, [feed])
    assert (report.new_articles, report.extracted, report.fallbacks) == (2, 1, 1)
    [error] = report.errors
    assert error.stage == "page" and "cannot be requested" in error.message
    state = store.feed_state(feed)
    # Every entry was stored, so the feed's validators are kept: the next run is a 304.
    assert state is not None and state.etag is not None
    again, _ = ingest(workspace, [feed])
    assert (again.feeds_unchanged, again.errors) == (1, ())


def _flaky(server: LoopbackServer, path: str, seed: int) -> tuple[Item, dict[str, bool]]:
    """A page that answers 503 until `state["up"]` is set, then the article."""
    item = story(server, path, seed)
    page = server.routes[path]
    state = {"up": False}

    def route(request: Request) -> Response:
        assert isinstance(page, Response)
        return page if state["up"] else Response(b"maintenance", status=503)

    server.routes[path] = route
    return item, state


def test_a_page_that_failed_for_a_passing_reason_is_asked_again_later(
    workspace: Workspace, server: LoopbackServer, run_cli
) -> None:
    flaky, state = _flaky(server, "/flaky", 31)
    server.routes["/missing"] = Response(b"no such page", status=404)
    missing = Item("Missing page", server.url("/missing"), summary="Dock strike ends.")
    feed = serve_feed(server, "/f.xml", [flaky, missing])
    workspace.config_path.write_text(feeds_toml([feed]), encoding="utf-8")
    store = open_store(workspace.db_path())
    t0 = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

    def fetch(at: datetime) -> FetchReport:
        return fetch_all(store, workspace.config(), now=at)

    first = fetch(t0)
    assert (first.new_articles, first.fallbacks) == (2, 2)
    [message] = [e.message for e in first.errors if e.item == flaky.link]
    assert message.endswith("later fetches will ask for it again")
    article_id = store.article_id_for_url(flaky.link)
    assert article_id is not None
    # The 404 is final; the 503 is asked again, not before its delay.
    assert [r.article_id for r in store.due_page_retries(t0 + timedelta(days=1), 10)] == [
        article_id
    ]
    assert store.pending_page_retries() == (1, t0 + ingest_module.PAGE_RETRY_DELAYS[0])
    shown = run_cli("status").output
    assert "1 article still on the feed's summary after a passing failure" in shown
    due = (t0 + ingest_module.PAGE_RETRY_DELAYS[0]).astimezone(tzlocal.get_localzone())
    assert f"the first after {due:%Y-%m-%d %H:%M} {due.tzname()}" in shown  # where the user is
    state["up"] = True
    early = fetch(t0 + timedelta(minutes=5))
    assert (early.recovered, early.pages) == (0, 0)
    later = fetch(t0 + ingest_module.PAGE_RETRY_DELAYS[0])
    assert (later.recovered, later.new_articles, later.pages) == (1, 0, 1)
    article = store.article(article_id)
    assert article.extracted and article.extract_error is None
    assert article_paragraphs(31)[-1][:40] in article.text
    assert article.title == flaky.title and article.summary == flaky.summary.strip()
    assert len(store.articles()) == 2  # replaced in place: no second article
    assert article_id in store.unscanned_article_ids()  # mentions look at the new text
    words = " ".join(article_paragraphs(31)[-1].split()[:4]).strip(".,")
    assert [a.id for a in store.search_articles(words)] == [article_id]  # indexed anew
    assert store.due_page_retries(t0 + timedelta(days=2), 10) == []
    assert "passing failure" not in run_cli("status").output


def test_a_retry_while_offline_waits_for_the_next_run(
    workspace: Workspace, server: LoopbackServer
) -> None:
    # A public feed on news.example whose page answered 503; at the next run the
    # machine is offline (DNS: "Temporary failure in name resolution").
    port = server.url("/").split(":")[2].rstrip("/")
    item, state = _flaky(server, "/flaky", 33)
    item = replace(item, link=f"http://news.example:{port}/flaky")
    serve_feed(server, "/f.xml", [item])
    workspace.config_path.write_text(
        feeds_toml([f"http://news.example:{port}/f.xml"]), encoding="utf-8"
    )
    store = open_store(workspace.db_path())
    online = fake_resolver({"news.example": PUBLIC_ADDRESS})

    async def offline(host: str) -> Sequence[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    def fetch(at: datetime, resolver: object) -> FetchReport:
        return fetch_all(
            store,
            workspace.config(),
            resolver=resolver,  # type: ignore[arg-type]
            transport=LoopbackAliases(["news.example"]),
            now=at,
        )

    at = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    assert fetch(at, online).fallbacks == 1
    at += ingest_module.PAGE_RETRY_DELAYS[0]
    report = fetch(at, offline)
    [message] = [e.message for e in report.errors if e.item == item.link]
    assert "Temporary failure in name resolution" in message
    assert message.endswith("(retry 1 of 3)")  # not given up, not an unexpected error
    state["up"] = True
    at += ingest_module.PAGE_RETRY_DELAYS[1]
    assert fetch(at, online).recovered == 1


def test_a_page_that_stays_down_is_given_up_after_its_retries(
    workspace: Workspace, server: LoopbackServer
) -> None:
    flaky, _ = _flaky(server, "/flaky", 32)
    workspace.config_path.write_text(
        feeds_toml([serve_feed(server, "/f.xml", [flaky])]), encoding="utf-8"
    )
    store = open_store(workspace.db_path())
    at = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    fetch_all(store, workspace.config(), now=at)
    messages = []
    for delay in ingest_module.PAGE_RETRY_DELAYS:
        at += delay
        report = fetch_all(store, workspace.config(), now=at)
        assert report.pages == 1
        messages += [e.message for e in report.errors]
    assert messages[0].endswith("(retry 1 of 3)")
    assert messages[-1].endswith("(retry 3 of 3, the last: the article keeps the feed's summary)")
    assert store.due_page_retries(at + timedelta(days=30), 10) == []
    assert fetch_all(store, workspace.config(), now=at + timedelta(days=1)).pages == 0
    article = store.article(store.articles()[0].id)
    assert not article.extracted and article.text == flaky.summary.strip()


def test_a_gone_feed_is_marked_dead_and_not_asked_again(
    workspace: Workspace, server: LoopbackServer
) -> None:
    server.routes["/gone.xml"] = Response(b"", status=410)
    report, store = ingest(workspace, [server.url("/gone.xml")])
    state = store.feed_state(server.url("/gone.xml"))
    assert report.feeds_failed == 1 and state is not None and state.dead
    again, _ = ingest(workspace, [server.url("/gone.xml")])
    assert again.feeds_failed == 1 and server.hits["/gone.xml"] == 1


def test_a_feed_that_moved_permanently_says_where(
    workspace: Workspace, server: LoopbackServer, run_cli
) -> None:  # type: ignore[no-untyped-def]
    serve_feed(server, "/new.xml", [story(server, "/moved-story", 1)])
    server.routes["/old.xml"] = Response(b"", status=301, headers={"Location": "/new.xml"})
    server.routes["/temp.xml"] = Response(b"", status=302, headers={"Location": "/new.xml"})
    old, temp, new = server.url("/old.xml"), server.url("/temp.xml"), server.url("/new.xml")
    report, store = ingest(workspace, [old, temp])
    assert report.feeds_failed == 0 and report.new_articles == 1
    moved = store.feed_state(old)
    assert moved is not None and moved.ok and moved.moved_to == new
    assert moved.last_error is None
    assert store.feed_state(temp).moved_to is None  # type: ignore[union-attr]
    # The next run, unchanged (a 304 after the redirect), still says so.
    ingest(workspace, [old, temp])
    assert store.feed_state(old).moved_to == new  # type: ignore[union-attr]
    status = run_cli("status")
    assert f"ok, 1 article (note: moved permanently to {new}; use that URL" in status.stdout
    listed = json.loads(run_cli("status", "--json").stdout)["feeds"]
    assert [f["moved_to"] for f in listed] == [new, None]
    # Once the old address answers itself again, the note goes.
    serve_feed(server, "/old.xml", [story(server, "/moved-story", 1)])
    ingest(workspace, [old, temp])
    assert store.feed_state(old).moved_to is None  # type: ignore[union-attr]


def test_failures_are_counted_until_the_feed_recovers(
    workspace: Workspace, server: LoopbackServer
) -> None:
    url = server.url("/f.xml")
    server.routes["/f.xml"] = Response(b"", status=503)
    ingest(workspace, [url])
    _, store = ingest(workspace, [url])
    state = store.feed_state(url)
    assert state is not None
    assert (state.consecutive_failures, state.last_error) == (2, "HTTP 503 Service Unavailable")
    serve_feed(server, "/f.xml", [story(server, "/p", 1)])
    ingest(workspace, [url])
    state = store.feed_state(url)
    assert state is not None and state.consecutive_failures == 0 and state.ok


def test_a_hostile_server_costs_one_recorded_error_per_item(
    workspace: Workspace, server: LoopbackServer
) -> None:
    good = [story(server, "/good/1", 30), story(server, "/good/2", 31)]
    server.routes["/page-500"] = Response(b"", status=500)
    server.routes["/page-huge"] = lambda r: Response(endless(b"<p>" * 21845, 16384))
    server.routes["/page-slow"] = lambda r: Response(trickle())
    bad_pages = [
        Item(f"Bad page {p}", server.url(f"/page-{p}"), summary=f"Summary of {p}.")
        for p in ("500", "huge", "slow")
    ]
    hostile = {
        "/500.xml": Response(b"", status=500),
        "/timeout.xml": Response(b"<rss/>", delay=5),
        "/trickle.xml": lambda r: Response(trickle(), content_type=RSS),
        "/huge.xml": lambda r: Response(endless(b"<rss>" * 13107, 16384), content_type=RSS),
        "/bomb.xml": lambda r: Response(
            gzip_bomb(10), content_type=RSS, headers={"Content-Encoding": "gzip"}
        ),
        "/loop.xml": Response(status=302, headers={"Location": "/loop.xml?again"}),
        "/html.xml": Response(
            b"<!DOCTYPE html><html><head><link rel='alternate' type='application/rss+xml' "
            b"href='/real.xml'></head><body><p>Welcome</p></body></html>"
        ),
        "/empty.xml": Response(b"", content_type=RSS),
    }
    server.routes.update(hostile)
    port = server.port
    public_story = story(server, "/public-story", 32)
    server.routes["/secret"] = Response(b"<html>intranet</html>")
    public_items = [
        Item("Passwords", "file:///etc/passwd", summary="x"),
        Item("Metadata", "http://10.0.0.1/latest/meta-data", summary="x"),
        Item("Loopback", server.url("/secret"), summary="x"),
        Item(public_story.title, f"http://news.example:{port}/public-story", summary="y"),
    ]
    serve_feed(server, "/public.xml", public_items)
    feeds = [
        serve_feed(server, "/good.xml", [*good, *bad_pages]),
        *(server.url(path) for path in hostile),
        f"http://news.example:{port}/public.xml",
    ]
    report, store = ingest(
        workspace,
        feeds,
        public=("news.example",),
        read_timeout=1.2,  # the trickle's one byte a second keeps a read timeout away...
        total_timeout=2.0,  # ...so only the total timeout can stop it
        feed_max_bytes=300_000,
        page_max_bytes=300_000,
    )
    errors = {e.item: e.message for e in report.errors}
    expected = {
        "/500.xml": "HTTP 500 Internal Server Error",
        "/timeout.xml": "timed out (waiting for data)",
        "/trickle.xml": "total timeout",
        "/huge.xml": "larger than the 300,000-byte limit",
        "/bomb.xml": "inflates past the 300,000-byte limit",
        "/loop.xml": "more than 5 redirects",
        "/html.xml": f"advertises the feed {server.url('/real.xml')}",
        "/empty.xml": "empty body",
    }
    for path, fragment in expected.items():
        assert fragment in errors[server.url(path)], (path, errors[server.url(path)])
        state = store.feed_state(server.url(path))
        assert state is not None and state.consecutive_failures == 1 and not state.ok
    assert report.feeds_failed == len(hostile)
    # (feedparser itself turns file:///etc/passwd into file://etc/passwd)
    file_errors = [m for item, m in errors.items() if item.startswith("file:")]
    assert len(file_errors) == 1 and "is not an http(s) URL" in file_errors[0]
    assert "private or reserved address (10.0.0.1)" in errors["http://10.0.0.1/latest/meta-data"]
    assert "(127.0.0.1)" in errors[server.url("/secret")]
    assert "/secret" not in server.hits
    assert "page not fetched: HTTP 500" in errors[server.url("/page-500")]
    assert "300,000-byte limit" in errors[server.url("/page-huge")]
    assert "total timeout" in errors[server.url("/page-slow")]
    # Everything else went in: two good stories, three summaries, the public story.
    stored = {a.url: a for a in store.articles()}
    assert set(stored) == {
        *(i.link for i in good),
        *(i.link for i in bad_pages),
        f"http://news.example:{port}/public-story",
    }
    assert [stored[i.link].extracted for i in good] == [True, True]
    assert (report.new_articles, report.extracted, report.fallbacks) == (6, 3, 3)
    recorded = store.run_errors(store.last_run("fetch")["id"])  # type: ignore[index]
    assert len(recorded) == len(report.errors) == len(hostile) + 6


def test_a_write_the_disk_refuses_loses_no_article_of_another_feed(
    workspace: Workspace, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a full disk SQLite may undo the whole open transaction, not just the failing
    # statement: the articles of the batch so far, another feed's among them, are gone.
    monkeypatch.setattr(ingest_module, "COMMIT_SECONDS", 60.0)  # one batch for the run
    a1, a2, a3 = (story(server, f"/a{i}", 50 + i) for i in range(3))
    slow = server.routes["/a2"]
    assert isinstance(slow, Response)
    server.routes["/a2"] = replace(slow, delay=1.0)  # stored after the failure
    trap = story(server, "/trap", 60)
    server.routes["/trap"] = replace(server.routes["/trap"], delay=0.3)  # type: ignore[type-var]
    feeds = [serve_feed(server, "/a.xml", [a1, a2, a3]), serve_feed(server, "/b.xml", [trap])]
    real_add = Store.add_article

    def add_article(store: Store, article, **kw):  # type: ignore[no-untyped-def]
        if article.url != trap.link:
            return real_add(store, article, **kw)
        # Room for the article's row, not for a signature this large: the disk fills
        # on a one-row insert, which SQLite answers by rolling everything back.
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        try:
            return real_add(store, article, **{**kw, "signature": bytes(100_000)})
        finally:
            store.conn.execute("PRAGMA max_page_count = 1073741823")

    monkeypatch.setattr(Store, "add_article", add_article)
    report, store = ingest(workspace, feeds)
    assert [e.message for e in report.errors if e.item == trap.link] == [
        "unexpected error: OperationalError('database or disk is full')"
    ]
    # The report counts what is stored, not what the undone batch held.
    kept = len(store.articles())
    assert report.new_articles == report.extracted == kept < 3
    [undone] = [e.message for e in report.errors if e.item == "database"]
    lost = 3 - kept  # the trap itself never was stored; a2 came after the failure
    assert undone.startswith(f"{lost} new article") and "the next fetch asks" in undone
    monkeypatch.setattr(Store, "add_article", real_add)  # space is freed
    ingest(workspace, feeds)
    assert {a.url for a in store.articles()} == {a1.link, a2.link, a3.link, trap.link}


def test_a_commit_the_disk_refuses_is_reported_not_printed(
    workspace: Workspace,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Batches are committed on a timer: a failure there used to reach only asyncio's
    # "Exception in callback" traceback, and the report still counted the articles.
    monkeypatch.setattr(ingest_module, "COMMIT_SECONDS", 0.05)
    items = [story(server, f"/c{i}", 70 + i) for i in range(3)]
    feeds = [serve_feed(server, "/c.xml", items)]
    real_commit = Store.commit_batch
    failures = []

    def commit_batch(store: Store) -> None:
        if store.conn.in_transaction and not failures:
            failures.append(1)
            store.conn.rollback()  # what SQLite does to a batch on an I/O error
            store.batches_lost += 1
            raise sqlite3.OperationalError("disk I/O error")
        real_commit(store)

    monkeypatch.setattr(Store, "commit_batch", commit_batch)
    report, store = ingest(workspace, feeds)
    assert failures and "Exception in callback" not in caplog.text
    assert report.new_articles == len(store.articles()) < 3
    assert any("undone by the database (disk I/O error)" in e.message for e in report.errors)
    again, _ = ingest(workspace, feeds)  # the feed kept its old validators: asked again
    assert len(store.articles()) == 3 and again.new_articles == 3 - report.new_articles


def test_fetch_command_json_and_summary(
    run_cli, workspace: Workspace, server: LoopbackServer
) -> None:  # type: ignore[no-untyped-def]
    feed = serve_feed(server, "/f.xml", [story(server, "/p", 1)])
    server.routes["/bad.xml"] = Response(b"", status=404)
    workspace.config_path.write_text(feeds_toml([feed, server.url("/bad.xml")]))
    result = run_cli("fetch", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert {k: figures[k] for k in ("feeds", "feeds_failed", "new_articles", "extracted")} == {
        "feeds": 2,
        "feeds_failed": 1,
        "new_articles": 1,
        "extracted": 1,
    }
    assert figures["errors"] == [
        {"stage": "feed", "item": server.url("/bad.xml"), "message": "HTTP 404 Not Found"}
    ]
    again = run_cli("fetch")
    assert again.exit_code == 0
    assert again.stdout.startswith("Fetched 2 feeds (1 failed, 1 unchanged): 0 new articles")
    status = json.loads(run_cli("status", "--json").stdout)
    bad = next(f for f in status["feeds"] if f["url"].endswith("/bad.xml"))
    assert (bad["ok"], bad["consecutive_failures"], bad["last_error"]) == (
        False,
        2,
        "HTTP 404 Not Found",
    )
    assert status["last_run"]["kind"] == "fetch" and status["last_run"]["status"] == "ok"


def test_a_page_naming_no_site_takes_its_feeds_name_on_the_feeds_own_site(
    workspace: Workspace, server: LoopbackServer
) -> None:
    # Drafts say "I saw the news in <site>": never "127.0.0.1", and never an
    # aggregator's name for a page it only links to on another site.
    own = story(server, "/own/1", 1, named_site=False)
    named = story(server, "/own/2", 2)
    elsewhere = replace(
        story(server, "/other/3", 3, named_site=False),
        link=f"http://other.example:{server.port}/other/3",
    )
    links = [replace(i, link=i.link.replace("127.0.0.1", "wire.example")) for i in (own, named)]
    serve_feed(server, "/wire.xml", [*links, elsewhere])
    url = f"http://wire.example:{server.port}/wire.xml"
    report, store = ingest(workspace, [url], public=("wire.example", "other.example"))
    assert report.new_articles == 3 and report.extracted == 3
    sites = {a.url.rsplit("/", 2)[1] + a.url[-1]: a.site_name for a in store.articles()}
    store.close()
    assert sites == {"own1": "Feed /wire.xml", "own2": "Harbour & Field News", "other3": None}


def test_no_feeds_is_a_quick_empty_run(workspace: Workspace) -> None:
    report, _ = ingest(workspace, [])
    assert report == FetchReport(seconds=report.seconds)


def test_a_slow_site_does_not_hold_up_the_pages_of_other_sites(
    workspace: Workspace, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More entries from one slow site than there are page slots (16 here): a slot is
    # only taken when the site can be asked, so the other site's pages are fetched at
    # once instead of queueing behind the slow site's.
    monkeypatch.setattr(ingest_module, "MIN_PAGE_SLOTS", 16)
    monkeypatch.setattr(ingest_module, "PAGE_SLOTS_PER_WORKER", 16)
    asked: dict[str, float] = {}

    def serve_timed(site: str, path: str, seed: int, delay: float) -> Item:
        item = story(server, path, seed)
        page = replace(server.routes[path], delay=delay)  # type: ignore[arg-type]

        def route(request: Request) -> Response:
            asked.setdefault(path, time.monotonic())
            return page

        server.routes[path] = route
        return replace(item, link=f"http://{site}:{server.port}{path}")

    slow = [serve_timed("slow.example", f"/slow/{n}", n, 0.6) for n in range(20)]
    fast = [serve_timed("fast.example", f"/fast/{n}", 100 + n, 0.0) for n in range(4)]
    serve_feed(server, "/slow.xml", slow)
    # The fast site's feed answers a little later, so its entries queue behind.
    serve_feed(server, "/fast.xml", fast, delay=0.2)
    feeds = [
        f"http://{site}:{server.port}/{site.split('.')[0]}.xml"
        for site in ("slow.example", "fast.example")
    ]
    report, store = ingest(
        workspace, feeds, public=("slow.example", "fast.example"), per_host_concurrency=4
    )
    store.close()
    assert report.new_articles == 24
    first_slow = min(t for path, t in asked.items() if path.startswith("/slow/"))
    last_fast = max(t for path, t in asked.items() if path.startswith("/fast/"))
    # Queued behind the slow site they would wait two rounds of its pages (1.2 s or more).
    assert last_fast - first_slow < 0.6, last_fast - first_slow


def test_a_changed_feed_without_new_entries_starts_no_workers(
    workspace: Workspace, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [story(server, f"/news/{n}", n) for n in range(3)]
    feed = serve_feed(server, "/f.xml", items)
    report, store = ingest(workspace, [feed])
    store.close()
    assert report.new_articles == 3
    # The same entries under a new channel title: a changed body, nothing new to fetch.
    server.routes["/f.xml"] = Response(
        rss("Renamed feed", server.url("/"), items), content_type=RSS
    )
    pools: list[object] = []
    monkeypatch.setattr(ingest_module, "WorkerPool", lambda *a, **kw: pools.append(a))
    report, store = ingest(workspace, [feed])
    store.close()
    assert (report.new_articles, report.feeds_unchanged, pools) == (0, 0, [])


def test_a_fetch_with_nothing_new_never_loads_numpy(workspace: Workspace) -> None:
    # NumPy (near-duplicate fingerprints) is a tenth of an hourly fetch's start-up,
    # httpx's own command-line client (rich's console, pygments) a tenth more.
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from pipeline.cli import cli; "
        f"r = CliRunner().invoke(cli, ['--workspace', {str(workspace.root)!r}, 'fetch']); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('numpy', 'scipy', 'sklearn', 'httpx._main', 'pygments')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
