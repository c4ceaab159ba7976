"""Regions and their current state: what municipal portals read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import ReadSession, RegionCode
from app.api.schemas import (
    RegionPage,
    RegionStatus,
    ServiceStatus,
    category_of,
    reason_label,
)
from app.domain import Reason, RegionLevel, State
from app.errors import InvalidInput, NotFound
from app.regions.registry import InvalidRegionCode, normalize_code
from app.regions.status import ServiceState, summarise
from app.store import regions as store
from app.store.models import Region, Service

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No region has this code"}}


def _optional_code(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return normalize_code(value)
    except InvalidRegionCode as exc:
        raise InvalidInput(("query", field), str(exc), value) from exc


def _service_status(service: Service) -> ServiceStatus:
    reason = Reason(service.reason) if service.reason else None
    return ServiceStatus(
        id=service.id or 0,
        name=service.name,
        state=State(service.state),
        reason=reason,
        category=category_of(reason),
        since=service.state_changed_at,
        last_checked_at=service.last_checked_at,
    )


def region_status(region: Region, services: list[Service]) -> RegionStatus:
    shown = [_service_status(s) for s in services if not s.is_paused]
    summary = summarise([ServiceState(s.state, s.reason, s.since) for s in shown])
    return RegionStatus(
        code=region.code,
        name=region.name,
        level=RegionLevel(region.level),
        parent_code=region.parent_code,
        state=summary.state,
        reason=summary.reason,
        category=category_of(summary.reason),
        reason_label=reason_label(summary.reason),
        since=summary.since,
        services=shown,
    )


@router.get("", response_model=RegionPage)
async def list_regions(
    session: ReadSession,
    level: RegionLevel | None = None,
    parent: Annotated[str | None, Query(description="Parent province code, e.g. `73`")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=600)] = 100,
) -> RegionPage:
    """Regions in code order, with their current state; filter by level and parent."""
    rows, total = await store.list_regions(
        session,
        level=level,
        parent_code=_optional_code(parent, "parent"),
        after_code=_optional_code(cursor, "cursor"),
        limit=limit,
    )
    services = await store.services_of_regions(session, [r.code for r in rows])
    items = [region_status(r, services[r.code]) for r in rows]
    next_cursor = rows[-1].code if len(rows) == limit else None
    return RegionPage(items=items, next_cursor=next_cursor, total=total)


@router.get("/{code}", response_model=RegionStatus, responses=NOT_FOUND)
async def get_region(code: RegionCode, session: ReadSession) -> RegionStatus:
    """One region's current state, since when, and why; `unknown` while nothing monitors it."""
    region = await store.get_region(session, code)
    if region is None:
        raise NotFound("region", code)
    services = await store.services_of_regions(session, [code])
    return region_status(region, services[code])
