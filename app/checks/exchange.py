"""One HTTP/1.1 request and its response on a fresh connection, for the probes that follow no
redirect: status, raw headers and at most `max_body_bytes` of the body.

h11 writes the request and reads the response, exactly as inside httpcore's HTTP/1.1
connection (the same event loop, read size, size limit and error messages), so a malformed or
truncated answer fails here as it does on the httpx path. What this skips is httpcore's
machinery around h11 (connection and pool objects, anyio locks, traces, shielded closes, the
response stream's generators): about a third of a probe's CPU. Errors are httpcore's;
`app.checks.transport` turns them into httpx's.
"""

# The `timeout` arguments are httpcore's network-stream interface.
# ruff: noqa: ASYNC109

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import h11
import httpcore

Headers = list[tuple[bytes, bytes]]

# httpcore's AsyncHTTP11Connection values, so both paths read the same bytes the same way.
READ_NUM_BYTES = 64 * 1024
MAX_INCOMPLETE_EVENT_SIZE = 100 * 1024
_ALPN = ["http/1.1"]


@contextmanager
def _mapped(source: type[Exception], to: type[Exception]) -> Iterator[None]:
    # httpcore's map_exceptions: the h11 error becomes the cause, its text the message.
    try:
        yield
    except source as exc:
        raise to(exc) from exc


async def exchange(
    backend: httpcore.AsyncNetworkBackend,
    *,
    scheme_is_https: bool,
    host: str,
    port: int,
    request: h11.Request,
    timeouts: dict[str, float | None],
    max_body_bytes: int,
    ssl_context: ssl.SSLContext,
) -> tuple[int, Headers, bytes]:
    connect = timeouts.get("connect")
    stream = await backend.connect_tcp(host, port, timeout=connect)
    try:
        if scheme_is_https:
            ssl_context.set_alpn_protocols(_ALPN)  # HTTP/1.1 only, as httpcore offers it
            stream = await stream.start_tls(ssl_context, server_hostname=host, timeout=connect)
        return await _converse(stream, request, timeouts, max_body_bytes)
    finally:
        await stream.aclose()


def request_event(method: str, target: bytes, headers: Headers) -> h11.Request:
    with _mapped(h11.LocalProtocolError, httpcore.LocalProtocolError):
        return h11.Request(method=method, target=target, headers=headers)


async def _converse(
    stream: httpcore.AsyncNetworkStream,
    request: h11.Request,
    timeouts: dict[str, float | None],
    max_body_bytes: int,
) -> tuple[int, Headers, bytes]:
    h11_state = h11.Connection(
        our_role=h11.CLIENT, max_incomplete_event_size=MAX_INCOMPLETE_EVENT_SIZE
    )
    write = timeouts.get("write")
    read = timeouts.get("read")
    try:
        # Unmapped, as in httpcore: an h11 error from `send` propagates as it is.
        await stream.write(h11_state.send(request) or b"", timeout=write)
        # A request without a body ends with nothing more to send.
        await stream.write(h11_state.send(h11.EndOfMessage()) or b"", timeout=write)
    except httpcore.WriteError:
        # As httpcore does: a server may close early and still answer (a 413, say).
        pass
    while True:
        event = await _receive(stream, h11_state, read)
        if isinstance(event, h11.Response):
            break
        if isinstance(event, h11.InformationalResponse) and event.status_code == 101:
            break
    status, headers = event.status_code, event.headers.raw_items()
    if max_body_bytes <= 0:
        return status, headers, b""
    body = bytearray()
    while len(body) < max_body_bytes:
        event = await _receive(stream, h11_state, read)
        if isinstance(event, h11.Data):
            body += event.data[: max_body_bytes - len(body)]
        elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
            break
    return status, headers, bytes(body)


async def _receive(
    stream: httpcore.AsyncNetworkStream, h11_state: h11.Connection, timeout: float | None
) -> h11.Event | type[h11.PAUSED]:
    """httpcore's `_receive_event`, message for message."""
    while True:
        with _mapped(h11.RemoteProtocolError, httpcore.RemoteProtocolError):
            event = h11_state.next_event()
        if event is not h11.NEED_DATA:
            return event  # type: ignore[return-value]
        data = await stream.read(READ_NUM_BYTES, timeout=timeout)
        if data == b"" and h11_state.their_state == h11.SEND_RESPONSE:
            raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
        h11_state.receive_data(data)
