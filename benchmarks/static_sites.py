"""Lean static HTTP/1.1 sites on loopback for the ingest benchmark.

The benchmark's servers share the machine's cores with the fetch they serve, so
every millisecond they spend is taken from the thing being measured, though a real
site's servers run elsewhere. pipeline.loopback (a ThreadingHTTPServer, built for
hostile test cases) spends about 0.7 ms of CPU per page; these asyncio servers,
which only answer GET/HEAD for fixed bodies with ETags, keep-alive and a fixed
latency, spend a fraction of that. One event loop thread serves every site.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate

_LAST_MODIFIED = formatdate(0, usegmt=True)


@dataclass(frozen=True)
class _Body:
    data: bytes
    head: bytes  # status line and headers of the 200 answer
    not_modified: bytes  # the whole 304 answer
    etag: bytes


class StaticSite:
    """One host: `routes[path] = (body, content type)`; `hits` counts requests per path."""

    def __init__(self, host: str, latency: float):
        self.host = host
        self.latency = latency
        self.port = 0
        self.hits: Counter[str] = Counter()
        self._bodies: dict[str, _Body] = {}

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        etag = ('"' + hashlib.sha1(body).hexdigest()[:16] + '"').encode()
        common = b"ETag: " + etag + b"\r\nLast-Modified: " + _LAST_MODIFIED.encode() + b"\r\n"
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: "
            + content_type.encode()
            + b"\r\n"
            + common
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
        )
        not_modified = b"HTTP/1.1 304 Not Modified\r\n" + common + b"Content-Length: 0\r\n\r\n"
        self._bodies[path] = _Body(body, head, not_modified, etag)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                lines = request.split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                headers = dict(
                    (k.strip().lower(), v.strip())
                    for k, _, v in (line.partition(b":") for line in lines[1:] if line)
                )
                path = target.decode("latin-1")
                self.hits[path] += 1
                if self.latency:
                    await asyncio.sleep(self.latency)
                body = self._bodies.get(path.split("?")[0])
                if body is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                elif headers.get(b"if-none-match") == body.etag:
                    writer.write(body.not_modified)
                else:
                    writer.write(body.head + (body.data if method != b"HEAD" else b""))
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass  # the client closed the connection, or sent something we do not serve
        finally:
            writer.close()


class StaticSites:
    """`with StaticSites(hosts, latency) as sites:` one StaticSite per 127.0.0.x address."""

    def __init__(self, count: int, latency: float):
        self.sites = [StaticSite(f"127.0.0.{1 + n}", latency) for n in range(count)]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.base_events.Server] = []

    def __enter__(self) -> StaticSites:
        self._thread.start()
        for site in self.sites:
            server = asyncio.run_coroutine_threadsafe(
                asyncio.start_server(site._serve, site.host, 0, backlog=256), self._loop
            ).result()
            site.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            for server in self._servers:
                server.close()
                await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
