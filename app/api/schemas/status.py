"""The country at a glance: counts by state and cause, blast radius, regions not operational."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.domain import Category, Reason, RegionLevel, State
from app.reads.region_shapes import Label


class StateCounts(BaseModel):
    operational: int
    degraded: int
    outage: int
    maintenance: int
    unknown: int = Field(description="Not monitored, or not yet checked")


class CategoryCounts(BaseModel):
    """Regions with a service not operational for this cause (a region may count twice)."""

    network: int = 0
    policy: int = 0
    upstream: int = 0
    local: int = 0
    maintenance: int = 0
    performance: int = 0


class BlastRadius(BaseModel):
    affected: int = Field(description="In outage, degraded or under maintenance", examples=[3])
    monitored: int = Field(
        description="With at least one watched service; the rest are not monitored",
        examples=[60],
    )
    total: int = Field(examples=[514])
    label: Label


class DeclarationRef(BaseModel):
    id: int
    kind: str = Field(examples=["cutoff"])
    reference: str = Field(examples=["400.8/1234/Dukcapil"])
    issuer: str
    issued_at: datetime
    url: str | None


class ProvinceStatus(BaseModel):
    code: str = Field(examples=["73"])
    name: str = Field(examples=["Sulawesi Selatan"])
    state: State = Field(description="The worst of its regencies and cities")
    reason: Reason | None
    category: Category | None
    since: datetime | None
    blast_radius: BlastRadius
    by_state: StateCounts


class AffectedRegion(BaseModel):
    code: str = Field(examples=["73.73"])
    name: str = Field(examples=["Kota Palopo"])
    level: RegionLevel
    parent_code: str | None
    state: State
    reason: Reason | None
    category: Category | None
    reason_label: Label | None
    since: datetime | None
    services: int
    services_down: int
    declaration: DeclarationRef | None = Field(description="The cutoff or fault declared")


class StatusSummary(BaseModel):
    state: State = Field(description="The worst region's state")
    updated_at: datetime | None = Field(description="When the newest transition happened")
    blast_radius: BlastRadius
    by_state: StateCounts = Field(description="Regencies and cities by state")
    by_category: CategoryCounts
    provinces: list[ProvinceStatus]
    not_operational: list[AffectedRegion] = Field(description="Worst first, longest first")
