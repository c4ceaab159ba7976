"""Agents' results in the recording path (two-path attribution, quorum, stale agents, the
`vpn_fault` declaration), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from app.core.classify import CheckRules, classify
from app.core.domain import CheckRecord, FailureKind, ProbeResult, Reason, State
from app.core.vantage import VantageRules
from app.store.agents import Agent
from app.store.db import Database
from app.store.models import Service, Transition
from app.store.types import utcnow
from app.usecases.record_checks import Signals, record_checks
from tests.factories import add_service
from tests.support.agent import batch, push, register, round_of

CUT = {"central": False, "office": True, "public": True}
INSIDE_OK = {"central": True, "office": True, "public": True}


async def central_probe(
    database: Database, service_id: int, *, fails: bool, quorum: int = 1
) -> list[Transition]:
    at = utcnow()
    result = ProbeResult(
        started_at=at,
        latency_ms=800.0 if fails else 20.0,
        status_code=None if fails else 200,
        failure=FailureKind.CONNECT_TIMEOUT if fails else None,
    )
    record = CheckRecord(service_id, "73.73", result, classify(result, CheckRules()), at)
    signals = Signals(vantage=VantageRules(quorum=quorum, stale_after_seconds=180))
    async with database.transaction() as session:
        return await record_checks(session, [record], signals=signals)


async def state_of(database: Database, service_id: int) -> tuple[State, Reason | None]:
    async with database.read() as session:
        service = await session.get(Service, service_id)
    assert service is not None
    return State(service.state), service.reason


async def report(
    client: httpx.AsyncClient, agent: dict[str, Any], seq: int, reachable: dict[str, bool]
) -> None:
    response = await push(client, agent, batch(round_of(seq, **reachable)))
    assert response.status_code == 200, response.text


async def test_quorum_of_two_among_three_vantage_points(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    """The central prober and two agents; a failure needs two of them."""
    service = await add_service(database, "73.73", failure_threshold=1, success_threshold=1)
    first = await register(client, admin_headers, name="kantor")
    second = await register(client, admin_headers, name="ruang server")
    await central_probe(database, service, fails=False, quorum=2)
    assert await state_of(database, service) == (State.OPERATIONAL, Reason.OK)

    # the central prober alone sees a failure; both agents reach everything: no move
    await report(client, first, 1, INSIDE_OK)
    await report(client, second, 1, INSIDE_OK)
    for _ in range(3):
        assert await central_probe(database, service, fails=True, quorum=2) == []
    assert await state_of(database, service) == (State.OPERATIONAL, Reason.OK)

    # one agent now sees the link cut: two of three agree, the other is named as dissenting
    await report(client, first, 4, CUT)
    [transition] = await central_probe(database, service, fails=True, quorum=2)
    assert (transition.to_state, transition.reason) == (State.OUTAGE, Reason.POLICY_SUSPECTED)
    vantage = transition.evidence["vantage"]
    assert vantage["quorum"] == {"required": 2, "failing": 2, "passing": 1, "agreed": True}
    assert vantage["dissenting"] == [f"agent:{second['id']}"]
    assert [p["id"] for p in vantage["points"]] == [
        "central",
        f"agent:{first['id']}",
        f"agent:{second['id']}",
    ]

    # with the same two agents, quorum 1 lets the central prober's failure through alone
    await report(client, first, 7, INSIDE_OK)
    [transition] = await central_probe(database, service, fails=True, quorum=1)
    assert transition.reason is Reason.NETWORK_PATH


async def test_stale_agents_have_no_say(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    service = await add_service(database, "73.73", failure_threshold=1, success_threshold=2)
    agent = await register(client, admin_headers)
    await report(client, agent, 1, CUT)
    async with database.transaction() as session:
        old = utcnow() - timedelta(minutes=10)
        await session.exec(update(Agent).values(last_seen_at=old))  # type: ignore[call-overload]
    [transition] = await central_probe(database, service, fails=True)
    assert transition.reason is Reason.NETWORK_TIMEOUT
    assert "vantage" not in transition.evidence


async def test_a_vpn_fault_declaration_names_the_cut_a_vpn_fault(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    service = await add_service(database, "73.73", failure_threshold=1, success_threshold=2)
    agent = await register(client, admin_headers)
    await report(client, agent, 1, CUT)
    [transition] = await central_probe(database, service, fails=True)
    assert transition.reason is Reason.POLICY_SUSPECTED

    letter = {
        "kind": "vpn_fault",
        "reference": "TIKET-2026-118",
        "issuer": "Pusdatin Kemendagri",
        "issued_at": "2026-11-29T08:00:00+08:00",
    }
    declared = await client.post(
        "/api/v1/regions/73.73/declarations", json=letter, headers=admin_headers
    )
    assert declared.status_code == 201, declared.text
    assert await state_of(database, service) == (State.OUTAGE, Reason.NETWORK_VPN)
    await central_probe(database, service, fails=True)  # later failures keep the declared cause
    assert await state_of(database, service) == (State.OUTAGE, Reason.NETWORK_VPN)

    bad = await client.post(
        "/api/v1/regions/73.73/declarations",
        json=letter | {"kind": "vpn"},
        headers=admin_headers,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "kind"]
