"""(open incident?, transition, region's state now) → what happens to the region's incident. Pure.

An incident is one episode of a region away from operational:
- none open and the region's worst state is outage, degraded or maintenance → one opens at
  the transition's time, with the region's reason (or else the transition's);
- one open and the region still away → the transition joins it: the worst state seen, the
  latest reason, the reasons seen in order of first sighting (`ok` is not a cause);
- one open and the region operational (or unknown) → it ends at the transition's time, never
  before it started: a clock that stepped back must not make an episode of negative length.
Settling is the same end for a change that makes no transition (a failing service paused,
moved or deleted): the incident ends only if the region is no longer away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.core.domain import Category, Reason, State
from app.core.regions.status import RegionState

AWAY = frozenset({State.OUTAGE, State.DEGRADED, State.MAINTENANCE})


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """What the rules need of the region's open incident."""

    started_at: datetime
    worst_state: State
    reasons_seen: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TransitionSeen:
    """One service's transition, as the incident sees it: the region's state, not the
    service's, decides whether the region is away."""

    reason: Reason
    at: datetime


@dataclass(frozen=True, slots=True)
class Open:
    started_at: datetime
    worst_state: State
    category: Category  # of the reason that opened it
    reason: Reason
    reasons_seen: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Extend:
    worst_state: State
    reason: Reason  # the latest
    reasons_seen: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class End:
    ended_at: datetime
    reasons_seen: tuple[str, ...]
    updated_at: datetime


def incident_step(
    incident: OpenIncident | None, transition: TransitionSeen, region: RegionState
) -> Open | Extend | End | None:
    """What the transition does to the region's incident; None: there is none, nor should be."""
    if incident is None:
        return _opened(transition, region) if region.state in AWAY else None
    seen = reasons_seen(incident.reasons_seen, transition.reason, region.reason)
    updated_at = max(transition.at, incident.updated_at)
    if region.state not in AWAY:
        return End(max(transition.at, incident.started_at), seen, updated_at)
    worst = max(incident.worst_state, region.state, key=lambda state: state.severity)
    return Extend(worst, region.reason or transition.reason, seen, updated_at)


def settle(incident: OpenIncident, region: RegionState, *, at: datetime) -> End | None:
    """The end of an incident whose region is no longer away; None while it still is."""
    if region.state in AWAY:
        return None
    return End(max(at, incident.started_at), incident.reasons_seen, max(at, incident.updated_at))


def reasons_seen(seen: Iterable[str], *new: Reason | None) -> tuple[str, ...]:
    """Reasons in order of first sighting; `ok` is not a cause."""
    result = list(seen)
    for reason in new:
        if reason is not None and reason != Reason.OK and str(reason) not in result:
            result.append(str(reason))
    return tuple(result)


def _opened(transition: TransitionSeen, region: RegionState) -> Open:
    reason = region.reason or transition.reason
    return Open(
        started_at=transition.at,
        worst_state=region.state,
        category=reason.category,
        reason=reason,
        reasons_seen=reasons_seen((), transition.reason, reason),
        updated_at=transition.at,
    )
