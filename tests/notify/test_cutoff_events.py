"""cutoff.* events through the real record and declare paths, on SQLite and PostgreSQL: the
Palopo story (timeouts, a letter, its lifting, recovery) reaches a subscriber filtering on
cutoff.declared and cutoff.lifted exactly once each, signed; Pantau's own 451 is one
cutoff.suspected for the region, lifted once by its recovery; a recovery before the lifting
letter is the one cutoff.lifted."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from app.api.schemas.webhook_events import CutoffEvent, RegionEvent, ServiceEvent
from app.core.classify import CheckRules, classify
from app.core.domain import CheckRecord, ProbeResult, Reason
from app.core.events import iso
from app.notify.dispatcher import Dispatcher
from app.store.db import Database
from app.store.types import utcnow
from app.store.webhooks import DeliveryStatus, WebhookEvent
from tests.factories import (
    LETTER,
    T0,
    add_service,
    check_record,
    deliveries,
    later,
    probe,
    record,
    subscribe,
)
from tests.support.receiver import Receiver
from tests.support.waiting import drive

OK, TIMEOUT = Reason.OK, Reason.NETWORK_TIMEOUT
HOOK = "http://127.0.0.1:9/hook"
CUTOFFS = ["cutoff.declared", "cutoff.lifted"]
LIFTING = "470/1301/Dukcapil"
MODELS = {"service": ServiceEvent, "region": RegionEvent, "cutoff": CutoffEvent}


async def events(database: Database, prefix: str = "") -> list[dict[str, Any]]:
    """Bodies of the events written, oldest first, each checked against its documented shape."""
    async with database.read() as session:
        query = select(WebhookEvent).where(col(WebhookEvent.type).startswith(prefix))
        rows = (await session.exec(query.order_by(col(WebhookEvent.created_at)))).all()
    bodies = [json.loads(row.body) for row in rows]
    for body in bodies:
        MODELS[body["type"].split(".")[0]].model_validate(body)
    return bodies


def types(bodies: list[dict[str, Any]]) -> list[str]:
    return [body["type"] for body in bodies]


async def declare(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, **fields: Any
) -> Any:
    body = LETTER | {"kind": kind} | fields
    response = await client.post("/api/v1/regions/73.73/declarations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def settled(database: Database) -> bool:
    statuses = [d.status for d in await deliveries(database)]
    return bool(statuses) and DeliveryStatus.PENDING not in statuses


async def test_the_palopo_story_reaches_a_cutoff_subscriber_once_each(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database: Database,
    dispatcher: Dispatcher,
    receiver: Receiver,
) -> None:
    spec = {"url": receiver.url("/cutoffs"), "event_types": CUTOFFS}
    created = await client.post("/api/v1/subscriptions", json=spec, headers=admin_headers)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    palopo = await add_service(database, "73.73")
    t = utcnow() - timedelta(minutes=10)
    await probe(database, palopo, OK, t)
    await probe(database, palopo, TIMEOUT, t + timedelta(minutes=1))  # the VPN link is cut
    assert types(await events(database)) == [
        "service.operational",
        "region.operational",
        "service.outage",
        "region.outage",
    ]
    outage = (await events(database, "region.outage"))[0]["data"]

    cutoff = await declare(client, admin_headers, "cutoff")
    await probe(database, palopo, TIMEOUT, utcnow() + timedelta(seconds=1))  # still cut
    lifted = await declare(client, admin_headers, "lifted", reference=LIFTING)
    await probe(database, palopo, OK, utcnow() + timedelta(seconds=2))  # and back
    assert types(await events(database))[4:] == [
        "service.reason_changed",
        "region.reason_changed",
        "cutoff.declared",
        "service.reason_changed",
        "region.reason_changed",
        "cutoff.lifted",
        "service.operational",
        "region.operational",
    ]

    await drive(dispatcher, lambda: settled(database))
    got = [request.verify(secret) for request in receiver.at("/cutoffs")]
    assert types(got) == CUTOFFS
    declared, lifting = got[0]["data"], got[1]["data"]
    assert declared["letter"] | {"date": None} == {
        "declaration_id": cutoff["id"],
        "kind": "cutoff",
        "reference": LETTER["reference"],
        "issuer": LETTER["issuer"],
        "date": None,
        "url": LETTER["url"],
        "letter_url": None,  # no letter file attached (tests/api/test_letters.py attaches one)
    }
    assert datetime.fromisoformat(declared["letter"]["date"]) == datetime.fromisoformat(
        LETTER["issued_at"]
    )
    assert declared["incident_id"] == outage["incident_id"] is not None
    assert declared["down_since"] == outage["since"] == iso(t + timedelta(minutes=1))
    assert (declared["reason"], declared["category"], declared["source"]) == (
        "policy.cutoff",
        "policy",
        "operator",
    )
    assert declared["region"]["name"] == "Kota Palopo"
    assert declared["region"]["province"]["code"] == "73"
    assert lifting["letter"]["reference"] == LIFTING
    assert lifting["letter"]["declaration_id"] == lifted["id"]
    assert lifting["lifts"]["reference"] == LETTER["reference"]
    assert (lifting["lifted_by"], lifting["incident_id"]) == ("declaration", outage["incident_id"])
    assert lifting["down_since"] == declared["down_since"]


async def test_a_451_is_one_suspected_cut_lifted_once_by_recovery(database: Database) -> None:
    watching = await subscribe(database, HOOK, event_types=["cutoff.suspected", "cutoff.lifted"])
    first, second = await add_service(database), await add_service(database)
    await record(database, [check_record(s, OK, T0) for s in (first, second)])
    answer = ProbeResult(later(60), 20.0, status_code=451, body_excerpt="secret page body")
    verdict = classify(answer, CheckRules())
    assert verdict.reason == Reason.POLICY_CUTOFF
    await record(database, [CheckRecord(first, "73.73", answer, verdict, later(60))])
    # The region's second service, in a later transaction: the same cut, said once.
    await record(database, [CheckRecord(second, "73.73", answer, verdict, later(70))])
    await record(
        database, [check_record(first, OK, later(120)), check_record(second, OK, later(120))]
    )

    cuts = await events(database, "cutoff.")
    assert types(cuts) == ["cutoff.suspected", "cutoff.lifted"]
    suspected, lifted = cuts[0]["data"], cuts[1]["data"]
    assert (suspected["reason"], suspected["source"], suspected["letter"]) == (
        "policy.cutoff",
        "probe",
        None,
    )
    assert suspected["evidence"] == {"rule": "status_451", "status_code": 451, "latency_ms": 20.0}
    assert suspected["down_since"] == iso(later(60))
    assert (lifted["lifted_by"], lifted["letter"], lifted["reason"]) == (
        "recovery",
        None,
        "policy.cutoff",
    )
    assert lifted["incident_id"] == suspected["incident_id"] is not None
    delivered = {d.event_id for d in await deliveries(database, watching.id)}
    assert len(delivered) == 2


async def test_recovery_before_the_lifting_letter_is_the_one_lift(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    palopo = await add_service(database)
    t = utcnow() - timedelta(minutes=10)
    await declare(client, admin_headers, "cutoff")  # the services still pass: no episode
    await probe(database, palopo, TIMEOUT, t)  # then fail: the letter is imposed
    await probe(database, palopo, OK, utcnow() + timedelta(seconds=1))
    await declare(client, admin_headers, "lifted", reference=LIFTING)  # too late: lifted
    cuts = await events(database, "cutoff.")
    assert types(cuts) == ["cutoff.declared", "cutoff.lifted"]
    assert (cuts[0]["data"]["incident_id"], cuts[0]["data"]["down_since"]) == (None, None)
    assert cuts[1]["data"]["lifted_by"] == "recovery"
    assert cuts[1]["data"]["incident_id"] is not None
    outage = (await events(database, "region.outage"))[0]["data"]
    assert outage["reason"] == "policy.cutoff"  # the city heard of the cut by its region


async def test_unknown_event_types_are_refused_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    spec = {"url": HOOK, "event_types": ["cutoff.declared", "cutoff.maybe"]}
    response = await client.post("/api/v1/subscriptions", json=spec, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "event_types", 1]
