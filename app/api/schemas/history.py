"""Transitions as the public and holders of `services:write` see them, and pages of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from app.core.disclosure import public_evidence
from app.core.domain import Category, Reason, State, TransitionSource
from app.reads.region_shapes import Label
from app.store.models import Transition

EXAMPLE: dict[str, Any] = {
    "id": 4812,
    "service_id": 17,
    "region_code": "73.73",
    "from_state": "operational",
    "to_state": "outage",
    "reason": "policy.cutoff",
    "category": "policy",
    "reason_label": {
        "id": "Pemutusan akses oleh pusat",
        "en": "Access cut off by central authority",
    },
    "at": "2026-11-29T08:00:00Z",
    "source": "operator",
    "evidence": {"rule": "declaration", "observed_reason": "network.timeout"},
    "incident_id": 311,
}

Citation = dict[str, str | int | None]


class EvidencePublic(TypedDict, total=False):
    """What anyone may read of a transition's evidence: never anything the endpoint sent.
    Only the keys that apply are present."""

    rule: Annotated[str, Field(examples=["status_5xx"])]
    status_code: int | None
    latency_ms: float
    expected_status: int
    threshold_ms: Annotated[int, Field(description="Of a `performance.slow` rule")]
    observed_reason: Annotated[
        Reason, Field(description="What the probes saw beneath a declaration or attribution")
    ]
    local_reason: Annotated[Reason, Field(description="Before a central wave")]
    central_reason: Annotated[Reason, Field(description="Before the agents' view")]
    declaration: Annotated[
        Citation, Field(description="The letter cited: id, kind, reference, issuer, issued_at, url")
    ]
    lifts: Annotated[Citation, Field(description="The letter a lifting ends")]
    maintenance: Annotated[Citation, Field(description="The window: id, title, starts_at, ends_at")]


class _Transition(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    id: int
    service_id: int | None = Field(description="null once the service is deleted")
    region_code: str
    from_state: State
    to_state: State
    reason: Reason
    category: Category
    reason_label: Label
    at: datetime
    source: TransitionSource
    evidence: Any
    incident_id: int | None

    @classmethod
    def of(cls, transition: Transition) -> Self:
        reason = Reason(transition.reason)
        return cls(
            id=transition.id or 0,
            service_id=transition.service_id,
            region_code=transition.region_code,
            from_state=State(transition.from_state),
            to_state=State(transition.to_state),
            reason=reason,
            category=reason.category,
            reason_label=Label(id=reason.label_id, en=reason.label_en),
            at=transition.at,
            source=TransitionSource(transition.source),
            evidence=cls.shown_evidence(transition.evidence or {}),
            incident_id=transition.incident_id,
        )

    @classmethod
    def shown_evidence(cls, stored: dict[str, Any]) -> Any:
        return public_evidence(stored)


class TransitionPublic(_Transition):
    evidence: EvidencePublic


class TransitionOperator(_Transition):
    """A transition as holders of `services:write` see it."""

    evidence: dict[str, Any] = Field(description="All that was recorded: excerpts, headers")

    @classmethod
    def shown_evidence(cls, stored: dict[str, Any]) -> Any:
        return stored


class HistoryPage(BaseModel):
    items: list[TransitionPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next, older page")


class HistoryPageOperator(BaseModel):
    items: list[TransitionOperator]
    next_cursor: str | None
