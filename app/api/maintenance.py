"""Maintenance windows: operators plan them (once, or recurring by an RRULE in WIB/WITA/WIT);
inside one, a covered service's failures read `maintenance.scheduled`, not an outage."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.maintenance import (
    MaintenanceCreate,
    MaintenancePage,
    MaintenancePublic,
    MaintenanceUpdate,
    Phase,
)
from app.core.errors import NotFound
from app.core.overrides import covers_region
from app.http.auth import AUTH_RESPONSES, Principal, require_scope
from app.http.deps import DatabaseDep, ReadSession
from app.http.region_codes import optional_region_code
from app.store import maintenance as store
from app.store.keys import Scope
from app.store.maintenance import MaintenanceWindow
from app.store.services import regions_of_services
from app.store.types import utcnow

router = APIRouter(prefix="/api/v1/maintenance", tags=["maintenance"])

MaintenanceWriter = Annotated[Principal, Depends(require_scope(Scope.MAINTENANCE_WRITE))]
WindowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No window has this id"}}


async def _existing(session: AsyncSession, window_id: int) -> MaintenanceWindow:
    window = await store.get_window(session, window_id)
    if window is None:
        raise NotFound("maintenance window", window_id)
    return window


async def _require_targets_in_area(
    session: AsyncSession,
    principal: Principal,
    *,
    regions: list[str],
    service_ids: list[int],
    loc: tuple[str, ...] | None = None,
) -> None:
    """A window's regions and its services' regions, each in the caller's area (a window of
    several provinces needs an unbound key). `loc` names an existing window (the path); else
    each is named by its field in the body."""
    if principal.area is None:
        return
    for index, code in enumerate(regions):
        principal.require_area(code, loc=loc or ("body", "regions", index))
    found = await regions_of_services(session, service_ids)
    for index, service_id in enumerate(service_ids):
        if service_id in found:  # an unknown one is refused as such by check_window
            principal.require_area(found[service_id], loc=loc or ("body", "service_ids", index))


async def _require_window_in_area(
    session: AsyncSession, principal: Principal, window: MaintenanceWindow
) -> None:
    """An existing window, named by its id in the path, lies in the caller's area."""
    await _require_targets_in_area(
        session,
        principal,
        regions=window.regions,
        service_ids=window.service_ids,
        loc=("path", "window_id"),
    )


def _touches(window: MaintenanceWindow, code: str) -> bool:
    return any(covers_region(t, code) or covers_region(code, t) for t in window.regions)


@router.post("", status_code=201, response_model=MaintenancePublic, responses=AUTH_RESPONSES)
async def create_window(
    body: MaintenanceCreate, database: DatabaseDep, principal: MaintenanceWriter
) -> MaintenancePublic:
    """Plan a window covering regions (a province code covers its regencies) or services. A
    region-bound key plans windows only within its area."""
    async with database.transaction() as session:
        await _require_targets_in_area(
            session, principal, regions=body.regions, service_ids=body.service_ids
        )
        window = await store.add_window(session, MaintenanceWindow(**body.model_dump()))
        public = MaintenancePublic.of(window, now=utcnow())
        await record_write(
            session,
            principal,
            action="maintenance.create",
            target_type="maintenance",
            target_id=window.id,
            after=public,
        )
    return public


@router.get("", response_model=MaintenancePage)
async def list_windows(
    session: ReadSession,
    region: Annotated[str | None, Query(description="Windows touching this region")] = None,
    status: Phase | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> MaintenancePage:
    """Windows, newest first, filtered by region and by Statuspage status."""
    code = optional_region_code(region)
    now = utcnow()
    items = []
    for window in await store.list_windows(session):
        if code is not None and not _touches(window, code):
            continue
        public = MaintenancePublic.of(window, now=now)
        if status is None or public.status == status:
            items.append(public)
        if len(items) >= limit:
            break
    return MaintenancePage(items=items)


@router.get("/{window_id}", response_model=MaintenancePublic, responses=NOT_FOUND)
async def get_window(window_id: WindowId, session: ReadSession) -> MaintenancePublic:
    return MaintenancePublic.of(await _existing(session, window_id), now=utcnow())


@router.patch(
    "/{window_id}", response_model=MaintenancePublic, responses={**NOT_FOUND, **AUTH_RESPONSES}
)
async def update_window(
    window_id: WindowId,
    changes: MaintenanceUpdate,
    database: DatabaseDep,
    principal: MaintenanceWriter,
) -> MaintenancePublic:
    """Change some of a window; the whole window is checked again."""
    async with database.transaction() as session:
        window = await _existing(session, window_id)
        await _require_window_in_area(session, principal, window)
        await _require_targets_in_area(
            session,
            principal,
            regions=changes.regions or [],
            service_ids=changes.service_ids or [],
        )
        now = utcnow()
        before = MaintenancePublic.of(window, now=now)
        await store.update_window(session, window, changes=changes.model_dump(exclude_unset=True))
        public = MaintenancePublic.of(window, now=now)
        await record_write(
            session,
            principal,
            action="maintenance.update",
            target_type="maintenance",
            target_id=window_id,
            before=before,
            after=public,
        )
    return public


@router.delete("/{window_id}", status_code=204, responses={**NOT_FOUND, **AUTH_RESPONSES})
async def delete_window(
    window_id: WindowId, database: DatabaseDep, principal: MaintenanceWriter
) -> Response:
    """Cancel a window; the audit log keeps what it was."""
    async with database.transaction() as session:
        window = await _existing(session, window_id)
        await _require_window_in_area(session, principal, window)
        before = MaintenancePublic.of(window, now=utcnow())
        await store.delete_window(session, window)
        await record_write(
            session,
            principal,
            action="maintenance.delete",
            target_type="maintenance",
            target_id=window_id,
            before=before,
        )
    return Response(status_code=204)
