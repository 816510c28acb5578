"""pipeline.net against a real loopback server: limits, retries, redirects, address policy."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import replace
from typing import TypeVar

import pytest
from ingest_fixtures import (
    PUBLIC_ADDRESS,
    LoopbackAliases,
    endless,
    fake_resolver,
    gzip_bomb,
    trickle,
)

from pipeline.config import FetchSettings
from pipeline.errors import FetchError
from pipeline.loopback import LoopbackServer, Request, Response
from pipeline.net import Fetched, Fetcher, RefusedURL, is_public_address, parse_retry_after

T = TypeVar("T")

FAST = FetchSettings(
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=5.0,
    retries=0,
    page_max_bytes=1_000_000,
)


def run(
    settings: FetchSettings,
    work: Callable[[Fetcher], Awaitable[T]],
    *,
    public: tuple[str, ...] = (),
) -> T:
    """Run `work` with a Fetcher; names in `public` resolve as public but reach loopback."""

    async def main() -> T:
        fetcher = Fetcher(
            settings,
            resolver=fake_resolver(dict.fromkeys(public, PUBLIC_ADDRESS)),
            transport=LoopbackAliases(public) if public else None,
            backoff=0.01,
        )
        async with fetcher:
            return await work(fetcher)

    return asyncio.run(main())


def get(
    url: str, settings: FetchSettings = FAST, *, allow_private: bool = True, **kw: str
) -> Fetched:
    return run(
        settings,
        lambda f: f.fetch(
            url, max_bytes=settings.page_max_bytes, allow_private=allow_private, **kw
        ),
    )


def fails(url: str, settings: FetchSettings = FAST, **kw: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        get(url, settings, **kw)
    return info.value


def sequence(*responses: Response) -> Callable[[Request], Response]:
    """A route answering each request with the next response (the last one repeats)."""
    answers = list(responses)

    def route(request: Request) -> Response:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return route


# --- plain fetching and conditional GET --------------------------------------------


def test_fetch_then_conditional_get_is_a_304(server: LoopbackServer) -> None:
    server.routes["/feed.xml"] = Response(b"<rss/>", content_type="application/rss+xml")
    first = get(server.url("/feed.xml"))
    assert (first.status, first.body, first.content_type) == (200, b"<rss/>", "application/rss+xml")
    assert first.etag and first.last_modified
    second = get(server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body == b""


def test_gzip_and_both_deflate_flavours_are_decoded(server: LoopbackServer) -> None:
    text = b"<p>Coffee futures rose.</p>" * 200
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    server.routes["/gz"] = Response(gzip.compress(text), headers={"Content-Encoding": "gzip"})
    server.routes["/zlib"] = Response(zlib.compress(text), headers={"Content-Encoding": "deflate"})
    server.routes["/raw"] = Response(
        raw_deflate.compress(text) + raw_deflate.flush(), headers={"Content-Encoding": "deflate"}
    )
    for path in ("/gz", "/zlib", "/raw"):
        assert get(server.url(path)).body == text


def test_unknown_content_encoding_is_an_error(server: LoopbackServer) -> None:
    server.routes["/br"] = Response(b"\x00\x01", headers={"Content-Encoding": "br"})
    assert "unsupported content encoding" in str(fails(server.url("/br")))


# --- size caps -----------------------------------------------------------------------


def test_a_one_gigabyte_body_is_cut_at_the_cap(server: LoopbackServer) -> None:
    # 16,384 x 64 KB = 1 GiB, produced lazily: only what the client reads is ever made.
    server.routes["/huge"] = lambda r: Response(endless(b"a" * 65536, 16384))
    started = time.monotonic()
    error = fails(server.url("/huge"))
    assert "larger than the 1,000,000-byte limit" in str(error)
    assert time.monotonic() - started < 3


def test_a_declared_oversize_body_is_refused_before_reading(server: LoopbackServer) -> None:
    server.routes["/big"] = lambda r: Response(
        endless(b"a" * 65536, 16384), headers={"Content-Length": str(2**30)}
    )
    assert "1,073,741,824 bytes, over the 1,000,000-byte limit" in str(fails(server.url("/big")))


def test_a_gzip_bomb_is_cut_at_the_decompressed_cap(server: LoopbackServer) -> None:
    server.routes["/bomb"] = lambda r: Response(gzip_bomb(10), headers={"Content-Encoding": "gzip"})
    error = fails(server.url("/bomb"))
    assert "inflates past the 1,000,000-byte limit" in str(error)


# --- timeouts --------------------------------------------------------------------------


def test_a_trickling_server_is_cut_off_by_the_total_timeout(server: LoopbackServer) -> None:
    server.routes["/slow"] = lambda r: Response(trickle())
    settings = replace(FAST, read_timeout=5.0, total_timeout=1.5)
    started = time.monotonic()
    error = fails(server.url("/slow"), settings)
    assert "total timeout" in str(error)
    assert 1.4 < time.monotonic() - started < 3


def test_a_server_that_never_answers_times_out(server: LoopbackServer) -> None:
    server.routes["/stuck"] = Response(b"late", delay=3)
    settings = replace(FAST, read_timeout=0.5)
    error = fails(server.url("/stuck"), settings)
    assert "timed out (waiting for data)" in str(error)


# --- retries ---------------------------------------------------------------------------


def test_a_500_is_retried_a_bounded_number_of_times(server: LoopbackServer) -> None:
    server.routes["/err"] = Response(b"oops", status=500)
    error = fails(server.url("/err"), replace(FAST, retries=2))
    assert str(error) == "HTTP 500 Internal Server Error (after 3 attempts)"
    assert error.status == 500
    assert server.hits["/err"] == 3


def test_a_transient_500_then_success(server: LoopbackServer) -> None:
    server.routes["/flaky"] = sequence(Response(b"", status=502), Response(b"fine"))
    fetched = get(server.url("/flaky"), replace(FAST, retries=2))
    assert (fetched.body, fetched.attempts) == (b"fine", 2)


def test_a_404_is_not_retried(server: LoopbackServer) -> None:
    error = fails(server.url("/missing"), replace(FAST, retries=3))
    assert error.status == 404 and server.hits["/missing"] == 1


def test_a_connection_reset_is_retried(server: LoopbackServer) -> None:
    server.routes["/reset"] = sequence(Response(reset=True), Response(b"after reset"))
    assert get(server.url("/reset"), replace(FAST, retries=1)).body == b"after reset"


def test_retry_after_is_honoured(server: LoopbackServer) -> None:
    server.routes["/busy"] = sequence(
        Response(b"", status=503, headers={"Retry-After": "1"}), Response(b"ok now")
    )
    started = time.monotonic()
    assert get(server.url("/busy"), replace(FAST, retries=1)).body == b"ok now"
    assert time.monotonic() - started >= 0.95


def test_a_retry_after_beyond_the_total_timeout_gives_up_at_once(server: LoopbackServer) -> None:
    server.routes["/later"] = Response(b"", status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    error = fails(server.url("/later"), replace(FAST, retries=3))
    assert "come back in 3600 s" in str(error)
    assert time.monotonic() - started < 1 and server.hits["/later"] == 1


def test_parse_retry_after_reads_seconds_and_dates() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert parse_retry_after("soon") == 0 and parse_retry_after(None) == 0


# --- redirects ---------------------------------------------------------------------------


def test_redirects_are_followed_and_the_final_url_reported(server: LoopbackServer) -> None:
    server.routes["/old"] = Response(status=301, headers={"Location": "/mid"})
    server.routes["/mid"] = Response(status=302, headers={"Location": server.url("/new")})
    server.routes["/new"] = Response(b"moved here")
    fetched = get(server.url("/old"))
    assert (fetched.url, fetched.body) == (server.url("/new"), b"moved here")


def test_admission_is_awaited_once_after_redirects_and_retries(server: LoopbackServer) -> None:
    server.routes["/old"] = Response(status=301, headers={"Location": "/flaky"})
    server.routes["/flaky"] = sequence(Response(status=503), Response(b"at last"))
    admitted: list[int] = []

    async def admit() -> None:
        admitted.append(len(server.hits))  # requests made before admission

    fetched = run(
        replace(FAST, retries=1),
        lambda f: f.fetch(server.url("/old"), max_bytes=100, allow_private=True, admit=admit),
    )
    assert fetched.body == b"at last"
    assert admitted == [0]  # once, before the first request


def test_a_cookie_set_on_a_redirect_is_sent_on_the_next_hop(server: LoopbackServer) -> None:
    # A consent wall: the feed redirects to a page that sets a cookie and sends the
    # reader back; without the cookie the feed would redirect again, in a loop.
    def feed(request: Request) -> Response:
        if "consent=yes" in request.headers.get("Cookie", ""):
            return Response(b"<rss/>")
        return Response(status=302, headers={"Location": "/consent"})

    server.routes["/feed"] = feed
    server.routes["/consent"] = Response(
        status=302, headers={"Location": "/feed", "Set-Cookie": "consent=yes; Path=/"}
    )
    fetched = get(server.url("/feed"))
    assert (fetched.url, fetched.body) == (server.url("/feed"), b"<rss/>")
    assert server.hits == {"/feed": 2, "/consent": 1}


def test_a_login_in_the_feed_url_is_sent_as_basic_auth(server: LoopbackServer) -> None:
    # A private feed ("https://me:secret@host/feed"); the login goes back to its own
    # host on a relative redirect, and nowhere else.
    def feed(request: Request) -> Response:
        if request.headers.get("Authorization") == "Basic YWxpY2U6czNjcmV0IHdvcmQ=":
            return Response(b"<rss/>")
        return Response(status=401)

    server.routes["/private"] = Response(status=302, headers={"Location": "/feed"})
    server.routes["/feed"] = feed
    with_login = server.url("/private").replace("http://", "http://alice:s3cret%20word@")
    assert get(with_login).body == b"<rss/>"
    assert fails(server.url("/feed")).status == 401


def test_a_redirect_loop_stops_after_max_redirects(server: LoopbackServer) -> None:
    server.routes["/a"] = Response(status=302, headers={"Location": "/b"})
    server.routes["/b"] = Response(status=302, headers={"Location": "/a"})
    error = fails(server.url("/a"), replace(FAST, max_redirects=5))
    assert "more than 5 redirects" in str(error)
    assert server.hits["/a"] + server.hits["/b"] == 6


def test_only_http_and_https_are_fetched(server: LoopbackServer) -> None:
    with pytest.raises(RefusedURL, match=r"file:///etc/passwd is not an http\(s\) URL"):
        get("file:///etc/passwd")
    server.routes["/to-file"] = Response(status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(RefusedURL, match="redirected to file:///etc/passwd, which is not"):
        get(server.url("/to-file"))


def test_a_url_the_http_client_cannot_send_is_a_fetch_error(server: LoopbackServer) -> None:
    # A feed's link can be longer than HTTP clients send, hold a control character, or
    # name a host IDNA cannot encode; each is one item's error, never an unexpected one.
    for url in (
        server.url("/" + "a" * 70_000),
        server.url("/page\x01"),
        "http://\u2603.example/x",
    ):
        error = fails(url)
        assert "cannot be requested" in str(error) and not error.retryable, url


# --- address policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_a_public_feed_may_not_reach_private_addresses(server: LoopbackServer) -> None:
    server.routes["/page"] = Response(b"public page")
    server.routes["/hop"] = Response(status=302, headers={"Location": server.url("/page")})
    port = server.port

    async def work(f: Fetcher) -> list[str]:
        outcomes = []
        for url in (
            f"http://news.example:{port}/page",  # public host: fine
            "http://10.0.0.1/admin",  # refused before any connection is tried
            server.url("/page"),  # loopback literal
            "http://localhost/x",  # a name that resolves to loopback
            f"http://news.example:{port}/hop",  # public, but redirects to loopback
        ):
            try:
                fetched = await f.fetch(url, max_bytes=1000, allow_private=False)
                outcomes.append(fetched.body.decode())
            except RefusedURL as exc:
                outcomes.append(str(exc))
        return outcomes

    ok, private, loopback, localhost, hop = run(FAST, work, public=("news.example",))
    assert ok == "public page"
    assert private.startswith("refused: http://10.0.0.1/admin points to a private")
    assert "(127.0.0.1)" in loopback and "(127.0.0.1)" in localhost
    assert hop.startswith(f"refused: redirected to {server.url('/page')}, which points to")
    assert server.hits.get("/page") == 1  # only the allowed fetch reached it


def test_a_feed_on_a_private_host_may_link_there(server: LoopbackServer) -> None:
    server.routes["/page"] = Response(b"intranet page")
    assert get(server.url("/page"), allow_private=True).body == b"intranet page"


def test_is_private_and_unresolvable_hosts() -> None:
    async def work(f: Fetcher) -> tuple[bool, bool, bool]:
        return (
            await f.is_private("http://news.example/feed"),
            await f.is_private("http://localhost:8080/feed"),
            await f.is_private("http://[::1]/feed"),
        )

    assert run(FAST, work, public=("news.example",)) == (False, True, True)
    with pytest.raises(FetchError, match=r"cannot resolve the host nowhere\.invalid"):
        get("http://nowhere.invalid/feed", allow_private=False)


# --- politeness -------------------------------------------------------------------------


def test_per_host_concurrency_is_capped_per_host_not_globally(server: LoopbackServer) -> None:
    server.routes["/slow"] = Response(b"x", delay=0.2)
    settings = replace(FAST, concurrency=16, per_host_concurrency=2)

    async def work(f: Fetcher) -> None:
        urls = [
            f"http://{h}:{server.port}/slow" for h in ("a.example", "b.example") for _ in "123456"
        ]
        await asyncio.gather(*(f.fetch(u, max_bytes=10, allow_private=False) for u in urls))

    run(settings, work, public=("a.example", "b.example"))
    assert server.peak_in_flight == 4  # two hosts x two each


def test_connections_are_kept_alive_across_many_sites() -> None:
    # More sites than global slots: one shared pool would close one site's idle
    # connection to open another's, and reconnect for almost every request.
    settings = replace(FAST, concurrency=4, per_host_concurrency=2)
    with ExitStack() as stack:
        sites = [stack.enter_context(LoopbackServer()) for _ in range(6)]  # six origins
        for site in sites:
            site.routes["/p"] = Response(b"x" * 10_000, delay=0.01)

        async def work(f: Fetcher) -> None:
            urls = [site.url("/p") for _ in range(8) for site in sites]
            await asyncio.gather(*(f.fetch(u, max_bytes=20_000, allow_private=True) for u in urls))

        run(settings, work)
    assert sum(sum(site.hits.values()) for site in sites) == 48
    assert sum(site.connections for site in sites) <= len(sites) * 2


def test_per_host_delay_spaces_requests(server: LoopbackServer) -> None:
    times: list[float] = []
    lock = threading.Lock()

    def stamp(request: Request) -> Response:
        with lock:
            times.append(time.monotonic())
        return Response(b"x")

    server.routes["/t"] = stamp
    settings = replace(FAST, per_host_delay=0.25)

    async def work(f: Fetcher) -> None:
        await asyncio.gather(
            *(f.fetch(server.url("/t"), max_bytes=10, allow_private=True) for _ in range(3))
        )

    run(settings, work)
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.2
