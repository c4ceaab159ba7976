"""Waves end to end: a real `pantau serve`, the loopback simulator and a webhook receiver that
verifies signatures with `standardwebhooks`, on SQLite and PostgreSQL. Unrelated failures stay
local; one shared failure across island groups is one national wave announced once; only
Papua timing out is one backbone wave."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import httpx
import pytest

from app.core.domain import Reason, State
from app.simulator import Behaviour, Mode, Simulator, closed_port_url
from app.store.db import Database
from tests.factories import create_service
from tests.support.harness import PantauProcess, transitions_of
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True),
]
# Thirteen regions in seven island groups, three of them Papua's.
REGIONS = (
    "11.71", "12.71", "31.71", "32.73", "35.78", "51.71", "61.71",
    "73.71", "73.73", "81.71", "91.03", "91.05", "91.71",
)  # fmt: skip
PAPUA = ("91.03", "91.05", "91.71")
# Failing threshold three probes a second apart: every member's first failing probe is
# counted (and the wave recognised) before any member crosses its threshold.
THRESHOLD = 3
WITHIN = 20.0
CENTRE_DOWN = Behaviour(Mode.ERROR, status=502, body="Gangguan server pusat Dukcapil")


async def services(
    client: httpx.AsyncClient, simulator: Simulator, database: Database
) -> dict[str, int]:
    ids = {
        code: await create_service(
            client, code, simulator.url_for(code), failure_threshold=THRESHOLD
        )
        for code in REGIONS
    }
    for sid in ids.values():
        await wait_for(partial(transitions_of, database, sid), within=WITHIN)
    return ids


async def latest(database: Database, service_id: int) -> tuple[State, Reason] | None:
    found = await transitions_of(database, service_id)
    return (found[-1].to_state, found[-1].reason) if found else None


async def all_read(
    database: Database, ids: dict[str, int], want: dict[str, tuple[State, Reason]]
) -> bool:
    return not await misread(database, ids, want)


async def misread(
    database: Database, ids: dict[str, int], want: dict[str, tuple[State, Reason]]
) -> dict[str, tuple[State, Reason] | None]:
    """The regions not (yet) reading as wanted, with what they read."""
    seen = {code: await latest(database, ids[code]) for code in want}
    return {code: read for code, read in seen.items() if read != want[code]}


async def waves(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/waves")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def event_types(hooks: Receiver, secret: str) -> list[str]:
    return [str(r.verify(secret)["type"]) for r in hooks.received]


async def test_seven_regions_failing_seven_ways_stay_local(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess], database: Database
) -> None:
    unrelated: dict[str, tuple[Behaviour | str, Reason]] = {
        "11.71": (Behaviour(Mode.HANG), Reason.NETWORK_TIMEOUT),
        "31.71": (Behaviour(Mode.RESET), Reason.NETWORK_REFUSED),
        "35.78": (closed_port_url(), Reason.NETWORK_REFUSED),
        "51.71": (Behaviour(Mode.ERROR), Reason.UPSTREAM_ERROR),
        "61.71": (Behaviour(Mode.ERROR, status=502), Reason.UPSTREAM_ERROR),
        "73.71": (Behaviour(Mode.ERROR, status=404, body="Not Found"), Reason.UPSTREAM_UNEXPECTED),
        "81.71": (Behaviour(Mode.ERROR, status=504, body="Gateway Timeout"), Reason.UPSTREAM_ERROR),
    }
    pantau = start_pantau()
    await pantau.start()
    async with pantau.client() as client:
        ids = await services(client, simulator, database)
        for code, (how, _) in unrelated.items():
            if isinstance(how, str):
                response = await client.patch(f"/api/v1/services/{ids[code]}", json={"url": how})
                assert response.status_code == 200, response.text
            else:
                simulator.set(code, how)
        want = {code: (State.OUTAGE, reason) for code, (_, reason) in unrelated.items()}
        await wait_for(lambda: all_read(database, ids, want), within=WITHIN)
        assert await waves(client) == []


async def test_a_national_wave_is_one_wave_and_one_webhook(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess], database: Database
) -> None:
    members = ("11.71", "31.71", "32.73", "51.71", "61.71", "73.71", "81.71")
    pantau = start_pantau(webhook_allowed_networks="127.0.0.0/8")
    await pantau.start()
    async with pantau.client() as client, Receiver() as hooks:
        created = await client.post(
            "/api/v1/subscriptions", json={"url": hooks.url(), "coalesce_waves": True}
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        ids = await services(client, simulator, database)
        simulator.set_many(list(members), CENTRE_DOWN)
        want = dict.fromkeys(members, (State.OUTAGE, Reason.UPSTREAM_CENTRAL))
        await wait_for(lambda: all_read(database, ids, want), within=WITHIN)
        await wait_for(lambda: "wave.started" in event_types(hooks, secret), within=WITHIN)
        (wave,) = await waves(client)
        assert (wave["scope"], wave["reason"]) == ("national", "upstream.central")
        assert sorted(wave["regions"]) == sorted(members)

        simulator.reset()
        await wait_for(lambda: "wave.ended" in event_types(hooks, secret), within=WITHIN)
        back = dict.fromkeys(members, (State.OPERATIONAL, Reason.OK))
        await wait_for(lambda: all_read(database, ids, back), within=WITHIN)
        received = event_types(hooks, secret)
    assert received.count("wave.started") == 1
    assert received.count("wave.ended") == 1
    assert "service.outage" not in received
    assert "region.outage" not in received  # the regions' own events are coalesced too
    assert not central_reason_changes(received)


def central_reason_changes(received: Sequence[str]) -> list[str]:
    """Members corrected to the wave's reason would say so in service.reason_changed."""
    return [kind for kind in received if kind == "service.reason_changed"]


async def test_only_papua_timing_out_is_a_backbone_wave(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess], database: Database
) -> None:
    pantau = start_pantau()
    await pantau.start()
    async with pantau.client() as client:
        ids = await services(client, simulator, database)
        simulator.set_many(list(PAPUA), Behaviour(Mode.HANG))
        want = dict.fromkeys(PAPUA, (State.OUTAGE, Reason.NETWORK_BACKBONE))
        await wait_for(lambda: all_read(database, ids, want), within=WITHIN)
        (wave,) = await waves(client)
        others = {c: (State.OPERATIONAL, Reason.OK) for c in REGIONS if c not in PAPUA}
        assert await all_read(database, ids, others)
    assert (wave["scope"], wave["area"], wave["reason"]) == (
        "island_group",
        "9",
        "network.backbone",
    )
    assert sorted(wave["regions"]) == sorted(PAPUA)
