"""Public response shapes shared by several routers (field names other programs rely on)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.domain import Category, Reason, RegionLevel, State


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
    declaration: dict[str, object] | None = None


class RegionPage(BaseModel):
    items: list[RegionStatus]
    next_cursor: str | None
    total: int
