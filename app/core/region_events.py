"""Region events: `region.*`, sent when a region's summarised state (the worst of its unpaused
services, app/core/regions/status.py) or its reason changes, once per change of the region,
however many of its services moved. Pure.

The outbox compares the region as last announced with the region as it now is; what the
region was before a transaction touched it is rebuilt from its services' transitions, so a
batch that takes three services down at once is one `region.outage`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.disclosure import public_evidence
from app.core.domain import State
from app.core.events import EventType, RegionInfo, iso, iso_or_none, reason_label
from app.core.regions.status import RegionState, ServiceState, summarise

AFFECTED = frozenset({State.OUTAGE, State.DEGRADED, State.MAINTENANCE})


def region_event_type(before: RegionState, after: RegionState) -> EventType | None:
    """The event a region's change announces: a new state, else a new reason; None when
    nothing a subscriber reads changed, or when the region became `unknown` (every service
    paused or reset), which says nothing about the city."""
    if after.state == State.UNKNOWN:
        return None
    if before.state != after.state:
        return EventType(f"region.{after.state}")  # region.outage, region.operational…
    if before.reason != after.reason:
        return EventType.REGION_REASON_CHANGED
    return None


@dataclass(frozen=True, slots=True)
class RegionSnapshot:
    """A region's summary and the service counts behind it."""

    summary: RegionState
    affected: int
    total: int

    @classmethod
    def of(cls, services: Sequence[ServiceState]) -> RegionSnapshot:
        """From the region's unpaused services, in a stable order (ties in `since` then pick
        the same reason every time)."""
        affected = sum(1 for service in services if service.state in AFFECTED)
        return cls(summarise(services), affected, len(services))


@dataclass(frozen=True, slots=True)
class RegionChange:
    """Everything a region.* event says, gathered by the outbox."""

    region_code: str
    region: RegionInfo | None
    before: RegionState
    after: RegionSnapshot
    incident_id: int | None
    at: datetime
    transition_id: int
    service_id: int | None
    evidence: Mapping[str, Any]


def region_data(change: RegionChange) -> dict[str, Any]:
    """The `data` of a region.* event: the region, its state and reason now and before, since
    when, its episode (incident), how many of its services are affected, and the transition
    that changed it, with public evidence only."""
    now, before = change.after.summary, change.before
    reason = now.reason
    return {
        "region": change.region.as_json() if change.region else {"code": change.region_code},
        "state": str(now.state),
        "state_label": {"id": now.state.label_id, "en": now.state.label_en},
        "previous_state": str(before.state),
        "reason": None if reason is None else str(reason),
        "previous_reason": None if before.reason is None else str(before.reason),
        "category": None if reason is None else str(reason.category),
        "reason_label": None if reason is None else reason_label(reason),
        "since": iso_or_none(now.since),
        "incident_id": change.incident_id,
        "services": {"affected": change.after.affected, "total": change.after.total},
        "at": iso(change.at),
        "cause": {
            "transition_id": change.transition_id,
            "service_id": change.service_id,
            "evidence": public_evidence(change.evidence),
        },
    }
