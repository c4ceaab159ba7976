"""Maintenance windows: what operators send, and the window with its next occurrences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from app.core.instants import Instant
from app.core.plain_text import PLAIN_TEXT
from app.core.regions.code_fields import RegionCodeIn
from app.core.windows import canonical_time_zone, next_occurrences, phase
from app.store import maintenance as store
from app.store.maintenance import MaintenanceWindow

Phase = Literal["scheduled", "in_progress", "completed"]

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PLAIN_TEXT
]

Note = Annotated[str, StringConstraints(max_length=5000), PLAIN_TEXT]
TimeZone = Annotated[str, AfterValidator(canonical_time_zone)]

Rule = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), PLAIN_TEXT
]

Regions = Annotated[list[RegionCodeIn], Field(max_length=100)]
ServiceIds = Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=500)]


class MaintenanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title = Field(examples=["Pemeliharaan server SIAK pusat"])
    note: Note | None = None
    starts_at: Instant = Field(description="The first occurrence's start")
    ends_at: Instant = Field(description="The first occurrence's end")
    timezone: TimeZone = Field(
        default="Asia/Jakarta",
        description="Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)",
    )
    rrule: Rule | None = Field(
        default=None,
        description="RFC 5545 RRULE (DAILY or coarser), read in `timezone` from starts_at",
        examples=["FREQ=WEEKLY;BYDAY=SU"],
    )
    regions: Regions = Field(
        default_factory=list, description="Region codes; `73` covers the province and its regencies"
    )
    service_ids: ServiceIds = Field(default_factory=list)


class MaintenanceUpdate(BaseModel):
    """Only the fields sent change; null clears `note` or `rrule`."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    note: Note | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    timezone: TimeZone | None = None
    rrule: Rule | None = None
    regions: Regions | None = None
    service_ids: ServiceIds | None = None

    @field_validator("title", "starts_at", "ends_at", "timezone", "regions", "service_ids")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class OccurrencePublic(BaseModel):
    starts_at: datetime
    ends_at: datetime


class MaintenancePublic(BaseModel):
    id: int
    title: str
    note: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    rrule: str | None
    regions: list[str]
    service_ids: list[int]
    status: Phase = Field(description="`completed` too for a window that cannot be evaluated")
    next_occurrences: list[OccurrencePublic] = Field(description="Under way or upcoming")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, window: MaintenanceWindow, *, now: datetime) -> MaintenancePublic:
        fields = {name: getattr(window, name, None) for name in cls.model_fields}
        # A row written around the API (say, ending in year 9000) has no effect anywhere: it
        # reads as completed here, so it can still be listed, corrected or deleted.
        usable = store.is_usable(window)
        upcoming = next_occurrences(window.spec, after=now, limit=5) if usable else []
        fields.update(
            status=phase(window.spec, now) if usable else "completed",
            next_occurrences=[
                OccurrencePublic(starts_at=o.starts_at, ends_at=o.ends_at) for o in upcoming
            ],
        )
        return cls.model_validate(fields)


class MaintenancePage(BaseModel):
    items: list[MaintenancePublic]
