"""A webhook receiver on loopback: a real socket server that records every request and answers
as scripted (status, headers, or holding the request open to simulate a delivery in flight)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time()

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def verify(self, secret: str) -> Any:
        """The parsed body, if `secret` signed this request (else WebhookVerificationError)."""
        return Webhook(secret).verify(self.body, self.headers)


class Receiver:
    """`async with Receiver() as r:`; `r.url("/a")`; `r.script["/a"] = [Reply(500), …]`
    (consumed in order, then 200); `r.hold()` keeps requests open until `r.release()`."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.received: list[Received] = []
        self.script: dict[str, list[Reply]] = {}
        self.responder: Callable[[Received], Reply] | None = None
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._held = 0

    async def __aenter__(self) -> Receiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._open.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    @property
    def held(self) -> int:
        return self._held

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def _reply_for(self, request: Received) -> Reply:
        if self.responder is not None:
            return self.responder(request)
        queue = self.script.get(request.path)
        return queue.pop(0) if queue else Reply()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read(reader)
            if request is None:
                return
            self.received.append(request)
            if not self._open.is_set():
                self._held += 1
                await self._open.wait()
                self._held -= 1
            reply = self._reply_for(request)
            head = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(reply.body)}"]
            head += [f"{k}: {v}" for k, v in reply.headers.items()] + ["Connection: close"]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> Received | None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 2:
            return None
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Received(parts[1], headers, body, time.time())
