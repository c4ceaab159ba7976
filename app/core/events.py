"""Event types, subscription filters and the Standard Webhooks envelope. Pure: no I/O.

The body is encoded once, when the event is written, and stored; every attempt sends those
exact bytes, so a receiver can deduplicate on `webhook-id` and compare bodies if it likes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.core.disclosure import public_evidence, public_url
from app.core.domain import Reason, State
from app.core.waves import WAVE_REASONS, IslandGroup, WaveScope


class EventType(StrEnum):
    SERVICE_OUTAGE = "service.outage"
    SERVICE_DEGRADED = "service.degraded"
    SERVICE_MAINTENANCE = "service.maintenance"
    SERVICE_OPERATIONAL = "service.operational"
    SERVICE_REASON_CHANGED = "service.reason_changed"
    WAVE_STARTED = "wave.started"
    WAVE_UPDATED = "wave.updated"
    WAVE_ENDED = "wave.ended"
    REGION_OUTAGE = "region.outage"
    REGION_DEGRADED = "region.degraded"
    REGION_MAINTENANCE = "region.maintenance"
    REGION_OPERATIONAL = "region.operational"
    REGION_REASON_CHANGED = "region.reason_changed"
    CUTOFF_SUSPECTED = "cutoff.suspected"
    CUTOFF_DECLARED = "cutoff.declared"
    CUTOFF_LIFTED = "cutoff.lifted"
    POLICY_WARNING = "policy.warning"
    PING = "ping"


_ENTERED = {
    State.OUTAGE: EventType.SERVICE_OUTAGE,
    State.DEGRADED: EventType.SERVICE_DEGRADED,
    State.MAINTENANCE: EventType.SERVICE_MAINTENANCE,
    State.OPERATIONAL: EventType.SERVICE_OPERATIONAL,
}


def transition_event_type(from_state: State, to_state: State) -> EventType | None:
    """The event a transition announces; None for a move into `unknown` (a paused or reset
    service), which says nothing about the region."""
    if from_state == to_state:
        return EventType.SERVICE_REASON_CHANGED
    return _ENTERED.get(to_state)


def new_event_id() -> str:
    """A `webhook-id`: unique, opaque, stable across every retry of the event."""
    return f"msg_{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class Filters:
    """A subscription's filters; an empty tuple admits everything on that dimension. With
    `coalesce_waves`, a wave's event stands for its members' service.* and region.* events."""

    event_types: tuple[str, ...] = ()
    region_prefixes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    coalesce_waves: bool = False


def region_matches(code: str, prefix: str) -> bool:
    """`"73"` matches the province 73 and every `73.xx`; `"73.73"` matches itself."""
    return code == prefix or code.startswith(prefix + ".")


def matches(
    filters: Filters,
    *,
    event_type: str,
    region_code: str | None,
    category: str | None,
    reason: str | None = None,
    regions: Sequence[str] = (),
) -> bool:
    """Whether a subscription wants an event. An event without a region (a nationwide
    warning, a ping) or without a category passes that filter: it concerns everyone. A wave
    event names its member `regions` instead and passes when any of them does."""
    if filters.event_types and event_type not in filters.event_types:
        return False
    if filters.categories and category is not None and category not in filters.categories:
        return False
    if filters.coalesce_waves and is_wave_member_event(event_type, reason):
        return False
    prefixes = filters.region_prefixes
    codes = [region_code] if region_code is not None else list(regions)
    return not prefixes or not codes or any(region_matches(c, p) for c in codes for p in prefixes)


def is_wave_member_event(event_type: str, reason: str | None) -> bool:
    """A member region's service.* or region.* event caused by its wave: the wave's event
    says it once."""
    return event_type.startswith(("service.", "region.")) and reason in WAVE_REASONS


def iso(value: datetime) -> str:
    """An instant as events write it: ISO 8601, UTC as `Z`."""
    return value.isoformat().replace("+00:00", "Z")


def iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def reason_label(reason: Reason) -> dict[str, str]:
    """A reason's bilingual label as events carry it."""
    return {"id": reason.label_id, "en": reason.label_en}


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str
    name: str
    level: str
    parent_code: str | None
    province_code: str
    province_name: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "province": {"code": self.province_code, "name": self.province_name},
        }


@dataclass(frozen=True, slots=True)
class TransitionFacts:
    """Everything a transition event says, gathered by the outbox from the database."""

    transition_id: int
    service_id: int | None
    region_code: str
    from_state: State
    to_state: State
    reason: Reason
    source: str
    at: datetime
    evidence: dict[str, Any]
    incident_id: int | None
    region: RegionInfo | None
    service: dict[str, Any] | None  # id, name, url, sequence
    sequence: int | None


def transition_data(facts: TransitionFacts) -> dict[str, Any]:
    """The `data` of a service.* event: the transition as the public API shows it (evidence
    without what the endpoint sent; a subscriber is anyone), the region with its province,
    the service (its URL without credentials or query), the incident, and what receivers need
    to drop stale events (`previous_state`, and `sequence`, which grows by one per transition
    of the service)."""
    reason = facts.reason
    transition = {
        "id": facts.transition_id,
        "service_id": facts.service_id,
        "region_code": facts.region_code,
        "from_state": str(facts.from_state),
        "to_state": str(facts.to_state),
        "reason": str(reason),
        "category": str(reason.category),
        "reason_label": reason_label(reason),
        "at": iso(facts.at),
        "source": facts.source,
        "evidence": public_evidence(facts.evidence),
    }
    return {
        "transition": transition,
        "region": facts.region.as_json() if facts.region else {"code": facts.region_code},
        "service": _public_service(facts.service),
        "incident_id": facts.incident_id,
        "previous_state": str(facts.from_state),
        "sequence": facts.sequence,
    }


def _public_service(service: dict[str, Any] | None) -> dict[str, Any] | None:
    if service is None or not isinstance(service.get("url"), str):
        return service
    return service | {"url": public_url(service["url"])}


@dataclass(frozen=True, slots=True)
class WaveFacts:
    id: int
    scope: WaveScope
    area: str  # "national", or the island group's digit
    reason: Reason
    regions: tuple[str, ...]
    started_at: datetime
    ended_at: datetime | None
    peak_regions: int


def wave_area_labels(scope: WaveScope, area: str) -> tuple[str, str]:
    """(Indonesian, English) name of a wave's area."""
    if scope is WaveScope.NATIONAL:
        return "Nasional", "National"
    group = IslandGroup(area)
    return group.label_id, group.label_en


def wave_data(facts: WaveFacts) -> dict[str, Any]:
    """The `data` of a wave.* event, and the wave's JSON on the live stream."""
    label_id, label_en = wave_area_labels(facts.scope, facts.area)
    return {
        "wave": {
            "id": facts.id,
            "scope": str(facts.scope),
            "area": facts.area,
            "area_label_id": label_id,
            "area_label_en": label_en,
            "reason": str(facts.reason),
            "category": str(facts.reason.category),
            "regions": list(facts.regions),
            "started_at": iso(facts.started_at),
            "ended_at": iso(facts.ended_at) if facts.ended_at else None,
            "peak_regions": facts.peak_regions,
        }
    }


def encode_envelope(event_type: str, timestamp: datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks body: `{"type", "timestamp", "data"}` as compact JSON."""
    envelope = {"type": event_type, "timestamp": iso(timestamp), "data": data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=_jsonable)


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
