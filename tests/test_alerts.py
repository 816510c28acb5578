"""Alerts: real SMTP (aiosmtpd) and a real webhook endpoint, retries, failures, crashes."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alert_receivers import SmtpSink, WebhookReceiver, self_signed_cert

from pipeline import alert_channels, alerts
from pipeline.alerts import deliver_alerts, send_digest
from pipeline.config import Config
from pipeline.errors import AlertError, ConfigError
from pipeline.records import ContactFields, Mention, NewArticle
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent


def _configure(workspace: Workspace, text: str) -> Config:
    path = workspace.config_path
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    return workspace.config()


def _email_toml(port: int, security: str = "none", login: bool = False) -> str:
    lines = [
        "[alerts.email]",
        'to = "me@example.com"',
        'from = "cheesecake@example.com"',
        'smtp_host = "127.0.0.1"',
        f"smtp_port = {port}",
        f'security = "{security}"',
        "timeout = 5",
    ]
    if login:
        lines += ['username_env = "TEST_SMTP_USER"', 'password_env = "TEST_SMTP_PASSWORD"']
    return "\n".join(lines) + "\n"


def _alerts_toml(webhook: str = "", **extra: object) -> str:
    lines = ["[alerts]", "retry_delay = 0.01"]
    if webhook:
        lines.append(f'webhook_url = "{webhook}"')
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def add_mention(
    store: Store,
    name: str = "Priya Raman",
    *,
    event: str = "new_role",
    confidence: str = "high",
    slug: str = "promotion",
    when: datetime | None = None,
) -> Mention:
    first, last = name.split(" ", 1)
    contact = store.add_contact(
        ContactFields(
            name=name,
            first_name=first,
            last_name=last,
            company="Harbor Line Logistics",
            emails=(f"{first.lower()}@example.com",),
            interests="maritime logistics, port automation",
        )
    )
    article_id, _ = store.add_article(
        NewArticle(
            url=f"https://news.example/{slug}",
            canonical_url=f"https://news.example/{slug}",
            title=f"Harbor Line Logistics news about {name}",
            text=f"Harbor Line Logistics said {name} would lead operations.",
            extracted=True,
        )
    )
    mention = store.add_mention(
        contact.id,
        article_id,
        article_id,
        confidence=confidence,
        event=event,
        evidence=f"Harbor Line Logistics has named {name} chief operating officer.",
        matched=name,
        when=when,
    )
    assert mention is not None
    return mention


@pytest.fixture
def store(workspace: Workspace):  # type: ignore[no-untyped-def]
    with open_store(workspace.db_path()) as opened:
        yield opened


def test_mention_is_delivered_by_email_and_webhook_once(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink() as smtp, WebhookReceiver() as hook:
        config = _configure(workspace, _alerts_toml(hook.url) + _email_toml(smtp.port))
        mention = add_mention(store)
        report = deliver_alerts(store, config)
        assert (report.queued, report.sent, report.failed) == (2, 2, 0)
        again = deliver_alerts(store, config)
        assert (again.queued, again.sent) == (0, 0)

    assert len(smtp.messages) == 1 and len(hook.bodies) == 1
    message = smtp.messages[0]
    assert message["To"] == "me@example.com" and "Priya Raman" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert "chief operating officer" in parts["text/plain"]
    assert "<blockquote" in parts["text/html"] and "Priya" in parts["text/html"]

    body = hook.bodies[0]
    assert "Priya Raman is in the news" in body["text"]
    assert body["mention"]["id"] == f"m{mention.id}"
    assert body["mention"]["event"] == "new_role" and body["mention"]["draft"]
    assert body["mention"]["article_url"] == "https://news.example/promotion"
    assert {d.status for d in store.alert_deliveries()} == {"sent"}


def test_negative_news_alert_has_no_draft(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver() as hook:
        config = _configure(workspace, _alerts_toml(hook.url))
        add_mention(store, "Marcus Hale", event="negative", slug="layoffs")
        assert deliver_alerts(store, config).sent == 1
    body = hook.bodies[0]
    assert body["mention"]["draft"] is None
    assert "No draft: negative news." in body["text"]
    assert "ongratulat" not in body["text"]


def test_hostile_text_is_escaped_in_the_html_alert(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink() as smtp:
        config = _configure(workspace, _alerts_toml() + _email_toml(smtp.port))
        add_mention(store, "Ada <script>alert(1)</script>")
        assert deliver_alerts(store, config).sent == 1
    html = next(p for p in smtp.messages[0].walk() if p.get_content_type() == "text/html")
    text = html.get_payload(decode=True).decode()
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_failing_webhook_is_retried_then_delivered(workspace, store) -> None:  # type: ignore[no-untyped-def]
    waits: list[float] = []
    with WebhookReceiver(fail_first=2, status=503) as hook:
        config = _configure(workspace, _alerts_toml(hook.url))
        add_mention(store)
        report = deliver_alerts(store, config, sleep=waits.append)
    assert report.sent == 1 and hook.attempts == 3 and len(hook.bodies) == 1
    assert waits == [0.01, 0.02]  # doubling backoff
    (delivery,) = store.alert_deliveries()
    assert delivery.status == "sent" and delivery.attempts == 3


def test_a_webhook_error_without_a_body_reads_as_a_sentence(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(fail_first=100, status=410, body=b"") as hook:
        config = _configure(workspace, _alerts_toml(hook.url))
        add_mention(store)
        run_id = store.start_run("run")
        deliver_alerts(store, config, run_id=run_id, sleep=lambda s: None)
    (error,) = store.run_errors(run_id)
    assert f"Webhook {hook.url} answered HTTP 410 Gone (after 1 attempt)" == error.message


def test_dead_channel_is_recorded_and_does_not_stop_the_other(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink() as smtp, WebhookReceiver(fail_first=100) as hook:
        config = _configure(workspace, _alerts_toml(hook.url, retries=2) + _email_toml(smtp.port))
        mention = add_mention(store)
        run_id = store.start_run("run")
        report = deliver_alerts(store, config, run_id=run_id, sleep=lambda s: None)
        assert (report.sent, report.failed) == (1, 1)
        assert hook.attempts == 3  # one try and two retries: bounded
        (error,) = store.run_errors(run_id)
        assert error.stage == "alerts" and error.item == f"webhook m{mention.id}"
        assert "HTTP 500" in error.message and "3 attempts" in error.message

        # The receiver recovers: the next run delivers the failed alert, and only it.
        hook.fail_first = 0
        later = deliver_alerts(store, config, sleep=lambda s: None)
    assert (later.sent, later.failed) == (1, 0)
    assert len(hook.bodies) == 1 and len(smtp.messages) == 1
    statuses = {d.channel: (d.status, d.attempts) for d in store.alert_deliveries()}
    assert statuses == {"email": ("sent", 1), "webhook": ("sent", 4)}


def test_a_failed_alert_is_given_up_once_it_is_old_news(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver(fail_first=1, status=400) as hook:
        config = _configure(workspace, _alerts_toml(hook.url, give_up_hours=24))
        add_mention(store)
        first = deliver_alerts(store, config, sleep=lambda s: None)
        assert first.failed == 1 and hook.attempts == 1  # a 400 is not retried
        tomorrow = datetime.now(UTC) + timedelta(hours=25)
        assert deliver_alerts(store, config, now=tomorrow).sent == 0
    assert hook.attempts == 1


def test_transient_smtp_failure_is_retried(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink(fail_first=1) as smtp:
        config = _configure(workspace, _alerts_toml() + _email_toml(smtp.port))
        add_mention(store)
        report = deliver_alerts(store, config, sleep=lambda s: None)
    assert report.sent == 1 and smtp.attempts == 2 and len(smtp.messages) == 1


def test_missing_credential_variable_is_a_clear_failure(workspace, store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TEST_SMTP_USER", raising=False)
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    with SmtpSink() as smtp:
        config = _configure(workspace, _alerts_toml() + _email_toml(smtp.port, login=True))
        add_mention(store)
        report = deliver_alerts(store, config)
    assert report.failed == 1 and smtp.attempts == 0
    assert "TEST_SMTP_USER" in report.errors[0].message
    assert "1 attempt)" in report.errors[0].message


@pytest.fixture
def tls_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    made = self_signed_cert(tmp_path)
    if made is None:
        pytest.skip("the openssl tool is needed to make a test certificate")
    cert, key = made
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    # The client trusts the test certificate and nothing else: verification stays on.
    monkeypatch.setattr(
        alert_channels, "_tls_context", lambda: ssl.create_default_context(cafile=cert)
    )
    return server


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_with_credentials_from_the_environment(  # type: ignore[no-untyped-def]
    workspace, store, monkeypatch, tls_pair, security
) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "priya")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    with SmtpSink(login=("priya", "s3cret"), tls=tls_pair, implicit_tls=security == "ssl") as smtp:
        config = _configure(
            workspace, _alerts_toml() + _email_toml(smtp.port, security=security, login=True)
        )
        add_mention(store)
        report = deliver_alerts(store, config)
    assert report.sent == 1, report.errors
    assert len(smtp.messages) == 1


def test_wrong_password_is_not_retried(workspace, store, monkeypatch, tls_pair) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_SMTP_USER", "priya")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    with SmtpSink(login=("priya", "s3cret"), tls=tls_pair) as smtp:
        config = _configure(
            workspace, _alerts_toml() + _email_toml(smtp.port, security="starttls", login=True)
        )
        add_mention(store)
        report = deliver_alerts(store, config, sleep=lambda s: None)
    assert report.failed == 1 and "refused the login" in report.errors[0].message
    assert store.alert_deliveries()[0].attempts == 1


def test_ntfy_topic_adds_its_json_fields(workspace, store) -> None:  # type: ignore[no-untyped-def]
    with WebhookReceiver() as hook:
        config = _configure(workspace, _alerts_toml(hook.url, webhook_topic="cheesecake-me"))
        add_mention(store)
        deliver_alerts(store, config)
    body = hook.bodies[0]
    assert body["topic"] == "cheesecake-me" and body["message"] == body["text"]
    assert body["click"] == "https://news.example/promotion" and "Priya" in body["title"]


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ('[alerts.email]\nto = "a@b.c"\nsmtp_host = "h"\nsecurity = "tls"\n', "security"),
        ('[alerts.email]\nto = "a@b.c"\nsmtp_host = "h"\nusername_env = "U"\n', "password_env"),
        ('[alerts.email]\nto = "a@b.c"\n', "smtp_host"),
        (
            '[alerts.email]\nto = "a@b.c"\nsmtp_host = "h"\nusername_env = "U"\n'
            'password_env = "hunter2!"\n',
            "NAME of an environment variable",
        ),
        ('[alerts]\nwebhook_url = "hooks.example.com/x"\n', "alerts.webhook_url"),
    ],
)
def test_bad_alert_settings_name_the_key(workspace, toml: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    config = _configure(workspace, toml)
    with pytest.raises(ConfigError) as caught:
        alerts.configured_channels(config)
    assert fragment in str(caught.value) and str(workspace.config_path) in str(caught.value)


def test_digest_is_emailed(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    md, html = tmp_path / "d.md", tmp_path / "d.html"
    md.write_text("# Digest\n\nNothing matched today.\n")
    html.write_text("<h1>Digest</h1><p>Nothing matched today.</p>")
    with SmtpSink() as smtp:
        config = _configure(workspace, _email_toml(smtp.port))
        day = datetime(2026, 3, 2).date()
        assert send_digest(config, day=day, markdown_path=md, html_path=html) == "me@example.com"
    (message,) = smtp.messages
    assert message["Subject"] == "Your cheesecake digest for Monday 2 March 2026"
    assert "Nothing matched today." in message.as_string()


def test_digest_email_without_email_settings_is_explained(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AlertError, match=r"No \[alerts.email\] table"):
        send_digest(
            workspace.config(),
            day=datetime(2026, 3, 2).date(),
            markdown_path=tmp_path / "x.md",
            html_path=tmp_path / "x.html",
        )


_DELIVER = """
import sys
from pathlib import Path
from pipeline.alerts import deliver_alerts
from pipeline.store import open_store
from pipeline.workspace import Workspace
workspace = Workspace(Path(sys.argv[1]))
config = workspace.config()
with open_store(workspace.db_path(config)) as store:
    print(deliver_alerts(store, config).sent)
"""


def test_killed_mid_delivery_then_rerun_delivers_all_at_most_one_twice(workspace, store) -> None:  # type: ignore[no-untyped-def]
    names = ["Priya Raman", "Tomasz Kowalczyk", "Grace Liu", "Henrik Aalto", "Samira Haddad"]
    for n, name in enumerate(names):
        add_mention(store, name, slug=f"story-{n}")
    child: list[subprocess.Popen[bytes]] = []

    def kill_on_third(body: dict[str, object]) -> None:
        if len(hook.bodies) == 3:  # the third alert arrived: kill the sender before it hears 200
            os.kill(child[0].pid, signal.SIGKILL)
            child[0].wait()

    with WebhookReceiver() as hook:
        _configure(workspace, _alerts_toml(hook.url))
        hook.before_answer = kill_on_third
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        child.append(
            subprocess.Popen(
                [sys.executable, "-c", _DELIVER, str(workspace.root)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
        child[0].wait(timeout=60)
        assert child[0].returncode == -signal.SIGKILL
        assert len(hook.bodies) == 3
        hook.before_answer = None
        rerun = subprocess.run(
            [sys.executable, "-c", _DELIVER, str(workspace.root)],
            env=env,
            capture_output=True,
            timeout=60,
            check=True,
        )
    assert rerun.stdout.decode().strip() == "3"  # the in-flight one and the two never sent
    received = [str(b["mention"]["contact"]) for b in hook.bodies]  # type: ignore[index]
    assert sorted(set(received)) == sorted(names)
    assert len(received) == len(names) + 1  # exactly the one in flight came twice
    assert {d.status for d in store.alert_deliveries()} == {"sent"}


def test_digest_send_command_emails_the_days_digest(workspace, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("digest", "--send").exit_code == 1  # no [alerts.email] yet: explained
    with SmtpSink() as smtp:
        _configure(workspace, _email_toml(smtp.port))
        result = run_cli("digest", "--send", "--date", "2026-03-02")
    assert result.exit_code == 0, result.output
    assert "E-mailed the digest to me@example.com." in result.stderr
    (message,) = smtp.messages
    assert message["Subject"] == "Your cheesecake digest for Monday 2 March 2026"
    assert message.get_content_type() == "multipart/alternative"


def test_a_channel_that_failed_is_not_tried_again_for_each_alert_of_the_pass(  # type: ignore[no-untyped-def]
    workspace, store
) -> None:
    # A webhook that hangs costs timeout x (retries + 1) per attempt: paid once per pass,
    # not once per mention, and the other channel still delivers everything.
    names = ["Priya Raman", "Tomasz Kowalczyk", "Grace Liu", "Henrik Aalto"]
    with SmtpSink() as smtp, WebhookReceiver(fail_first=100, status=504) as hook:
        config = _configure(workspace, _alerts_toml(hook.url, retries=2) + _email_toml(smtp.port))
        for n, name in enumerate(names):
            add_mention(store, name, slug=f"story-{n}")
        run_id = store.start_run("run")
        report = deliver_alerts(store, config, run_id=run_id, sleep=lambda s: None)
        assert hook.attempts == 3  # the first alert's try and two retries, then no more
        assert (report.sent, report.failed) == (4, 4) and len(smtp.messages) == 4
        webhook = [d for d in store.alert_deliveries() if d.channel == "webhook"]
        assert {d.status for d in webhook} == {"failed"}
        assert len([e for e in store.run_errors(run_id) if e.stage == "alerts"]) == 4

        hook.fail_first = 0  # it recovers: the next pass delivers all four, once each
        later = deliver_alerts(store, config, sleep=lambda s: None)
    assert (later.sent, later.failed) == (4, 0)
    assert sorted(b["mention"]["contact"] for b in hook.bodies) == sorted(names)
    assert len(smtp.messages) == 4


def test_a_webhook_that_moved_permanently_keeps_its_post_or_says_where_it_went(  # type: ignore[no-untyped-def]
    workspace, store
) -> None:
    original = workspace.config_path.read_text(encoding="utf-8")
    with WebhookReceiver() as hook:
        # 307/308 keep the method and body: followed, delivered once.
        hook.moved["/old-hook"] = (308, hook.url)
        config = _configure(workspace, _alerts_toml(hook.url_for("/old-hook")))
        add_mention(store)
        assert deliver_alerts(store, config, sleep=lambda s: None).sent == 1
        assert len(hook.bodies) == 1 and hook.bodies[0]["mention"]["contact"] == "Priya Raman"

        # 301/302 would turn the POST into a GET (the alert lost, "delivered"): not
        # followed, and the error names the new address to put in feeds.toml.
        hook.moved["/older-hook"] = (301, hook.url)
        workspace.config_path.write_text(original, encoding="utf-8")
        config = _configure(workspace, _alerts_toml(hook.url_for("/older-hook")))
        add_mention(store, "Grace Liu", slug="award")
        report = deliver_alerts(store, config, sleep=lambda s: None)
    assert (report.sent, report.failed) == (0, 1) and len(hook.bodies) == 1
    message = report.errors[0].message
    assert hook.url in message and "alerts.webhook_url" in message
