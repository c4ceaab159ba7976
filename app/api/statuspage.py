"""Statuspage v2 public documents: status, summary, components, incidents, unresolved
incidents (scheduled maintenances live in `statuspage_maintenance`). Each is built once per
data version and language (`?lang=id|en`, else Accept-Language) and served from the read
cache, gzipped when the client accepts it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api import statuspage_maintenance as maintenance
from app.core.domain import Reason
from app.core.language import Lang, pick
from app.core.statuspage_terms import (
    PAGE_NAME,
    indicator,
    is_maintenance_only,
    status_description,
)
from app.http.deps import ReadCacheDep, get_app_settings
from app.http.language import ReaderLang
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
from app.store.models import Incident as IncidentRow
from app.store.snapshot import DataVersion, service_times
from app.store.types import utcnow

router = APIRouter(prefix="/api/v2", tags=["statuspage"])

RECENT_INCIDENTS = 50  # Statuspage lists the 50 most recent
UNRESOLVED_LIMIT = 1000  # more than there are regions
MAX_PAGES = 20  # of incidents read past maintenance-only episodes, to fill a document

Build = Callable[[Context, AsyncSession, Request], Awaitable[BaseModel]]


async def _context(cache: ReadCache, version: DataVersion, base_url: str, lang: Lang) -> Context:
    overview = await cache.overview(version)
    async with cache.database.read() as session:
        times = await service_times(session)
        in_force = await in_force_by_region(session, list(times))
    citations = {code: f.cause.citation() for code, f in in_force.items() if f.cause}
    updated_at = version.newest_at or utcnow()
    listed = components(overview, times, citations, lang=lang, as_of=updated_at)
    return Context(
        overview=overview,
        base_url=base_url,
        lang=lang,
        updated_at=updated_at,
        components=listed,
        regions={c.id: c for c in listed if not c.group},
    )


def _page(context: Context) -> Page:
    """`url` is the status page itself (PANTAU_PUBLIC_URL + "/"), where a widget links to."""
    return Page(
        id=PAGE_ID,
        name=pick(PAGE_NAME, context.lang),
        url=context.base_url,
        time_zone="Etc/UTC",
        updated_at=context.updated_at,
    )


def _status(context: Context) -> Status:
    regions = context.overview.regencies_and_cities()
    level = indicator(regions)
    affected = sum(1 for v in regions if v.is_affected)
    monitored = sum(1 for v in regions if v.is_monitored)
    description = status_description(level, affected, len(regions), monitored, context.lang)
    return Status(indicator=level, description=description)


async def _incident_rows(session: AsyncSession, *, unresolved: bool) -> list[IncidentRow]:
    """Newest first, leaving out episodes that were maintenance throughout: those are
    `scheduled_maintenances` (and the component's status), never incidents."""
    limit = UNRESOLVED_LIMIT if unresolved else RECENT_INCIDENTS
    kept: list[IncidentRow] = []
    before: tuple[datetime, int] | None = None
    for _ in range(MAX_PAGES):
        rows = await list_incidents(
            session, active=True if unresolved else None, before=before, limit=limit
        )
        kept += [r for r in rows if not is_maintenance_only(r.reasons_seen, Reason(r.reason))]
        if len(kept) >= limit or len(rows) < limit:
            break
        before = (rows[-1].started_at, rows[-1].id or 0)
    return kept[:limit]


async def _incidents(
    session: AsyncSession, context: Context, *, unresolved: bool
) -> list[Incident]:
    rows = await _incident_rows(session, unresolved=unresolved)
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


async def _served(
    request: Request, cache: ReadCache, name: str, build: Build, lang: Lang
) -> Response:
    version = await cache.version()
    # The configured origin, never the request's Host: these documents are shared-cached.
    base_url = f"{get_app_settings(request).public_base_url}/"

    async def encode() -> Encoded:
        context = await cache.get(
            ("statuspage", base_url, lang),
            version,
            lambda: _context(cache, version, base_url, lang),
        )
        async with cache.database.read() as session:
            return Encoded.of(await build(context, session, request))

    encoded = await cache.get((name, base_url, lang), version, encode)
    return encoded.response(request, language=lang)


async def _status_doc(context: Context, _: AsyncSession, __: Request) -> StatusDocument:
    return StatusDocument(page=_page(context), status=_status(context))


async def _components_doc(context: Context, _: AsyncSession, __: Request) -> ComponentsDocument:
    return ComponentsDocument(page=_page(context), components=context.components)


async def _summary_doc(
    context: Context, session: AsyncSession, request: Request
) -> SummaryDocument:
    active = await maintenance.maintenances(request, session, context.lang, "active")
    upcoming = await maintenance.maintenances(request, session, context.lang, "upcoming")
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
async def status(request: Request, cache: ReadCacheDep, lang: ReaderLang) -> Response:
    """The page's indicator (none/minor/major/critical) and its description."""
    return await _served(request, cache, "status.json", _status_doc, lang)


@router.get("/summary.json", response_model=SummaryDocument, responses=NOT_MODIFIED)
async def summary(request: Request, cache: ReadCacheDep, lang: ReaderLang) -> Response:
    """Status, every component, unresolved incidents, active and upcoming maintenance."""
    return await _served(request, cache, "summary.json", _summary_doc, lang)


@router.get("/components.json", response_model=ComponentsDocument, responses=NOT_MODIFIED)
async def components_json(request: Request, cache: ReadCacheDep, lang: ReaderLang) -> Response:
    """Provinces as component groups; every regency and city as a component (one not monitored
    is `operational` with the description "Tidak dipantau" / "Not monitored")."""
    return await _served(request, cache, "components.json", _components_doc, lang)


@router.get("/incidents.json", response_model=IncidentsDocument, responses=NOT_MODIFIED)
async def incidents_json(request: Request, cache: ReadCacheDep, lang: ReaderLang) -> Response:
    """The 50 most recent incidents, newest first."""
    return await _served(request, cache, "incidents.json", _incidents_doc, lang)


@router.get("/incidents/unresolved.json", response_model=IncidentsDocument, responses=NOT_MODIFIED)
async def unresolved_json(request: Request, cache: ReadCacheDep, lang: ReaderLang) -> Response:
    """Incidents still open, newest first."""
    return await _served(request, cache, "unresolved.json", _unresolved_doc, lang)
