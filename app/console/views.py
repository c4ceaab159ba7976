"""What the console's pages show, read as the public pages and the API read it: the regions
in a key's area with their state and cause (the read cache's overview), and one region with
its services (paused ones too), incidents, declarations (with their letters, whoever may read
them) and maintenance windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.schemas.incident_updates import IncidentUpdatePublic
from app.api.schemas.maintenance import MaintenancePublic
from app.console.actions import NOT_HERE
from app.console.sessions import Refused
from app.core.areas import covers
from app.core.local_format import local_time
from app.core.overrides import covers_region
from app.core.regions.overview import RegionView
from app.core.regions.zones import Zone, zone_of
from app.http.auth import Principal
from app.reads.cache import ReadCache
from app.reads.region_shapes import RegionStatus
from app.store import maintenance as maintenance_store
from app.store.declarations import Declaration, declarations_of
from app.store.incident_updates import updates_of
from app.store.incidents import list_incidents
from app.store.letters import LetterFacts, letter_facts
from app.store.models import Incident, Region, Service
from app.store.regions import services_of_regions
from app.web.loaders import current_status

INCIDENTS_SHOWN = 5
DECLARATIONS_SHOWN = 5


async def regions_in_area(cache: ReadCache, area: str | None) -> list[RegionView]:
    """A bound key's regions: its province and every regency and city in it, or its one
    regency or city. An unbound key's: every monitored region (the whole country is too long)."""
    overview = await cache.overview(await cache.version())
    if area is None:
        return [v for v in overview.regions.values() if v.is_monitored]
    return [v for v in overview.regions.values() if covers(area, v.code)]


async def reachable_region(session: AsyncSession, principal: Principal, code: str) -> Region:
    """The region, if this key may see it; a 404 page otherwise (as for no region at all)."""
    region = await session.get(Region, code)
    if region is None or not principal.reaches(code):
        raise Refused(404, NOT_HERE)
    return region


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident: Incident
    updates: list[IncidentUpdatePublic]


@dataclass(frozen=True, slots=True)
class RegionConsole:
    region: Region
    zone: Zone
    status: RegionStatus
    services: list[Service]
    incidents: list[IncidentView]
    declarations: list[Declaration]
    letters: dict[int, LetterFacts]  # by declaration, for those that carry their letter
    windows: list[MaintenancePublic]
    now: datetime

    def local(self, at: datetime | None) -> str:
        return local_time(at, self.zone, "id")


async def region_console(
    session: AsyncSession, cache: ReadCache, region: Region, *, now: datetime
) -> RegionConsole:
    status = await current_status(session, cache, region, now=now)
    services = (await services_of_regions(session, [region.code]))[region.code]
    incidents = await list_incidents(session, region_prefix=region.code, limit=INCIDENTS_SHOWN)
    told = [
        IncidentView(i, [IncidentUpdatePublic.of(u) for u in await updates_of(session, i.id or 0)])
        for i in incidents
    ]
    windows = [
        MaintenancePublic.of(w, now=now)
        for w in await maintenance_store.list_windows(session)
        if any(covers_region(t, region.code) or covers_region(region.code, t) for t in w.regions)
    ]
    declarations = (await declarations_of(session, region.code))[:DECLARATIONS_SHOWN]
    letters = await letter_facts(session, [d.id for d in declarations if d.id is not None])
    return RegionConsole(
        region=region,
        zone=zone_of(region.code),
        status=status,
        services=services,
        incidents=told,
        declarations=declarations,
        letters=letters,
        windows=[w for w in windows if w.status != "completed"],
        now=now,
    )
