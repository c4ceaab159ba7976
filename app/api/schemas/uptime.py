"""Uptime reports: the citizens' and the office's figures, downtime by cause."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.uptime_coverage import Verdict
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
    coverage: float = Field(
        ge=0, le=1, description="observed_seconds / the window's seconds", examples=[0.9987]
    )


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
    coverage: float = Field(
        ge=0,
        le=1,
        description="The share of the window observed (the citizens' observed_seconds / "
        "window_seconds): 0.0000261 is one minute of thirty days",
        examples=[0.9987],
    )
    coverage_verdict: Verdict = Field(
        description="Whether uptime_percent stands for the window: `no_data` (nothing "
        "observed), `too_little` (under half the window observed: the figure is about that "
        "part only; show it with its coverage, never bare), `partial` (half or more), `full` "
        "(99.9 % or more)"
    )
    monitored_since: datetime | None = Field(
        description="The first recorded transition of the services the figure is made of "
        "(a region's non-paused services): where its data begins; null when never observed"
    )
