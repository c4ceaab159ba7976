"""Incidents, their detail (transitions and updates) and pages of them."""

from __future__ import annotations

from datetime import datetime

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


class IncidentPublic(BaseModel):
    id: int
    region_code: str = Field(examples=["73.73"])
    region_name: str = Field(examples=["Kota Palopo"])
    province_code: str | None = Field(examples=["73"])
    started_at: datetime
    ended_at: datetime | None
    is_active: bool
    duration_seconds: float = Field(description="Until the end, or until now while active")
    worst_state: State
    category: Category = Field(description="Of the reason that opened it")
    reason: Reason = Field(description="The latest cause")
    reason_label: Label
    reasons_seen: list[Reason]
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
