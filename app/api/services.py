"""Monitored services: operators register and tune endpoints; anyone may read them, without
the URL's query string, which holders of `services:write` see. Credentials are write-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.services import ServicePage, ServicePageOperator
from app.core.domain import State
from app.core.errors import NotFound
from app.http.auth import AUTH_RESPONSES, IsOperator, Principal, require_scope
from app.http.deps import DatabaseDep, ReadSession
from app.http.region_codes import optional_region_code
from app.reads.cache import json_response
from app.store import services as store
from app.store.models import Service
from app.store.service_models import ServiceCreate, ServiceOperator, ServicePublic, ServiceUpdate
from app.usecases import service_changes

router = APIRouter(prefix="/api/v1/services", tags=["services"])

ServicesWriter = Annotated[Principal, Depends(require_scope("services:write"))]
ROW_ID_MAX = 2**31 - 1  # PostgreSQL integer: a larger id would be a 500, not a 404
ServiceId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No service has this id"}}
CREATE_RESPONSES = {**AUTH_RESPONSES, 409: {"description": "The key is taken by another service"}}


async def _existing(session: AsyncSession, service_id: int) -> Service:
    service = await store.get_service(session, service_id=service_id)
    if service is None:
        raise NotFound("service", service_id)
    return service


@router.post("", status_code=201, response_model=ServiceOperator, responses=CREATE_RESPONSES)
async def create_service(
    spec: ServiceCreate, database: DatabaseDep, principal: ServicesWriter
) -> ServiceOperator:
    """Register an endpoint to monitor; its first check comes within ten seconds."""
    principal.require_area(spec.region_code, loc=("body", "region_code"))
    async with database.transaction() as session:
        service = await store.create_service(session, spec=spec)
        public = ServiceOperator.of(service)
        await record_write(
            session,
            principal,
            action="service.create",
            target_type="service",
            target_id=service.id,
            after=public,
        )
    return public


@router.get("", response_model=ServicePage)
async def list_services(
    session: ReadSession,
    operator: IsOperator,
    region: Annotated[
        str | None, Query(description="Region code or province prefix: `73` or `73.73`")
    ] = None,
    state: State | None = None,
    cursor: Annotated[
        int | None, Query(ge=0, le=ROW_ID_MAX, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Services in id order, filtered by region (a province includes its regencies) and state;
    with a `services:write` token, as ServiceOperator (the URL's query string included)."""
    rows = await store.list_services(
        session,
        region_prefix=optional_region_code(region),
        state=state,
        after_id=cursor,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = str(page[-1].id) if len(rows) > limit else None
    # Encoded here: through response_model the operator's fields would be filtered away.
    if operator:
        items = [ServiceOperator.of(s) for s in page]
        return json_response(ServicePageOperator(items=items, next_cursor=next_cursor))
    public = [ServicePublic.of(s) for s in page]
    return json_response(ServicePage(items=public, next_cursor=next_cursor))


@router.get("/{service_id}", response_model=ServicePublic, responses=NOT_FOUND)
async def get_service(
    service_id: ServiceId, session: ReadSession, operator: IsOperator
) -> Response:
    """A service; with a `services:write` token, as ServiceOperator."""
    service = await _existing(session, service_id)
    return json_response(ServiceOperator.of(service) if operator else ServicePublic.of(service))


@router.patch(
    "/{service_id}", response_model=ServiceOperator, responses={**NOT_FOUND, **AUTH_RESPONSES}
)
async def update_service(
    service_id: ServiceId, changes: ServiceUpdate, database: DatabaseDep, principal: ServicesWriter
) -> ServiceOperator:
    """Change some of a service's spec; its state and streaks carry over. A region-bound key
    changes only its area's services, and cannot move one out of it."""
    if changes.region_code is not None:
        principal.require_area(changes.region_code, loc=("body", "region_code"))
    async with database.transaction() as session:
        service = await _existing(session, service_id)
        principal.require_area(service.region_code, loc=("path", "service_id"))
        before = ServiceOperator.of(service)
        if await service_changes.update_service(session, service, changes=changes):
            await record_write(
                session,
                principal,
                action="service.update",
                target_type="service",
                target_id=service_id,
                before=before,
                after=ServiceOperator.of(service),
            )
    return ServiceOperator.of(service)


@router.delete("/{service_id}", status_code=204, responses={**NOT_FOUND, **AUTH_RESPONSES})
async def delete_service(
    service_id: ServiceId, database: DatabaseDep, principal: ServicesWriter
) -> Response:
    """Stop monitoring a service; its transitions stay in the region's history."""
    async with database.transaction() as session:
        service = await _existing(session, service_id)
        principal.require_area(service.region_code, loc=("path", "service_id"))
        before = ServiceOperator.of(service)
        await service_changes.delete_service(session, service)
        await record_write(
            session,
            principal,
            action="service.delete",
            target_type="service",
            target_id=service_id,
            before=before,
        )
    return Response(status_code=204)
