"""The SMTP sender against real aiosmtpd servers on 127.0.0.1 with trustme certificates: STARTTLS
with a login, TLS from the first byte, and what each failure is reported as (a wrong password
at the AUTH stage, an untrusted certificate or a server without STARTTLS at CONNECT)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email.headerregistry import Address

import pytest
import trustme

from app.core.mail_rules import SmtpStage
from app.core.mail_text import build_message
from app.core.smtp_url import SmtpSecurity, SmtpTarget
from app.notify.smtp import send_message
from tests.support.smtp import MailSink, body_of

LOGIN = ("pantau", "s3cret")
MESSAGE = build_message(
    sender=Address("Pantau", "pantau", "example.go.id"),
    recipient="warga@example.org",
    subject="[Pantau] uji / test",
    body="Halo.\n",
    message_id="<t.1@example.go.id>",
    date=datetime(2026, 12, 1, tzinfo=UTC),
    headers={},
)


@pytest.fixture(scope="module")
def contexts() -> Iterator[tuple[ssl.SSLContext, ssl.SSLContext]]:
    """(server, client): a certificate for 127.0.0.1, and a client trusting only its CA."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    yield server, client


async def send(target: SmtpTarget, client: ssl.SSLContext | None) -> object:
    return await send_message(
        target,
        MESSAGE,
        sender="pantau@example.go.id",
        recipient="warga@example.org",
        seconds=10,
        tls_context=client,
    )


async def test_starttls_with_a_login(contexts: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server, client = contexts
    async with MailSink(starttls=server, login=LOGIN) as sink:
        target = SmtpTarget("127.0.0.1", sink.port, SmtpSecurity.STARTTLS, *LOGIN)
        result = await send(target, client)
        assert getattr(result, "accepted", None) is True, result
        (received,) = sink.messages
        assert received["Message-ID"] == "<t.1@example.go.id>"
        assert body_of(received).strip() == "Halo."

        wrong = SmtpTarget("127.0.0.1", sink.port, SmtpSecurity.STARTTLS, "pantau", "nope")
        refused = await send(wrong, client)
        assert getattr(refused, "stage", None) == SmtpStage.AUTH
        assert getattr(refused, "code", None) == 535
        assert len(sink.messages) == 1


async def test_implicit_tls_and_an_untrusted_certificate(
    contexts: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, client = contexts
    async with MailSink(implicit_tls=server) as sink:
        target = SmtpTarget("127.0.0.1", sink.port, SmtpSecurity.TLS)
        result = await send(target, client)
        assert getattr(result, "accepted", None) is True, result
        untrusted = await send(target, None)  # the system's CAs do not know trustme's
        assert getattr(untrusted, "stage", None) == SmtpStage.CONNECT
        assert "certificate" in str(getattr(untrusted, "error", "")).lower()
        assert len(sink.messages) == 1


async def test_starttls_asked_of_a_server_without_it() -> None:
    async with MailSink() as sink:
        target = SmtpTarget("127.0.0.1", sink.port, SmtpSecurity.STARTTLS)
        result = await send(target, None)
        assert getattr(result, "stage", None) == SmtpStage.CONNECT
        assert sink.messages == []
