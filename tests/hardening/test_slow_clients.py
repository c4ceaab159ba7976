"""Slow clients against the real `pantau serve`: 200 connections that declare a 1 MiB body
and then stall cannot grow the process's memory, and the server cuts every one of them
within its deadlines; a request whose headers never end is cut too, and past
PANTAU_MAX_CONNECTIONS new requests get 503. Everything on 127.0.0.1."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support.harness import PantauProcess
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

BODY_DEADLINE = 2.0
HEADER_DEADLINE = 1.5
MIB = 1024 * 1024
MEMORY_BOUND_MIB = 50
PUSHED = MIB - 4096  # what a pushing client sends before it stalls
ANSWER_MARGIN = 2.0  # seconds, for a loaded two-core machine


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int | None  # None: the connection was cut before an answer could be read
    seconds: float  # from the last byte sent to the server's close


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def enough_file_descriptors(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def request_head(token: str | None) -> bytes:
    lines = [
        "POST /api/v1/services HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {MIB}",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def stalling_client(port: int, token: str | None, pushed: int) -> Outcome:
    """Sends the headers and `pushed` bytes of the body, then waits for the server's close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request_head(token) + b'{"region_code": "73.' + b" " * pushed)
        await writer.drain()
    except ConnectionError:
        pass  # refused mid-push: the server stopped reading, as it should
    sent = time.monotonic()
    try:
        async with asyncio.timeout(BODY_DEADLINE + ANSWER_MARGIN + 3):
            answer = await reader.read()  # until the server closes
    except ConnectionError:
        answer = b""
    finally:
        writer.close()
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return Outcome(status, time.monotonic() - sent)


async def test_200_stalled_bodies_hold_no_memory_and_are_cut_in_time(
    start_pantau: Callable[..., PantauProcess],
) -> None:
    enough_file_descriptors(1024)
    pantau = start_pantau(run_checker="false", body_timeout_seconds=str(BODY_DEADLINE))
    await pantau.start()
    assert pantau.process is not None
    async with pantau.client() as client:  # warm every path the attack will take
        await client.post("/api/v1/services", content=b"{}", headers={"Content-Type": "x/y"})
        await client.post("/api/v1/services", json={}, headers={"Authorization": ""})
    baseline = rss_mib(pantau.process.pid)

    port = pantau.port
    groups = {
        # (token, bytes pushed before stalling): the answer, and how soon the server closes
        "no token, pushing 1 MiB": (None, PUSHED, 100),
        "no token, dribbling": (None, 16, 50),
        "wrong token, dribbling": ("wrong-token", 16, 25),
        "admin token, dribbling": (ADMIN_TOKEN, 16, 25),
    }
    peak = baseline
    tasks = {
        name: [asyncio.create_task(stalling_client(port, token, pushed)) for _ in range(count)]
        for name, (token, pushed, count) in groups.items()
    }
    every = [task for group in tasks.values() for task in group]
    assert len(every) == 200
    while not all(task.done() for task in every):
        peak = max(peak, rss_mib(pantau.process.pid))
        await asyncio.sleep(0.05)
    outcomes = {name: [task.result() for task in group] for name, group in tasks.items()}

    assert peak - baseline < MEMORY_BOUND_MIB, (baseline, peak)
    # Without a token the answer comes at once: the body was never waited for.
    for outcome in outcomes["no token, dribbling"]:
        assert outcome == Outcome(401, outcome.seconds) and outcome.seconds < ANSWER_MARGIN
    for outcome in outcomes["wrong token, dribbling"]:
        assert outcome == Outcome(403, outcome.seconds) and outcome.seconds < ANSWER_MARGIN
    for outcome in outcomes["no token, pushing 1 MiB"]:
        assert outcome.status in (401, None) and outcome.seconds < ANSWER_MARGIN
    # With one, the body had its deadline, and then the connection was closed.
    for outcome in outcomes["admin token, dribbling"]:
        assert outcome.status == 408
        assert BODY_DEADLINE - 0.5 < outcome.seconds < BODY_DEADLINE + ANSWER_MARGIN

    async with pantau.client() as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/api/v1/services")).json()["items"] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_headers_that_never_end_are_cut(
    start_pantau: Callable[..., PantauProcess],
) -> None:
    pantau = start_pantau(run_checker="false", header_timeout_seconds=str(HEADER_DEADLINE))
    await pantau.start()

    async def cut_after(sent: bytes) -> tuple[bytes, float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", pantau.port)
        writer.write(sent)
        await writer.drain()
        started = time.monotonic()
        async with asyncio.timeout(HEADER_DEADLINE + ANSWER_MARGIN + 3):
            answer = await reader.read()
        writer.close()
        return answer, time.monotonic() - started

    idle, partial = await asyncio.gather(
        cut_after(b""), cut_after(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
    )
    assert idle[0] == b""  # nothing asked, nothing answered: only closed
    assert partial[0].startswith(b"HTTP/1.1 408 ")
    for _, seconds in (idle, partial):
        assert HEADER_DEADLINE - 0.3 < seconds < HEADER_DEADLINE + ANSWER_MARGIN

    oversized, _ = await cut_after(b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 70_000)
    assert oversized.startswith(b"HTTP/1.1 431 ")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_connections_past_the_cap_are_answered_503(
    start_pantau: Callable[..., PantauProcess],
) -> None:
    cap = 5
    pantau = start_pantau(run_checker="false", max_connections=str(cap))
    await pantau.start()
    held = [await asyncio.open_connection("127.0.0.1", pantau.port) for _ in range(cap)]
    async with httpx.AsyncClient(base_url=pantau.base_url) as client:
        refused = await client.get("/healthz")
        assert refused.status_code == 503
        for _, writer in held:
            writer.close()

        async def served() -> bool:
            return (await client.get("/healthz")).status_code == 200

        await wait_for(served, within=5)
