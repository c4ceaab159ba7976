"""Declarations: the Palopo pattern (warning → cut → reactivation), their effect on probes and
on the region status, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.core.domain import Reason, State, TransitionSource
from app.store.db import Database
from app.store.models import Service
from app.store.types import utcnow
from app.store.webhooks import WebhookEvent
from tests.factories import LETTER, add_service, probe
from tests.support.harness import transitions_of


async def declare(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    kind: str,
    code: str = "73.73",
    **fields: Any,
) -> Any:
    body = LETTER | {"kind": kind} | fields
    response = await client.post(f"/api/v1/regions/{code}/declarations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_palopo_timeout_cutoff_lifting_recovery(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    palopo = await add_service(database, "73.73", failure_threshold=2, success_threshold=2)
    t = utcnow() - timedelta(minutes=10)
    await probe(database, palopo, Reason.OK, t)
    for i in (1, 2):  # the VPN link is cut: the prober sees timeouts, not a 403
        await probe(database, palopo, Reason.NETWORK_TIMEOUT, t + timedelta(seconds=i))
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert (region["state"], region["reason"], region["declaration"]) == (
        "outage",
        "network.timeout",
        None,
    )

    cutoff = await declare(client, admin_headers, "cutoff", note="Akses SIAK dinonaktifkan")
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert (region["state"], region["reason"], region["category"]) == (
        "outage",
        "policy.cutoff",
        "policy",
    )
    assert region["declaration"]["id"] == cutoff["id"]
    assert region["declaration"]["reference"] == LETTER["reference"]
    assert region["declaration"]["contradicted_by_probes"] is False

    for i in (1, 2, 3):  # still timing out: still the declared cutoff, no new transition
        await probe(database, palopo, Reason.NETWORK_TIMEOUT, utcnow() + timedelta(seconds=i))
    assert len(await transitions_of(database, palopo)) == 3

    lifted = await declare(client, admin_headers, "lifted", reference="470/1300/Dukcapil")
    for i in (10, 11):
        await probe(database, palopo, Reason.OK, utcnow() + timedelta(seconds=i))
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert (region["state"], region["reason"], region["declaration"]) == ("operational", "ok", None)

    history = await transitions_of(database, palopo)
    assert [(r.from_state, r.to_state, r.reason, r.source) for r in history] == [
        (State.UNKNOWN, State.OPERATIONAL, Reason.OK, TransitionSource.PROBE),
        (State.OPERATIONAL, State.OUTAGE, Reason.NETWORK_TIMEOUT, TransitionSource.PROBE),
        (State.OUTAGE, State.OUTAGE, Reason.POLICY_CUTOFF, TransitionSource.OPERATOR),
        (State.OUTAGE, State.OUTAGE, Reason.NETWORK_TIMEOUT, TransitionSource.OPERATOR),
        (State.OUTAGE, State.OPERATIONAL, Reason.OK, TransitionSource.PROBE),
    ]
    declared, lifting = history[2].evidence, history[3].evidence
    assert declared["declaration"]["reference"] == LETTER["reference"]
    assert declared["declaration"]["id"] == cutoff["id"]
    assert declared["observed_reason"] == "network.timeout"
    assert lifting["declaration"]["id"] == lifted["id"]
    assert lifting["lifts"]["reference"] == LETTER["reference"]

    async with database.read() as session:
        events = sorted(e.type for e in (await session.exec(select(WebhookEvent))).all())
    assert events == [  # the cut and its lifting: as reason changes, and as cutoff events
        "cutoff.declared",
        "cutoff.lifted",
        "region.operational",
        "region.operational",
        "region.outage",
        "region.reason_changed",
        "region.reason_changed",
        "service.operational",
        "service.operational",
        "service.outage",
        "service.reason_changed",
        "service.reason_changed",
    ]

    listed = (await client.get("/api/v1/regions/7373/declarations")).json()
    assert [d["kind"] for d in listed] == ["lifted", "cutoff"]
    assert listed[1] == cutoff


async def test_failures_during_a_cutoff_carry_it_and_passing_probes_flag_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    gateway = await add_service(database, "73.73", failure_threshold=2, success_threshold=1)
    portal = await add_service(database, "73.73", failure_threshold=2, success_threshold=1)
    t = utcnow()
    for service_id in (gateway, portal):
        await probe(database, service_id, Reason.OK, t)
    await declare(client, admin_headers, "cutoff")
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert region["state"] == "operational"
    assert region["declaration"]["contradicted_by_probes"] is True  # for an operator to check

    for i in (1, 2):
        await probe(database, gateway, Reason.UPSTREAM_ERROR, t + timedelta(seconds=i))
    (_, cut) = await transitions_of(database, gateway)
    assert (cut.to_state, cut.reason, cut.source) == (
        State.OUTAGE,
        Reason.POLICY_CUTOFF,
        TransitionSource.PROBE,
    )
    assert cut.evidence["observed_reason"] == "upstream.error"
    assert cut.evidence["declaration"]["reference"] == LETTER["reference"]
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert (region["state"], region["reason"]) == ("outage", "policy.cutoff")
    assert region["declaration"]["contradicted_by_probes"] is False

    # Other regions are not touched by Palopo's cutoff.
    luwu = await add_service(database, "73.17", failure_threshold=1, success_threshold=2)
    await probe(database, luwu, Reason.NETWORK_TIMEOUT, t)
    assert [r.reason for r in await transitions_of(database, luwu)] == [Reason.NETWORK_TIMEOUT]


async def test_infrastructure_declaration_and_its_lifting(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    office = await add_service(database, "73.73", failure_threshold=1, success_threshold=1)
    await probe(database, office, Reason.NETWORK_REFUSED, utcnow())
    await declare(client, admin_headers, "infrastructure", note="Perangkat tersambar petir")
    async with database.read() as session:
        service = await session.get(Service, office)
    assert service is not None and service.reason == Reason.LOCAL_INFRASTRUCTURE
    await declare(client, admin_headers, "lifted")
    async with database.read() as session:
        service = await session.get(Service, office)
    assert service is not None and (service.state, service.reason) == (
        State.OUTAGE,
        Reason.NETWORK_REFUSED,
    )
    assert [r.source for r in await transitions_of(database, office)] == [
        "probe",
        "operator",
        "operator",
    ]


async def test_a_warning_shows_its_deadline_and_emits_an_event(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    deadline = (utcnow() + timedelta(days=7)).replace(microsecond=0)
    warning = await declare(client, admin_headers, "warning", deadline=deadline.isoformat())
    assert datetime.fromisoformat(warning["deadline"]) == deadline
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert region["warning"] == warning and region["declaration"] is None
    assert region["state"] == "unknown"  # a warning changes no state

    async with database.read() as session:
        events = (await session.exec(select(WebhookEvent))).all()
    assert [e.type for e in events] == ["policy.warning"]
    assert (events[0].region_code, events[0].category) == ("73.73", "policy")
    data = json.loads(events[0].body)["data"]
    assert data["declaration"]["reference"] == LETTER["reference"]
    assert data["region"]["code"] == "73.73" and data["region"]["name"] == "Kota Palopo"

    await declare(client, admin_headers, "cutoff")  # the cut supersedes the warning
    region = (await client.get("/api/v1/regions/73.73")).json()
    assert region["warning"] is None and region["declaration"]["kind"] == "cutoff"


async def test_lifting_nothing_is_a_conflict(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/regions/73.73/declarations",
        json=LETTER | {"kind": "lifted"},
        headers=admin_headers,
    )
    assert response.status_code == 409
    assert (await client.get("/api/v1/regions/73.73/declarations")).json() == []

    # The region complied before the deadline: lifting ends the warning.
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    await declare(client, admin_headers, "warning", deadline=deadline)
    await declare(client, admin_headers, "lifted")
    assert (await client.get("/api/v1/regions/73.73")).json()["warning"] is None


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"kind": "warning", "deadline": "2020-01-01T00:00:00Z"}, ["body", "deadline"]),
        ({"kind": "warning"}, ["body", "deadline"]),
        ({"kind": "cutoff", "deadline": "2099-01-01T00:00:00Z"}, ["body", "deadline"]),
        ({"kind": "suspended"}, ["body", "kind"]),
        ({"kind": "cutoff", "reference": " "}, ["body", "reference"]),
        ({"kind": "cutoff", "issued_at": "2026-11-28T09:00:00"}, ["body", "issued_at"]),
        ({"kind": "cutoff", "url": "ftp://kemendagri.go.id/x"}, ["body", "url"]),
        ({"kind": "cutoff", "decree": "x"}, ["body", "decree"]),
    ],
)
async def test_invalid_declarations_are_422_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], fields: dict[str, Any], loc: list[Any]
) -> None:
    response = await client.post(
        "/api/v1/regions/73.73/declarations", json=LETTER | fields, headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [loc]


async def test_unknown_and_malformed_regions(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = LETTER | {"kind": "cutoff"}
    unknown = await client.post(
        "/api/v1/regions/99.99/declarations", json=body, headers=admin_headers
    )
    assert unknown.status_code == 404 and unknown.json()["resource"] == "region"
    malformed = await client.post(
        "/api/v1/regions/7/declarations", json=body, headers=admin_headers
    )
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["loc"] == ["path", "code"]
    assert (await client.get("/api/v1/regions/99.99/declarations")).status_code == 404
