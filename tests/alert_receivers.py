"""Real alert receivers for the tests: an SMTP server (aiosmtpd) and a webhook endpoint.

Both listen on 127.0.0.1 in a thread and record what they received, and both can be
told to fail the first N deliveries, so retries and failing channels are exercised
against real protocol code rather than mocks.
"""

from __future__ import annotations

import email
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_cert(folder: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 made with the openssl tool; None when it is missing."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return cert, key


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.sink.lock:
            self.sink.attempts += 1
            if self.sink.fail_first > 0:
                self.sink.fail_first -= 1
                return "451 4.3.0 Try again later"
            self.sink.messages.append(email.message_from_bytes(envelope.original_content))
            self.sink.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class SmtpSink:
    """`with SmtpSink() as smtp:` a real SMTP server; `smtp.messages` holds what arrived."""

    def __init__(
        self,
        *,
        fail_first: int = 0,
        login: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ):
        self.port = free_port()
        self.fail_first = fail_first
        self.attempts = 0
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()
        kwargs: dict[str, Any] = {}
        if login is not None:

            def authenticate(*args: Any) -> AuthResult:
                auth_data = args[-1]  # (server, session, envelope, mechanism, auth_data)
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and (
                        auth_data.login.decode(),
                        auth_data.password.decode(),
                    )
                    == login
                )
                # handled=False: aiosmtpd then answers 535 itself.
                return AuthResult(success=ok, handled=False)

            # aiosmtpd only knows about STARTTLS; an implicit-TLS session is encrypted too.
            kwargs.update(
                authenticator=authenticate, auth_require_tls=tls is not None and not implicit_tls
            )
        if tls is not None and not implicit_tls:
            kwargs.update(tls_context=tls, require_starttls=True)
        self.controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=tls if implicit_tls else None,
            **kwargs,
        )

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class WebhookReceiver:
    """A JSON webhook endpoint; `bodies` holds every JSON body it was POSTed."""

    def __init__(
        self, *, fail_first: int = 0, status: int = 500, body: bytes = b"temporarily unavailable"
    ):
        self.fail_first = fail_first
        self.status = status
        self.failure_body = body
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        self.before_answer: Callable[[dict[str, Any]], None] | None = None
        self.moved: dict[str, tuple[int, str]] = {}  # path -> (3xx status, Location)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path in receiver.moved:
                    code, location = receiver.moved[self.path]
                    self.send_response(code)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.attempts += 1
                    failing = receiver.fail_first > 0
                    if failing:
                        receiver.fail_first -= 1
                    else:
                        receiver.bodies.append(body)
                if receiver.before_answer is not None and not failing:
                    receiver.before_answer(body)
                code = receiver.status if failing else 200
                payload = b"ok" if code == 200 else receiver.failure_body
                self.send_response(code)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return self.url_for("/hooks/T000/B000")

    def url_for(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
