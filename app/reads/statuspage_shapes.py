"""Atlassian Statuspage v2 public documents (scheduled maintenances included), field for field,
so existing widgets and exporters read Pantau unchanged. Value vocabularies are in
`app/core/statuspage_terms.py`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.statuspage_terms import ComponentStatus, IncidentStatus, Indicator


class Page(BaseModel):
    id: str = Field(examples=["pantau"])
    name: str
    url: str
    time_zone: str = Field(examples=["Etc/UTC"])
    updated_at: datetime


class Status(BaseModel):
    indicator: Indicator
    description: str = Field(
        description="In the reader's language (`?lang=`, else Accept-Language), with the blast "
        "radius and how many regencies and cities are monitored",
        examples=["Sebagian layanan terputus: 1 dari 514 kabupaten/kota terdampak, 60 dipantau"],
    )


class Component(BaseModel):
    """A regency/city (id: its code), or a province as a group (`group: true`). One with no
    service is `operational` with the description "Tidak dipantau" / "Not monitored",
    `showcase: false` and no `start_date`."""

    id: str = Field(examples=["73.73"])
    name: str = Field(examples=["Kota Palopo"])
    status: ComponentStatus
    created_at: datetime
    updated_at: datetime
    position: int
    description: str | None = Field(
        description="State, cause, since when, declared letter; or not monitored. In the "
        "reader's language"
    )
    showcase: bool
    start_date: date | None
    group_id: str | None = Field(description="The province's code", examples=["73"])
    page_id: str
    group: bool
    only_show_if_degraded: bool
    components: list[str] | None = Field(default=None, description="A group's components")


class AffectedComponent(BaseModel):
    code: str
    name: str
    old_status: ComponentStatus
    new_status: ComponentStatus


class IncidentUpdate(BaseModel):
    id: str
    status: IncidentStatus
    body: str
    incident_id: str
    created_at: datetime
    updated_at: datetime
    display_at: datetime
    affected_components: list[AffectedComponent] | None
    deliver_notifications: bool = True
    custom_tweet: str | None = None
    tweet_id: str | None = None


class Incident(BaseModel):
    id: str
    name: str
    status: IncidentStatus
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    impact: Indicator
    shortlink: str
    started_at: datetime
    page_id: str
    incident_updates: list[IncidentUpdate] = Field(description="Newest first")
    components: list[Component]


MaintenanceStatus = Literal["scheduled", "in_progress", "completed"]


class MaintenanceComponent(BaseModel):
    id: str
    name: str
    status: Literal["operational", "under_maintenance"]
    page_id: str
    group_id: None = None
    showcase: bool = True
    only_show_if_degraded: bool = False


class Update(BaseModel):
    id: str
    status: MaintenanceStatus
    body: str
    incident_id: str
    created_at: datetime
    updated_at: datetime
    display_at: datetime
    affected_components: None = None
    deliver_notifications: bool = False


class ScheduledMaintenance(BaseModel):
    id: str
    name: str
    status: MaintenanceStatus
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    impact: Literal["maintenance"] = "maintenance"
    shortlink: str
    started_at: datetime
    page_id: str
    incident_updates: list[Update]
    components: list[MaintenanceComponent]
    scheduled_for: datetime
    scheduled_until: datetime


class ScheduledMaintenances(BaseModel):
    page: Page
    scheduled_maintenances: list[ScheduledMaintenance]


class StatusDocument(BaseModel):
    page: Page
    status: Status


class ComponentsDocument(BaseModel):
    page: Page
    components: list[Component]


class IncidentsDocument(BaseModel):
    page: Page
    incidents: list[Incident]


class SummaryDocument(BaseModel):
    page: Page
    components: list[Component]
    incidents: list[Incident] = Field(description="Unresolved incidents")
    scheduled_maintenances: list[ScheduledMaintenance] = Field(description="Active and upcoming")
    status: Status
