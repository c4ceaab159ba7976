"""Uptime reports: the citizens' and the office's figures, downtime by cause."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.reads.region_shapes import Label

WindowName = Literal["24h", "7d", "30d", "90d", "365d"]


class Figure(BaseModel):
    label: Label
    uptime_percent: float | None = Field(
        description="0–100; null when nothing was observed in the window", examples=[99.71]
    )
    downtime_seconds: float
    observed_seconds: float = Field(description="Up plus down time that counts in this figure")
    excluded_seconds: float = Field(description="Left out of this figure")


class DowntimeByCategory(BaseModel):
    network: float = 0.0
    policy: float = 0.0
    upstream: float = 0.0
    local: float = 0.0
    maintenance: float = 0.0
    probe: float = Field(default=0.0, description="Down while the monitor itself was impaired")


class UptimeReport(BaseModel):
    region_code: str | None = Field(examples=["73.73"])
    service_id: int | None
    window: WindowName
    start: datetime
    end: datetime
    window_seconds: float
    citizens: Figure
    office: Figure
    downtime_by_category: DowntimeByCategory = Field(description="Seconds down, by cause")
    degraded_seconds: float = Field(description="Up but slow; counted as up")
    unmonitored_seconds: float = Field(description="Not yet or not watched: in no figure")
