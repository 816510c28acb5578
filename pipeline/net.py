"""Safe HTTP fetching: every limit a broken or hostile server could make us cross.

Owns concurrency (a global cap, a per-host cap and politeness delay, 429/503
`Retry-After`), timeouts (connect, read, and a total per response so a server that
trickles bytes is cut off), body caps counted after decompression (gzip bombs),
redirects bounded and re-checked hop by hop, http/https only, the private-address
policy, bounded retries with backoff, and conditional GET. It returns bytes and
headers; it never parses them and never touches the store.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import random
import socket
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

from pipeline._httpx import httpx
from pipeline.config import FetchSettings
from pipeline.errors import FetchError
from pipeline.transport import HostPools, environment_proxies

# host name -> its addresses (as strings); injectable so tests can make a loopback
# server look like a public host.
Resolver = Callable[[str], Awaitable[Sequence[str]]]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
BACKOFF_SECONDS = 0.5  # first retry after ~0.5 s, then ~1 s, ~2 s...


class RefusedURL(FetchError):
    """A URL the policy will not fetch: not http(s), or a private address from a public feed."""


class _Transient(FetchError):
    """A failure worth retrying; `retry_after` is the server's own wish, if it said one."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float = 0.0):
        super().__init__(message, status=status, retryable=True)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    """One successful exchange: a 2xx with its body, or a 304 (validators matched)."""

    url: str  # the final URL, after redirects
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    attempts: int = 1
    # The final URL when every redirect on the way was permanent (301/308): the
    # address the resource now has, which the caller should use from now on.
    moved_to: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return media_type(self.headers)


def media_type(headers: Mapping[str, str]) -> str:
    """The media type of lower-case-named headers ("text/html"), "" when none is given."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class _Ask:
    """What one fetch asks of every hop: its request headers and what it will take back."""

    headers: Mapping[str, str]
    max_bytes: int
    accept: Collection[str] | None = None  # media types the caller can use; None: any


async def system_resolver(host: str) -> list[str]:
    """The machine's own resolver (getaddrinfo), without blocking the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address; False for loopback, private,
    link-local, reserved, shared (CGNAT), documentation and multicast ranges."""
    ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 zone id is not part of it
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    return ip.is_global and not ip.is_multicast


def scheme_problem(url: str) -> str | None:
    """Why `url` can never be fetched, as the end of a sentence ("is not ..."), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL"
    if not parts.hostname:
        return "has no host"
    return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); 0 if absent."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


class _Host:
    """Politeness state of one host: a cap on concurrent requests and a start schedule."""

    def __init__(self, concurrency: int):
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self.not_before = 0.0  # monotonic time before which no request may start

    def hold_off(self, seconds: float) -> None:
        self.not_before = max(self.not_before, time.monotonic() + seconds)


class _BoundedDecoder:
    """Content-Encoding decoder that never produces more than `limit` bytes in all.

    httpx's own decoders inflate a whole network chunk at once (a 64 KB chunk of a
    gzip bomb becomes ~64 MB before anyone can count it); zlib's `max_length` lets us
    stop at the cap instead.
    """

    def __init__(self, encoding: str, limit: int):
        self.encoding = encoding.strip().lower()
        self.limit = limit
        self.produced = 0
        self._raw_deflate_tried = False
        if self.encoding in ("", "identity"):
            self._z = None
        elif self.encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchError(f"the server sent an unsupported content encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            out = data
        else:
            room = self.limit - self.produced
            try:
                out = self._z.decompress(data, room + 1)
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._raw_deflate_tried and not self.produced:
                    # Some servers send raw deflate without the zlib wrapper.
                    self._raw_deflate_tried = True
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    return self.feed(data)
                raise FetchError(f"the {self.encoding} body is corrupt ({exc})") from None
        self.produced += len(out)
        if self.produced > self.limit:
            raise FetchError(self._over())
        return out

    def finish(self) -> bytes:
        if self._z is None:
            return b""
        out = self._z.flush()
        self.produced += len(out)
        if self.produced > self.limit:
            raise FetchError(self._over())
        return out

    def _over(self) -> str:
        if self._z is None:
            return f"the body is larger than the {self.limit:,}-byte limit"
        return (
            f"the {self.encoding} body inflates past the {self.limit:,}-byte limit "
            "(a compression bomb?)"
        )


Admission = Callable[[], Awaitable[None]]


class _Once:
    """Awaits an admission the first time it is called, and never again."""

    def __init__(self, admit: Admission | None):
        self._admit = admit

    async def __call__(self) -> None:
        admit, self._admit = self._admit, None
        if admit is not None:
            await admit()


class Fetcher:
    """`async with Fetcher(settings) as f: await f.fetch(url, max_bytes=..., allow_private=...)`.

    One instance per run: it owns the HTTP client, the concurrency limits and a
    per-run cache of resolved host addresses.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: float = BACKOFF_SECONDS,
    ):
        self.settings = settings
        self.backoff = backoff
        self._resolver = resolver or system_resolver
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._pool: httpx.AsyncBaseTransport | None = None  # the client's transport
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[str, _Host] = {}
        self._addresses: dict[str, asyncio.Future[Sequence[str]]] = {}
        self.requests = 0  # HTTP exchanges made, for reports and tests

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._pool = self._transport or HostPools(
            s.per_host_concurrency, proxies=environment_proxies()
        )
        self._client = httpx.AsyncClient(
            transport=self._pool,
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.connect_timeout,
            ),
            follow_redirects=False,  # we follow them ourselves, re-checking every hop
            # Only what _BoundedDecoder can inflate under a cap.
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- address policy -----------------------------------------------------------

    async def addresses(self, host: str) -> Sequence[str]:
        """The addresses `host` resolves to (an IP literal is its own), cached per run."""
        host = host.strip("[]").lower()
        try:
            return [str(ipaddress.ip_address(host.split("%")[0]))]
        except ValueError:
            pass
        future = self._addresses.get(host)
        if future is None:
            future = asyncio.ensure_future(self._resolver(host))
            self._addresses[host] = future
        try:
            found = await asyncio.shield(future)
        except (OSError, UnicodeError) as exc:
            # "Temporary failure in name resolution" (offline, a DNS server down) may
            # pass by the next run; a name that does not exist will not.
            passing = isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN
            raise FetchError(f"cannot resolve the host {host} ({exc})", retryable=passing) from None
        if not found:
            raise FetchError(f"the host {host} has no address")
        return found

    async def is_private(self, url: str) -> bool:
        """True when the URL's host resolves to any non-public address (loopback, LAN...)."""
        return not all(is_public_address(a) for a in await self._checkable_addresses(url))

    async def _checkable_addresses(self, url: str) -> Sequence[str]:
        """The addresses the URL's host stands for, as far as we can know them."""
        host = urlsplit(url).hostname or ""
        if isinstance(self._pool, HostPools) and self._pool.proxy_for(url):
            # The proxy resolves the name, where we cannot see the answer (and often
            # we cannot resolve it at all): only an address in the link itself can be
            # checked. Names meant for the local network belong in NO_PROXY.
            try:
                return [str(ipaddress.ip_address(host.strip("[]").split("%")[0]))]
            except ValueError:
                return []
        return await self.addresses(host)

    async def check_url(self, url: str, *, allow_private: bool) -> None:
        """Raise RefusedURL unless the URL may be fetched under this policy."""
        reason = await self._refusal(url, allow_private)
        if reason:
            raise RefusedURL(f"refused: {url} {reason}")

    async def _refusal(self, url: str, allow_private: bool) -> str | None:
        problem = scheme_problem(url)
        if problem or allow_private:
            return problem
        for address in await self._checkable_addresses(url):
            if not is_public_address(address):
                return (
                    f"points to a private or reserved address ({address}), "
                    "and only a feed on such a host may link there"
                )
        return None

    # --- fetching -----------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        allow_private: bool,
        etag: str | None = None,
        last_modified: str | None = None,
        admit: Admission | None = None,
        accept: Collection[str] | None = None,
    ) -> Fetched:
        """GET `url` under every limit; retry transient failures; raise FetchError otherwise.

        `admit`, if given, is awaited once, when the host's turn has come and before
        the first request is sent: the caller's own back-pressure. (Ingest holds a page
        slot from then until the page is extracted; taken any earlier, slots would sit
        with pages queued behind a busy host while other hosts stayed idle.)

        `accept`, if given, is the media types the caller can use: a response declaring
        another type fails before its body is read (a podcast feed's links to audio).
        """
        gate = _Once(admit)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        ask = _Ask(headers, max_bytes, accept)
        attempts = 1 + max(0, self.settings.retries)
        for attempt in range(1, attempts + 1):
            try:
                fetched = await self._follow(url, ask, allow_private, gate)
            except _Transient as exc:
                if attempt == attempts:
                    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                    raise FetchError(f"{exc}{tries}", status=exc.status, retryable=True) from None
                if exc.retry_after > self.settings.total_timeout:
                    raise FetchError(
                        f"{exc}, and the server asked us to come back in "
                        f"{exc.retry_after:.0f} s; the next run will try again",
                        status=exc.status,
                        retryable=True,
                    ) from None
                # Retry-After already holds the host back; otherwise back off with jitter.
                if not exc.retry_after:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1) * random.uniform(1, 1.5))
                continue
            return replace(fetched, attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _follow(self, url: str, ask: _Ask, allow_private: bool, gate: _Once) -> Fetched:
        current = url
        permanent = True
        for hop in range(self.settings.max_redirects + 1):
            reason = await self._refusal(current, allow_private)
            if reason:
                where = f"redirected to {current}, which" if hop else current
                raise RefusedURL(f"refused: {where} {reason}")
            fetched = await self._exchange(current, ask, gate)
            location = fetched.headers.get("location")
            if fetched.status not in REDIRECTS or not location:
                if hop and permanent and current != url:
                    return replace(fetched, moved_to=current)
                return fetched
            permanent = permanent and fetched.status in PERMANENT_REDIRECTS
            current = urljoin(current, location.strip())
        raise FetchError(
            f"more than {self.settings.max_redirects} redirects (a redirect loop?), "
            f"last to {current}"
        )

    @asynccontextmanager
    async def _slot(self, host: str, gate: _Once) -> AsyncIterator[_Host]:
        """Wait for the host's turn (cap, delay, Retry-After), then a global slot."""
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(self.settings.per_host_concurrency)
        # Host first: a busy host must not sit on global slots other hosts could use.
        async with state.slots:
            await gate()
            while (wait := state.not_before - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            state.not_before = time.monotonic() + self.settings.per_host_delay
            async with self._global:
                yield state

    async def _exchange(self, url: str, ask: _Ask, gate: _Once) -> Fetched:
        """One request/response under the host's and the global limits."""
        host = (urlsplit(url).hostname or "").lower()
        total = self.settings.total_timeout
        async with self._slot(host, gate) as state:
            self.requests += 1
            try:
                async with asyncio.timeout(total):
                    return await self._send(url, ask, state)
            except TimeoutError:
                # Not retried: a server this slow would just hold us as long again.
                raise FetchError(
                    f"no complete response within {total:g} s (the total timeout)"
                ) from None
            except httpx.TimeoutException as exc:
                raise _Transient(f"timed out ({_timeout_kind(exc)})") from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise _Transient(f"connection failed ({_describe(exc)})") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"the request failed ({_describe(exc)})") from None
            except (httpx.InvalidURL, UnicodeError) as exc:
                # Not an HTTPError: a link too long to send, with a control character,
                # or a host IDNA cannot encode, which only building the request finds.
                raise FetchError(f"the URL cannot be requested ({_describe(exc)})") from None

    async def _send(self, url: str, ask: _Ask, host: _Host) -> Fetched:
        assert self._client and self._pool, "use Fetcher as an async context manager"
        # The client builds the request (headers, timeouts, cookies to send); the
        # transport answers it. AsyncClient.send would add its redirect and auth
        # machinery, which we do not use (redirects are followed above, each hop
        # re-checked; no credentials are sent), and hand every response to the
        # cookie jar through a urllib Request: a sixth of the fetcher's CPU per page.
        request = self._client.build_request("GET", url, headers=ask.headers)
        if request.url.userinfo:
            # A private feed's login in its URL ("https://me:secret@host/feed"), which
            # AsyncClient.send would turn into Basic auth. A redirect elsewhere has a
            # URL of its own, so the login only ever goes back to its own host.
            login = f"{request.url.username}:{request.url.password}".encode()
            request.headers["Authorization"] = "Basic " + base64.b64encode(login).decode()
        response = await self._pool.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:  # a consent or session cookie, kept for the run
            self._client.cookies.extract_cookies(response)
        try:
            status = response.status_code
            got = {k.lower(): v for k, v in response.headers.items()}
            if status in REDIRECTS or status == 304:
                return Fetched(url, status, b"", got)
            if status == 429 or status >= 500:
                retry_after = parse_retry_after(got.get("retry-after"))
                if retry_after:
                    host.hold_off(min(retry_after, self.settings.total_timeout))
                raise _Transient(_status_text(response), status=status, retry_after=retry_after)
            if not 200 <= status < 300:
                raise FetchError(_status_text(response), status=status)
            kind = media_type(got)
            if ask.accept is not None and kind and kind not in ask.accept:
                raise FetchError(f"the response is {kind}, not a web page (nothing was read)")
            declared, limit = got.get("content-length", ""), ask.max_bytes
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(
                    f"the body is {int(declared):,} bytes, over the {limit:,}-byte limit"
                )
            body = await _read_body(response, limit, got.get("content-encoding", ""))
            return Fetched(url, status, body, got)
        finally:
            await response.aclose()


async def _read_body(response: httpx.Response, max_bytes: int, encoding: str) -> bytes:
    """Stream the body, decoding under the cap; also cap the raw bytes (endless empty blocks)."""
    decoder = _BoundedDecoder(encoding, max_bytes)
    parts: list[bytes] = []
    raw = 0
    async for chunk in response.aiter_raw():
        raw += len(chunk)
        if raw > max_bytes:
            raise FetchError(f"the body is larger than the {max_bytes:,}-byte limit")
        parts.append(decoder.feed(chunk))
    parts.append(decoder.finish())
    return b"".join(parts)


def _status_text(response: httpx.Response) -> str:
    reason = response.reason_phrase or ""
    return f"HTTP {response.status_code} {reason}".strip()


def _timeout_kind(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting"
    if isinstance(exc, httpx.ReadTimeout):
        return "waiting for data"
    if isinstance(exc, httpx.PoolTimeout):
        return "waiting for a free connection"
    return "sending the request"


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
