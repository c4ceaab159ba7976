"""The demo's webhook subscriber: a loopback HTTP server that verifies each delivery's
Standard Webhooks signature with the subscription's secret, as any subscriber should, and
prints one line per verified delivery."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

PATH = "/pantau-demo/webhook"
MAX_BODY_BYTES = 1_000_000
READ_TIMEOUT_SECONDS = 10.0

Say = Callable[[str], None]


def describe_delivery(payload: Any) -> str:
    """One console line for a verified event: type, region, and the reason or the letter."""
    kind = payload.get("type", "?")
    data = payload.get("data") or {}
    region = data.get("region") or {}
    where = f"{region.get('code', '')} {region.get('name', '')}".strip()
    transition = data.get("transition")
    declaration = data.get("declaration")
    if transition is not None:
        label = transition.get("reason_label") or {}
        what = f"{transition.get('reason')} ({label.get('id', '')} / {label.get('en', '')})"
    elif declaration is not None:
        deadline = str(declaration.get("deadline") or "")[:10]
        what = (
            f"{declaration.get('kind')} {declaration.get('reference')}, tenggat/deadline {deadline}"
        )
    elif data.get("reason"):  # region.* and cutoff.*: the reason, and the letter if any
        label = data.get("reason_label") or {}
        what = f"{data['reason']} ({label.get('id', '')} / {label.get('en', '')})"
        letter = data.get("letter") or {}
        what += f", {letter['reference']}" if letter.get("reference") else ""
    else:
        what = ""
    return "  ".join(part for part in ("[webhook verified]", kind, where, what) if part)


class Receiver:
    """`async with Receiver(say) as r:` then `r.url`; set `r.secret` once it is known.
    Answers 503 until then (the dispatcher retries), 401 to a bad signature."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.secret: str | None = None
        self.verified = 0
        self._server: asyncio.Server | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}{PATH}"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """The HTTP status for one request; prints the verified ones."""
        if path != PATH:
            return 404
        if self.secret is None:
            return 503
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            self.say(f"[webhook REJECTED] {headers.get('webhook-id', '?')}: {exc}")
            return 401
        self.verified += 1
        self.say(describe_delivery(payload))
        return 204

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                path, headers, body = await _read_request(reader)
            status = self.answer(path, headers, body)
            writer.write(
                f"HTTP/1.1 {status} -\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (ConnectionError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            pass  # a broken or oversized request gets no answer; the dispatcher retries
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    request_line, *lines = head.split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise ValueError("malformed request line")
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if not 0 <= length <= MAX_BODY_BYTES:
        raise ValueError("body too large")
    return parts[1], headers, await reader.readexactly(length)
