"""Shapes of the wave routes and of the wave.* webhook events."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.domain import Category, Reason
from app.core.events import wave_area_labels
from app.core.waves import WaveScope
from app.store.waves import WaveRecord


class WavePublic(BaseModel):
    id: int
    scope: WaveScope
    area: str = Field(description='`"national"`, or the island group\'s digit', examples=["8"])
    area_label_id: str = Field(examples=["Maluku"])
    area_label_en: str = Field(examples=["Maluku"])
    reason: Reason = Field(examples=["network.backbone"])
    category: Category
    regions: list[str] = Field(
        description="Member region codes now; for an ended wave, the members at its end"
    )
    started_at: datetime
    ended_at: datetime | None = Field(description="Null while active")
    peak_regions: int = Field(description="The most members it had at once")

    @classmethod
    def of(cls, wave: WaveRecord) -> WavePublic:
        label_id, label_en = wave_area_labels(wave.scope, wave.area)
        return cls(
            id=wave.id,
            scope=wave.scope,
            area=wave.area,
            area_label_id=label_id,
            area_label_en=label_en,
            reason=wave.reason,
            category=wave.reason.category,
            regions=list(wave.regions),
            started_at=wave.started_at,
            ended_at=wave.ended_at,
            peak_regions=wave.peak_regions,
        )


class WavePage(BaseModel):
    items: list[WavePublic]
    next_cursor: str | None


class WaveEventData(BaseModel):
    wave: WavePublic


class WaveEvent(BaseModel):
    """A Standard Webhooks body; `wave.updated` goes out when at least
    PANTAU_WAVE_UPDATE_FRACTION of the members last announced joined or left, at most once
    per PANTAU_WAVE_UPDATE_DEBOUNCE_SECONDS."""

    type: Literal["wave.started", "wave.updated", "wave.ended"]
    timestamp: datetime
    data: WaveEventData
