"""The country at a glance: regions counted by state and by cause, the blast radius
("N of 514 regencies/cities affected", per province too), and every region not operational
with its reason, since when, and the declaration it cites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fastapi import APIRouter, Request, Response

from app.api.schemas.status import (
    AffectedRegion,
    BlastRadius,
    CategoryCounts,
    DeclarationRef,
    ProvinceStatus,
    StateCounts,
    StatusSummary,
)
from app.core.domain import Category, worst_state
from app.core.regions.overview import Overview, RegionView, blast_words, state_counts
from app.http.deps import ReadCacheDep
from app.http.responses import NOT_MODIFIED
from app.reads.cache import Encoded, ReadCache
from app.reads.region_shapes import Label, category_of, reason_label
from app.store.declarations import Declaration, in_force_by_region
from app.store.snapshot import DataVersion

router = APIRouter(prefix="/api/v1", tags=["status"])


def blast_radius(views: Sequence[RegionView]) -> BlastRadius:
    affected = sum(1 for v in views if v.is_affected)
    monitored = sum(1 for v in views if v.is_monitored)
    indonesian, english = blast_words(affected, len(views), monitored)
    return BlastRadius(
        affected=affected,
        monitored=monitored,
        total=len(views),
        label=Label(id=indonesian, en=english),
    )


def _counts(views: Sequence[RegionView]) -> StateCounts:
    return StateCounts.model_validate({str(s): n for s, n in state_counts(views).items()})


def _province(overview: Overview, view: RegionView) -> ProvinceStatus:
    children = overview.children_of(view)
    return ProvinceStatus(
        code=view.code,
        name=view.row.name,
        state=view.state,
        reason=view.reason,
        category=category_of(view.reason),
        since=view.since,
        blast_radius=blast_radius(children),
        by_state=_counts(children),
    )


def _affected(view: RegionView, declaration: Declaration | None) -> AffectedRegion:
    return AffectedRegion(
        code=view.code,
        name=view.row.name,
        level=view.row.level,
        parent_code=view.row.parent_code,
        state=view.state,
        reason=view.reason,
        category=category_of(view.reason),
        reason_label=reason_label(view.reason),
        since=view.since,
        services=view.services,
        services_down=view.services_down,
        declaration=DeclarationRef.model_validate(declaration, from_attributes=True)
        if declaration is not None
        else None,
    )


def summary(
    overview: Overview, declarations: dict[str, Declaration], updated_at: datetime | None
) -> StatusSummary:
    regions = overview.regencies_and_cities()
    affected = sorted(
        (v for v in regions if v.is_affected),
        key=lambda v: (-v.state.severity, v.since is None, v.since or datetime.max, v.code),
    )
    categories = {str(c): sum(1 for v in regions if c in v.categories) for c in Category}
    return StatusSummary(
        state=worst_state([v.state for v in regions]),
        updated_at=updated_at,
        blast_radius=blast_radius(regions),
        by_state=_counts(regions),
        by_category=CategoryCounts.model_validate(categories),
        provinces=[_province(overview, p) for p in overview.provinces()],
        not_operational=[_affected(v, declarations.get(v.code)) for v in affected],
    )


async def build_summary(cache: ReadCache, version: DataVersion) -> StatusSummary:
    overview = await cache.overview(version)
    codes = [v.code for v in overview.regencies_and_cities() if v.is_affected]
    async with cache.database.read() as session:
        in_force = await in_force_by_region(session, codes)
    causes = {code: force.cause for code, force in in_force.items() if force.cause}
    return summary(overview, causes, version.newest_at)


@router.get("/status", response_model=StatusSummary, responses=NOT_MODIFIED)
async def status(request: Request, cache: ReadCacheDep) -> Response:
    """Counts by state and cause, the blast radius, and the regions not operational."""
    version = await cache.version()

    async def encode() -> Encoded:
        return Encoded.of(await build_summary(cache, version))

    encoded = await cache.get("status", version, encode)
    return encoded.response(request)
