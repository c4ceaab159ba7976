"""An operator's update to an incident's story, in Indonesian and English."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.plain_text import PLAIN_TEXT
from app.store.incident_updates import IncidentUpdate, UpdateStatus

Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), PLAIN_TEXT
]


class IncidentUpdateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UpdateStatus
    body_id: Body = Field(description="Indonesian", examples=["Akses VPN diputus oleh pusat."])
    body_en: Body = Field(description="English", examples=["VPN access was cut centrally."])


class IncidentUpdatePublic(BaseModel):
    id: int
    incident_id: int
    status: UpdateStatus
    body_id: str
    body_en: str
    created_at: datetime

    @classmethod
    def of(cls, update: IncidentUpdate) -> IncidentUpdatePublic:
        return cls.model_validate(update, from_attributes=True)
