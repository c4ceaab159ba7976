"""Statuspage v2 public documents: status, summary, components, incidents, unresolved
incidents (scheduled maintenances live in `statuspage_maintenance`). Each is built once per
data version and served from the read cache, gzipped when the client accepts it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api import statuspage_maintenance as maintenance
from app.core.statuspage_terms import indicator, status_description
from app.http.deps import ReadCacheDep, get_app_settings
from app.http.responses import NOT_MODIFIED
from app.reads.cache import Encoded, ReadCache
from app.reads.statuspage_documents import PAGE_ID, Context, components, incident
from app.reads.statuspage_shapes import (
    ComponentsDocument,
    Incident,
    IncidentsDocument,
    Page,
    Status,
    StatusDocument,
    SummaryDocument,
)
from app.store.declarations import in_force_by_region
from app.store.incident_updates import updates_of_incidents
from app.store.incidents import declarations_cited, list_incidents
from app.store.snapshot import DataVersion, service_times
from app.store.types import utcnow

router = APIRouter(prefix="/api/v2", tags=["statuspage"])

PAGE_NAME = "Pantau — Status layanan e-KTP daerah / Regional e-KTP service status"
RECENT_INCIDENTS = 50  # Statuspage lists the 50 most recent
UNRESOLVED_LIMIT = 1000  # more than there are regions

Build = Callable[[Context, AsyncSession, Request], Awaitable[BaseModel]]


async def _context(cache: ReadCache, version: DataVersion, base_url: str) -> Context:
    overview = await cache.overview(version)
    async with cache.database.read() as session:
        times = await service_times(session)
        in_force = await in_force_by_region(session, list(times))
    citations = {code: f.cause.citation() for code, f in in_force.items() if f.cause}
    listed = components(overview, times, citations)
    return Context(
        overview=overview,
        base_url=base_url,
        updated_at=version.newest_at or utcnow(),
        components=listed,
        regions={c.id: c for c in listed if not c.group},
    )


def _page(context: Context) -> Page:
    return Page(
        id=PAGE_ID,
        name=PAGE_NAME,
        url=context.base_url,
        time_zone="Etc/UTC",
        updated_at=context.updated_at,
    )


def _status(context: Context) -> Status:
    regions = context.overview.regencies_and_cities()
    level = indicator(regions)
    affected = sum(1 for v in regions if v.is_affected)
    return Status(indicator=level, description=status_description(level, affected, len(regions)))


async def _incidents(
    session: AsyncSession, context: Context, *, unresolved: bool
) -> list[Incident]:
    rows = await list_incidents(
        session,
        active=True if unresolved else None,
        limit=UNRESOLVED_LIMIT if unresolved else RECENT_INCIDENTS,
    )
    ids = [row.id for row in rows if row.id is not None]
    updates = await updates_of_incidents(session, ids)
    cited = await declarations_cited(session, ids)
    regions = context.overview.regions
    return [
        incident(
            context,
            row,
            name=regions[row.region_code].row.name
            if row.region_code in regions
            else row.region_code,
            operator_updates=updates.get(row.id or 0, []),
            cited=cited.get(row.id or 0, []),
        )
        for row in rows
    ]


async def _served(request: Request, cache: ReadCache, name: str, build: Build) -> Response:
    version = await cache.version()
    # The configured origin, never the request's Host: these documents are shared-cached.
    base_url = f"{get_app_settings(request).public_base_url}/"

    async def encode() -> Encoded:
        context = await cache.get(
            ("statuspage", base_url), version, lambda: _context(cache, version, base_url)
        )
        async with cache.database.read() as session:
            return Encoded.of(await build(context, session, request))

    encoded = await cache.get((name, base_url), version, encode)
    return encoded.response(request)


async def _status_doc(context: Context, _: AsyncSession, __: Request) -> StatusDocument:
    return StatusDocument(page=_page(context), status=_status(context))


async def _components_doc(context: Context, _: AsyncSession, __: Request) -> ComponentsDocument:
    return ComponentsDocument(page=_page(context), components=context.components)


async def _summary_doc(
    context: Context, session: AsyncSession, request: Request
) -> SummaryDocument:
    active = await maintenance.active(request, session)
    upcoming = await maintenance.upcoming(request, session)
    return SummaryDocument(
        page=_page(context),
        components=context.components,
        incidents=await _incidents(session, context, unresolved=True),
        scheduled_maintenances=active.scheduled_maintenances + upcoming.scheduled_maintenances,
        status=_status(context),
    )


async def _incidents_doc(context: Context, session: AsyncSession, _: Request) -> IncidentsDocument:
    incidents = await _incidents(session, context, unresolved=False)
    return IncidentsDocument(page=_page(context), incidents=incidents)


async def _unresolved_doc(context: Context, session: AsyncSession, _: Request) -> IncidentsDocument:
    incidents = await _incidents(session, context, unresolved=True)
    return IncidentsDocument(page=_page(context), incidents=incidents)


@router.get("/status.json", response_model=StatusDocument, responses=NOT_MODIFIED)
async def status(request: Request, cache: ReadCacheDep) -> Response:
    """The page's indicator (none/minor/major/critical) and its description."""
    return await _served(request, cache, "status.json", _status_doc)


@router.get("/summary.json", response_model=SummaryDocument, responses=NOT_MODIFIED)
async def summary(request: Request, cache: ReadCacheDep) -> Response:
    """Status, every component, unresolved incidents, active and upcoming maintenance."""
    return await _served(request, cache, "summary.json", _summary_doc)


@router.get("/components.json", response_model=ComponentsDocument, responses=NOT_MODIFIED)
async def components_json(request: Request, cache: ReadCacheDep) -> Response:
    """Provinces as component groups; monitored regencies and cities as components."""
    return await _served(request, cache, "components.json", _components_doc)


@router.get("/incidents.json", response_model=IncidentsDocument, responses=NOT_MODIFIED)
async def incidents_json(request: Request, cache: ReadCacheDep) -> Response:
    """The 50 most recent incidents, newest first."""
    return await _served(request, cache, "incidents.json", _incidents_doc)


@router.get("/incidents/unresolved.json", response_model=IncidentsDocument, responses=NOT_MODIFIED)
async def unresolved_json(request: Request, cache: ReadCacheDep) -> Response:
    """Incidents still open, newest first."""
    return await _served(request, cache, "unresolved.json", _unresolved_doc)
