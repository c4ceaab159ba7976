"""probe: failures become data, the deadline and the body bound hold, cancellation passes.

Cause-dependent failures are tested two ways: MockTransport raising the chains httpx builds
(respx would overwrite `__cause__`, and the probe's direct path is below the
httpcore layer respx patches), and tiny raw loopback servers that make the real stack
build them. Only 127.0.0.1 / ::1 are ever contacted; `.invalid` names are answered locally.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import socket
import ssl
import struct
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC
from typing import Any

import httpx
import pytest
import trustme

from app.checks.probe import (
    USER_AGENT,
    ProbeSpec,
    describe_error,
    failure_kind,
    make_probe_client,
    probe,
)
from app.core.classify import CheckRules, classify
from app.core.domain import FailureKind, Reason
from tests.support.servers import (
    closed_port,
    never_answer,
    read_request,
    respond,
    serve,
)

SLACK_S = 0.5  # how far past its deadline a probe may return on a loaded CI machine

# --- chained exceptions, as httpx/httpcore/anyio raise them ---------------------------------


def chain(*links: Exception) -> Exception:
    """links[0] raised from links[1] raised from links[2]..."""
    for outer, inner in itertools.pairwise(links):
        outer.__cause__ = inner
    return links[0]


def connect_error(*causes: Exception) -> Exception:
    return chain(httpx.ConnectError("x"), httpx.ConnectError("x"), *causes)


def gaierror() -> socket.gaierror:
    return socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def refused() -> ConnectionRefusedError:
    return ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed")


def all_attempts_failed(*errors: Exception) -> Exception:
    # anyio.connect_tcp tries every address and wraps the failures this way
    return chain(
        OSError("All connection attempts failed"),
        ExceptionGroup("multiple connection attempts failed", list(errors)),
    )


def raised_while_handling(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 - implicit on purpose: only __context__ links them
    except BaseException as exc:
        return exc


CHAINS: list[tuple[str, Callable[[], BaseException], FailureKind]] = [
    ("dns", lambda: connect_error(gaierror()), FailureKind.DNS),
    (
        "dns via context only",
        lambda: raised_while_handling(httpx.ConnectError("x"), gaierror()),
        FailureKind.DNS,
    ),
    ("refused", lambda: connect_error(refused()), FailureKind.REFUSED),
    (
        "refused on every address (group)",
        lambda: connect_error(
            all_attempts_failed(refused(), OSError(errno.EADDRNOTAVAIL, "no v6 here"))
        ),
        FailureKind.REFUSED,
    ),
    (
        "refused by errno only",
        lambda: connect_error(OSError(errno.ECONNREFUSED, "x")),
        FailureKind.REFUSED,
    ),
    (
        "reset while connecting",
        lambda: connect_error(ConnectionResetError(errno.ECONNRESET, "x")),
        FailureKind.REFUSED,
    ),
    (
        "net unreachable",
        lambda: connect_error(OSError(errno.ENETUNREACH, "x")),
        FailureKind.UNREACHABLE,
    ),
    (
        "host unreachable in a group",
        lambda: connect_error(all_attempts_failed(OSError(errno.EHOSTUNREACH, "x"))),
        FailureKind.UNREACHABLE,
    ),
    (
        "cert verification",
        lambda: connect_error(ssl.SSLCertVerificationError(1, "certificate verify failed")),
        FailureKind.TLS,
    ),
    ("ssl error", lambda: connect_error(ssl.SSLError(1, "wrong version number")), FailureKind.TLS),
    (
        "httpx error inside an exception group",
        lambda: ExceptionGroup("probe", [connect_error(gaierror())]),
        FailureKind.DNS,
    ),
    (
        "connect timeout",
        lambda: chain(httpx.ConnectTimeout("x"), TimeoutError()),
        FailureKind.CONNECT_TIMEOUT,
    ),
    ("read timeout", lambda: httpx.ReadTimeout("x"), FailureKind.READ_TIMEOUT),
    ("write timeout", lambda: httpx.WriteTimeout("x"), FailureKind.READ_TIMEOUT),
    ("pool timeout", lambda: httpx.PoolTimeout("x"), FailureKind.POOL_SATURATED),
    (
        "server disconnected",
        lambda: httpx.RemoteProtocolError("Server disconnected"),
        FailureKind.PROTOCOL,
    ),
    (
        "reset after connect",
        lambda: chain(httpx.ReadError("x"), ConnectionResetError(errno.ECONNRESET, "reset")),
        FailureKind.PROTOCOL,
    ),
    ("connect error, unknown cause", lambda: connect_error(OSError("weird")), FailureKind.OTHER),
    ("unsupported scheme", lambda: httpx.UnsupportedProtocol("ftp"), FailureKind.OTHER),
    ("a bug", lambda: RuntimeError("boom"), FailureKind.OTHER),
]


def raising(exc: BaseException) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(("make", "kind"), [pytest.param(m, k, id=i) for i, m, k in CHAINS])
async def test_chained_exception_maps_to_failure_kind(
    make: Callable[[], BaseException], kind: FailureKind
) -> None:
    async with raising(make()) as client:
        result = await probe(client, ProbeSpec("http://region.test/"))
    assert result.failure is kind
    assert result.status_code is None
    assert result.error
    assert len(result.error) <= 300


def test_error_names_the_outer_exception_and_the_deciding_cause() -> None:
    exc = connect_error(gaierror())
    kind, decisive = failure_kind(exc)
    assert kind is FailureKind.DNS
    assert describe_error(exc, decisive) == (
        "ConnectError: x <- gaierror: [Errno -2] Name or service not known"
    )
    assert len(describe_error(RuntimeError("y" * 1000))) == 300


def test_a_chain_with_a_cycle_terminates() -> None:
    a, b = OSError("a"), OSError("b")
    a.__context__, b.__context__ = b, a
    assert failure_kind(a) == (FailureKind.OTHER, a)


async def test_cancellation_propagates_from_the_transport() -> None:
    async with raising(asyncio.CancelledError()) as client:
        with pytest.raises(asyncio.CancelledError):
            await probe(client, ProbeSpec("http://region.test/"))


async def test_body_is_decoded_leniently() -> None:
    body = "Layanan adminduk ✓".encode() + b"\xff\xfe" + "✓".encode()[:2]
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    )
    async with client:
        result = await probe(client, ProbeSpec("http://region.test/"))
    assert result.body_excerpt.startswith("Layanan adminduk ✓")
    assert result.body_excerpt.endswith("\ufffd")


# --- plain status codes, from a loopback server ------------------------------------------------


async def test_status_answer_headers_and_user_agent() -> None:
    seen: list[bytes] = []
    body = b"Sedang pemeliharaan"

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 600\r\nX-Region: 73.73\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()

    async with make_probe_client() as client, serve(record) as server:
        result = await probe(client, ProbeSpec(server.url() + "health"))
    assert result.failure is None
    assert result.status_code == 503
    assert result.headers["retry-after"] == "600"
    assert result.headers["x-region"] == "73.73"
    assert result.body_excerpt == "Sedang pemeliharaan"
    assert f"user-agent: {USER_AGENT}".lower().encode() in seen[0].lower().split(b"\r\n")
    assert classify(result, CheckRules()).reason is Reason.MAINTENANCE_ANNOUNCED


@pytest.mark.parametrize(
    ("status", "reason"),
    [(200, Reason.OK), (404, Reason.UPSTREAM_UNEXPECTED), (502, Reason.UPSTREAM_ERROR)],
)
async def test_status_codes_end_to_end(status: int, reason: Reason) -> None:
    async with make_probe_client() as client, serve(respond(status)) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert result.status_code == status
    assert classify(result, CheckRules()).reason is reason


# --- raw loopback servers ----------------------------------------------------------------------


async def slow_drip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
) -> None:
    # Every byte arrives well inside httpx's per-read timeout; only a deadline ends this.
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not stop.is_set():
        writer.write(b".")
        await writer.drain()
        await asyncio.sleep(0.05)


async def endless_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stop: asyncio.Event
) -> None:
    # 100 KB now, then the rest never comes: reading past the bound would hang the probe.
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"a" * 100_000)
    await writer.drain()
    await stop.wait()


async def hang_up(reader: asyncio.StreamReader, _: asyncio.StreamWriter, __: Any) -> None:
    await read_request(reader)  # then closed without a word


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: Any) -> None:
    await read_request(reader)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    writer.transport.abort()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_probe_client() as c:
        yield c


async def test_answer_from_a_real_server(client: httpx.AsyncClient) -> None:
    async with serve(respond(200, b"SIAK OK", "X-Upstream: siak\r\n")) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert (result.status_code, result.body_excerpt, result.failure) == (200, "SIAK OK", None)
    assert result.headers["x-upstream"] == "siak"
    assert result.started_at.tzinfo is UTC
    assert 0 < result.latency_ms < 1000


async def test_keep_alive_is_off_so_every_probe_connects(client: httpx.AsyncClient) -> None:
    async with serve(respond(200)) as server:
        for _ in range(3):
            assert (await probe(client, ProbeSpec(server.url()))).status_code == 200
    assert server.connections == 3


async def test_redirects_are_reported_not_followed(client: httpx.AsyncClient) -> None:
    async with serve(respond(302, headers="Location: /elsewhere\r\n")) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert result.status_code == 302
    assert result.headers["location"] == "/elsewhere"


async def test_closed_port_is_refused(client: httpx.AsyncClient) -> None:
    result = await probe(client, ProbeSpec(f"http://127.0.0.1:{closed_port()}/"))
    assert result.failure is FailureKind.REFUSED
    assert classify(result, CheckRules()).reason is Reason.NETWORK_REFUSED


@pytest.fixture
def local_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve `*.invalid` locally as NXDOMAIN (RFC 6761) and `dual.test` to ::1 + 127.0.0.1.

    Here the system resolver forwards `.invalid` to an off-machine name server, so the real
    lookup is replaced; the failure still travels the real anyio → httpcore → httpx chain.
    """
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if name == "dual.test":
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.usefixtures("local_dns")
async def test_unknown_host_is_dns(client: httpx.AsyncClient) -> None:
    result = await probe(client, ProbeSpec("http://pantau-sim.invalid/", timeout_seconds=2))
    assert result.failure is FailureKind.DNS, result.error
    assert "gaierror" in (result.error or "")
    assert classify(result, CheckRules()).reason is Reason.NETWORK_DNS


@pytest.mark.usefixtures("local_dns")
async def test_every_address_refused_arrives_as_a_group(client: httpx.AsyncClient) -> None:
    result = await probe(client, ProbeSpec(f"http://dual.test:{closed_port()}/"))
    assert result.failure is FailureKind.REFUSED, result.error


async def test_self_signed_certificate_is_tls(client: httpx.AsyncClient) -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    async with serve(respond(200), ssl_context=server_ctx) as server:
        result = await probe(client, ProbeSpec(server.url("https")))
    assert result.failure is FailureKind.TLS, result.error
    assert "SSLCertVerificationError" in (result.error or "")
    assert classify(result, CheckRules()).reason is Reason.NETWORK_TLS


async def test_plain_http_on_an_https_url_is_tls(client: httpx.AsyncClient) -> None:
    async def blurt(_: asyncio.StreamReader, writer: asyncio.StreamWriter, __: Any) -> None:
        # answers in plain HTTP without waiting for a request: the ClientHello gets HTTP back
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with serve(blurt) as server:
        result = await probe(client, ProbeSpec(server.url("https"), timeout_seconds=2))
    assert result.failure is FailureKind.TLS, result.error


async def test_a_silent_server_is_cut_off_by_the_deadline(client: httpx.AsyncClient) -> None:
    async with serve(never_answer) as server:
        started = time.perf_counter()
        result = await probe(client, ProbeSpec(server.url(), timeout_seconds=0.4))
        elapsed = time.perf_counter() - started
    # the overall deadline and httpx's read timeout expire together; either is a timeout
    assert result.failure in (FailureKind.DEADLINE, FailureKind.READ_TIMEOUT)
    assert 0.4 <= elapsed < 0.4 + SLACK_S
    assert classify(result, CheckRules()).reason is Reason.NETWORK_TIMEOUT


async def test_a_slow_drip_body_cannot_hold_the_probe(client: httpx.AsyncClient) -> None:
    async with serve(slow_drip) as server:
        started = time.perf_counter()
        result = await probe(client, ProbeSpec(server.url(), timeout_seconds=0.4))
        elapsed = time.perf_counter() - started
    assert result.failure is FailureKind.DEADLINE
    assert elapsed < 0.4 + SLACK_S
    assert result.latency_ms >= 400
    assert classify(result, CheckRules()).reason is Reason.NETWORK_TIMEOUT


async def test_only_max_body_bytes_are_read(client: httpx.AsyncClient) -> None:
    async with serve(endless_body) as server:
        result = await probe(
            client, ProbeSpec(server.url(), timeout_seconds=2, max_body_bytes=1000)
        )
    assert result.failure is None, result.error
    assert result.body_excerpt == "a" * 1000
    assert result.latency_ms < 1000  # it stopped, rather than waiting for the rest


async def test_a_large_body_is_cut_at_the_default_bound(client: httpx.AsyncClient) -> None:
    async with serve(respond(200, b"b" * 1_000_000)) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert len(result.body_excerpt) == 65536


async def test_a_server_that_hangs_up_is_a_protocol_failure(client: httpx.AsyncClient) -> None:
    async with serve(hang_up) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert result.failure is FailureKind.PROTOCOL, result.error
    assert classify(result, CheckRules()).reason is Reason.NETWORK_REFUSED


async def test_a_reset_after_connect_is_a_protocol_failure(client: httpx.AsyncClient) -> None:
    async with serve(reset) as server:
        result = await probe(client, ProbeSpec(server.url()))
    assert result.failure is FailureKind.PROTOCOL, result.error
    assert "ConnectionResetError" in (result.error or "")


async def test_a_full_pool_is_the_monitors_own_saturation() -> None:
    async with (
        make_probe_client(max_connections=1, pool_timeout_seconds=0.05) as client,
        serve(never_answer) as server,
    ):
        holder = asyncio.create_task(probe(client, ProbeSpec(server.url(), timeout_seconds=5)))
        await asyncio.wait_for(server.accepted.wait(), 2)
        result = await probe(client, ProbeSpec(server.url(), timeout_seconds=5))
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
    assert result.failure is FailureKind.POOL_SATURATED
    assert result.latency_ms < 1000
    assert classify(result, CheckRules()).reason is Reason.PROBE_UNHEALTHY


async def test_cancelling_a_probe_cancels_it(client: httpx.AsyncClient) -> None:
    async with serve(never_answer) as server:
        task = asyncio.create_task(probe(client, ProbeSpec(server.url(), timeout_seconds=5)))
        await asyncio.wait_for(server.accepted.wait(), 2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
