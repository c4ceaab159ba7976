"""The service.*, region.*, cutoff.* and policy.warning events in the OpenAPI `webhooks` section
(the wave.* ones are in app/api/waves.py), each with an example built by the encoders that
write real events, so the examples cannot drift from what subscribers receive.

No `from __future__ import annotations` here: each receiver's body annotation is built per
event type, and FastAPI must read it as an object, not as a name to resolve."""

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI
from pydantic import BaseModel

from app.api.schemas.webhook_events import (
    CutoffEvent,
    PolicyWarningEvent,
    RegionEvent,
    ServiceEvent,
)
from app.core.cutoffs import CutoffFacts, LiftedBy, cutoff_data
from app.core.domain import Reason, State, TransitionSource
from app.core.events import EventType, RegionInfo, TransitionFacts, encode_envelope, transition_data
from app.core.region_events import RegionChange, RegionSnapshot, region_data
from app.core.regions.status import RegionState

webhooks = APIRouter()
EXAMPLES: dict[str, dict[str, Any]] = {}  # event type → its example body, nulls included

PALOPO = RegionInfo("73.73", "Kota Palopo", "city", "73", "73", "Sulawesi Selatan")
DOWN = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
SERVICE_ID = 12
SERVICE = {"id": SERVICE_ID, "name": "SIAK Palopo", "url": "https://siak.palopokota.go.id/health"}
CUTOFF_LETTER = {
    "id": 3,
    "kind": "cutoff",
    "reference": "470/1234/Dukcapil",
    "issuer": "Direktorat Jenderal Kependudukan dan Pencatatan Sipil, Kemendagri",
    "issued_at": "2026-11-28T09:00:00+08:00",
    "url": "https://dukcapil.kemendagri.go.id/berita/470-1234",
}
LIFTING_LETTER = CUTOFF_LETTER | {"id": 4, "kind": "lifted", "reference": "470/1301/Dukcapil"}
# Sent with its declaration and public: the event links the letter itself.
CUTOFF_LETTER_LINKED = CUTOFF_LETTER | {
    "letter_url": "https://pantau.example.go.id/api/v1/declarations/3/letter"
}
SIGNED = (
    "Sent to subscriptions whose `event_types` (empty: all), `region_prefixes` and `categories`"
    " admit it, signed as every Standard Webhooks delivery (`webhook-id`, `webhook-timestamp`,"
    " `webhook-signature`; see the README, Verifying webhooks)."
)


def _at(minutes: float) -> datetime:
    return DOWN + timedelta(minutes=minutes)


def _body(event_type: EventType, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(encode_envelope(str(event_type), at, data))
    return body


def _service(event_type: EventType, before: State, after: State, reason: Reason) -> dict[str, Any]:
    evidence: dict[str, Any] = {"rule": "transport_connect_timeout"}
    if reason == Reason.POLICY_CUTOFF:
        evidence = {"rule": "declaration", "observed_reason": "network.timeout"}
        evidence |= {"declaration": CUTOFF_LETTER}
    elif reason == Reason.OK:
        evidence = {"rule": "ok", "status_code": 200, "latency_ms": 182.4}
    facts = TransitionFacts(
        transition_id=40,
        service_id=SERVICE_ID,
        region_code=PALOPO.code,
        from_state=before,
        to_state=after,
        reason=reason,
        source=str(
            TransitionSource.OPERATOR if "declaration" in evidence else TransitionSource.PROBE
        ),
        at=_at(5),
        evidence=evidence,
        incident_id=7,
        region=PALOPO,
        service=SERVICE | {"sequence": 4},
        sequence=4,
    )
    return _body(event_type, facts.at, transition_data(facts))


def _region(event_type: EventType, before: RegionState, after: RegionState) -> dict[str, Any]:
    affected = 0 if after.state == State.OPERATIONAL else 3
    change = RegionChange(
        region_code=PALOPO.code,
        region=PALOPO,
        before=before,
        after=RegionSnapshot(after, affected=affected, total=3),
        incident_id=7,
        at=_at(5),
        transition_id=40,
        service_id=SERVICE_ID,
        evidence={"rule": "transport_connect_timeout"},
    )
    return _body(event_type, change.at, region_data(change))


def _cutoff(facts: CutoffFacts) -> dict[str, Any]:
    return _body(facts.event_type, facts.at, cutoff_data(facts))


def _palopo_cut(event_type: EventType, **facts: Any) -> CutoffFacts:
    values: dict[str, Any] = {
        "event_type": event_type,
        "region_code": PALOPO.code,
        "region": PALOPO,
        "reason": Reason.POLICY_CUTOFF,
        "at": _at(30),
        "incident_id": 7,
        "down_since": DOWN,
        "source": TransitionSource.OPERATOR,
    }
    return CutoffFacts(**(values | facts))


def _document(event_type: EventType, model: type[BaseModel], summary: str, example: Any) -> None:
    examples = {"palopo": {"summary": f"Kota Palopo: {summary}", "value": example}}

    async def receiver(body: Annotated[model, Body(openapi_examples=examples)]) -> None:  # type: ignore[valid-type]
        pass

    receiver.__doc__ = SIGNED
    webhooks.add_api_route(str(event_type), receiver, methods=["POST"], summary=summary)
    EXAMPLES[str(event_type)] = example


def install_webhook_docs(app: FastAPI) -> None:
    """Document these events in `app`'s OpenAPI `webhooks`. FastAPI drops every null from the
    document it builds, examples included; a body's nulls are part of its shape (`letter:
    null` says there is no letter), so the examples are put back as written."""
    app.webhooks.include_router(webhooks)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            section = build()["webhooks"]
            for event_type, example in EXAMPLES.items():
                body = section[event_type]["post"]["requestBody"]["content"]["application/json"]
                body["examples"]["palopo"]["value"] = example
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


OK, TIMEOUT, CUTOFF = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF
S = State
UP = RegionState(S.OPERATIONAL, OK, _at(-60))
TIMED_OUT = RegionState(S.OUTAGE, TIMEOUT, DOWN)
CUT = RegionState(S.OUTAGE, CUTOFF, DOWN)

E = EventType
for event_type, before, after, reason, summary in [
    (E.SERVICE_OUTAGE, S.OPERATIONAL, S.OUTAGE, TIMEOUT, "a service went down"),
    (E.SERVICE_DEGRADED, S.OPERATIONAL, S.DEGRADED, Reason.PERFORMANCE_SLOW, "a service slowed"),
    (E.SERVICE_MAINTENANCE, S.OPERATIONAL, S.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED,
     "a service entered maintenance"),
    (E.SERVICE_OPERATIONAL, S.OUTAGE, S.OPERATIONAL, OK, "a service is back"),
    (E.SERVICE_REASON_CHANGED, S.OUTAGE, S.OUTAGE, CUTOFF, "a failing service's cause changed"),
]:  # fmt: skip
    _document(event_type, ServiceEvent, summary, _service(event_type, before, after, reason))

for event_type, region_before, region_after, summary in [
    (E.REGION_OUTAGE, UP, TIMED_OUT, "the region went down (its worst service)"),
    (E.REGION_DEGRADED, UP, RegionState(S.DEGRADED, Reason.PERFORMANCE_SLOW, DOWN),
     "the region is degraded"),
    (E.REGION_MAINTENANCE, UP, RegionState(S.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED, DOWN),
     "the region is under maintenance"),
    (E.REGION_OPERATIONAL, CUT, RegionState(S.OPERATIONAL, OK, _at(90)), "the region is back"),
    (E.REGION_REASON_CHANGED, TIMED_OUT, CUT, "the region's cause changed"),
]:  # fmt: skip
    _document(event_type, RegionEvent, summary, _region(event_type, region_before, region_after))

_document(
    E.CUTOFF_SUSPECTED,
    CutoffEvent,
    "Pantau's probes read a cutoff (HTTP 451)",
    _cutoff(
        _palopo_cut(
            E.CUTOFF_SUSPECTED,
            at=_at(2),
            source=TransitionSource.PROBE,
            transition_id=41,
            evidence={"rule": "status_451", "status_code": 451},
        )
    ),
)
_document(
    E.CUTOFF_DECLARED,
    CutoffEvent,
    "the ministry's cutoff letter, recorded by an operator",
    _cutoff(_palopo_cut(E.CUTOFF_DECLARED, letter=CUTOFF_LETTER_LINKED, transition_id=42)),
)
_document(
    E.CUTOFF_LIFTED,
    CutoffEvent,
    "the cutoff lifted (by a letter, or by the region's recovery)",
    _cutoff(
        _palopo_cut(
            E.CUTOFF_LIFTED,
            at=_at(80),
            letter=LIFTING_LETTER,
            lifts=CUTOFF_LETTER,
            lifted_by=LiftedBy.DECLARATION,
        )
    ),
)
_WARNING = {
    "declaration": {
        "id": 2,
        "region_code": PALOPO.code,
        "kind": "warning",
        "reference": "470/1100/Dukcapil",
        "issuer": CUTOFF_LETTER["issuer"],
        "issued_at": "2026-11-20T09:00:00+08:00",
        "url": None,
        "note": "Perjanjian kerja sama belum diperpanjang / cooperation agreement not renewed",
        "deadline": "2026-12-05T00:00:00+08:00",
        "created_at": "2026-11-20T03:00:00Z",
    },
    "region": {"code": PALOPO.code, "name": PALOPO.name, "level": "city", "parent_code": "73"},
}
_document(
    E.POLICY_WARNING,
    PolicyWarningEvent,
    "the ministry warned the region: a cutoff by a deadline",
    _body(E.POLICY_WARNING, _at(-7 * 24 * 60), _WARNING),
)
