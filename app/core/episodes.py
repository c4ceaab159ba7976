"""How long an episode (a region's incident) lasts, and since when a region is as it is. Pure.

- An episode lasts from its start to its end, or until now while it is open, and never less
  than nothing: `duration_seconds` of `GET /api/v1/incidents` reads the same.
- A region away from operational is away since its open episode began: when the outage did,
  not when a declaration later renamed its cause (the services' `state_changed_at` moves then).
- An operational region is so since its last episode ended; one that never had an episode,
  since its services were first seen operational (monitored since).
- Otherwise (unknown, or away with no open episode known) the state's own since stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.core.domain import State
from app.core.incidents import AWAY


@dataclass(frozen=True, slots=True)
class Episode:
    started_at: datetime
    ended_at: datetime | None


def episode_seconds(started_at: datetime, ended_at: datetime | None, now: datetime) -> float:
    end = ended_at or max(now, started_at)
    return max(0.0, (end - started_at).total_seconds())


class SinceKind(StrEnum):
    AWAY = "away"  # the open episode's start
    RECOVERED = "recovered"  # the last episode's end
    MONITORED = "monitored"  # never away: first seen operational
    STATE = "state"  # the state's own since


@dataclass(frozen=True, slots=True)
class Since:
    at: datetime | None
    kind: SinceKind


def region_since(state: State, state_since: datetime | None, episodes: Iterable[Episode]) -> Since:
    """Since when the region is as it is; `episodes` are its own (a province's: those under
    it), in any order."""
    seen = list(episodes)
    if state in AWAY:
        starts = [e.started_at for e in seen if e.ended_at is None]
        return Since(min(starts), SinceKind.AWAY) if starts else Since(state_since, SinceKind.STATE)
    if state == State.OPERATIONAL:
        ends = [e.ended_at for e in seen if e.ended_at is not None]
        if ends:
            return Since(max(ends), SinceKind.RECOVERED)
        return Since(state_since, SinceKind.MONITORED)
    return Since(state_since, SinceKind.STATE)


def last_ended(episodes: Iterable[Episode], *, not_before: datetime) -> Episode | None:
    """The episode that ended last, if it ended at or after `not_before`."""
    ended = [e for e in episodes if e.ended_at is not None and e.ended_at >= not_before]
    return max(ended, key=lambda e: (e.ended_at, e.started_at), default=None)
