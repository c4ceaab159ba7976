"""A region's status as portals and pages read it: its services' check states, summarised,
with what operators said about it (declaration, warning, maintenance)."""

from __future__ import annotations

from app.core.domain import Reason, RegionLevel, State
from app.core.regions.overview import RegionRow, RegionView
from app.core.regions.status import RegionState, ServiceState, summarise
from app.reads.region_notes import NO_NOTES, RegionNotes
from app.reads.region_shapes import RegionStatus, ServiceStatus, category_of, reason_label
from app.store.models import Region, Service


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


def region_status(
    region: Region | RegionRow,
    services: list[Service],
    notes: RegionNotes = NO_NOTES,
    *,
    view: RegionView | None = None,
) -> RegionStatus:
    """The region's own services; a province's state is its `view`'s, which summarises its
    regencies and cities too."""
    shown = [_service_status(s) for s in services if not s.is_paused]
    summary = summarise([ServiceState(s.state, s.reason, s.since) for s in shown])
    if view is not None and view.is_province:
        summary = RegionState(view.state, view.reason, view.since)
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
        declaration=notes.declaration_status(summary.state),
        warning=notes.warning,
        maintenance=notes.maintenance,
    )
