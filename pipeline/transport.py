"""The HTTP transport under the Fetcher: HTTP/1.1 on asyncio sockets, a pool per origin.

httpx's own transport runs httpcore on anyio, whose per-call machinery (a cancel
scope and timer for every read and write, a checkpoint after every send, a
`poll()` per pooled connection on every request to see whether the server closed
it) cost about a third of the fetcher's CPU per page: the same overhead httpx's
maintainers measured (encode/httpx#3215, encode/httpcore#930). Giving httpcore an
asyncio network backend removed the socket half of it; its pool and connection
classes still took an anyio lock, a shielded cancel scope and a sniffio lookup on
every request and release (13 % of the fetcher's event-loop CPU). So this module
speaks HTTP/1.1 itself through h11, the protocol state machine httpcore uses, and
keeps httpx above it unchanged: the same client, the same exceptions, the same
limits. It owns sockets, pools and the exchange, never what is fetched. It speaks
no HTTP/2. A request the environment sends through a proxy (HTTP_PROXY,
HTTPS_PROXY, ALL_PROXY, NO_PROXY, as curl and httpx read them) goes through httpx's
own transport instead, which speaks to proxies; a loopback host never does.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
import urllib.request
from collections import deque
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import h11

from pipeline._httpx import httpx

# A connection keeps reading while the pool holds it idle, so a server's close is
# seen without a syscall; past this much unread data it stops until we catch up.
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024
READ_SIZE = 64 * 1024  # handed to h11 at a time
MAX_HEAD = 100 * 1024  # the largest response head accepted (httpcore's limit)
KEEPALIVE_SECONDS = 5.0  # how long an idle connection is kept (httpx's default)
# Idle connections kept across all origins. Each holds a file descriptor: a run over
# thousands of sites (aggregators link everywhere) must not keep one per site until
# the end and run out of them (`ulimit -n` is often 1,024).
MAX_IDLE = 128
SWEEP_SECONDS = 1.0  # how often expired idle connections of every origin are closed
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
Timeouts = Mapping[str, float | None]
_SILENT_CLOSE = "the server closed the connection without sending a response"


class _Protocol(asyncio.Protocol):
    """Buffers what the socket delivers and wakes the one reader waiting for it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.lost: Exception | None = None
        self.closed = False
        self.paused_reading = False
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > HIGH_WATER and not self.paused_reading and self.transport:
            self.transport.pause_reading()
            self.paused_reading = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._wake_writer()

    def take(self, max_bytes: int) -> bytes:
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.paused_reading and self.buffered < LOW_WATER and self.transport:
            self.paused_reading = False
            self.transport.resume_reading()
        return chunk

    async def readable(self) -> None:
        self._readable = asyncio.get_running_loop().create_future()
        try:
            await self._readable
        finally:
            self._readable = None

    @property
    def must_wait(self) -> bool:
        """The transport's buffer is full (pause_writing) and the socket still open."""
        return self._writable is not None and not self.closed

    async def writable(self) -> None:
        if self.must_wait and self._writable is not None:
            await asyncio.shield(self._writable)

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)

    def _wake_writer(self) -> None:
        waiter, self._writable = self._writable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _Connection:
    """One HTTP/1.1 connection: h11's state machine over a _Protocol's socket."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol):
        self._transport = transport
        self._protocol = protocol
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.idle_since = 0.0
        self.answered = False  # the server has sent something since the request began

    @property
    def alive(self) -> bool:
        """Still open, and nothing arrived while it was idle (most likely a close)."""
        protocol = self._protocol
        return not (
            protocol.chunks or protocol.eof or protocol.closed or self._transport.is_closing()
        )

    def usable(self, now: float) -> bool:
        """Alive, and idle for less than the keep-alive time."""
        return self.alive and now - self.idle_since < KEEPALIVE_SECONDS

    def close(self) -> None:
        self._transport.close()

    async def send(self, request: httpx.Request, timeouts: Timeouts) -> h11.Response:
        """Send the request, then wait for the response's status line and headers."""
        write = timeouts.get("write")
        await self._write(
            h11.Request(
                method=request.method, target=request.url.raw_path, headers=request.headers.raw
            ),
            write,
        )
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:
            if chunk:
                await self._write(h11.Data(data=chunk), write)
        await self._write(h11.EndOfMessage(), write)
        while True:
            event = await self._next_event(timeouts.get("read"))
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):  # 100 Continue, 103
                raise httpx.RemoteProtocolError(_SILENT_CLOSE)

    async def body(self, timeout: float | None) -> AsyncIterator[bytes]:
        """The response body, as it arrives."""
        while True:
            event = await self._next_event(timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise httpx.RemoteProtocolError("the response ended unexpectedly")

    def at_end(self) -> bool:
        """Whether the response has nothing left to read: a 304's or a HEAD's, say,
        whose end h11 reports without reading anything more."""
        if self._h11.their_state is h11.SEND_BODY and not self._protocol.chunks:
            try:
                return isinstance(self._h11.next_event(), h11.EndOfMessage)
            except h11.RemoteProtocolError:
                return False
        return self._h11.their_state is h11.DONE

    def recycle(self) -> bool:
        """Ready the connection for the next request, if both sides allow it and the
        server sent nothing past the response's end (a body longer than its declared
        length): those bytes would be read as the start of the next response."""
        leftover, _ = self._h11.trailing_data
        if leftover or self._protocol.chunks:
            return False
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            self.answered = False
            return True
        return False

    async def _write(self, event: h11.Event, timeout: float | None) -> None:
        try:
            data = self._h11.send(event)
        except h11.LocalProtocolError as exc:  # a header value h11 will not send
            raise httpx.LocalProtocolError(str(exc)) from None
        if not data:
            return
        protocol = self._protocol
        if protocol.closed or self._transport.is_closing():
            raise httpx.WriteError("the connection is closed")
        self._transport.write(data)
        if protocol.must_wait:  # a timer only when there is something to wait for
            try:
                async with asyncio.timeout(timeout):
                    await protocol.writable()
            except TimeoutError:
                raise httpx.WriteTimeout("timed out sending") from None
        if protocol.lost is not None:
            raise httpx.WriteError(_reason(protocol.lost))

    async def _next_event(self, timeout: float | None) -> Any:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                if not self.answered and (self._protocol.eof or self._protocol.closed):
                    raise httpx.RemoteProtocolError(_SILENT_CLOSE) from None
                raise httpx.RemoteProtocolError(str(exc)) from None
            if event is not h11.NEED_DATA:
                return event
            data = await self._read(timeout)
            self.answered = self.answered or bool(data)
            self._h11.receive_data(data)  # b"": the server closed its side

    async def _read(self, timeout: float | None) -> bytes:
        protocol = self._protocol
        if not protocol.chunks and not protocol.eof and not protocol.closed:
            try:
                async with asyncio.timeout(timeout):
                    await protocol.readable()
            except TimeoutError:
                raise httpx.ReadTimeout("timed out waiting for data") from None
        if protocol.chunks:
            return protocol.take(READ_SIZE)
        if protocol.lost is not None:
            raise httpx.ReadError(_reason(protocol.lost))
        return b""


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


Origin = tuple[bytes, bytes, int]


class _Body(httpx.AsyncByteStream):
    """A response body; closing it gives the connection back to its pool when the
    whole response was read, and closes it otherwise."""

    def __init__(
        self, pools: HostPools, origin: Origin, connection: _Connection, timeout: float | None
    ):
        self._pools = pools
        self._origin = origin
        self._connection: _Connection | None = connection
        self._timeout = timeout
        self._complete = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert self._connection is not None, "the body was closed"
        async for chunk in self._connection.body(self._timeout):
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if (self._complete or connection.at_end()) and connection.recycle():
            self._pools.release(self._origin, connection)
        else:
            connection.close()


class HostPools(httpx.AsyncBaseTransport):
    """One pool of idle keep-alive connections per origin, each as small as a host's cap.

    A shared pool of `concurrency` connections closed a host's idle connections to
    open another host's, so a run over many hosts reconnected for almost every page.
    The concurrency limits themselves are the Fetcher's semaphores: a request with
    no idle connection to its origin opens one.
    """

    def __init__(
        self,
        per_host: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        proxies: Mapping[str, str] | None = None,
    ):
        self._per_host = max(1, per_host)
        # Loading the CA bundle takes ~20 ms: once per run, not once per host.
        self._ssl = ssl_context or httpx.create_ssl_context()
        # scheme ("http", "https", "all") -> proxy URL, and "no" -> NO_PROXY's list,
        # as urllib.request.getproxies_environment() gives them
        self._proxies = dict(proxies or {})
        self._via: dict[str, httpx.AsyncBaseTransport] = {}  # proxy URL -> its transport
        self._idle: dict[Origin, deque[_Connection]] = {}
        self._next_sweep = 0.0
        self._closed = False

    def proxy_for(self, url: str) -> str | None:
        """The proxy a request for `url` goes through, or None to connect directly."""
        if not self._proxies:
            return None
        parts = urlsplit(url)
        proxy = self._proxies.get(parts.scheme.lower()) or self._proxies.get("all")
        host = parts.hostname or ""
        if not proxy or _is_loopback(host) or _bypassed(host, self._proxies.get("no", "")):
            return None
        return proxy

    async def _through_proxy(self, proxy: str, request: httpx.Request) -> httpx.Response:
        via = self._via.get(proxy)
        if via is None:
            try:
                via = httpx.AsyncHTTPTransport(proxy=proxy, verify=self._ssl, trust_env=False)
            except (ImportError, ValueError) as exc:  # socks5:// without socksio, a typo
                raise httpx.ProxyError(f"cannot use the proxy {proxy} ({exc})") from None
            self._via[proxy] = via
        return await via.handle_async_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        proxy = self.proxy_for(str(url))
        if proxy is not None:
            return await self._through_proxy(proxy, request)
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"the URL scheme {scheme.decode()!r} is not supported")
        origin = (scheme, url.raw_host, url.port or _DEFAULT_PORTS[scheme])
        timeouts: Timeouts = request.extensions.get("timeout", {})
        connection = self._pooled(origin)
        if connection is not None:
            try:
                head = await connection.send(request, timeouts)
                return self._response(origin, connection, head, timeouts)
            except (httpx.NetworkError, httpx.RemoteProtocolError):
                connection.close()
                if connection.answered or request.method not in ("GET", "HEAD"):
                    raise
                # The server closed the idle connection as the request went out (its
                # keep-alive ran out just then): asked again once, on a new one.
            except BaseException:
                connection.close()
                raise
        connection = await self._connect(origin, timeouts)
        try:
            head = await connection.send(request, timeouts)
        except BaseException:
            connection.close()
            raise
        return self._response(origin, connection, head, timeouts)

    def _response(
        self, origin: Origin, connection: _Connection, head: h11.Response, timeouts: Timeouts
    ) -> httpx.Response:
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, origin, connection, timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
        )

    def _pooled(self, origin: Origin) -> _Connection | None:
        """The origin's most recently used idle connection still worth using."""
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now):
                return connection
            connection.close()
        return None

    def release(self, origin: Origin, connection: _Connection) -> None:
        """Keep a connection whose last response was read whole, for the next request."""
        idle = self._idle.setdefault(origin, deque())
        if self._closed or len(idle) >= self._per_host or not connection.alive:
            connection.close()
            return
        now = time.monotonic()
        connection.idle_since = now
        idle.append(connection)
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Close every origin's expired or dead idle connections (an origin is only
        looked at when it is asked again, which may be never), then the oldest
        beyond MAX_IDLE."""
        kept: list[_Connection] = []
        for origin, idle in list(self._idle.items()):
            fresh: deque[_Connection] = deque()
            for connection in idle:
                if connection.usable(now):
                    fresh.append(connection)
                else:
                    connection.close()
            if fresh:
                self._idle[origin] = fresh
                kept.extend(fresh)
            else:
                del self._idle[origin]
        if len(kept) > MAX_IDLE:
            kept.sort(key=lambda c: c.idle_since)
            for connection in kept[: len(kept) - MAX_IDLE]:
                connection.close()  # _pooled skips it: no longer alive

    async def _connect(self, origin: Origin, timeouts: Timeouts) -> _Connection:
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        timeout = timeouts.get("connect")
        tls = self._ssl if scheme == b"https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Protocol,
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls else None,
                    ssl_handshake_timeout=timeout if tls else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:  # refused, unreachable, a TLS certificate not trusted
            raise httpx.ConnectError(_reason(exc)) from None
        assert isinstance(transport, asyncio.Transport) and isinstance(protocol, _Protocol)
        return _Connection(transport, protocol)

    async def aclose(self) -> None:
        self._closed = True
        via, self._via = list(self._via.values()), {}
        for transport in via:
            await transport.aclose()
        pools, self._idle = list(self._idle.values()), {}
        for idle in pools:
            for connection in idle:
                connection.close()
        await asyncio.sleep(0)  # let the loop release the sockets before we return


def environment_proxies() -> dict[str, str]:
    """The proxies the environment asks for (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
    NO_PROXY, upper or lower case), for HostPools."""
    found = urllib.request.getproxies_environment()
    return {k: v for k, v in found.items() if k in ("http", "https", "all", "no") and v}


def _is_loopback(host: str) -> bool:
    """localhost and loopback addresses: a feed the user serves on this machine is
    never asked for through a proxy, whatever NO_PROXY says."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether NO_PROXY ("*", or hosts and domains: "intranet.example, .corp.example")
    sends `host` directly; a domain covers its subdomains, as in curl."""
    if no_proxy.strip() == "*":
        return True
    host = host.strip("[]").lower()
    for entry in no_proxy.lower().replace(",", " ").split():
        entry = entry.lstrip("*.")  # "*.corp.example" and ".corp.example": the domain
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False
