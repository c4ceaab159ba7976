"""Probe observations: raw samples kept for a bounded retention, and hourly rollups kept for
long-range uptime. Storage grows with services × hours, not with probes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.store.types import UTCDateTime


class ProbeSample(SQLModel, table=True):
    __tablename__ = "probe_sample"
    __table_args__ = (Index("ix_probe_sample_service_id_at", "service_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(
        sa_column=Column(Integer, ForeignKey("service.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    latency_ms: float
    status_code: int | None = None
    reason: str = Field(max_length=32)


class ServiceHour(SQLModel, table=True):
    """Counts per category for one service and one UTC hour."""

    __tablename__ = "service_hour"

    service_id: int = Field(
        sa_column=Column(Integer, ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    )
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    probes: int = 0
    ok: int = 0
    slow: int = 0
    network: int = 0
    policy: int = 0
    upstream: int = 0
    maintenance: int = 0
    unhealthy: int = 0
    latency_sum_ms: float = 0.0
    latency_max_ms: float = 0.0
