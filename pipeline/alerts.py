"""Alerts: deliver each new press mention at once, by e-mail and/or a JSON webhook.

This stage owns the alert's wording, bounded retries, and the use of the delivery
ledger: a `pending` row is committed before anything is sent and marked `sent` right
after, so a crash loses no alert and can resend at most the one in flight. It refuses
to read a secret from feeds.toml (only the names of the environment variables holding
them), to alert a mention twice on one channel, and to let a failing channel fail the
run: the failure is recorded, reported and retried by later runs while the news is
still fresh. It also e-mails the day's digest on request. The protocols themselves
(SMTP, webhook) are `pipeline.alert_channels`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jinja2

from pipeline.alert_channels import (
    SECURITY_MODES,
    AlertMessage,
    Channel,
    DeliveryError,
    EmailChannel,
    WebhookChannel,
    send_email,
)
from pipeline.config import AlertSettings, Config, url_problem
from pipeline.errors import AlertError, CheesecakeError, ConfigError
from pipeline.messages import Draft, mention_draft, mention_label
from pipeline.records import (
    MENTION_PREFIX,
    Article,
    Contact,
    ItemError,
    Mention,
)
from pipeline.store import Store
from pipeline.templating import quoted

__all__ = [
    "AlertMessage",
    "AlertReport",
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "WebhookChannel",
    "check_alert_settings",
    "compose_alert",
    "configured_channels",
    "deliver_alerts",
    "send_digest",
    "send_email",
]

MAX_RETRY_AFTER = 60.0  # seconds: a webhook asking for longer is retried by the next run


@dataclass(frozen=True)
class AlertReport:
    channels: tuple[str, ...] = ()
    queued: int = 0
    sent: int = 0
    failed: int = 0
    errors: tuple[ItemError, ...] = ()


# --- configuration ----------------------------------------------------------------------


def check_alert_settings(config: Config) -> None:
    """Refuse settings that could never work, naming the key; secrets are checked at send."""
    alerts = config.alerts
    if alerts.webhook_url:
        problem = url_problem(alerts.webhook_url)
        if problem:
            raise ConfigError(
                f"{config.path}: alerts.webhook_url {alerts.webhook_url!r} {problem}; "
                "give the full https:// URL of the incoming webhook."
            )
    if alerts.retries < 0 or alerts.retry_delay < 0 or alerts.timeout <= 0:
        raise ConfigError(
            f"{config.path}: alerts.retries and alerts.retry_delay must be 0 or more and "
            "alerts.timeout more than 0."
        )
    email = alerts.email
    if email is None:
        return
    if email.security not in SECURITY_MODES:
        raise ConfigError(
            f"{config.path}: alerts.email.security is {email.security!r}; "
            f"use one of {', '.join(repr(m) for m in SECURITY_MODES)}."
        )
    if not email.to or not email.smtp_host:
        raise ConfigError(
            f"{config.path}: [alerts.email] needs both 'to' and 'smtp_host'; "
            "add them or remove the table."
        )
    if bool(email.username_env) != bool(email.password_env):
        raise ConfigError(
            f"{config.path}: alerts.email needs both username_env and password_env "
            "(names of environment variables), or neither for a server without login."
        )
    for key in ("username_env", "password_env"):
        name = getattr(email, key)
        if name and not name.replace("_", "").isalnum():
            raise ConfigError(
                f"{config.path}: alerts.email.{key} must be the NAME of an environment "
                f"variable (like CHEESECAKE_SMTP_PASSWORD), never the secret itself."
            )


def configured_channels(config: Config) -> list[Channel]:
    """The channels feeds.toml sets up, validated; empty when alerts are not configured."""
    check_alert_settings(config)
    channels: list[Channel] = []
    if config.alerts.email is not None:
        channels.append(EmailChannel(config.alerts.email))
    if config.alerts.webhook_url:
        channels.append(WebhookChannel(config.alerts))
    return channels


# --- wording ----------------------------------------------------------------------------


_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ subject }}</title></head>
<body style="font-family: system-ui, -apple-system, Segoe UI, sans-serif; line-height: 1.45;
 max-width: 40em; margin: 0 auto; padding: 1em; color: #1d1d1f;">
<p style="margin: 0 0 .3em; font-size: .85em; color: #666;">cheesecake alert ·
 {{ event }} · {{ confidence }} confidence</p>
<h1 style="font-size: 1.25em; margin: 0 0 .6em;">{{ contact }} is in the news</h1>
<blockquote style="margin: 0 0 1em; padding: .2em 1em; border-left: 4px solid #c9a227;">
{{ evidence }}</blockquote>
<p><a href="{{ url }}">{{ title }}</a></p>
{% if verify %}<p><strong>Check that this is really them</strong> before writing:
 the name is common or the context is thin.</p>{% endif %}
{% if draft %}<h2 style="font-size: 1em; margin: 1.2em 0 .4em;">Draft: {{ draft.subject }}</h2>
<pre style="white-space: pre-wrap; font-family: inherit; background: #f6f6f4; padding: .8em;">
{{- draft.body }}</pre>
<p><a href="{{ draft.mailto }}">Open in your mail app</a></p>
{% else %}<p><em>{{ no_draft }}</em></p>{% endif %}
</body></html>
"""


@functools.cache
def _html_template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_HTML)


def compose_alert(
    contact: Contact,
    article: Article,
    mention: Mention,
    draft: Draft | None,
    *,
    draft_problem: str | None = None,
) -> AlertMessage:
    """The alert's subject, plain text, HTML and JSON object for one mention."""
    event = mention_label(mention, article)
    url = article.url or article.canonical_url
    title = " ".join(article.title.split()) or url
    evidence = " ".join(mention.evidence.split())
    if draft is None:
        no_draft = draft_problem or (
            "No draft: negative news." if mention.event == "negative" else "No draft."
        )
    else:
        no_draft = ""
    subject = f"{contact.name} in the news: {event} — {title}"
    lines = [
        f"{contact.name} is in the news ({event}, {mention.confidence} confidence).",
        quoted(evidence, "“", "”"),
        f"{title}\n{url}",
    ]
    if mention.confidence == "verify":
        lines.append("Check that this is really them before writing: the context is thin.")
    if draft is not None:
        lines.append(f"Draft — {draft.subject}\n\n{draft.body}")
    else:
        lines.append(no_draft)
    html = _html_template().render(
        subject=subject,
        event=event,
        confidence=mention.confidence,
        contact=contact.name,
        evidence=evidence,
        url=url,
        title=title,
        verify=mention.confidence == "verify",
        draft=draft,
        no_draft=no_draft,
    )
    payload = {
        "id": f"{MENTION_PREFIX}{mention.id}",
        "contact": contact.name,
        "contact_id": contact.id,
        "article_url": url,
        "title": title,
        "confidence": mention.confidence,
        "event": mention.event,
        "evidence": evidence,
        "draft": draft.body if draft else None,
        "draft_subject": draft.subject if draft else None,
        "mailto": draft.mailto if draft else None,
    }
    return AlertMessage(subject=subject, text="\n\n".join(lines), html=html, mention=payload)


def _message_for(store: Store, mention: Mention, templates_dir: Path | None) -> AlertMessage:
    contact = store.contact(mention.contact_id)
    article = store.article(mention.article_id)
    try:
        # Phrased as the digest and `mentions` phrase it.
        turn = store.sent_count(contact.id, kind="mention")
        draft = mention_draft(contact, article, mention, templates_dir=templates_dir, sequence=turn)
    except CheesecakeError as exc:  # a broken user template must not hold the alert back
        return compose_alert(contact, article, mention, None, draft_problem=f"No draft: {exc}")
    return compose_alert(contact, article, mention, draft)


# --- delivery ---------------------------------------------------------------------------


def _attempt(
    channel: Channel,
    message: AlertMessage,
    settings: AlertSettings,
    sleep: Callable[[float], None],
) -> tuple[int, DeliveryError | None]:
    """Send with bounded retries and doubling delays; (attempts made, final error or None)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            channel.send(message)
            return attempts, None
        except DeliveryError as exc:
            if not exc.retryable or attempts > settings.retries:
                return attempts, exc
            delay = settings.retry_delay * 2 ** (attempts - 1)
            if exc.retry_after is not None:
                if exc.retry_after > MAX_RETRY_AFTER:
                    return attempts, exc
                delay = max(delay, exc.retry_after)
            sleep(delay)


def deliver_alerts(
    store: Store,
    config: Config,
    *,
    run_id: int | None = None,
    templates_dir: Path | None = None,
    now: datetime | None = None,
    channels: Sequence[Channel] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    fresh_since: datetime | None = None,
) -> AlertReport:
    """Queue and deliver every new mention's alert on every configured channel.

    Each delivery is committed as pending before it is attempted and marked sent or
    failed right after; a failed one is retried by later runs for `give_up_hours`.
    `fresh_since` (the pass's start) makes what this pass found news whatever
    `give_up_hours` says: 0 means no retries by later runs, not no alerts.
    """
    chosen = list(channels) if channels is not None else configured_channels(config)
    if not chosen:
        return AlertReport()
    names = [c.name for c in chosen]
    by_name = {c.name: c for c in chosen}
    since = (now or datetime.now(UTC)) - timedelta(hours=config.alerts.give_up_hours)
    news_since = min(since, fresh_since) if fresh_since is not None else since
    queued = store.queue_alerts(names, since=news_since)
    messages: dict[int, AlertMessage] = {}
    sent = failed = 0
    errors: list[ItemError] = []
    # A channel still failing once its retries are spent (down, hanging) is not tried
    # again for the pass's other alerts: each would cost the same timeouts and retries.
    # They are recorded as failed, so later runs retry them like any other failure.
    down: dict[str, str] = {}
    for delivery in store.alerts_due(names, since=since):
        if delivery.channel in down:
            attempts = 0
            problem = f"Not attempted after an earlier failure: {down[delivery.channel]}"
        else:
            if delivery.mention_id not in messages:
                mention = store.mention(delivery.mention_id)
                messages[delivery.mention_id] = _message_for(store, mention, templates_dir)
            attempts, exc = _attempt(
                by_name[delivery.channel], messages[delivery.mention_id], config.alerts, sleep
            )
            if exc is None:
                store.mark_alert_sent(delivery.mention_id, delivery.channel, attempts=attempts)
                sent += 1
                continue
            problem = str(exc)
            if exc.retryable:
                down[delivery.channel] = problem
        store.mark_alert_failed(delivery.mention_id, delivery.channel, problem, attempts=attempts)
        error = ItemError(
            stage="alerts",
            item=f"{delivery.channel} {MENTION_PREFIX}{delivery.mention_id}",
            message=f"{problem} (after {attempts} attempt{'s' * (attempts > 1)})"
            if attempts
            else problem,
        )
        store.record_error(run_id, error)
        errors.append(error)
        failed += 1
    return AlertReport(
        channels=tuple(names), queued=queued, sent=sent, failed=failed, errors=tuple(errors)
    )


# --- the digest by e-mail -----------------------------------------------------------------


def send_digest(config: Config, *, day: date, markdown_path: Path, html_path: Path) -> str:
    """E-mail the day's digest (Markdown as the text part, HTML as the rich one).

    Returns the recipient line; raises AlertError (with retries spent) when it fails.
    """
    check_alert_settings(config)
    email = config.alerts.email
    if email is None:
        raise AlertError(
            f"No [alerts.email] table in {config.path}; add one (to, from, smtp_host) to "
            "e-mail the digest."
        )
    try:
        text = markdown_path.read_text(encoding="utf-8")
        html = html_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AlertError(
            f"Cannot read the digest for {day.isoformat()} ({exc.strerror or exc}); "
            "write it first with `cheesecake digest`."
        ) from None
    message = AlertMessage(
        subject=f"Your cheesecake digest for {day:%A} {day.day} {day:%B %Y}",
        text=text,
        html=html,
        mention={},
    )
    _, problem = _attempt(EmailChannel(email), message, config.alerts, time.sleep)
    if problem is not None:
        raise AlertError(str(problem))
    return email.to
