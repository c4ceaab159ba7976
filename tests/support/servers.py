"""Tiny raw loopback servers that make the real network stack build the failures a probe must
report (no answer, a hang-up, a refused port), each handler scripted per test."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, asyncio.Event], Awaitable[None]]


@dataclass
class Loopback:
    port: int
    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    connections: int = 0

    def url(self, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}/"


@asynccontextmanager
async def serve(
    handler: Handler, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[Loopback]:
    stop = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []
    endpoint = Loopback(port=0)

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        endpoint.connections += 1
        endpoint.accepted.set()
        writers.append(writer)
        try:
            await handler(reader, writer, stop)
        except (OSError, asyncio.IncompleteReadError):
            pass  # the probe hung up on us: that is often the point
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=ssl_context)
    endpoint.port = server.sockets[0].getsockname()[1]
    try:
        yield endpoint
    finally:
        stop.set()
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


def respond(status: int, body: bytes = b"", headers: str = "") -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
        await read_request(reader)
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}\r\n"
        writer.write(head.encode() + body)
        await writer.drain()

    return handler


async def never_answer(
    reader: asyncio.StreamReader, _: asyncio.StreamWriter, stop: asyncio.Event
) -> None:
    await read_request(reader)
    await stop.wait()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
