"""Connection-level misbehaviour: the failures a monitor must survive without stalling.

Each handler gets the connection after the request has been read and the hit recorded,
and returns whether the connection may carry another request (almost always not: a
misbehaving endpoint is not trusted with a second request). All of them stop promptly
when the client goes away or the simulator stops (their task is cancelled and the
transport aborted), so hostile endpoints never outlive a test.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .behaviours import JSON, Behaviour, Mode, healthy_body
from .http11 import Request, response_head


@dataclass(slots=True)
class Exchange:
    """One probe request that a hostile handler answers (or pointedly does not)."""

    request: Request
    code: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


Hostile = Callable[[Behaviour, Exchange], Awaitable[bool]]

DRIP_CONTENT_LENGTH = 10_000_000
HUGE_BODY_BYTES = 50 * 1024 * 1024
BODY_100MB_BYTES = 100 * 1024 * 1024
HUGE_HEADERS_BYTES = 8 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024
_PADDING = b" " * _CHUNK_BYTES
_PADDING_CHUNK = b"%x\r\n%s\r\n" % (_CHUNK_BYTES, _PADDING)
_HEADER_LINE = b"x" * 1000
# Starts like a status line would, but is not one: h11/httpx must reject it outright.
INVALID_HTTP = b"SIAK-GW/0.9 \x00\xff SIAP\r\n\xde\xad\xbe\xef garbage, not a status line\r\n\r\n"
_LINGER_RST = struct.pack("ii", 1, 0)


async def hang(_behaviour: Behaviour, ex: Exchange) -> bool:
    # Keep reading (and discarding) so the client's writes never block; EOF means it gave up.
    while await ex.reader.read(_CHUNK_BYTES):
        pass
    return False


async def slow_drip(behaviour: Behaviour, ex: Exchange) -> bool:
    ex.writer.write(response_head(200, JSON, DRIP_CONTENT_LENGTH, keep_alive=False))
    if ex.request.head_only:
        # A HEAD response is complete after its head; there is nothing left to drip.
        return False
    interval = behaviour.drip_interval_ms / 1000
    for _ in range(DRIP_CONTENT_LENGTH):
        await ex.writer.drain()
        await asyncio.sleep(interval)
        if ex.writer.is_closing() or ex.reader.at_eof():
            break
        ex.writer.write(b" ")
    return False


async def reset(_behaviour: Behaviour, ex: Exchange) -> bool:
    sock = ex.writer.get_extra_info("socket")
    if sock is not None:
        # Linger with a zero timeout turns close() into a RST instead of an orderly FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    ex.writer.transport.abort()
    return False


async def huge_body(_behaviour: Behaviour, ex: Exchange) -> bool:
    return await _padded_body(ex, HUGE_BODY_BYTES)


async def body_100mb(_behaviour: Behaviour, ex: Exchange) -> bool:
    return await _padded_body(ex, BODY_100MB_BYTES)


async def _padded_body(ex: Exchange, size: int) -> bool:
    # Valid JSON (the healthy document padded with whitespace): a monitor that reads a bounded
    # prefix sees a healthy answer, one that reads everything pays for the whole size.
    keep_alive = ex.request.keep_alive
    ex.writer.write(response_head(200, JSON, size, keep_alive))
    if ex.request.head_only:
        return keep_alive
    prefix = healthy_body(ex.code)
    ex.writer.write(prefix)
    remaining = size - len(prefix)
    while remaining > 0:
        # drain() before every chunk bounds memory to the transport's high-water mark.
        await ex.writer.drain()
        chunk = min(remaining, _CHUNK_BYTES)
        ex.writer.write(_PADDING if chunk == _CHUNK_BYTES else _PADDING[:chunk])
        remaining -= chunk
    await ex.writer.drain()
    return keep_alive


async def endless_body(_behaviour: Behaviour, ex: Exchange) -> bool:
    # Chunked, so no length tells the client when to stop: only its own bound can.
    ex.writer.write(_head(200, f"Content-Type: {JSON}\r\nTransfer-Encoding: chunked\r\n"))
    if ex.request.head_only:
        return False
    ex.writer.write(b"%x\r\n%s\r\n" % (len(healthy_body(ex.code)), healthy_body(ex.code)))
    while not ex.writer.is_closing():
        await ex.writer.drain()
        ex.writer.write(_PADDING_CHUNK)
    return False


async def huge_headers(_behaviour: Behaviour, ex: Exchange) -> bool:
    # A status line, then header lines without end (up to HUGE_HEADERS_BYTES): a client
    # that buffers the head without a bound runs out of memory before the body ever comes.
    ex.writer.write(b"HTTP/1.1 200 OK\r\n")
    for number in range(HUGE_HEADERS_BYTES // len(_HEADER_LINE)):
        await ex.writer.drain()
        ex.writer.write(b"X-Pad-%d: %s\r\n" % (number, _HEADER_LINE))
    ex.writer.write(b"Content-Length: 0\r\n\r\n")
    await ex.writer.drain()
    return False


async def redirect_loop(_behaviour: Behaviour, ex: Exchange) -> bool:
    # Back to the very same URL, for ever: a client following redirects must give up.
    location = f"Location: /r/{ex.code}\r\nContent-Length: 0\r\n"
    ex.writer.write(_head(302, location, keep_alive=ex.request.keep_alive))
    return ex.request.keep_alive


def _head(status: int, extra: str, *, keep_alive: bool = False) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    reason = "Found" if status == 302 else "OK"
    return f"HTTP/1.1 {status} {reason}\r\nConnection: {connection}\r\n{extra}\r\n".encode()


async def invalid_http(_behaviour: Behaviour, ex: Exchange) -> bool:
    ex.writer.write(INVALID_HTTP)
    await ex.writer.drain()
    return False


HANDLERS: dict[Mode, Hostile] = {
    Mode.HANG: hang,
    Mode.SLOW_DRIP: slow_drip,
    Mode.RESET: reset,
    Mode.HUGE_BODY: huge_body,
    Mode.INVALID_HTTP: invalid_http,
    Mode.ENDLESS_BODY: endless_body,
    Mode.BODY_100MB: body_100mb,
    Mode.HUGE_HEADERS: huge_headers,
    Mode.REDIRECT_LOOP: redirect_loop,
}
