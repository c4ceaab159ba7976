"""Maintenance windows in the Atlassian Statuspage v2 format (`scheduled-maintenances.json`,
`/upcoming.json`, `/active.json`), so existing widgets show them unchanged. Each occurrence of
a recurring window is one scheduled maintenance; components are the regions it covers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.language import Lang, pick
from app.core.statuspage_terms import PAGE_NAME
from app.core.windows import Occurrence, between
from app.http.deps import ReadSession, get_app_settings
from app.http.language import ReaderLang
from app.reads.statuspage_shapes import (
    MaintenanceComponent,
    MaintenanceStatus,
    Page,
    ScheduledMaintenance,
    ScheduledMaintenances,
    Update,
)
from app.store.maintenance import MaintenanceWindow, windows_overlapping
from app.store.models import Region, Service
from app.store.types import utcnow

router = APIRouter(prefix="/api/v2", tags=["statuspage"])

PAGE_ID = "pantau"
RECENT = timedelta(days=30)
AHEAD = timedelta(days=90)
LIST_LIMIT = 50  # Statuspage lists "the 50 most recent"


def _status(occurrence: Occurrence, now: datetime) -> MaintenanceStatus:
    if occurrence.contains(now):
        return "in_progress"
    return "scheduled" if occurrence.starts_at > now else "completed"


async def _region_names(
    session: AsyncSession, windows: Sequence[MaintenanceWindow]
) -> dict[int, list[tuple[str, str]]]:
    """Each window's covered regions as (code, name): named codes, and its services' regions."""
    service_ids = {i for w in windows for i in w.service_ids}
    service_region: dict[int, str] = {}
    if service_ids:
        query = select(Service.id, Service.region_code).where(col(Service.id).in_(service_ids))
        service_region = {i: code for i, code in (await session.exec(query)).all() if i}
    codes = {c for w in windows for c in w.regions} | set(service_region.values())
    names: dict[str, str] = {}
    if codes:
        query_names = select(Region.code, Region.name).where(col(Region.code).in_(codes))
        names = dict((await session.exec(query_names)).all())
    covered = {}
    for window in windows:
        wanted = [*window.regions, *(service_region.get(i) for i in window.service_ids)]
        unique = dict.fromkeys(code for code in wanted if code in names)
        covered[window.id or 0] = [(code, names[code]) for code in unique]
    return covered


def _item(
    window: MaintenanceWindow,
    occurrence: Occurrence,
    regions: list[tuple[str, str]],
    *,
    now: datetime,
    base_url: str,
) -> ScheduledMaintenance:
    status = _status(occurrence, now)
    item_id = str(window.id)
    if window.rrule is not None:
        item_id += occurrence.starts_at.strftime("-%Y%m%dT%H%MZ")
    component_status = "under_maintenance" if status == "in_progress" else "operational"
    update = Update(
        id=f"{item_id}-{status}",
        status=status,
        body=window.note or window.title,
        incident_id=item_id,
        created_at=window.updated_at,
        updated_at=window.updated_at,
        display_at=window.updated_at,
    )
    return ScheduledMaintenance(
        id=item_id,
        name=window.title,
        status=status,
        created_at=window.created_at,
        updated_at=window.updated_at,
        monitoring_at=None,
        resolved_at=occurrence.ends_at if status == "completed" else None,
        shortlink=f"{base_url}api/v1/maintenance/{window.id}",
        started_at=occurrence.starts_at if status != "scheduled" else window.created_at,
        page_id=PAGE_ID,
        incident_updates=[update],
        components=[
            MaintenanceComponent(id=code, name=name, status=component_status, page_id=PAGE_ID)
            for code, name in regions
        ],
        scheduled_for=occurrence.starts_at,
        scheduled_until=occurrence.ends_at,
    )


Listing = Literal["all", "upcoming", "active"]
# Which occurrences each document keeps, and whether newest first.
_LISTINGS: dict[Listing, tuple[Callable[[MaintenanceStatus], bool], bool]] = {
    "all": (lambda _: True, True),
    "upcoming": (lambda status: status == "scheduled", False),
    "active": (lambda status: status == "in_progress", False),
}


async def maintenances(
    request: Request, session: AsyncSession, lang: Lang, listing: Listing
) -> ScheduledMaintenances:
    """One of the three documents; the summary takes its active and upcoming ones here."""
    keep, newest_first = _LISTINGS[listing]
    now = utcnow()
    start, end = now - RECENT, now + AHEAD
    windows = await windows_overlapping(session, start=start, end=end)
    regions = await _region_names(session, windows)
    base_url = f"{get_app_settings(request).public_base_url}/"
    items = [
        _item(window, occurrence, regions[window.id or 0], now=now, base_url=base_url)
        for window in windows
        for occurrence in between(window.spec, start=start, end=end)
    ]
    items = [item for item in items if keep(item.status)]
    items.sort(key=lambda item: (item.scheduled_for, item.id), reverse=newest_first)
    name = pick(PAGE_NAME, lang)
    page = Page(id=PAGE_ID, name=name, url=base_url, time_zone="Etc/UTC", updated_at=now)
    return ScheduledMaintenances(page=page, scheduled_maintenances=items[:LIST_LIMIT])


async def _served(
    request: Request, session: AsyncSession, lang: Lang, response: Response, listing: Listing
) -> ScheduledMaintenances:
    # The page's name is in the reader's language: shared caches must key on it.
    response.headers["Vary"] = "Accept-Language"
    response.headers["Content-Language"] = lang
    return await maintenances(request, session, lang, listing)


@router.get("/scheduled-maintenances.json", response_model=ScheduledMaintenances)
async def scheduled_maintenances(
    request: Request, session: ReadSession, lang: ReaderLang, response: Response
) -> ScheduledMaintenances:
    """Recent, current and upcoming maintenance (30 days back, 90 ahead), newest first."""
    return await _served(request, session, lang, response, "all")


@router.get("/scheduled-maintenances/upcoming.json", response_model=ScheduledMaintenances)
async def upcoming(
    request: Request, session: ReadSession, lang: ReaderLang, response: Response
) -> ScheduledMaintenances:
    """Maintenance that has not started yet, soonest first."""
    return await _served(request, session, lang, response, "upcoming")


@router.get("/scheduled-maintenances/active.json", response_model=ScheduledMaintenances)
async def active(
    request: Request, session: ReadSession, lang: ReaderLang, response: Response
) -> ScheduledMaintenances:
    """Maintenance under way."""
    return await _served(request, session, lang, response, "active")
