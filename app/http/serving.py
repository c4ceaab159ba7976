"""How uvicorn meets slow and hostile clients. uvicorn closes idle keep-alive connections but
sets no deadline on a request still arriving: a client that opened a connection and sent its
headers a byte at a time, or nothing at all, held it (and its memory) for good. The protocol
below gives each request's headers a deadline and a size cap; bodies have their deadline in
the app (`app.http.body_limit`), where authentication runs before any body is read."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.settings import Settings

MAX_HEADER_BYTES = 64 * 1024  # request line and headers together (nginx: 4 × 8 KiB)
KEEP_ALIVE_SECONDS = 5  # an idle connection between requests is closed after this
UVICORN_BACKLOG = 2048  # uvicorn's own default accept queue
_CLOSING = b"content-length: 0\r\nconnection: close\r\n\r\n"
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\n" + _CLOSING
HEADERS_TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large\r\n" + _CLOSING


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline from the connection's opening (or the
    next request's first byte) to its headers' end, and at most MAX_HEADER_BYTES of them."""

    header_timeout_seconds: ClassVar[float] = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._header_bytes = 0
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        super().data_received(data)
        if self._awaiting_headers and not self.transport.is_closing():
            # The whole chunk is header bytes: the headers did not end inside it.
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse(HEADERS_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_headers = True
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._header_bytes = 0
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        if not self.transport.is_closing():  # not after our own 408 or 431
            super().send_400_response(msg)

    def _arm_header_deadline(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(
                self.header_timeout_seconds, self._headers_overdue
            )

    def _disarm_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        if self._header_bytes:
            self._refuse(REQUEST_TIMEOUT)
        elif not self.transport.is_closing():
            self.transport.close()  # nothing was asked: nothing to answer

    def _refuse(self, response: bytes) -> None:
        self._disarm_header_deadline()
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()


def header_deadline_protocol(seconds: float) -> type[HeaderDeadlineProtocol]:
    return type(
        "HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_seconds": seconds}
    )


def connection_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn options for `pantau serve`: past `max_connections` open connections (or
    requests in flight) uvicorn answers 503 instead of taking more work. The accept queue
    holds as many: a crowd of status pages opening the live stream at once is not dropped
    to SYN retries (a second or more each). The kernel caps it at `net.core.somaxconn`
    (4096 on current Linux; raise that sysctl for bigger bursts)."""
    return {
        "http": header_deadline_protocol(settings.header_timeout_seconds),
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "backlog": max(UVICORN_BACKLOG, settings.max_connections),
    }
