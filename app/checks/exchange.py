"""One HTTP/1.1 request and its response on a fresh connection, for the probes that follow no
redirect: status, raw headers and at most `max_body_bytes` of the body.

The request is h11's own serialisation. The plain answer nearly every probe gets (see
`_PlainAnswer`) is read straight from the bytes, with h11's own patterns; any other answer is
handed to h11 from its first byte and read exactly as inside httpcore's HTTP/1.1 connection
(the same read size, size limit, events and error messages), so a malformed or truncated
answer fails here as it does on the httpx path. What this skips is httpcore's machinery
around h11 (connection objects, anyio locks, traces, shielded closes, stream generators) and,
for plain answers, h11's state machine: together about half of a probe's CPU. Errors are
httpcore's; `app.checks.transport` turns them into httpx's.
"""

# The `timeout` arguments are httpcore's network-stream interface.
# ruff: noqa: ASYNC109

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache

import h11
import httpcore

# h11's own patterns and limits, so the plain path accepts only what h11 would read the same.
from h11._headers import CONTENT_LENGTH_MAX_DIGITS
from h11._readers import header_field_re as _HEADER_FIELD
from h11._readers import status_line_re as _STATUS_LINE
from h11._writers import write_request

Headers = list[tuple[bytes, bytes]]

# httpcore's AsyncHTTP11Connection values, so both paths read the same bytes the same way.
READ_NUM_BYTES = 64 * 1024
MAX_INCOMPLETE_EVENT_SIZE = 100 * 1024
_ALPN = ["http/1.1"]
_FRAMING = (b"content-length", b"transfer-encoding")


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
    method: str,
    target: bytes,
    headers: Headers,
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
        request = (method, target, tuple(headers))
        return await _converse(stream, request, timeouts, max_body_bytes)
    finally:
        await stream.aclose()


Request = tuple[str, bytes, tuple[tuple[bytes, bytes], ...]]  # method, target, headers


def request_event(request: Request) -> h11.Request:
    method, target, headers = request
    with _mapped(h11.LocalProtocolError, httpcore.LocalProtocolError):
        return h11.Request(method=method, target=target, headers=list(headers))


# A service's probes send the same bytes every time: validated and written by h11 once, kept
# (about 0.5 KB each) for as many services as the target cache holds.
@lru_cache(maxsize=131_072)
def request_head(request: Request) -> bytes:
    head: list[bytes] = []
    write_request(request_event(request), head.append)
    return b"".join(head)


async def _converse(
    stream: httpcore.AsyncNetworkStream,
    request: Request,
    timeouts: dict[str, float | None],
    max_body_bytes: int,
) -> tuple[int, Headers, bytes]:
    read = timeouts.get("read")
    # Validated once the connection is up, as httpcore does; h11's own serialisation, as
    # `Connection.send` writes it (a request without a body ends with nothing more to send).
    head = request_head(request)
    # As httpcore does: a server may close early and still answer (a 413, say).
    with suppress(httpcore.WriteError):
        await stream.write(head, timeout=timeouts.get("write"))
    answer = _PlainAnswer(max_body_bytes, head_request=request[0] == "HEAD")
    if await answer.read(stream, read):
        return answer.status, answer.headers, answer.body
    # Anything but the plain case: h11 reads it all again, from the first byte.
    h11_state = h11.Connection(
        our_role=h11.CLIENT, max_incomplete_event_size=MAX_INCOMPLETE_EVENT_SIZE
    )
    h11_state.send(request_event(request))
    h11_state.send(h11.EndOfMessage())
    replay = answer.chunks
    while True:
        event = await _receive(stream, h11_state, read, replay)
        if isinstance(event, h11.Response):
            break
        if isinstance(event, h11.InformationalResponse) and event.status_code == 101:
            break
    status, headers = event.status_code, event.headers.raw_items()
    if max_body_bytes <= 0:
        return status, headers, b""
    body = bytearray()
    while len(body) < max_body_bytes:
        event = await _receive(stream, h11_state, read, replay)
        if isinstance(event, h11.Data):
            body += event.data[: max_body_bytes - len(body)]
        elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
            break
    return status, headers, bytes(body)


class _PlainAnswer:
    """The answer nearly every probe gets: the whole head in the first read, HTTP/1.1, a final
    status with a body, one Content-Length and no Transfer-Encoding, every line as h11's own
    patterns accept it, the body complete (or read to the bound). Read without h11's state
    machine, to the same status, raw headers and body h11 gives; anything else (or any doubt)
    is left to h11, with the bytes read so far in `chunks`."""

    __slots__ = ("body", "chunks", "head_request", "headers", "max_body_bytes", "status")

    def __init__(self, max_body_bytes: int, *, head_request: bool) -> None:
        self.max_body_bytes = max_body_bytes
        self.head_request = head_request
        self.chunks: list[bytes] = []
        self.status = 0
        self.headers: Headers = []
        self.body = b""

    async def read(self, stream: httpcore.AsyncNetworkStream, timeout: float | None) -> bool:
        data = await stream.read(READ_NUM_BYTES, timeout=timeout)
        self.chunks.append(data)
        end = data.find(b"\r\n\r\n")
        if end <= 0 or self.head_request or not self._head(data[: end + 2]):
            return False
        if self.max_body_bytes <= 0:
            return True
        length = self._length()
        if length is None:
            return False
        wanted = min(length, self.max_body_bytes)
        body = data[end + 4 : end + 4 + wanted]
        while len(body) < wanted:
            more = await stream.read(READ_NUM_BYTES, timeout=timeout)
            self.chunks.append(more)
            if not more:  # cut short: h11 names how short
                return False
            body += more[: wanted - len(body)]
        self.body = body
        return True

    def _head(self, head: bytes) -> bool:
        # Only CRLF line ends: then h11 finds the same end of head and the same lines.
        if head.count(b"\n") != head.count(b"\r\n") or head.count(b"\r") != head.count(b"\n"):
            return False
        lines = head.split(b"\r\n")[:-1]
        status = _STATUS_LINE.fullmatch(lines[0])
        if status is None or status["http_version"] != b"1.1":
            return False
        code = int(status["status_code"])
        if code < 200 or code in (204, 304):  # interim answers, or no body whatever it says
            return False
        for line in lines[1:]:
            field = _HEADER_FIELD.fullmatch(line)  # a folded line starts with blanks: no match
            if field is None:
                return False
            self.headers.append((field["field_name"], field["field_value"]))
        self.status = code
        return True

    def _length(self) -> int | None:
        lengths = [v for n, v in self.headers if n.lower() in _FRAMING]
        if len(lengths) != 1 or not any(n.lower() == b"content-length" for n, _ in self.headers):
            return None
        value = lengths[0]
        if not value.isdigit() or not value.isascii() or len(value) > CONTENT_LENGTH_MAX_DIGITS:
            return None
        return int(value)


async def _receive(
    stream: httpcore.AsyncNetworkStream,
    h11_state: h11.Connection,
    timeout: float | None,
    replay: list[bytes],
) -> h11.Event | type[h11.PAUSED]:
    """httpcore's `_receive_event`, message for message; `replay` holds bytes already read,
    given to h11 first in the order they came."""
    while True:
        with _mapped(h11.RemoteProtocolError, httpcore.RemoteProtocolError):
            event = h11_state.next_event()
        if event is not h11.NEED_DATA:
            return event  # type: ignore[return-value]
        data = replay.pop(0) if replay else await stream.read(READ_NUM_BYTES, timeout=timeout)
        if data == b"" and h11_state.their_state == h11.SEND_RESPONSE:
            raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
        h11_state.receive_data(data)
