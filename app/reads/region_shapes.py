"""Public response shapes shared by several routers (field names other programs rely on)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.domain import Category, Reason, RegionLevel, State
from app.store.declarations import DeclarationKind


class Label(BaseModel):
    id: str = Field(description="Indonesian")
    en: str = Field(description="English")


def reason_label(reason: Reason | None) -> Label | None:
    return None if reason is None else Label(id=reason.label_id, en=reason.label_en)


def category_of(reason: Reason | None) -> Category | None:
    return None if reason is None else reason.category


class ServiceStatus(BaseModel):
    id: int
    name: str
    state: State
    reason: Reason | None
    category: Category | None
    since: datetime | None
    last_checked_at: datetime | None


class DeclarationPublic(BaseModel):
    """What an operator recorded from official channels, citing its reference."""

    id: int
    region_code: str = Field(examples=["73.73"])
    kind: DeclarationKind
    reference: str = Field(description="The letter's number", examples=["400.8/1234/Dukcapil"])
    issuer: str = Field(examples=["Ditjen Dukcapil Kemendagri"])
    issued_at: datetime
    url: str | None
    note: str | None
    deadline: datetime | None = Field(description="A warning's deadline")
    created_at: datetime
    letter_url: str | None = Field(
        default=None,
        description="Where the letter itself (a PDF or image) is downloaded, when it is "
        "attached and public; null otherwise",
        examples=["https://pantau.example.go.id/api/v1/declarations/12/letter"],
    )


class DeclarationStatus(DeclarationPublic):
    contradicted_by_probes: bool = Field(
        description="Declared, yet the region's probes pass: for an operator to check"
    )


class MaintenanceNotice(BaseModel):
    """A maintenance window's current or next occurrence."""

    id: int
    title: str
    status: Literal["scheduled", "in_progress"]
    starts_at: datetime
    ends_at: datetime


class RegionStatus(BaseModel):
    code: str = Field(examples=["73.73"])
    name: str = Field(examples=["Kota Palopo"])
    level: RegionLevel
    parent_code: str | None = Field(examples=["73"])
    state: State
    reason: Reason | None
    category: Category | None
    reason_label: Label | None
    since: datetime | None
    services: list[ServiceStatus]
    declaration: DeclarationStatus | None = Field(
        default=None, description="The cutoff or infrastructure declaration in force"
    )
    warning: DeclarationPublic | None = Field(
        default=None, description="A warning (teguran) in force, with its deadline"
    )
    maintenance: list[MaintenanceNotice] = Field(
        default_factory=list, description="Maintenance under way or starting within 14 days"
    )


class RegionPage(BaseModel):
    items: list[RegionStatus]
    next_cursor: str | None
    total: int
