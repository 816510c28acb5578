"""Alert channels: how one worded alert reaches the user, by SMTP or a JSON webhook.

This module owns the protocols' edges: SMTP with STARTTLS, implicit TLS or neither,
credentials read from the environment variables the config names (never from the
config itself), a multipart text + HTML message; and a JSON POST that Slack, Mattermost
and ntfy accept, following 307/308 redirects (which keep the POST) but not the others
(which would turn it into a GET). Each attempt either delivers or raises DeliveryError
saying whether a retry could help. Retries, the delivery ledger and the wording are
`pipeline.alerts`.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any, Protocol

from pipeline._httpx import httpx
from pipeline.config import AlertSettings, EmailSettings
from pipeline.errors import AlertError

SECURITY_MODES = ("starttls", "ssl", "none")
MAX_REDIRECTS = 5  # 307/308 hops a webhook POST follows


class DeliveryError(AlertError):
    """One attempt on one channel failed; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class AlertMessage:
    """One mention, worded once and sent through every channel."""

    subject: str
    text: str
    html: str
    mention: dict[str, Any]  # the webhook's "mention" object, as `mentions --json` shows it


class Channel(Protocol):
    name: str

    def send(self, message: AlertMessage) -> None:
        """Deliver or raise DeliveryError."""


def _tls_context() -> ssl.SSLContext:
    """The system's trust store (a separate function so tests can trust their own CA)."""
    return ssl.create_default_context()


class EmailChannel:
    name = "email"

    def __init__(self, settings: EmailSettings):
        self.settings = settings

    def send(self, message: AlertMessage) -> None:
        send_email(self.settings, message.subject, message.text, message.html)


def _credentials(settings: EmailSettings) -> tuple[str, str] | None:
    if not settings.username_env:
        return None
    values = []
    for name in (settings.username_env, settings.password_env):
        value = os.environ.get(name)
        if not value:
            raise DeliveryError(
                f"The environment variable {name} (named in [alerts.email]) is not set; "
                "export it where cheesecake runs.",
                retryable=False,
            )
        values.append(value)
    return values[0], values[1]


def send_email(settings: EmailSettings, subject: str, text: str, html: str) -> None:
    """One multipart (text + HTML) message over SMTP; DeliveryError on any failure."""
    recipients = [addr for _, addr in getaddresses([settings.to]) if "@" in addr]
    if not recipients:
        raise DeliveryError(
            f"alerts.email.to ({settings.to!r}) holds no e-mail address; fix it.",
            retryable=False,
        )
    sender = settings.from_ or recipients[0]
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    credentials = _credentials(settings)
    try:
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=settings.timeout,
                context=_tls_context(),
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=_tls_context())
            if credentials:
                smtp.login(*credentials)
            smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP server {where} refused the login ({exc.smtp_code}); check the credentials "
            "in the environment variables named in [alerts.email].",
            retryable=False,
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"SMTP server {where} refused: {str(exc).rstrip('.')}; check "
            "alerts.email.security (a server may offer login only after starttls).",
            retryable=False,
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"SMTP server {where} refused the recipient(s) {', '.join(exc.recipients)}; "
            "check alerts.email.to.",
            retryable=False,
        ) from None
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        reason = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        raise DeliveryError(
            f"SMTP server {where} answered {exc.smtp_code} {reason}".strip() + ".",
            retryable=400 <= exc.smtp_code < 500,
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with SMTP server {where} failed ({exc.reason or exc}); check "
            "alerts.email.security and smtp_port (465 is usually ssl, 587 starttls).",
            retryable=False,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"Cannot deliver through SMTP server {where}: {exc or type(exc).__name__}.",
            retryable=True,
        ) from None


class WebhookChannel:
    name = "webhook"

    def __init__(self, settings: AlertSettings):
        self.url = settings.webhook_url
        self.topic = settings.webhook_topic
        self.timeout = settings.timeout

    def payload(self, message: AlertMessage) -> dict[str, Any]:
        """Slack and Mattermost read `text`; ntfy's JSON publishing reads topic/title/message."""
        body: dict[str, Any] = {"text": message.text, "mention": message.mention}
        if self.topic:
            body.update(
                topic=self.topic,
                title=message.subject,
                message=message.text,
                click=message.mention["article_url"],
            )
        return body

    def send(self, message: AlertMessage) -> None:
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._post(url, message)
            location = response.headers.get("Location")
            if response.status_code not in (307, 308) or not location:
                break
            url = str(response.url.join(location))  # 307/308 repeat the POST as it was
        if response.is_success:
            return
        code = response.status_code
        if response.is_redirect and location:
            if code in (307, 308):
                raise DeliveryError(
                    f"Webhook {self.url} redirects more than {MAX_REDIRECTS} times; "
                    "check alerts.webhook_url.",
                    retryable=False,
                )
            # httpx would follow these with a GET: the alert lost, yet "delivered".
            raise DeliveryError(
                f"Webhook {self.url} redirects (HTTP {code}) to "
                f"{response.url.join(location)}; set alerts.webhook_url to that address.",
                retryable=False,
            )
        retry_after = _retry_after(response.headers.get("Retry-After"))
        said = response.text.strip()[:200]
        raise DeliveryError(
            f"Webhook {self.url} answered HTTP {code} {response.reason_phrase}".rstrip()
            + (f": {said}" if said else ""),
            retryable=code in (408, 425, 429) or code >= 500,
            retry_after=retry_after,
        )

    def _post(self, url: str, message: AlertMessage) -> httpx.Response:
        try:
            return httpx.post(
                url,
                json=self.payload(message),
                timeout=self.timeout,
                headers={"User-Agent": "cheesecake-alerts"},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"Webhook {url} could not be reached: {exc or type(exc).__name__}.",
                retryable=True,
            ) from None


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare for webhooks, and the backoff covers it
