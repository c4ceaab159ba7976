"""Shapes of the webhook bodies (Standard Webhooks `{"type", "timestamp", "data"}`) of the
service.*, region.*, cutoff.* and policy.warning events, for the OpenAPI `webhooks` section
(app/api/webhook_events.py). The wave.* bodies are in app/api/schemas/waves.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core.domain import Category, Reason, State, TransitionSource
from app.reads.region_shapes import DeclarationPublic, Label

ServiceEventType = Literal[
    "service.outage",
    "service.degraded",
    "service.maintenance",
    "service.operational",
    "service.reason_changed",
]
RegionEventType = Literal[
    "region.outage",
    "region.degraded",
    "region.maintenance",
    "region.operational",
    "region.reason_changed",
]
CutoffEventType = Literal["cutoff.suspected", "cutoff.declared", "cutoff.lifted"]
PUBLIC_EVIDENCE = (
    "What the public may see of the evidence: the rule that matched, status code, latency, the"
    " reasons beneath a declaration or an attribution, the letter cited; never what the"
    " endpoint sent"
)


class ProvinceRef(BaseModel):
    code: str = Field(examples=["73"])
    name: str = Field(examples=["Sulawesi Selatan"])


class RegionRef(BaseModel):
    code: str = Field(examples=["73.73"])
    name: str = Field(examples=["Kota Palopo"])
    level: str = Field(examples=["city"])
    parent_code: str | None = Field(examples=["73"])
    province: ProvinceRef


class TransitionData(BaseModel):
    id: int
    service_id: int | None
    region_code: str
    from_state: State
    to_state: State
    reason: Reason
    category: Category
    reason_label: Label
    at: datetime
    source: TransitionSource
    evidence: dict[str, Any] = Field(description=PUBLIC_EVIDENCE)


class ServiceRef(BaseModel):
    id: int
    name: str
    url: str = Field(description="Without credentials, query or fragment")
    sequence: int


class ServiceEventData(BaseModel):
    transition: TransitionData
    region: RegionRef
    service: ServiceRef | None
    incident_id: int | None = Field(description="The region's episode this transition joined")
    previous_state: State
    sequence: int | None = Field(
        description="Grows by one per transition of the service: drop an event older than one"
        " already handled"
    )


class ServiceEvent(BaseModel):
    """One service's transition. `service.reason_changed`: same state, another reason (a
    timeout found to be a cutoff, a declaration citing its letter)."""

    type: ServiceEventType
    timestamp: datetime
    data: ServiceEventData


class ServiceCounts(BaseModel):
    affected: int = Field(description="Unpaused services in outage, degraded or maintenance")
    total: int = Field(description="Unpaused services of the region")


class RegionCause(BaseModel):
    transition_id: int = Field(description="The service transition that changed the region")
    service_id: int | None
    evidence: dict[str, Any] = Field(description=PUBLIC_EVIDENCE)


class RegionEventData(BaseModel):
    region: RegionRef
    state: State = Field(description="The worst state of the region's unpaused services")
    state_label: Label
    previous_state: State = Field(description="As the previous region.* event left it")
    reason: Reason | None = Field(
        description="Of the service longest in that state; `ok` when operational"
    )
    previous_reason: Reason | None
    category: Category | None
    reason_label: Label | None
    since: datetime | None = Field(description="Since when the region is in this state")
    incident_id: int | None = Field(
        description="The episode: open, or ended by this change (region.operational)"
    )
    services: ServiceCounts
    at: datetime
    cause: RegionCause


class RegionEvent(BaseModel):
    """The region's summarised state or reason changed: once per change of the region, however
    many of its services moved (three services failing in one batch are one
    `region.outage`). With `coalesce_waves`, a change caused by a wave (`upstream.central`,
    `network.backbone`) is said by the wave's event instead."""

    type: RegionEventType
    timestamp: datetime
    data: RegionEventData


class Letter(BaseModel):
    declaration_id: int | None = Field(description="In /api/v1/declarations")
    kind: str | None = Field(examples=["cutoff"])
    reference: str | None = Field(description="The letter's number", examples=["470/1234/Dukcapil"])
    issuer: str | None = Field(examples=["Ditjen Dukcapil Kemendagri"])
    date: datetime | None = Field(description="The letter's own date")
    url: str | None = Field(description="A link the operator gave with the declaration")
    letter_url: str | None = Field(
        default=None,
        description="The letter itself (a PDF or image kept by Pantau) when it is public and"
        " was attached by the time of the event (sent with the declaration); else null",
        examples=["https://pantau.example.go.id/api/v1/declarations/3/letter"],
    )


class CutoffEventData(BaseModel):
    region: RegionRef
    incident_id: int | None = Field(
        description="The episode (incident); null for a letter while the region's services pass"
    )
    reason: Reason = Field(description="The cut's: `policy.suspected` or `policy.cutoff`")
    category: Category
    reason_label: Label
    letter: Letter | None = Field(
        description="The letter this event is about (the cutoff letter, or the lifting letter);"
        " null when Pantau saw the cut itself or the region recovered"
    )
    lifts: Letter | None = Field(description="cutoff.lifted by a letter: the cutoff letter lifted")
    lifted_by: Literal["declaration", "recovery"] | None
    down_since: datetime | None = Field(description="When the region's outage began")
    at: datetime
    source: TransitionSource = Field(description="`probe`: Pantau saw it; `operator`: a letter")
    transition_id: int | None
    evidence: dict[str, Any] = Field(description=PUBLIC_EVIDENCE)


class CutoffEvent(BaseModel):
    """A region's cut, announced as a cut. `cutoff.suspected`: Pantau's own probes read a
    cutoff (HTTP 451, a revocation marker, the agents' two-path verdict), once per cut, not
    per service. `cutoff.declared`: once per cutoff letter an operator records. `cutoff.lifted`:
    exactly once per cut, by the lifting letter or by the region back to operational,
    whichever comes first."""

    type: CutoffEventType
    timestamp: datetime
    data: CutoffEventData


class WarningRegion(BaseModel):
    code: str = Field(examples=["73.73"])
    name: str = Field(examples=["Kota Palopo"])
    level: str = Field(examples=["city"])
    parent_code: str | None = Field(examples=["73"])


class PolicyWarningData(BaseModel):
    declaration: DeclarationPublic
    region: WarningRegion


class PolicyWarningEvent(BaseModel):
    """The ministry warned a region (a teguran): a cutoff is threatened by its deadline."""

    type: Literal["policy.warning"]
    timestamp: datetime
    data: PolicyWarningData
