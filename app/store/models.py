"""Tables. A service row carries its check spec and its persisted check state, so a restart
resumes where it stopped; transitions are the history that storage grows with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.core.check_settings import CHECK_DEFAULTS
from app.core.domain import Reason, RegionLevel, State, TransitionSource
from app.store.types import JSONDocument, UTCDateTime, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utc(*, nullable: bool = False, index: bool = False, now: bool = False) -> Any:
    column: Column[datetime] = Column(UTCDateTime(), nullable=nullable, index=index)
    if now:
        return Field(default_factory=utcnow, sa_column=column)
    return Field(default=None, sa_column=column) if nullable else Field(sa_column=column)


class Region(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=120)
    level: RegionLevel = Field(sa_type=String(16), index=True)
    parent_code: str | None = Field(
        default=None, sa_column=Column(String(8), ForeignKey("region.code"), index=True)
    )


class Service(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Identity in a declarative services file; services made through the API have none.
    key: str | None = Field(default=None, max_length=100, unique=True, index=True)
    region_code: str = Field(
        sa_column=Column(String(8), ForeignKey("region.code"), nullable=False, index=True)
    )
    name: str = Field(max_length=200)
    url: str = Field(max_length=2048)
    # Write-only: sent by the prober, never returned by any route (see app/core/disclosure.py).
    basic_auth: dict[str, str] | None = Field(default=None, sa_type=JSONDocument)
    method: str = Field(default=CHECK_DEFAULTS.method, max_length=8)
    interval_seconds: int = CHECK_DEFAULTS.interval_seconds
    timeout_seconds: float = CHECK_DEFAULTS.timeout_seconds
    failure_threshold: int = CHECK_DEFAULTS.failure_threshold
    success_threshold: int = CHECK_DEFAULTS.success_threshold
    degraded_latency_ms: int | None = CHECK_DEFAULTS.degraded_latency_ms
    expected_status: int = CHECK_DEFAULTS.expected_status
    body_contains: str | None = Field(default=None, max_length=500)
    policy_markers: list[str] | None = Field(default=None, sa_type=JSONDocument)
    cutoff_markers: list[str] | None = Field(default=None, sa_type=JSONDocument)
    follow_redirects: bool = CHECK_DEFAULTS.follow_redirects
    is_paused: bool = False

    state: State = Field(default=State.UNKNOWN, sa_type=String(16))
    reason: Reason | None = Field(default=None, sa_type=String(32))
    state_changed_at: datetime | None = _utc(nullable=True)
    # The failure or success streak that has not yet crossed its threshold.
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    streak_reason: Reason | None = Field(default=None, sa_type=String(32))
    reason_streak: int = 0
    # The latest probe's failure signature (app/core/waves.py; a body hash, never body text)
    # and when its run of that signature began: what wave detection reads across regions.
    failure_signature: str | None = Field(default=None, max_length=200)
    failure_since: datetime | None = _utc(nullable=True)
    sequence: int = 0
    last_checked_at: datetime | None = _utc(nullable=True)
    next_check_at: datetime = _utc(index=True)
    lease_expires_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc(now=True)
    updated_at: datetime = _utc(now=True)


class Transition(SQLModel, table=True):
    __table_args__ = (
        Index("ix_transition_region_code_at", "region_code", "at"),
        Index("ix_transition_service_id_at", "service_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    service_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("service.id", ondelete="SET NULL"))
    )
    region_code: str = Field(sa_column=Column(String(8), ForeignKey("region.code"), nullable=False))
    from_state: State = Field(sa_type=String(16))
    to_state: State = Field(sa_type=String(16))
    reason: Reason = Field(sa_type=String(32))
    source: TransitionSource = Field(sa_type=String(16))
    at: datetime = _utc(now=True)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    incident_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("incident.id", ondelete="SET NULL"), index=True),
    )


class Incident(SQLModel, table=True):
    """An episode of one region away from operational, derived from its transitions."""

    __table_args__ = (Index("ix_incident_region_code_started_at", "region_code", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(sa_column=Column(String(8), ForeignKey("region.code"), nullable=False))
    started_at: datetime = _utc(index=True)
    ended_at: datetime | None = _utc(nullable=True, index=True)
    worst_state: State = Field(sa_type=String(16))
    # The governing cause (app.core.incidents.governing_cause) and its category.
    category: str = Field(max_length=16)
    reason: Reason = Field(sa_type=String(32))
    reasons_seen: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    # The region's reason over the episode: [{"reason", "from", "until"}], ISO 8601 UTC,
    # "until" null while current (app.core.incidents.timeline_document).
    reason_timeline: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDocument)
    updated_at: datetime = _utc(now=True)
    # The wave (app/store/waves.py) the region was a member of while this incident was open.
    wave_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("wave.id", ondelete="SET NULL"), index=True)
    )
