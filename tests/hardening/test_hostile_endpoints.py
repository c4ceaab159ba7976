"""Hostile endpoints against the real probe client, in process: every probe ends within its
deadline, whatever the endpoint does, and reading them costs bounded memory."""

from __future__ import annotations

import asyncio
import gc
import ssl
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import trustme

from app.checks.probe import ProbeSpec, make_probe_client, probe
from app.core.classify import CheckRules, classify
from app.core.domain import FailureKind, ProbeResult, Reason
from app.simulator import Behaviour, Mode, Simulator

DEADLINE_S = 1.0
SLACK_S = 0.5  # how far past its deadline a probe may return on a loaded 2-core machine
MAX_BODY = 65536

# mode → (follow redirects, the reason the probe must end with)
HOSTILE: dict[str, tuple[Behaviour, bool, Reason]] = {
    "hang": (Behaviour(Mode.HANG), False, Reason.NETWORK_TIMEOUT),
    "slow_drip": (Behaviour(Mode.SLOW_DRIP, delay_ms=50), False, Reason.NETWORK_TIMEOUT),
    "endless_body": (Behaviour(Mode.ENDLESS_BODY), False, Reason.OK),
    "body_100mb": (Behaviour(Mode.BODY_100MB), False, Reason.OK),
    "invalid_http": (Behaviour(Mode.INVALID_HTTP), False, Reason.NETWORK_REFUSED),
    "huge_headers": (Behaviour(Mode.HUGE_HEADERS), False, Reason.NETWORK_REFUSED),
    "redirect_loop": (Behaviour(Mode.REDIRECT_LOOP), False, Reason.UPSTREAM_UNEXPECTED),
    "redirect_loop_followed": (Behaviour(Mode.REDIRECT_LOOP), True, Reason.UPSTREAM_UNEXPECTED),
}


# What shows that the probe met the misbehaviour itself, not some other failure.
EVIDENCE: dict[str, Callable[[ProbeResult], bool]] = {
    "endless_body": lambda r: r.status_code == 200 and len(r.body_excerpt) == MAX_BODY,
    "body_100mb": lambda r: (
        r.headers["content-length"] == str(100 * 1024 * 1024) and len(r.body_excerpt) == MAX_BODY
    ),
    "invalid_http": lambda r: "illegal status line" in (r.error or ""),
    "huge_headers": lambda r: "Receive buffer too long" in (r.error or ""),  # h11's bound on a head
    "redirect_loop": lambda r: r.status_code == 302 and r.headers["location"] == "/r/redirect_loop",
    "redirect_loop_followed": lambda r: "TooManyRedirects" in (r.error or ""),
}


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator() as sim:
        for code, (behaviour, _, _) in HOSTILE.items():
            sim.set(code, behaviour)
        yield sim


@pytest.fixture
async def bad_tls_simulator() -> AsyncIterator[Simulator]:
    """HTTPS with a certificate from a CA nobody trusts (the probe uses the system store)."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_context)
    async with Simulator(ssl_context=server_context) as sim:
        yield sim


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_probe_client(50) as c:
        yield c


async def timed_probe(client: httpx.AsyncClient, spec: ProbeSpec) -> tuple[ProbeResult, float]:
    started = time.perf_counter()
    result = await probe(client, spec)
    return result, time.perf_counter() - started


def spec_for(url: str, follow: bool = False) -> ProbeSpec:
    return ProbeSpec(url, timeout_seconds=DEADLINE_S, follow_redirects=follow)


@pytest.mark.parametrize("code", list(HOSTILE))
async def test_each_hostile_probe_ends_within_its_deadline(
    simulator: Simulator, client: httpx.AsyncClient, code: str
) -> None:
    _, follow, reason = HOSTILE[code]
    result, elapsed = await timed_probe(client, spec_for(simulator.url_for(code), follow))
    assert elapsed < DEADLINE_S + SLACK_S, (code, elapsed, result.error)
    assert result.latency_ms <= (DEADLINE_S + SLACK_S) * 1000
    assert len(result.body_excerpt.encode()) <= MAX_BODY
    assert classify(result, CheckRules()).reason is reason, result
    assert EVIDENCE.get(code, lambda _: True)(result), result


async def test_a_bad_certificate_is_tls_within_the_deadline(
    bad_tls_simulator: Simulator, client: httpx.AsyncClient
) -> None:
    url = bad_tls_simulator.url_for("73.73")
    assert url.startswith("https://")
    result, elapsed = await timed_probe(client, spec_for(url))
    assert result.failure is FailureKind.TLS, result.error
    assert elapsed < DEADLINE_S + SLACK_S
    assert classify(result, CheckRules()).reason is Reason.NETWORK_TLS


async def test_a_followed_redirect_loop_gives_up_on_its_own(
    simulator: Simulator, client: httpx.AsyncClient
) -> None:
    # A generous deadline: the redirect limit, not the deadline, must stop the loop.
    spec = ProbeSpec(simulator.url_for("redirect_loop"), timeout_seconds=10, follow_redirects=True)
    result, elapsed = await timed_probe(client, spec)
    assert result.failure is FailureKind.OTHER
    assert "TooManyRedirects" in (result.error or "")
    assert elapsed < 2.0


async def test_memory_stays_bounded_over_many_hostile_probes(
    simulator: Simulator, bad_tls_simulator: Simulator, client: httpx.AsyncClient
) -> None:
    """Rounds of every hostile probe at once, traced: neither the 100 MB body, the endless
    one nor 8 MB of headers may be buffered, and nothing may pile up between rounds."""
    specs = [spec_for(simulator.url_for(code), HOSTILE[code][1]) for code in HOSTILE]
    specs.append(spec_for(bad_tls_simulator.url_for("73.73")))
    await asyncio.gather(*(probe(client, s) for s in specs))  # warm-up: imports, caches
    gc.collect()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        for _ in range(3):
            results = await asyncio.gather(*(probe(client, s) for s in specs))
            assert all(r.latency_ms <= (DEADLINE_S + SLACK_S) * 1000 for r in results)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Nine probes in flight at once, each reading at most 64 KiB of body and 100 KiB of head
    # (plus the simulator writing in 64 KiB chunks): a few MB at most, never the 100 MB.
    assert peak - baseline < 16 * 1024 * 1024, f"peak grew by {(peak - baseline) / 1e6:.1f} MB"
    assert current - baseline < 2 * 1024 * 1024, f"kept {(current - baseline) / 1e6:.1f} MB"
