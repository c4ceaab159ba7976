"""Hostile endpoints against the real service: the checker probes every kind of misbehaving
endpoint once a second; each probe ends within its deadline, every service keeps its
rhythm, and the process's resident memory stays flat."""

from __future__ import annotations

import asyncio
import signal
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
from sqlmodel import col, select

from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.probes import ProbeSample
from tests.factories import create_service
from tests.support.harness import PantauProcess, region_codes

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
TIMEOUT_S = 0.8
SLACK_S = 0.5
WARM_UP_S = 2.5
RUN_S = 4.0
MODES = [
    Behaviour(Mode.HANG),
    Behaviour(Mode.SLOW_DRIP, delay_ms=50),
    Behaviour(Mode.ENDLESS_BODY),
    Behaviour(Mode.BODY_100MB),
    Behaviour(Mode.HUGE_BODY),
    Behaviour(Mode.INVALID_HTTP),
    Behaviour(Mode.HUGE_HEADERS),
    Behaviour(Mode.REDIRECT_LOOP),
    Behaviour(Mode.RESET),
]
# Resident memory may wobble with the allocator, never grow by anything like a body's size.
RSS_GROWTH_LIMIT = 24 * 1024 * 1024


@pytest.fixture
async def bad_tls_simulator() -> AsyncIterator[Simulator]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_context)
    async with Simulator(ssl_context=server_context) as sim:
        yield sim


@pytest.fixture
async def pantau(database_url: str, tmp_path: Path) -> AsyncIterator[PantauProcess]:
    process = PantauProcess(
        database_url,
        tmp_path / "pantau.log",
        wave_national_min_regions="1000",
        wave_group_min_regions="1000",
    )
    yield process
    await process.stop(signal.SIGKILL)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/<pid>/status")


async def sample_rss(pid: int, seconds: float) -> list[int]:
    samples = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        samples.append(rss_bytes(pid))
        await asyncio.sleep(0.05)
    return samples


async def test_hostile_endpoints_cannot_stall_or_bloat_the_checker(
    simulator: Simulator,
    bad_tls_simulator: Simulator,
    pantau: PantauProcess,
    database: Database,
) -> None:
    codes = region_codes(len(MODES), skip=400)
    urls = {code: simulator.url_for(code) for code in codes}
    for code, behaviour in zip(codes, MODES, strict=True):
        simulator.set(code, behaviour)
    tls_code = region_codes(1, skip=420)[0]
    urls[tls_code] = bad_tls_simulator.url_for(tls_code)
    await pantau.start()
    assert pantau.process is not None
    async with pantau.client() as client:
        for code, url in urls.items():
            follow = simulator.behaviour(code).mode is Mode.REDIRECT_LOOP
            await create_service(client, code, url, follow_redirects=follow)
    started = time.time()

    warm = await sample_rss(pantau.process.pid, WARM_UP_S)
    during = await sample_rss(pantau.process.pid, RUN_S)
    growth = max(during) - max(warm)
    assert growth < RSS_GROWTH_LIMIT, f"RSS grew by {growth / 1e6:.1f} MB"

    async with database.read() as session:
        samples = (await session.exec(select(ProbeSample).order_by(col(ProbeSample.at)))).all()
    per_service: dict[int, list[ProbeSample]] = {}
    for sample in samples:
        per_service.setdefault(sample.service_id, []).append(sample)
    assert len(per_service) == len(urls)
    slowest = max(s.latency_ms for s in samples)
    assert slowest <= (TIMEOUT_S + SLACK_S) * 1000, slowest
    # One probe a second each: nobody was held up by the others for long.
    elapsed = time.time() - started
    assert min(len(v) for v in per_service.values()) >= elapsed - 3, per_service
