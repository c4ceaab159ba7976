"""Incidents, their detail (transitions and updates) and pages of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas.history import TransitionOperator, TransitionPublic
from app.api.schemas.incident_updates import IncidentUpdatePublic
from app.core.domain import Category, Reason, State
from app.reads.region_shapes import Label


class DeclarationCitation(BaseModel):
    id: int | None
    kind: str = Field(examples=["cutoff"])
    reference: str = Field(examples=["400.8/1234/Dukcapil"])
    issuer: str = Field(examples=["Ditjen Dukcapil Kemendagri"])
    issued_at: datetime
    url: str | None = None
    letter_url: str | None = Field(
        default=None,
        description="The letter itself (a PDF or image), when attached and public",
        examples=["https://pantau.example.go.id/api/v1/declarations/12/letter"],
    )

    @classmethod
    def of(cls, citation: dict[str, Any], base_url: str) -> DeclarationCitation:
        """A citation as `declarations_cited` gives it (`letter_path` for a public letter)."""
        path = citation.get("letter_path")
        return cls.model_validate(citation | {"letter_url": f"{base_url}{path}" if path else None})


class ReasonSpanPublic(BaseModel):
    """One stretch of the region's reason during the episode."""

    reason: Reason
    category: Category
    started_at: datetime
    ended_at: datetime | None = Field(description="None while it is the region's reason now")
    seconds: float = Field(description="Until its end, or until now while current")


class IncidentPublic(BaseModel):
    id: int
    region_code: str = Field(examples=["73.73"])
    region_name: str = Field(examples=["Kota Palopo"])
    province_code: str | None = Field(examples=["73"])
    started_at: datetime = Field(description="When the outage began (the region went away)")
    ended_at: datetime | None = Field(description="When the region was back; None while active")
    is_active: bool
    duration_seconds: float = Field(
        description="From `started_at` to `ended_at`, or until now while active"
    )
    worst_state: State
    category: Category = Field(
        description="The governing cause's: `policy` when any cutoff, suspected or declared, "
        "applied during the episode, however briefly; otherwise that of the reason that held "
        "longest (ties: the more severe, then the more recent). While active, as of the last "
        "change (`updated_at`)"
    )
    reason: Reason = Field(
        description="The governing cause: `policy.cutoff` before `policy.suspected` when a "
        "cutoff applied; otherwise the reason that held longest"
    )
    reason_label: Label
    latest_reason: Reason = Field(
        description="The region's reason now (while active) or at the end; may differ from "
        "the governing `reason`"
    )
    reasons_seen: list[Reason] = Field(
        description="Every reason seen, in order of first sighting, without times (kept for "
        "compatibility: `reason_timeline` has the full sequence with times)"
    )
    reason_timeline: list[ReasonSpanPublic] = Field(
        description="The full sequence of the region's reasons over the episode with their "
        "times, oldest first: each span ends where the next begins, the last at `ended_at` "
        "(or is current, `ended_at` None, while active)"
    )
    declarations: list[DeclarationCitation] = Field(description="Letters its transitions cite")
    wave_id: int | None = Field(description="The wave (/api/v1/waves) the region was part of")
    updated_at: datetime


class _IncidentWithUpdates(IncidentPublic):
    has_more_transitions: bool
    updates: list[IncidentUpdatePublic] = Field(description="Operators' updates, newest first")


class IncidentDetail(_IncidentWithUpdates):
    transitions: list[TransitionPublic] = Field(description="Oldest first, at most 500")


class IncidentDetailOperator(_IncidentWithUpdates):
    """With a `services:write` token: each transition's whole evidence."""

    transitions: list[TransitionOperator]


class IncidentPage(BaseModel):
    items: list[IncidentPublic]
    next_cursor: str | None
