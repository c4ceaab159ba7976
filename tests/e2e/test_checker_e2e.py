"""The real service under uvicorn probing the real simulator: behaviours become transitions
with the right reason, within interval × threshold plus slack."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.domain import Reason, State
from app.simulator import Behaviour, Mode, Simulator, closed_port_url
from app.store.db import Database
from tests.factories import create_service
from tests.support.harness import PantauProcess, region_codes, service_row, transitions_of
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
# interval 1 s × failure threshold 2, plus the first slot's jitter, a tick and a timeout.
SLACK = 2 * 1 + 1 + 0.8 + 2.5

FAILURES = {
    "73.71": (Behaviour(Mode.HANG), Reason.NETWORK_TIMEOUT),
    "73.72": (Behaviour(Mode.ERROR, status=502), Reason.UPSTREAM_ERROR),
    "73.73": (Behaviour(Mode.POLICY_MARKER), Reason.POLICY_SUSPECTED),
    "73.01": (Behaviour(Mode.LEGAL), Reason.POLICY_CUTOFF),
    "73.02": (Behaviour(Mode.MAINTENANCE), Reason.MAINTENANCE_ANNOUNCED),
    "73.03": (Behaviour(Mode.SLOW, delay_ms=400), Reason.PERFORMANCE_SLOW),
    "73.04": (Behaviour(Mode.RESET), Reason.NETWORK_REFUSED),
    "73.05": (Behaviour(Mode.WRONG_CONTENT), Reason.UPSTREAM_UNEXPECTED),
    "73.06": (Behaviour(Mode.SLOW_DRIP, delay_ms=200), Reason.NETWORK_TIMEOUT),
}


async def latest(database: Database, service_id: int) -> tuple[State, Reason] | None:
    found = await transitions_of(database, service_id)
    return (found[-1].to_state, found[-1].reason) if found else None


@BOTH
async def test_each_behaviour_yields_its_reason_then_recovers(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
) -> None:
    # Nine regions failing at once, each its own way: no shared signature, no wave; each
    # keeps its own cause.
    pantau = start_pantau()
    await pantau.start()
    async with pantau.client() as client:
        ids = {}
        for code in FAILURES:
            extra = {"degraded_latency_ms": 200, "body_contains": '"ok"'}
            ids[code] = await create_service(client, code, simulator.url_for(code), **extra)
        for code in FAILURES:
            await wait_for(partial(latest, database, ids[code]), within=SLACK)
        assert {c: (await latest(database, ids[c])) for c in FAILURES} == {
            c: (State.OPERATIONAL, Reason.OK) for c in FAILURES
        }

        for code, (behaviour, _) in FAILURES.items():
            simulator.set(code, behaviour)
        expected = {c: (reason.state, reason) for c, (_, reason) in FAILURES.items()}
        await wait_for(lambda: _all_are(database, ids, expected), within=SLACK)

        simulator.reset()
        healthy = dict.fromkeys(FAILURES, (State.OPERATIONAL, Reason.OK))
        await wait_for(lambda: _all_are(database, ids, healthy), within=SLACK)


async def _all_are(
    database: Database,
    ids: dict[str, int],
    expected: Mapping[str, tuple[State | None, Reason]],
) -> bool | dict[str, object]:
    """True, or the codes still off with what they show (for the failure message)."""
    off = {}
    for code, want in expected.items():
        seen = await latest(database, ids[code])
        if seen != want:
            off[code] = seen
    return True if not off else _Falsy(off)


class _Falsy(dict[str, object]):
    def __bool__(self) -> bool:
        return False


async def _is(database: Database, service_id: int, want: tuple[State, Reason]) -> bool:
    return await latest(database, service_id) == want


@SQLITE_ONLY
async def test_refused_port_is_network_refused(
    start_pantau: Callable[..., PantauProcess], database: Database
) -> None:
    pantau = start_pantau()
    await pantau.start()
    async with pantau.client() as client:
        sid = await create_service(client, "73.73", closed_port_url("/r/73.73"))
    want = (State.OUTAGE, Reason.NETWORK_REFUSED)
    await wait_for(lambda: _is(database, sid, want), within=SLACK)


@SQLITE_ONLY
async def test_restart_mid_outage_adds_no_transition_and_keeps_counting(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
) -> None:
    pantau = start_pantau()
    await pantau.start()
    async with pantau.client() as client:
        sid = await create_service(client, "73.73", simulator.url_for("73.73"))
    simulator.set("73.73", Behaviour(Mode.ERROR, status=500))
    want = (State.OUTAGE, Reason.UPSTREAM_ERROR)
    await wait_for(lambda: _is(database, sid, want), within=SLACK)
    await pantau.stop(signal.SIGKILL)
    before = await transitions_of(database, sid)
    failures_before = (await service_row(database, sid)).consecutive_failures

    await pantau.start()
    await wait_for(lambda: _counted_beyond(database, sid, failures_before + 2), within=SLACK)
    after = await transitions_of(database, sid)
    assert [t.id for t in after] == [t.id for t in before]
    assert after[-1].to_state == State.OUTAGE


async def _counted_beyond(database: Database, sid: int, count: int) -> bool:
    return (await service_row(database, sid)).consecutive_failures >= count


@SQLITE_ONLY
async def test_hanging_endpoints_do_not_delay_healthy_ones(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess]
) -> None:
    *hanging, dripping, healthy = region_codes(22, skip=100)
    simulator.set_many(hanging, Behaviour(Mode.HANG))
    simulator.set(dripping, Behaviour(Mode.SLOW_DRIP, delay_ms=100))
    # 21 stuck endpoints hold ~19 probe slots at any moment; 32 slots leave room, so any
    # delay to the healthy service would be head-of-line blocking, not saturation.
    pantau = start_pantau(checker_concurrency="32")
    await pantau.start()
    async with pantau.client() as client:
        for code in [*hanging, dripping]:
            await create_service(client, code, simulator.url_for(code), timeout_seconds=0.9)
        await create_service(client, healthy, simulator.url_for(healthy))
    started = time.time()

    def healthy_hits() -> list[float]:
        hits = [t for t in simulator.hit_times(healthy) if t > started + 2]
        return hits if len(hits) >= 6 else []  # six slots of a busy checker, as in ~8 s

    hits = await wait_for(healthy_hits, within=60)
    gaps = [b - a for a, b in itertools.pairwise(hits)]
    assert len(hits) >= 4
    # Its slot comes every second; stuck neighbours must not push it back.
    assert max(gaps) < 1.6, gaps


@SQLITE_ONLY
async def test_central_wave_is_attributed_to_the_centre(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
) -> None:
    # Five regions in each of four island groups: Sumatera, Jawa, Kalimantan, Sulawesi.
    regions = [code for skip in (0, 200, 330, 420) for code in region_codes(5, skip=skip)]
    pantau = start_pantau()
    await pantau.start()
    async with pantau.client() as client:
        ids = {
            code: await create_service(client, code, simulator.url_for(code), failure_threshold=3)
            for code in regions
        }
    for code in regions:
        await wait_for(partial(latest, database, ids[code]), within=SLACK)
    failing, healthy = regions[::2], regions[1::2]  # half of every group fails
    # One answer from the centre in every region: one failure signature, so one wave. (Each
    # region's own error page names the region: those would stay local faults.)
    centre_down = Behaviour(Mode.ERROR, status=502, body="Gangguan server pusat Dukcapil")
    simulator.set_many(failing, centre_down)
    want = (State.OUTAGE, Reason.UPSTREAM_CENTRAL)
    for code in failing:
        await wait_for(partial(_is, database, ids[code], want), within=SLACK + 4)
    for code in healthy:
        assert await latest(database, ids[code]) == (State.OPERATIONAL, Reason.OK)
    async with pantau.client() as client:
        (wave,) = (await client.get("/api/v1/waves")).json()["items"]
    assert (wave["scope"], sorted(wave["regions"])) == ("national", sorted(failing))

    simulator.reset()
    for code in failing:
        back = (State.OPERATIONAL, Reason.OK)
        await wait_for(partial(_is, database, ids[code], back), within=SLACK)


@SQLITE_ONLY
async def test_failing_control_targets_put_no_region_into_outage(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
) -> None:
    simulator.set("control", Behaviour(Mode.RESET))
    pantau = start_pantau(control_urls=simulator.url_for("control"))
    await pantau.start()
    async with pantau.client() as client:
        sid = await create_service(client, "76.01", simulator.url_for("76.01"))
    await wait_for(lambda: latest(database, sid), within=SLACK)
    simulator.set("76.01", Behaviour(Mode.HANG))
    # Four hung probes, three of them over: past the failure threshold (two) had the monitor
    # been trusted.
    hung_from = len(simulator.hit_times("76.01"))
    await wait_for(lambda: len(simulator.hit_times("76.01")) >= hung_from + 4, within=SLACK + 10)
    assert await latest(database, sid) == (State.OPERATIONAL, Reason.OK)
    assert (await service_row(database, sid)).consecutive_failures == 0

    simulator.clear("control")  # the monitor is healthy again: the real outage shows
    want = (State.OUTAGE, Reason.NETWORK_TIMEOUT)
    await wait_for(lambda: _is(database, sid, want), within=SLACK + 5)


@SQLITE_ONLY
async def test_services_file_is_applied_at_start_up(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    tmp_path: Path,
) -> None:
    services_file = tmp_path / "services.yaml"
    services_file.write_text(
        "services:\n"
        "  - key: palopo-siak\n"
        '    region_code: "73.73"\n'
        "    name: SIAK Palopo\n"
        f"    url: {simulator.url_for('73.73')}\n"
        "    interval_seconds: 1\n"
    )
    pantau = start_pantau(services_file=str(services_file))
    await pantau.start()
    async with pantau.client() as client:
        items = (await client.get("/api/v1/services")).json()["items"]
        assert [(s["key"], s["region_code"]) for s in items] == [("palopo-siak", "73.73")]
        region = await wait_for(lambda: _operational_region(client, "7373"), within=SLACK)
    assert region is not None and region["services"][0]["name"] == "SIAK Palopo"


async def _operational_region(client: httpx.AsyncClient, code: str) -> dict[str, Any] | None:
    body = (await client.get(f"/api/v1/regions/{code}")).json()
    return body if body["state"] == "operational" else None
