"""A small HTTP server on 127.0.0.1, in a thread, serving routes from memory.

Used by `cheesecake demo` (bundled sample feeds and pages), by the test suite
(fixture and hostile servers), and by the evaluation and benchmark scripts (real
corpora re-served with links rewritten to loopback). It speaks plain HTTP/1.1,
answers conditional GETs for static routes (ETag / Last-Modified → 304), and lets a
route be a function for anything unusual (trickling, redirect loops, huge bodies).
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Response:
    body: bytes | Iterator[bytes] = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering (simulated latency)
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304
    reset: bool = False  # drop the connection with a TCP RST instead of answering


Route = Response | Callable[["Request"], Response]


@dataclass(frozen=True)
class Request:
    path: str
    headers: Mapping[str, str]


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 makes a burst of concurrent clients wait for SYN
    # retransmits (a second or more), which would distort latency measurements.
    request_queue_size = 256
    daemon_threads = True


class LoopbackServer:
    """`with LoopbackServer(routes) as server: server.url("/feed.xml")`.

    `host` may be any address of 127.0.0.0/8, so a benchmark can stand up several
    distinct "hosts" on one machine. `hits` counts requests per path,
    `peak_in_flight` the most requests ever served at once (politeness checks) and
    `connections` the TCP connections accepted (keep-alive checks).
    """

    def __init__(
        self,
        routes: Mapping[str, Route] | None = None,
        *,
        latency: float = 0.0,
        host: str = "127.0.0.1",
    ):
        self.routes: dict[str, Route] = dict(routes or {})
        self.latency = latency
        self.hits: dict[str, int] = {}
        self.in_flight = 0
        self.peak_in_flight = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._httpd = _Server((host, 0), self._handler_class())
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _count(self, path: str) -> None:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def setup(self) -> None:
                with server._lock:
                    server.connections += 1
                super().setup()

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                server._enter()
                try:
                    self._answer()
                finally:
                    server._leave()

            def _answer(self) -> None:
                path = self.path
                server._count(path)
                route = server.routes.get(path) or server.routes.get(path.split("?")[0])
                if route is None:
                    self._send(Response(b"not found", status=404, content_type="text/plain"))
                    return
                request = Request(path=path, headers=dict(self.headers.items()))
                response = route(request) if callable(route) else route
                if server.latency or response.delay:
                    time.sleep(server.latency + response.delay)
                self._send(response)

            def _send(self, response: Response) -> None:
                if response.reset:
                    # Linger 0: close() sends RST, the client sees a connection reset.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                try:
                    if isinstance(response.body, bytes):
                        self._send_bytes(response)
                    else:
                        self._send_stream(response)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a size cap or timeout did its job)

            def _send_bytes(self, response: Response) -> None:
                body = response.body
                assert isinstance(body, bytes)
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                headers = {"Content-Type": response.content_type, **response.headers}
                if response.status == 200 and response.conditional:
                    headers.setdefault("ETag", etag)
                    headers.setdefault("Last-Modified", formatdate(0, usegmt=True))
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        self.send_response(304)
                        self.send_header("ETag", headers["ETag"])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                # Status line, headers and body in one write: one segment, one wake-up
                # of the client (send_response + wfile.write would make two).
                reason = self.responses.get(response.status, ("",))[0]
                lines = [
                    f"{self.protocol_version} {response.status} {reason}",
                    f"Date: {self.date_time_string()}",
                    *(f"{key}: {value}" for key, value in headers.items()),
                    f"Content-Length: {len(body)}",
                ]
                head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                self.wfile.write(head + body if self.command != "HEAD" else head)

            def _send_stream(self, response: Response) -> None:
                assert not isinstance(response.body, bytes)
                self.send_response(response.status)
                headers = {"Content-Type": response.content_type, **response.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                for chunk in response.body:
                    self.wfile.write(chunk)
                    self.wfile.flush()

        return Handler
