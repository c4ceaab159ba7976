"""The probe transport: one connection per request over plain asyncio, bounded slots, httpx's
errors; both the direct path (`fetch`) and the httpx-client path (redirect-following probes)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import h11
import httpcore
import httpx
import pytest
import trustme

from app.checks.exchange import request_event, request_head
from app.checks.netio import AsyncioBackend
from app.checks.probe import USER_AGENT, ProbeClient, ProbeSpec, make_probe_client, probe
from app.checks.transport import ProbeTransport, target
from app.core.domain import FailureKind
from tests.support.servers import closed_port, never_answer, read_request, respond, serve


def test_the_probe_client_uses_plain_asyncio_io() -> None:
    client = make_probe_client()
    assert isinstance(client, ProbeClient)
    assert isinstance(client.probe_transport._backend, AsyncioBackend)


def test_targets_are_parsed_once_with_the_host_header() -> None:
    parsed = target("http://127.0.0.1:8080/r/73.73?x=1")
    assert parsed is target("http://127.0.0.1:8080/r/73.73?x=1")
    assert parsed.host_header == b"127.0.0.1:8080"
    assert parsed.url.target == b"/r/73.73?x=1"
    assert target("https://siak.test/").host_header == b"siak.test"


async def test_request_line_and_headers_match_the_client_path() -> None:
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async with make_probe_client() as client, serve(record) as server:
        direct = await probe(client, ProbeSpec(server.url() + "r/73.73"))
        followed = await probe(client, ProbeSpec(server.url() + "r/73.73", follow_redirects=True))
    assert direct.status_code == followed.status_code == 200
    assert direct.body_excerpt == followed.body_excerpt == "ok"
    first, second = (set(request.split(b"\r\n")) for request in seen)
    assert first == second
    assert f"User-Agent: {USER_AGENT}".encode().lower() in {line.lower() for line in first}
    assert b"GET /r/73.73 HTTP/1.1" in first


async def test_followed_redirects_release_their_slots() -> None:
    async def hop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        if request.startswith(b"GET /start"):
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: /end\r\nContent-Length: 0\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhere")
        await writer.drain()

    async with make_probe_client(1, pool_timeout_seconds=0.2) as client, serve(hop) as server:
        for _ in range(3):
            spec = ProbeSpec(server.url() + "start", follow_redirects=True, timeout_seconds=2)
            result = await probe(client, spec)
            assert (result.status_code, result.body_excerpt) == (200, "here"), result.error


async def test_failures_release_their_slots() -> None:
    async with make_probe_client(1, pool_timeout_seconds=0.2) as client:
        for _ in range(3):
            result = await probe(client, ProbeSpec(f"http://127.0.0.1:{closed_port()}/"))
            assert result.failure is FailureKind.REFUSED, result.error


async def test_a_deadline_releases_the_slot() -> None:
    async with make_probe_client(1, pool_timeout_seconds=0.2) as client, serve(never_answer) as s:
        first = await probe(client, ProbeSpec(s.url(), timeout_seconds=0.2))
        second = await probe(client, ProbeSpec(s.url(), timeout_seconds=0.2))
    assert first.failure is second.failure is FailureKind.DEADLINE


async def test_unsupported_scheme_is_other() -> None:
    async with make_probe_client() as client:
        result = await probe(client, ProbeSpec("ftp://127.0.0.1/"))
    assert result.failure is FailureKind.OTHER
    assert "UnsupportedProtocol" in (result.error or "")


async def test_tls_with_a_trusted_certificate_answers() -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    client = ProbeClient(ProbeTransport(2, ssl_context=client_ctx))
    async with client, serve(respond(200, b"aman"), ssl_context=server_ctx) as server:
        result = await probe(client, ProbeSpec(server.url("https")))
    assert (result.status_code, result.body_excerpt) == (200, "aman"), result.error


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")
async def test_ipv6_literal_hosts() -> None:
    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(on_connect, "::1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with make_probe_client() as client:
            result = await probe(client, ProbeSpec(f"http://[::1]:{port}/"))
    finally:
        server.close()
        await server.wait_closed()
    assert result.status_code == 204, result.error


async def test_the_transport_serves_plain_httpx_requests() -> None:
    async with (
        serve(respond(200, b"x" * 10)) as server,
        httpx.AsyncClient(transport=ProbeTransport(2)) as client,
    ):
        response = await client.get(server.url())
    assert (response.status_code, response.content) == (200, b"x" * 10)


def _answer(raw: bytes, *, then_close: bool = True) -> Any:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
        await read_request(reader)
        writer.write(raw)
        await writer.drain()
        if then_close:
            writer.close()

    return handler


@pytest.mark.parametrize(
    "raw",
    [
        b"",  # closed before any answer
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  # body cut short
        b"NOT HTTP AT ALL\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\nread to the close",
        b"HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + b"x" * 70000,  # past the bound
        b"HTTP/1.1 200 OK\r\ncontent-length:  007 \r\nX-Empty:\r\nX-B: a  b\r\n\r\n1234567",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",  # bare LF line ends
        b"HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"HTTP/1.1 200 \xe9t\xe9\r\nContent-Length: 2\r\nX-Latin: caf\xe9\r\n\r\nok",
    ],
)
async def test_the_direct_path_reads_answers_as_the_httpx_path_does(raw: bytes) -> None:
    """`fetch` runs h11 without httpcore's connection: the same bytes give the same result,
    malformed ones the same failure and message."""
    async with make_probe_client() as client, serve(_answer(raw)) as server:
        direct = await probe(client, ProbeSpec(server.url()))
        followed = await probe(client, ProbeSpec(server.url(), follow_redirects=True))
    assert (direct.failure, direct.error) == (followed.failure, followed.error)
    assert (direct.status_code, direct.headers) == (followed.status_code, followed.headers)
    assert direct.body_excerpt == followed.body_excerpt


def test_the_target_cache_holds_a_hundred_thousand_services() -> None:
    # Cycled through once an interval, a smaller cache would miss on every probe.
    maxsize = target.cache_info().maxsize
    assert maxsize is not None and maxsize >= 100_000


def _in_pieces(*pieces: bytes) -> Any:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
        await read_request(reader)
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.05)
        writer.close()

    return handler


@pytest.mark.parametrize(
    "pieces",
    [
        (b"HTTP/1.1 200 OK\r\nContent-Le", b"ngth: 4\r\n\r\nfull"),  # the head split
        (b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nhalf", b"more"),  # the body split
        (b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nhalf",),  # then closed, cut short
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_answers_in_pieces_read_the_same_on_both_paths(
    pieces: tuple[bytes, ...], method: str
) -> None:
    async with make_probe_client() as client, serve(_in_pieces(*pieces)) as server:
        direct = await probe(client, ProbeSpec(server.url(), method=method))
        followed = await probe(
            client, ProbeSpec(server.url(), method=method, follow_redirects=True)
        )
    assert (direct.failure, direct.error) == (followed.failure, followed.error)
    assert (direct.status_code, direct.headers) == (followed.status_code, followed.headers)
    assert direct.body_excerpt == followed.body_excerpt


async def test_a_plain_answer_is_read_without_h11s_state_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_connection(*_: Any, **__: Any) -> None:
        raise AssertionError("the plain answer went through h11.Connection")

    monkeypatch.setattr("app.checks.exchange.h11.Connection", no_connection)
    answer = _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok")
    async with make_probe_client() as client, serve(answer) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert (result.status_code, result.body_excerpt, result.headers["x-a"]) == (200, "ok", "1")


def test_request_heads_are_h11s_bytes_kept_per_request() -> None:
    request = (
        "GET",
        b"/r/73.73?x=1",
        ((b"Host", b"siak.test"), (b"User-Agent", USER_AGENT.encode())),
    )
    connection = h11.Connection(our_role=h11.CLIENT)
    sent = connection.send(request_event(request))
    assert request_head(request) == sent
    assert request_head(request) is request_head(request)
    assert sent.startswith(b"GET /r/73.73?x=1 HTTP/1.1\r\nHost: siak.test\r\n")


def test_an_invalid_request_is_refused_each_time() -> None:
    request = ("GET", b"/", ((b"Host", b"siak.test"), (b"X-Bad", b"a\r\nInjected: 1")))
    for _ in range(2):  # a refusal is not kept as an answer
        with pytest.raises(httpcore.LocalProtocolError):
            request_head(request)


async def test_a_step_with_a_timeout_is_bounded_and_one_without_waits_for_its_deadline() -> None:
    """The direct path gives connect, write and read no timer of their own (the probe's
    deadline, started first and as long, ends the probe before any could); the httpx path
    still bounds each step."""
    async with serve(never_answer) as server:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=None)
        try:
            await stream.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=None)
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(1024, timeout=0.05)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):  # what a probe's deadline does
                    await stream.read(1024, timeout=None)
        finally:
            await stream.aclose()


async def test_a_direct_probe_of_a_silent_server_ends_at_its_deadline() -> None:
    async with make_probe_client(1) as client, serve(never_answer) as server:
        started = asyncio.get_running_loop().time()
        result = await probe(client, ProbeSpec(server.url(), timeout_seconds=0.3))
        took = asyncio.get_running_loop().time() - started
    assert result.failure is FailureKind.DEADLINE
    assert 0.25 <= took < 2.0, took
