"""A real SMTP server (aiosmtpd) on 127.0.0.1, in the test's own event loop: it keeps every
message it accepts, parsed, and can refuse recipients (550), require STARTTLS and a login, or
speak TLS from the first byte.

`async with MailSink() as sink:` then `sink.url` (`smtp://127.0.0.1:PORT`), `sink.messages`;
`MailSink(port)` on a port found earlier starts a server where there was none (an SMTP
server coming back)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import ssl
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.receiver import free_port

LINK = re.compile(r"https?://\S+")


class MailSink:
    def __init__(
        self,
        port: int = 0,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()  # recipients answered 550
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._login = login
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def __aenter__(self) -> MailSink:
        kwargs: dict[str, Any] = {"hostname": "sink.test", "enable_SMTPUTF8": True}
        if self._starttls is not None:
            kwargs |= {"tls_context": self._starttls, "require_starttls": True}
        if self._login is not None:
            kwargs |= {"authenticator": self._authenticate, "auth_required": True}
        else:
            kwargs |= {"auth_require_tls": False}
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, **kwargs), "127.0.0.1", self.port, ssl=self._implicit_tls
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else None
        )
        return AuthResult(success=given == self._login, handled=False)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_in(message: EmailMessage, path: str) -> str:
    """The first link in the message's text to `path` (e.g. `/subscribers/confirm`)."""
    for url in LINK.findall(body_of(message)):
        if path in url:
            return str(url)
    raise AssertionError(f"no link to {path} in {body_of(message)!r}")
