"""Three `pantau serve` replicas on one PostgreSQL database share the checking: every service is
probed once per interval (no double probe, no gap), no transition is written twice, and a
replica killed with SIGKILL hands its services to the others within the lease time."""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.core.domain import State
from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from tests.factories import create_service
from tests.support.harness import PantauProcess, region_codes, transitions_of
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

REPLICAS = 3
INTERVAL = 2.0
TIMEOUT = 0.5
LEASE = 2.0
TICK = 0.2
# A slot is taken at the first tick after it and probed a moment later; on a loaded CI
# machine a tick can come late.
JITTER = TICK + 0.8
# After a SIGKILL, the dead replica's services wait for their lease: claimed at a slot, the
# lease runs TIMEOUT + LEASE (at least the checker's floor, 1 s flush + 2 ticks + 1 s), and
# the next tick after it hands them over.
LEASE_FLOOR = 1.0 + 2 * TICK + 1.0
HANDOVER = TIMEOUT + max(LEASE, LEASE_FLOOR) + 2 * TICK + 1.0
# Two probes of one service closer than this are a double probe: slots keep their phase, and
# a claim more than half an interval late starts again from now (app/store/checks.py).
DOUBLE = INTERVAL / 2 - 0.1
STEP = 60.0  # how long a phase may take to settle on a loaded machine; usually a few seconds


async def lease_claims(pantau: PantauProcess) -> float:
    async with pantau.client() as client:
        text = (await client.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "pantau_lease_claims_total":
                return float(sample.value)
    return 0.0


def settled(
    database: Database, ids: dict[str, int], state: State, *, changes: int = 1
) -> Callable[[], Awaitable[bool]]:
    """Every service has reached `state` through at least `changes` transitions."""

    async def check() -> bool:
        for sid in ids.values():
            found = await transitions_of(database, sid)
            if len(found) < changes or found[-1].to_state != state:
                return False
        return True

    return check


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 2) for a, b in itertools.pairwise(times)]


def transition_problems(found: dict[int, list[tuple[State, State]]]) -> dict[int, object]:
    """Per service, transitions must chain (each starts where the last ended) and never repeat
    the same change twice in a row: a duplicate from a second replica breaks one or the other."""
    problems: dict[int, object] = {}
    for sid, changes in found.items():
        for (_, before), (after, to) in itertools.pairwise(changes):
            if after != before or after == to:
                problems[sid] = changes
    return problems


async def test_replicas_share_the_checking_and_survive_a_kill(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
) -> None:
    replicas = [
        start_pantau(
            checker_lease_seconds=str(LEASE),
            checker_tick_seconds=str(TICK),
            wave_national_min_regions="1000",
            wave_group_min_regions="1000",
            run_dispatcher="false",
        )
        for _ in range(REPLICAS)
    ]
    await asyncio.gather(*(replica.start() for replica in replicas))
    codes = region_codes(24, skip=300)
    ids: dict[str, int] = {}
    async with replicas[0].client() as client:
        for code in codes:
            ids[code] = await create_service(
                client,
                code,
                simulator.url_for(code),
                interval_seconds=int(INTERVAL),
                timeout_seconds=TIMEOUT,
                failure_threshold=2,
                success_threshold=2,
            )

    # Healthy, then a third of the services fail for a while, then all recover.
    failing = codes[::3]
    await wait_for(settled(database, ids, State.OPERATIONAL), within=STEP)
    simulator.set_many(failing, Behaviour(Mode.ERROR, status=502))
    outage = {code: ids[code] for code in failing}
    await wait_for(settled(database, outage, State.OUTAGE), within=STEP)
    for code in failing:
        simulator.clear(code)
    await wait_for(settled(database, outage, State.OPERATIONAL, changes=3), within=STEP)

    claims = [await lease_claims(replica) for replica in replicas]
    # Whose tick comes first after a slot wins it: two replicas whose ticks nearly coincide
    # may leave the later one little, but the work must be shared.
    assert sum(n > 0 for n in claims) >= 2, f"replicas should share the checking: {claims}"

    # Kill the busiest replica outright: no flush, no lease released.
    victim = replicas[max(range(REPLICAS), key=lambda i: claims[i])]
    assert victim.process is not None
    killed_at = time.time()
    victim.process.send_signal(signal.SIGKILL)
    await victim.process.wait()
    # Observed until every service was probed an interval after the handover, so the gaps
    # below span the kill.
    handed_over = killed_at + HANDOVER + INTERVAL
    await wait_for(
        lambda: all(any(t > handed_over for t in simulator.hit_times(code)) for code in codes),
        within=HANDOVER + 10 * INTERVAL,
    )
    for replica in replicas:
        if replica is not victim:
            await replica.stop()
    stopped_at = time.time()

    problems: dict[str, object] = {}
    for code in codes:
        times = simulator.hit_times(code)
        gap_list = gaps(times)
        before = [g for t, g in zip(times[1:], gap_list, strict=True) if t <= killed_at]
        around = [g for t, g in zip(times[1:], gap_list, strict=True) if t > killed_at]
        if any(g < DOUBLE for g in gap_list):
            problems[code] = ("double probe", gap_list)
        elif any(g > INTERVAL + JITTER for g in before):
            problems[code] = ("gap before the kill", before)
        elif any(g > INTERVAL + HANDOVER for g in around):
            problems[code] = ("not handed over within the lease", around)
        elif not times or times[-1] < stopped_at - INTERVAL - HANDOVER:
            problems[code] = ("no longer probed after the kill", times[-3:])
    assert not problems, problems

    transitions = {
        sid: [(t.from_state, t.to_state) for t in await transitions_of(database, sid)]
        for sid in ids.values()
    }
    assert not transition_problems(transitions), transition_problems(transitions)
    for code in codes:
        expected = [(State.UNKNOWN, State.OPERATIONAL)]
        if code in failing:
            expected += [(State.OPERATIONAL, State.OUTAGE), (State.OUTAGE, State.OPERATIONAL)]
        assert transitions[ids[code]] == expected, (code, transitions[ids[code]])


async def test_metrics_are_per_replica(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess]
) -> None:
    replicas = [start_pantau(run_dispatcher="false") for _ in range(2)]
    await asyncio.gather(*(replica.start() for replica in replicas))
    async with replicas[0].client() as client:
        await create_service(client, "73.73", simulator.url_for("73.73"))

    async def operational_per_replica() -> list[float]:
        async with httpx.AsyncClient() as client:
            texts = [(await client.get(f"{r.base_url}/metrics")).text for r in replicas]
        services = []
        for text in texts:
            for family in text_string_to_metric_families(text):
                services += [
                    s.value
                    for s in family.samples
                    if s.name == "pantau_services" and s.labels["state"] == "operational"
                ]
        return services if services == [1.0, 1.0] else []

    services = await wait_for(operational_per_replica, within=STEP)
    assert services == [1.0, 1.0]  # read from the shared database by each
