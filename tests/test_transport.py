"""pipeline.transport: httpx over h11 on asyncio sockets, against real loopback servers.

The Fetcher's own tests (test_net.py, test_ingest.py) run every hostile server
through this transport; these pin down what the socket layer itself must get
right: TLS, flow control both ways, a server closing a pooled connection, and
each failure surfacing as the httpx exception httpx's own transport would raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
import trustme

from pipeline.transport import HostPools

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _request_head(reader: asyncio.StreamReader) -> tuple[str, int]:
    """The request line and the Content-Length of one HTTP/1.1 request."""
    head = await reader.readuntil(b"\r\n\r\n")
    line, *fields = head.decode("latin-1").split("\r\n")
    length = 0
    for field in fields:
        name, _, value = field.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return line, length


def _response(body: bytes, *, close: bool = False) -> bytes:
    extra = "Connection: close\r\n" if close else ""
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


async def _serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> asyncio.Server:
    return await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context)


def _url(server: asyncio.Server, path: str = "/", scheme: str = "http") -> str:
    port = server.sockets[0].getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}{path}"


def _client(ssl_context: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=HostPools(4, ssl_context=ssl_context), timeout=2.0)


def test_keep_alive_serves_many_requests_on_one_connection() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while not reader.at_eof():
            try:
                line, _ = await _request_head(reader)
            except asyncio.IncompleteReadError:
                break
            writer.write(_response(line.split()[1].encode()))
            await writer.drain()
        writer.close()

    async def main() -> list[str]:
        server = await _serve(handler)
        async with server, _client() as client:
            return [(await client.get(_url(server, f"/{n}"))).text for n in range(20)]

    assert asyncio.run(main()) == [f"/{n}" for n in range(20)]
    assert connections == 1


def test_large_body_arrives_whole_and_a_slow_reader_holds_the_server_back() -> None:
    # Far above the protocol's high-water mark, sent in one write: reading must
    # pause (so memory stays bounded while we are busy elsewhere) and resume without
    # losing or reordering a byte.
    body = hashlib.shake_256(b"cheesecake").digest(6_000_000)
    sent_all_at = 0.0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent_all_at
        await _request_head(reader)
        writer.write(_response(body))
        await writer.drain()
        sent_all_at = time.monotonic()
        writer.close()

    async def main() -> tuple[bytes, float]:
        server = await _serve(handler)
        async with server, _client() as client, client.stream("GET", _url(server)) as response:
            chunks = response.aiter_raw()
            parts = [await anext(chunks)]
            await asyncio.sleep(0.5)  # busy elsewhere: the server must not get far ahead
            resumed_at = time.monotonic()
            parts += [chunk async for chunk in chunks]
        assert max(len(p) for p in parts) <= 64 * 1024  # the transport's read size is honoured
        return b"".join(parts), resumed_at

    received, resumed_at = asyncio.run(main())
    assert received == body
    assert sent_all_at > resumed_at


def test_large_request_body_waits_for_a_slow_reader() -> None:
    # A request body bigger than the socket buffers: writing must wait for the
    # server (pause_writing) rather than buffer without bound or fail.
    payload = b"x" * 8_000_000

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, length = await _request_head(reader)
        got = hashlib.sha256()
        while length:
            await asyncio.sleep(0.001)
            chunk = await reader.read(min(length, 256 * 1024))
            got.update(chunk)
            length -= len(chunk)
        writer.write(_response(got.hexdigest().encode()))
        await writer.drain()
        writer.close()

    async def main() -> str:
        server = await _serve(handler)
        async with server, _client() as client:
            return (await client.post(_url(server), content=payload)).text

    assert asyncio.run(main()) == hashlib.sha256(payload).hexdigest()


def _answer_once(reply: bytes) -> tuple[Handler, list[int]]:
    """A handler that answers one request on each connection with `reply` and closes
    it, and the count of connections it was given."""
    connections = [0]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        await _request_head(reader)
        writer.write(reply)
        await writer.drain()
        writer.close()

    return handler, connections


def test_a_pooled_connection_the_server_closed_is_replaced() -> None:
    # Keep-alive by the headers, but the server closes right after: the pool must
    # notice before reusing the connection, not fail the next request.
    handler, connections = _answer_once(_response(b"ok"))

    async def main() -> list[str]:
        server = await _serve(handler)
        async with server, _client() as client:
            texts = []
            for _ in range(3):
                texts.append((await client.get(_url(server))).text)
                await asyncio.sleep(0.05)  # the close reaches us while pooled
            return texts

    assert asyncio.run(main()) == ["ok", "ok", "ok"]
    assert connections == [3]


def test_tls_with_a_trusted_certificate() -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):
            await _request_head(reader)
            writer.write(_response(b"secret " * 10_000))
            await writer.drain()
        writer.close()

    async def main() -> list[int]:
        server = await _serve(handler, server_context)
        url = _url(server, scheme="https")
        async with server, _client(ssl_context=client_context) as client:
            # Two requests: the second reuses the TLS connection.
            return [len((await client.get(url)).content) for _ in range(2)]

    assert asyncio.run(main()) == [70_000, 70_000]


def test_tls_with_an_untrusted_certificate_is_a_connect_error() -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_context)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await reader.read()
        writer.close()

    async def main() -> None:
        server = await _serve(handler, server_context)
        async with server, _client() as client:
            await client.get(_url(server, scheme="https"))

    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(main())


def test_a_silent_server_is_a_read_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request_head(reader)
        await asyncio.sleep(5)
        writer.close()

    async def main() -> None:
        server = await _serve(handler)
        async with server, httpx.AsyncClient(transport=HostPools(4), timeout=0.3) as client:
            await client.get(_url(server))

    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(main())


def test_a_body_cut_short_is_a_protocol_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much")
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await _serve(handler)
        async with server, _client() as client:
            await client.get(_url(server))

    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(main())


def test_a_refused_connection_is_a_connect_error() -> None:
    async def main() -> None:
        server = await _serve(lambda r, w: asyncio.sleep(0))
        url = _url(server)
        server.close()
        await server.wait_closed()
        async with _client() as client:
            await client.get(url)

    with pytest.raises(httpx.ConnectError):
        asyncio.run(main())


def _counting_server(answer: Callable[[int, int], bytes | None]) -> tuple[Handler, list[int]]:
    """A handler that serves `answer(connection number, request number)` on each
    request (None: close the connection without answering), and the count of
    connections it was given."""
    connections = [0]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        number = connections[0]
        requests = 0
        try:
            while True:
                _, length = await _request_head(reader)
                await reader.readexactly(length)
                requests += 1
                reply = answer(number, requests)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    return handler, connections


def test_a_response_with_no_body_keeps_its_connection_though_never_read() -> None:
    # The Fetcher never reads a 304's body (there is none): the connection must
    # still go back to the pool, or every conditional GET would reconnect.
    handler, connections = _counting_server(
        lambda conn, n: b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'
    )

    async def main() -> list[int]:
        server = await _serve(handler)
        statuses = []
        async with server, _client() as client:
            for _ in range(3):
                async with client.stream("GET", _url(server)) as response:
                    statuses.append(response.status_code)
        return statuses

    assert asyncio.run(main()) == [304, 304, 304]
    assert connections == [1]


def test_a_body_left_unread_closes_its_connection() -> None:
    # Its bytes would otherwise be read as the start of the next response.
    handler, connections = _counting_server(lambda conn, n: _response(b"x" * 5000))

    async def main() -> list[str]:
        server = await _serve(handler)
        async with server, _client() as client:
            async with client.stream("GET", _url(server)) as response:
                assert response.status_code == 200
            return [(await client.get(_url(server))).text[:3] for _ in range(2)]

    assert asyncio.run(main()) == ["xxx", "xxx"]
    assert connections == [2]


def test_a_connection_closed_as_the_request_goes_out_is_asked_again_once() -> None:
    # The server's keep-alive ends just as the next request arrives: it reads the
    # request and closes without a word. A GET goes again on a new connection.
    def answer(conn: int, request: int) -> bytes | None:
        return None if conn == 1 and request == 2 else _response(f"{conn}.{request}".encode())

    handler, connections = _counting_server(answer)

    async def main() -> list[str]:
        server = await _serve(handler)
        async with server, _client() as client:
            return [(await client.get(_url(server))).text for _ in range(3)]

    assert asyncio.run(main()) == ["1.1", "2.1", "2.2"]
    assert connections == [2]


def test_a_request_with_a_body_is_not_sent_twice() -> None:
    # A POST may have had its effect before the connection closed: never repeated.
    def answer(conn: int, request: int) -> bytes | None:
        return None if request == 2 else _response(b"done")

    handler, connections = _counting_server(answer)

    async def main() -> None:
        server = await _serve(handler)
        async with server, _client() as client:
            assert (await client.post(_url(server), content=b"one")).text == "done"
            await client.post(_url(server), content=b"two")

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        asyncio.run(main())
    assert connections == [1]


def test_an_http_1_0_body_runs_until_the_server_closes() -> None:
    handler, connections = _answer_once(
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"y" * 70_000
    )

    async def main() -> list[int]:
        server = await _serve(handler)
        async with server, _client() as client:
            return [len((await client.get(_url(server))).content) for _ in range(2)]

    assert asyncio.run(main()) == [70_000, 70_000]
    assert connections == [2]


def test_bytes_past_a_responses_end_keep_its_connection_out_of_the_pool() -> None:
    # A server whose body overruns its Content-Length: the extra bytes must not be
    # read as the start of the next response on the same connection.
    handler, connections = _counting_server(
        lambda conn, n: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"
    )

    async def main() -> list[str]:
        server = await _serve(handler)
        async with server, _client() as client:
            texts = []
            for _ in range(2):
                texts.append((await client.get(_url(server))).text)
                await asyncio.sleep(0.05)  # the overrun arrives with or after the body
            return texts

    assert asyncio.run(main()) == ["ok", "ok"]
    assert connections == [2]


def test_idle_connections_of_sites_not_asked_again_are_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A run over many sites keeps one idle connection per site only while it may be
    # used: expired ones everywhere, and the oldest beyond the cap, are closed.
    import pipeline.transport as transport

    monkeypatch.setattr(transport, "MAX_IDLE", 2)
    monkeypatch.setattr(transport, "SWEEP_SECONDS", 0.0)
    open_now = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now
        open_now += 1
        try:
            while True:
                await _request_head(reader)
                writer.write(_response(b"ok"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            open_now -= 1
            writer.close()

    async def main() -> tuple[int, int]:
        servers = [await _serve(handler) for _ in range(5)]
        async with contextlib.AsyncExitStack() as stack:
            for server in servers:
                await stack.enter_async_context(server)
            client = await stack.enter_async_context(_client())
            for server in servers:
                assert (await client.get(_url(server))).text == "ok"
            await asyncio.sleep(0.1)
            over_the_cap = open_now
            monkeypatch.setattr(transport, "KEEPALIVE_SECONDS", 0.05)
            assert (await client.get(_url(servers[0]))).text == "ok"
            await asyncio.sleep(0.1)
            return over_the_cap, open_now

    # Two kept of five; then, expired, all but the one just used.
    assert asyncio.run(main()) == (2, 1)


def _forward_proxy() -> tuple[Handler, list[str]]:
    """A plain HTTP forward proxy for the tests: it answers every absolute-form
    request itself with the URL it was asked for, and lists those URLs."""
    asked: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line, _ = await _request_head(reader)
                target = line.split()[1]
                asked.append(target)
                writer.write(_response(target.encode()))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    return handler, asked


def test_a_proxy_from_the_environment_carries_requests_for_other_hosts() -> None:
    # The name does not resolve here at all: only the proxy knows where it is.
    proxy_handler, asked = _forward_proxy()

    async def main() -> tuple[str, str]:
        proxy = await _serve(proxy_handler)
        direct = await _serve(_answer_once(_response(b"direct"))[0])
        proxies = {"http": _url(proxy).rstrip("/")}
        async with proxy, direct:
            client = httpx.AsyncClient(transport=HostPools(4, proxies=proxies), timeout=2.0)
            async with client:
                far = (await client.get("http://news.harbourline.example/feed.xml")).text
                near = (await client.get(_url(direct, "/feed.xml"))).text  # loopback
        return far, near

    assert asyncio.run(main()) == ("http://news.harbourline.example/feed.xml", "direct")
    assert asked == ["http://news.harbourline.example/feed.xml"]


@pytest.mark.parametrize(
    "host, no_proxy, proxied",
    [
        ("news.harbourline.example", "", True),
        ("news.harbourline.example", "harbourline.example", False),
        ("news.harbourline.example", ".harbourline.example, intranet", False),
        ("harbourline.example", "*.harbourline.example", False),
        ("news.harbourline.example", "*", False),
        ("news.harbourline.example", "line.example", True),  # not a domain of it
        ("localhost", "", False),
        ("127.0.0.5", "", False),
        ("[::1]", "", False),
        ("10.1.2.3", "", True),  # a LAN address is the proxy's business unless listed
    ],
)
def test_which_requests_go_through_the_proxy(host: str, no_proxy: str, proxied: bool) -> None:
    pools = HostPools(4, proxies={"http": "http://proxy.corp.example:3128", "no": no_proxy})
    assert (pools.proxy_for(f"http://{host}/feed") is not None) is proxied
    assert HostPools(4).proxy_for(f"http://{host}/feed") is None


def test_the_fetcher_asks_the_proxy_for_names_it_cannot_resolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Behind a proxy the machine often has no DNS for the outside world: the name is
    # the proxy's to resolve, and only an address written in a link can be checked.
    from ingest_fixtures import fake_resolver

    from pipeline.config import FetchSettings
    from pipeline.errors import FetchError
    from pipeline.net import Fetcher, RefusedURL

    proxy_handler, asked = _forward_proxy()

    async def main() -> tuple[bytes, str, str]:
        proxy = await _serve(proxy_handler)
        monkeypatch.setenv("HTTP_PROXY", _url(proxy).rstrip("/"))
        monkeypatch.setenv("NO_PROXY", "intranet.harbourline.example")
        settings = FetchSettings(connect_timeout=2.0, read_timeout=2.0, retries=0)
        async with proxy, Fetcher(settings, resolver=fake_resolver({})) as fetcher:
            url = "http://news.harbourline.example/feed.xml"
            fetched = await fetcher.fetch(url, max_bytes=10_000, allow_private=False)
            with pytest.raises(RefusedURL) as private:
                await fetcher.fetch("http://10.0.0.1/x", max_bytes=10_000, allow_private=False)
            with pytest.raises(FetchError) as unlisted:  # NO_PROXY: asked directly
                await fetcher.fetch(
                    "http://intranet.harbourline.example/x", max_bytes=10_000, allow_private=False
                )
        return fetched.body, str(private.value), str(unlisted.value)

    body, private, unlisted = asyncio.run(main())
    assert body == b"http://news.harbourline.example/feed.xml"
    assert "private or reserved address (10.0.0.1)" in private
    assert "cannot resolve the host intranet.harbourline.example" in unlisted
    assert asked == ["http://news.harbourline.example/feed.xml"]
