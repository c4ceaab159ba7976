"""The demo's mailbox: a real SMTP server (aiosmtpd) on 127.0.0.1 that the demo's Pantau
sends its citizens' mail to, printing each message on the console, so a newcomer sees the
confirmation and the Palopo cutoff mail as a subscriber would; and the demo citizen who
subscribes through the public API and follows the confirmation link.

Its port is bound when it is made (so the settings can name it before the app is built) and
served inside `async with`."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session

from app.demo.api import ApiError, expect
from app.demo.regions import PALOPO, WARNED

Say = Callable[[str], None]
CITIZEN = "warga@example.org"  # example.org is reserved for examples: no one's real address
SENDER = "Pantau Demo <pantau@example.org>"
CONFIRM_LINK = re.compile(r"https?://\S+(/subscribers/confirm\?\S+)")
CONFIRMATION_WITHIN_SECONDS = 15.0


def describe_mail(message: EmailMessage) -> list[str]:
    """The console's view of one mail: who to, the subject, then the text, indented."""
    part = message.get_body(("plain",))
    text = str(part.get_content()) if part is not None else ""  # type: ignore[attr-defined]
    lines = [
        f"[mail] Kepada / To: {message['To']}",
        f"       Subjek / Subject: {str(message['Subject']).strip()}",  # unfolded
    ]
    unsubscribe = message.get("List-Unsubscribe")
    if unsubscribe:
        lines.append(f"       List-Unsubscribe: {unsubscribe} (one-click)")
    lines += [f"       | {line}" for line in text.rstrip().splitlines()]
    return lines


class Mailbox:
    """`mailbox = Mailbox(say)`; `mailbox.url` for PANTAU_SMTP_URL; `async with mailbox:`."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.messages: list[EmailMessage] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Mailbox:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="mailbox.demo", enable_SMTPUTF8=True),
            sock=self._socket,
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._socket.close()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(
            raw if isinstance(raw, bytes) else str(raw).encode(), policy=email.policy.default
        )
        if isinstance(message, EmailMessage):
            self.messages.append(message)
            for line in describe_mail(message):
                self.say(line)
        return "250 2.0.0 delivered to the demo mailbox"

    async def confirmation_path(self, since: int, *, within: float) -> str | None:
        """The confirmation link's path and query in a mail arriving after the first
        `since` messages, or None if none came in time."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for message in self.messages[since:]:
                part = message.get_body(("plain",))
                found = CONFIRM_LINK.search(str(part.get_content()) if part else "")  # type: ignore[attr-defined]
                if found:
                    return found.group(1)
            await asyncio.sleep(0.2)
        return None


async def subscribe_citizen(api: httpx.AsyncClient, mailbox: Mailbox, say: Say) -> None:
    """The demo citizen asks for mail about Palopo and Luwu through the public API, and
    follows the confirmation link the mailbox receives, as a person would."""
    seen = len(mailbox.messages)
    body: dict[str, Any] = {"email": CITIZEN, "regions": [PALOPO, WARNED], "lang": "id"}
    answer = await api.post("/api/v1/subscribers", json=body)
    if answer.status_code == 429:  # a fourth run today: yesterday's confirmation still holds
        say(f"[demo] {CITIZEN}: langganan sudah ada / already subscribed today")
        return
    expect(answer, 202)
    path = await mailbox.confirmation_path(seen, within=CONFIRMATION_WITHIN_SECONDS)
    if path is None:
        say("[demo] konfirmasi email tidak tiba / the confirmation mail did not arrive")
        return
    confirmed = await api.post(path)  # the page's button: an HTML answer
    if confirmed.status_code != 200:
        raise ApiError(confirmed)
    say(f"[demo] {CITIZEN} berlangganan / subscribed: Kota Palopo, Kabupaten Luwu (email)")
