"""The endpoint simulator, observed the way Pantau observes endpoints: through a real httpx
client on loopback. If these fail, end-to-end tests of the monitor would test the simulator.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from app.simulator import (
    HEALTHY,
    Behaviour,
    Mode,
    Simulator,
    closed_port_url,
)
from app.simulator.behaviours import MAINTENANCE_TEXT, POLICY_MARKER_TEXT
from app.simulator.hostile import DRIP_CONTENT_LENGTH, HUGE_BODY_BYTES

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator() as simulator:
        yield simulator


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield http


async def raw_exchange(sim: Simulator, data: bytes, *, read_until_eof: bool = True) -> bytes:
    """Send raw bytes and collect what comes back, for what httpx would never send."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(3):
            if read_until_eof:
                return await reader.read(-1)
            return await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()


async def until(condition: Callable[[], bool]) -> None:
    """Poll a condition the simulator cannot signal (it counts hits, it does not notify)."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def causes(exc: BaseException) -> list[type[BaseException]]:
    """Every exception type in the chain, as Pantau's classifier will look for them."""
    seen: list[type[BaseException]] = []
    chain: BaseException | None = exc
    while chain is not None and len(seen) < 20:
        seen.append(type(chain))
        chain = chain.__cause__ or chain.__context__
    return seen


# -- answering modes ------------------------------------------------------------------------


async def test_healthy_by_default(sim: Simulator, client: httpx.AsyncClient) -> None:
    response = await client.get(sim.url_for("73.73"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "service": "siak", "region": "73.73"}


async def test_head_gets_headers_only(sim: Simulator, client: httpx.AsyncClient) -> None:
    response = await client.head(sim.url_for("73"))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""
    # The connection is still usable afterwards: HEAD framing did not leave stray bytes.
    assert (await client.get(sim.url_for("73"))).json()["region"] == "73"


async def test_slow_waits_then_answers(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.SLOW, delay_ms=300))
    started = time.monotonic()
    response = await client.get(sim.url_for("73.73"))
    assert time.monotonic() - started >= 0.29
    assert response.json()["status"] == "ok"
    with pytest.raises(httpx.ReadTimeout):
        await client.get(sim.url_for("73.73"), timeout=0.1)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_error_statuses(sim: Simulator, client: httpx.AsyncClient, status: int) -> None:
    sim.set("73.73", Behaviour(Mode.ERROR, status=status))
    response = await client.get(sim.url_for("73.73"))
    assert response.status_code == status
    assert response.text
    assert "retry-after" not in response.headers


async def test_error_defaults_to_500_and_can_carry_retry_after(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("1", Behaviour(Mode.ERROR))
    sim.set("2", Behaviour(Mode.ERROR, status=503, retry_after=30))
    assert (await client.get(sim.url_for("1"))).status_code == 500
    response = await client.get(sim.url_for("2"))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


async def test_maintenance(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.MAINTENANCE))
    response = await client.get(sim.url_for("73.73"))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "600"
    assert MAINTENANCE_TEXT in response.text
    assert "pemeliharaan" in response.text


async def test_policy_marker(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.POLICY_MARKER))
    response = await client.get(sim.url_for("73.73"))
    assert response.status_code == 403
    assert response.text == POLICY_MARKER_TEXT
    assert "dicabut" in response.text
    assert "hak akses" in response.text.lower()


async def test_legal(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.LEGAL))
    response = await client.get(sim.url_for("73.73"))
    assert response.status_code == 451
    assert response.reason_phrase == "Unavailable For Legal Reasons"


async def test_wrong_content(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.WRONG_CONTENT))
    response = await client.get(sim.url_for("73.73"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<html>Halaman tidak ditemukan</html>"


async def test_overrides_apply_to_answering_modes(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73.73", Behaviour(Mode.POLICY_MARKER, status=200, body="Akun diblokir"))
    response = await client.get(sim.url_for("73.73"))
    assert (response.status_code, response.text) == (200, "Akun diblokir")


async def test_behaviour_is_per_region(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.LEGAL))
    assert (await client.get(sim.url_for("73.72"))).status_code == 200
    assert (await client.get(sim.url_for("73.73"))).status_code == 451


# -- hostile modes --------------------------------------------------------------------------


async def test_hang_never_answers(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.HANG))
    with pytest.raises(httpx.ReadTimeout):
        await client.get(sim.url_for("73.73"), timeout=0.3)
    assert sim.hits("73.73") == 1


async def test_slow_drip_defeats_read_timeout_but_not_a_deadline(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73.73", Behaviour(Mode.SLOW_DRIP, delay_ms=50))
    received = 0
    # A per-read timeout never fires (a byte arrives every 50 ms); only a deadline stops it.
    with pytest.raises(TimeoutError):
        async with (
            asyncio.timeout(0.6),
            client.stream("GET", sim.url_for("73.73"), timeout=0.5) as response,
        ):
            assert response.status_code == 200
            assert int(response.headers["content-length"]) == DRIP_CONTENT_LENGTH
            async for chunk in response.aiter_raw():
                received += len(chunk)
    assert 2 <= received <= 20


async def test_slow_drip_trips_a_short_read_timeout(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73.73", Behaviour(Mode.SLOW_DRIP))  # default: a byte every 500 ms
    with pytest.raises(httpx.ReadTimeout):
        await client.get(sim.url_for("73.73"), timeout=0.2)


async def test_reset_sends_rst(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.RESET))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)) as excinfo:
        await client.get(sim.url_for("73.73"))
    # A RST, not a polite FIN: the OS reports a reset connection.
    assert ConnectionResetError in causes(excinfo.value)
    assert sim.hits("73.73") == 1


async def test_delay_applies_to_hostile_modes_too(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73.73", Behaviour(Mode.RESET, delay_ms=200))
    started = time.monotonic()
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        await client.get(sim.url_for("73.73"))
    assert time.monotonic() - started >= 0.19


async def test_huge_body_streams_and_can_be_abandoned(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73.73", Behaviour(Mode.HUGE_BODY))
    received = 0
    async with client.stream("GET", sim.url_for("73.73")) as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == HUGE_BODY_BYTES
        async for chunk in response.aiter_raw():
            if received == 0:
                assert chunk.startswith(b'{"status":"ok"')
            received += len(chunk)
            if received >= 1_000_000:
                break
    assert received >= 1_000_000
    # Abandoning the body must not wedge the server.
    sim.clear("73.73")
    assert (await client.get(sim.url_for("73.73"))).status_code == 200


async def test_huge_body_is_complete_and_parseable(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73.73", Behaviour(Mode.HUGE_BODY))
    response = await client.get(sim.url_for("73.73"), timeout=30)
    assert len(response.content) == HUGE_BODY_BYTES
    assert response.json()["status"] == "ok"


async def test_invalid_http(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.set("73.73", Behaviour(Mode.INVALID_HTTP))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(sim.url_for("73.73"))


async def test_stop_is_prompt_with_hostile_clients_connected(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    sim = await Simulator().start()
    sim.set("hang", Behaviour(Mode.HANG))
    sim.set("drip", Behaviour(Mode.SLOW_DRIP, delay_ms=100))
    sim.set("slow", Behaviour(Mode.SLOW, delay_ms=20_000))
    urls = [sim.url_for(code) for code in ("hang", "drip", "slow") for _ in range(4)]
    probes = [asyncio.create_task(client.get(url, timeout=30)) for url in urls]
    await until(lambda: sum(sim.registry.all_hits().values()) == len(urls))
    started = time.monotonic()
    await sim.stop()
    assert time.monotonic() - started < 0.5
    results = await asyncio.wait_for(asyncio.gather(*probes, return_exceptions=True), 2)
    assert all(isinstance(r, httpx.TransportError) for r in results), results
    with pytest.raises(httpx.ConnectError):
        await client.get(urls[0])
    await sim.stop()  # idempotent
    await asyncio.sleep(0.05)
    # Cancelled connection tasks must end quietly (Python 3.11 streams would log tracebacks).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- HTTP/1.1 handling ----------------------------------------------------------------------


async def test_keep_alive_serves_several_requests_on_one_connection(sim: Simulator) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    try:
        for code in ("11", "12", "13"):
            writer.write(f"GET /r/{code} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            assert b"Connection: keep-alive" in head
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            assert json.loads(await reader.readexactly(length))["region"] == code
    finally:
        writer.close()


async def test_pipelined_requests_are_answered_in_order(sim: Simulator) -> None:
    requests = b"".join(f"GET /r/{c} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for c in "123")
    data = await raw_exchange(sim, requests + b"GET /r/4 HTTP/1.1\r\nConnection: close\r\n\r\n")
    regions = [part.split(b'"}')[0] for part in data.split(b'"region":"')[1:]]
    assert regions == [b"1", b"2", b"3", b"4"]


async def test_connection_close_is_honoured(sim: Simulator) -> None:
    data = await raw_exchange(sim, b"GET /r/73 HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close" in data  # and read(-1) returned: the server closed


async def test_http10_closes_by_default(sim: Simulator) -> None:
    data = await raw_exchange(sim, b"GET /r/73 HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close" in data


async def test_oversized_header_is_rejected(sim: Simulator) -> None:
    junk = b"X-Junk: " + b"a" * 20_000 + b"\r\n"
    data = await raw_exchange(sim, b"GET /r/73 HTTP/1.1\r\n" + junk + b"\r\n")
    assert data.startswith(b"HTTP/1.1 431 ")
    assert sim.hits("73") == 0


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET /r/73 HTTP/2.0\r\n\r\n", 505),
        (b"GET http://x/r/73 HTTP/1.1\r\n\r\n", 400),
        (b"GET /r/73 HTTP/1.1\r\nBroken header\r\n\r\n", 400),
        (b"GET /r/73 HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
        (b"PUT /r/73 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        (b"PUT /_sim/reset HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
    ],
)
async def test_malformed_requests_get_4xx_or_5xx(
    sim: Simulator, request_bytes: bytes, status: int
) -> None:
    data = await raw_exchange(sim, request_bytes)
    assert data.startswith(f"HTTP/1.1 {status} ".encode()), data[:80]


async def test_unknown_paths_and_methods(sim: Simulator, client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{sim.base_url}/")).status_code == 404
    assert (await client.get(f"{sim.base_url}/r/")).status_code == 404
    assert (await client.get(f"{sim.base_url}/r/a/b")).status_code == 404
    response = await client.post(sim.url_for("73"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert sim.hits("73") == 0


async def test_query_string_is_ignored(sim: Simulator, client: httpx.AsyncClient) -> None:
    response = await client.get(sim.url_for("73.73") + "?probe=1")
    assert response.json()["region"] == "73.73"


# -- hits ------------------------------------------------------------------------------------


async def test_hits_are_counted_per_region_with_times(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    before = time.time()
    for _ in range(3):
        await client.get(sim.url_for("73.73"))
    await client.head(sim.url_for("73.72"))
    await client.get(f"{sim.base_url}/_sim/hits")  # control calls are not probes
    assert sim.hits("73.73") == 3
    assert sim.hits("73.72") == 1
    assert sim.hits("11") == 0
    times = sim.hit_times("73.73")
    assert len(times) == 3
    assert times == sorted(times)
    assert before <= times[0] <= times[-1] <= time.time()


async def test_hit_times_are_bounded(sim: Simulator) -> None:
    for _ in range(1500):
        sim.registry.record_hit("73")
    assert sim.hits("73") == 1500
    assert len(sim.hit_times("73")) == 1000


# -- control API -----------------------------------------------------------------------------


async def test_control_put_get_delete_region(sim: Simulator, client: httpx.AsyncClient) -> None:
    base = f"{sim.base_url}/_sim"
    assert (await client.get(f"{base}/regions")).json() == {}
    body = {"mode": "error", "status": 502, "retry_after": 60, "delay_ms": 10}
    response = await client.put(f"{base}/regions/73.73", json=body)
    assert response.status_code == 200
    assert response.json()["mode"] == "error"
    assert sim.behaviour("73.73") == Behaviour(Mode.ERROR, delay_ms=10, status=502, retry_after=60)
    probe = await client.get(sim.url_for("73.73"))
    assert (probe.status_code, probe.headers["retry-after"]) == (502, "60")

    listed = (await client.get(f"{base}/regions")).json()
    assert listed == {
        "73.73": {"mode": "error", "delay_ms": 10, "status": 502, "retry_after": 60, "body": None}
    }
    assert (await client.get(f"{base}/regions/73.73")).json()["mode"] == "error"

    assert (await client.delete(f"{base}/regions/73.73")).json()["mode"] == "healthy"
    assert (await client.get(f"{base}/regions")).json() == {}
    assert (await client.get(sim.url_for("73.73"))).status_code == 200


async def test_control_put_healthy_clears_override(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    sim.set("73", Behaviour(Mode.LEGAL))
    await client.put(f"{sim.base_url}/_sim/regions/73", json={"mode": "healthy"})
    assert (await client.get(f"{sim.base_url}/_sim/regions")).json() == {}


async def test_control_bulk_put(sim: Simulator, client: httpx.AsyncClient) -> None:
    codes = [f"73.{n:02d}" for n in range(1, 25)]
    response = await client.put(
        f"{sim.base_url}/_sim/regions", json={"codes": codes, "mode": "maintenance"}
    )
    assert response.status_code == 200
    assert response.json()["updated"] == len(codes)
    assert all(sim.behaviour(code).mode is Mode.MAINTENANCE for code in codes)
    assert (await client.get(sim.url_for("73.05"))).status_code == 503


async def test_control_reset_and_hits(sim: Simulator, client: httpx.AsyncClient) -> None:
    base = f"{sim.base_url}/_sim"
    sim.set("73.73", Behaviour(Mode.LEGAL))
    await client.get(sim.url_for("73.73"))
    await client.get(sim.url_for("73.73"))
    await client.get(sim.url_for("11"))
    assert (await client.get(f"{base}/hits")).json() == {"73.73": 2, "11": 1}
    detail = (await client.get(f"{base}/hits/73.73")).json()
    assert detail["count"] == 2
    assert len(detail["times"]) == 2
    assert abs(detail["times"][-1] - time.time()) < 5
    assert (await client.get(f"{base}/hits/99")).json() == {"count": 0, "times": []}

    assert (await client.post(f"{base}/reset")).status_code == 200
    assert (await client.get(f"{base}/hits")).json() == {}
    assert (await client.get(f"{base}/regions")).json() == {}
    assert sim.hits("73.73") == 0


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("regions/73", b"", "JSON body is required"),
        ("regions/73", b"{not json", "invalid JSON"),
        ("regions/73", b"[1, 2]", "JSON object"),
        ("regions/73", b'{"delay_ms": 5}', "missing 'mode'"),
        ("regions/73", b'{"mode": "on_fire"}', "unknown mode"),
        ("regions/73", b'{"mode": "slow", "delay_ms": -1}', "delay_ms"),
        ("regions/73", b'{"mode": "slow", "delay_ms": "5"}', "delay_ms"),
        ("regions/73", b'{"mode": "error", "status": 99}', "status"),
        ("regions/73", b'{"mode": "error", "status": 204}', "status"),
        ("regions/73", b'{"mode": "error", "status": true}', "status"),
        ("regions/73", b'{"mode": "error", "retry_after": "1\\r\\nX: y"}', "retry_after"),
        ("regions/73", b'{"mode": "error", "colour": "red"}', "unknown field"),
        ("regions/73", b'{"mode": "error", "body": 5}', "body"),
        ("regions/bad%20code", b'{"mode": "error"}', "invalid region code"),
        ("regions", b'{"mode": "error"}', "'codes'"),
        ("regions", b'{"codes": [], "mode": "error"}', "'codes'"),
        ("regions", b'{"codes": ["73", "no/slash"], "mode": "error"}', "invalid region code"),
        ("regions", b'{"codes": ["73"], "mode": "nope"}', "unknown mode"),
    ],
)
async def test_control_rejects_bad_input_with_400(
    sim: Simulator, client: httpx.AsyncClient, path: str, body: bytes, fragment: str
) -> None:
    response = await client.put(f"{sim.base_url}/_sim/{path}", content=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]
    assert sim.registry.overrides() == {}  # nothing half-applied


async def test_control_unknown_endpoint_and_method(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(f"{sim.base_url}/_sim/nope")).status_code == 404
    response = await client.get(f"{sim.base_url}/_sim/reset")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert (await client.get(f"{sim.base_url}/_sim/health")).json() == {"status": "ok"}


# -- Python API ------------------------------------------------------------------------------


async def test_python_api_round_trip(sim: Simulator) -> None:
    assert sim.base_url == f"http://127.0.0.1:{sim.port}"
    assert sim.url_for("73.73") == f"{sim.base_url}/r/73.73"
    assert sim.set_many(["1", "2"], Behaviour(Mode.LEGAL)) == 2
    assert set(sim.registry.overrides()) == {"1", "2"}
    sim.clear("1")
    assert sim.behaviour("1") is HEALTHY
    sim.reset()
    assert sim.registry.overrides() == {}


def test_behaviour_validation() -> None:
    assert Behaviour("slow").mode is Mode.SLOW  # type: ignore[arg-type]
    assert Behaviour(Mode.SLOW).wait_ms == 1000
    assert Behaviour(Mode.SLOW, delay_ms=20).wait_ms == 20
    assert Behaviour(Mode.ERROR, delay_ms=20).wait_ms == 20
    assert Behaviour(Mode.SLOW_DRIP, delay_ms=20).wait_ms == 0
    assert Behaviour(Mode.SLOW_DRIP).drip_interval_ms == 500
    with pytest.raises(ValueError, match="unknown mode"):
        Behaviour("nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delay_ms"):
        Behaviour(Mode.SLOW, delay_ms=-5)
    with pytest.raises(ValueError, match="status"):
        Behaviour(Mode.ERROR, status=700)
    with pytest.raises(ValueError, match="retry_after"):
        Behaviour(Mode.ERROR, retry_after=-1)


async def test_set_rejects_bad_codes_and_types(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="invalid region code"):
        sim.set("73/73", Behaviour(Mode.LEGAL))
    with pytest.raises(TypeError):
        sim.set("73", "legal")  # type: ignore[arg-type]


async def test_start_refuses_non_loopback_and_double_start(sim: Simulator) -> None:
    with pytest.raises(RuntimeError):
        await sim.start()
    with pytest.raises(ValueError, match="loopback"):
        await Simulator().start("0.0.0.0")


async def test_localhost_binds_ipv4_loopback() -> None:
    async with await Simulator().start("localhost") as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
async def test_ipv6_loopback(client: httpx.AsyncClient) -> None:
    try:
        sim = await Simulator().start("::1")
    except OSError:
        pytest.skip("::1 not available")
    async with sim:
        assert sim.base_url.startswith("http://[::1]:")
        assert (await client.get(sim.url_for("73"))).status_code == 200


async def test_closed_port_url_refuses(client: httpx.AsyncClient) -> None:
    url = closed_port_url("/r/73")
    assert url.startswith("http://127.0.0.1:") and url.endswith("/r/73")
    with pytest.raises(httpx.ConnectError) as excinfo:
        await client.get(url)
    assert ConnectionRefusedError in causes(excinfo.value)


# -- standalone process -----------------------------------------------------------------------


@pytest.mark.slow
async def test_module_runs_standalone_and_stops_on_sigterm(client: httpx.AsyncClient) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.simulator",
        "--port",
        "0",
        "--set",
        "73.73=policy_marker",
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        assert line.startswith("pantau-sim listening on http://127.0.0.1:")
        base_url = line.rsplit(" ", 1)[1]
        assert (await client.get(f"{base_url}/r/73.73")).status_code == 403
        await client.put(f"{base_url}/_sim/regions/11", json={"mode": "hang"})
        hung = asyncio.create_task(client.get(f"{base_url}/r/11", timeout=30))
        await asyncio.sleep(0.2)
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 5) == 0
        with pytest.raises(httpx.TransportError):
            await asyncio.wait_for(hung, 2)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
