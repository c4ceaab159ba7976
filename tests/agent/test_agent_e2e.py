"""End to end on loopback: the simulator plays the office's service (as the central prober
reaches it, over the VPN, and as the office's own network reaches it), the central system and
a public target; `pantau serve` and `pantau agent` run as real processes."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.simulator import HEALTHY, Behaviour, Mode, Simulator
from app.store.agents import results_of
from app.store.db import Database
from app.store.types import utcnow
from tests.conftest import BACKENDS, make_settings
from tests.factories import create_service
from tests.support.agent import AgentProcess, Uplink, register
from tests.support.harness import PantauProcess
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

AGENT_INTERVAL = 1.0
WITHIN = 2 * AGENT_INTERVAL + 4.0  # two agent intervals, plus slack for the thresholds
PHASE = 30.0  # how long one step of the uplink outage may take on a loaded machine
DOWN = Behaviour(Mode.RESET)
# Links, as simulator endpoints: the office's service seen from Pantau and from inside.
VPN_SIDE, LAN_SIDE, CENTRAL, PUBLIC = "office-vpn", "office-lan", "central", "public"


@pytest.fixture
async def pantau(database_url: str, tmp_path: Path) -> AsyncIterator[PantauProcess]:
    process = PantauProcess(database_url, tmp_path / "pantau.log")
    await process.start()
    yield process
    await process.stop()


async def start_agent(
    client: httpx.AsyncClient, tmp_path: Path, server_url: str, targets: dict[str, list[str]]
) -> tuple[dict[str, Any], AgentProcess]:
    headers = {"Authorization": client.headers["Authorization"]}
    agent = await register(client, headers, "73.73", "Kantor Disdukcapil Palopo")
    process = AgentProcess(
        server_url=server_url,
        agent_id=agent["id"],
        token=agent["token"],
        state_dir=tmp_path / "agent-state",
        log_path=tmp_path / "agent.log",
        targets=targets,
    )
    await process.start()
    return agent, process


async def region_reason(client: httpx.AsyncClient) -> tuple[str, str | None]:
    region = (await client.get("/api/v1/regions/73.73")).json()
    return region["state"], region["reason"]


async def reaches(client: httpx.AsyncClient, state: str, reason: str) -> float:
    """Seconds until the region shows `state`/`reason`."""
    started = time.monotonic()

    async def shown() -> bool:
        return await region_reason(client) == (state, reason)

    await wait_for(shown, within=WITHIN)
    return time.monotonic() - started


async def latest_transition(client: httpx.AsyncClient) -> dict[str, Any]:
    history = (await client.get("/api/v1/regions/73.73/history")).json()
    item: dict[str, Any] = history["items"][0]
    return item


async def declare(client: httpx.AsyncClient, kind: str) -> None:
    letter = {
        "kind": kind,
        "reference": "470/1234/Dukcapil",
        "issuer": "Ditjen Dukcapil Kemendagri",
        "issued_at": "2026-11-28T09:00:00+08:00",
    }
    response = await client.post("/api/v1/regions/73.73/declarations", json=letter)
    assert response.status_code == 201, response.text


def links(sim: Simulator, *, down: tuple[str, ...]) -> None:
    for link in (VPN_SIDE, LAN_SIDE, CENTRAL, PUBLIC):
        sim.set(link, DOWN if link in down else HEALTHY)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_two_path_attribution_end_to_end(
    simulator: Simulator, pantau: PantauProcess, tmp_path: Path
) -> None:
    async with pantau.client() as client:
        await create_service(client, "73.73", simulator.url_for(VPN_SIDE), success_threshold=1)
        agent, process = await start_agent(
            client,
            tmp_path,
            pantau.base_url,
            {
                "central": [simulator.url_for(CENTRAL)],
                "office": [simulator.url_for(LAN_SIDE)],
                "public": [simulator.url_for(PUBLIC)],
            },
        )
        try:
            await reaches(client, "operational", "ok")

            # the VPN link is cut: Pantau and the office both lose the central path; the
            # office still reaches the internet
            links(simulator, down=(VPN_SIDE, CENTRAL))
            await reaches(client, "outage", "policy.suspected")
            evidence = (await latest_transition(client))["evidence"]
            [central, seen] = evidence["vantage"]["points"]
            assert central["id"] == "central" and central["saw"] == "network.refused"
            assert seen["id"] == f"agent:{agent['id']}"
            assert seen["saw"] == {
                "central": "unreachable",
                "office": "reachable",
                "public": "reachable",
            }

            await declare(client, "cutoff")
            await reaches(client, "outage", "policy.cutoff")
            await declare(client, "lifted")

            # the office's whole network is down (its agent reports over a backup uplink)
            links(simulator, down=(VPN_SIDE, CENTRAL, PUBLIC, LAN_SIDE))
            await reaches(client, "outage", "network.office")

            # only the path between Pantau and the office is broken
            links(simulator, down=(VPN_SIDE,))
            await reaches(client, "outage", "network.path")
            evidence = (await latest_transition(client))["evidence"]
            assert evidence["vantage"]["dissenting"] == [f"agent:{agent['id']}"]

            links(simulator, down=())
            await reaches(client, "operational", "ok")
            history = (await client.get("/api/v1/regions/73.73/history")).json()["items"]
            seen = iter((t["reason"], t["source"]) for t in reversed(history))
            milestones = [
                ("policy.suspected", "probe"),
                ("policy.cutoff", "operator"),
                ("network.office", "probe"),
                ("network.path", "probe"),
                ("ok", "probe"),
            ]
            assert all(milestone in seen for milestone in milestones), history
        finally:
            assert await process.stop() == 0, (tmp_path / "agent.log").read_text()[-3000:]


def buffer_state(state_dir: Path) -> tuple[int, int]:
    """(last seq the agent assigned, results still waiting) from its buffer file."""
    with sqlite3.connect(state_dir / "buffer.sqlite3") as db:
        last = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'pending'").fetchone()
        waiting = db.execute("SELECT count(*) FROM pending").fetchone()
    return int(last[0]), int(waiting[0])


def assigned(state_dir: Path) -> tuple[int, int]:
    """buffer_state, or (0, 0) while the agent has no buffer yet or holds it locked."""
    try:
        return buffer_state(state_dir)
    except (sqlite3.Error, TypeError):
        return 0, 0


def delivered_beyond(state_dir: Path, seq: int) -> bool:
    """The agent has assigned a seq past `seq` and nothing waits in its buffer."""
    last, waiting = assigned(state_dir)
    return last > seq and waiting == 0


@pytest.mark.parametrize("database_url", [BACKENDS[-1]], indirect=True)
async def test_results_buffered_through_an_uplink_outage_arrive_in_order_once(
    simulator: Simulator, pantau: PantauProcess, database_url: str, tmp_path: Path
) -> None:
    async with pantau.client() as client, Uplink(pantau.port) as uplink:
        targets = {"central": [simulator.url_for(CENTRAL)], "public": [simulator.url_for(PUBLIC)]}
        agent, process = await start_agent(client, tmp_path, uplink.url, targets)
        state_dir = tmp_path / "agent-state"
        await wait_for(lambda: delivered_beyond(state_dir, 2 * 2), within=PHASE)
        cut_at = utcnow()
        uplink.set("down")
        first_cut = assigned(state_dir)[0]
        # Four rounds more, so at least two lie wholly inside the outage.
        await wait_for(lambda: assigned(state_dir)[0] >= first_cut + 4 * 2, within=PHASE)
        lose_at = utcnow()
        uplink.set("lose_replies")  # batches reach the server; their answers do not return
        await wait_for(lambda: uplink.replies_lost >= 1, within=PHASE)
        restored_at = utcnow()
        uplink.set("up")
        last_lost = assigned(state_dir)[0]
        await wait_for(lambda: delivered_beyond(state_dir, last_lost), within=PHASE)
        assert await process.stop() == 0, (tmp_path / "agent.log").read_text()[-3000:]

    last_seq, waiting = buffer_state(tmp_path / "agent-state")
    assert waiting == 0
    assert uplink.replies_lost >= 1  # so some batches were sent twice
    database = Database(make_settings(database_url))
    try:
        async with database.read() as session:
            stored = await results_of(session, agent["id"])
    finally:
        await database.dispose()
    seqs = [row.seq for row in stored]  # in the order the server stored them
    assert seqs == list(range(1, last_seq + 1))  # none lost, none twice, in order
    assert last_seq >= 2 * 6  # two targets, about seven rounds
    observed: list[datetime] = [row.observed_at for row in stored]
    assert observed == sorted(observed)
    margin = timedelta(seconds=0.2)
    cut_off = [row for row in stored if cut_at + margin < row.observed_at < lose_at]
    assert len(cut_off) >= 2 * 2  # observed while the uplink was down...
    assert all(row.received_at >= lose_at for row in cut_off)  # ...and delivered afterwards
    assert stored[-1].received_at >= restored_at
