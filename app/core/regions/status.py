"""Services' check states → a region's state: the worst of its services, since the earliest
service that entered that state. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.domain import Reason, State


@dataclass(frozen=True, slots=True)
class ServiceState:
    state: State
    reason: Reason | None
    since: datetime | None


@dataclass(frozen=True, slots=True)
class RegionState:
    state: State
    reason: Reason | None
    since: datetime | None


def summarise(services: Sequence[ServiceState]) -> RegionState:
    if not services:
        return RegionState(State.UNKNOWN, None, None)
    worst = max(services, key=lambda s: s.state.severity)
    peers = [s for s in services if s.state == worst.state]
    first = min(peers, key=lambda s: (s.since is None, s.since or datetime.max))
    return RegionState(worst.state, first.reason, first.since)
