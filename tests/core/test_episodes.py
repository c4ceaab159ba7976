"""An episode's length and a region's "since", pure: the outage's start while away (not the
declaration's time), the last episode's end once operational, else monitored since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.domain import State
from app.core.episodes import (
    Episode,
    Since,
    SinceKind,
    episode_seconds,
    last_ended,
    region_since,
)

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_an_episode_lasts_until_its_end_or_until_now() -> None:
    assert episode_seconds(T0, T0 + 2 * H + timedelta(minutes=5), T0 + 9 * H) == 7500.0
    assert episode_seconds(T0, None, T0 + H) == 3600.0
    assert episode_seconds(T0, None, T0 - H) == 0.0  # a start in the future: nothing yet
    assert episode_seconds(T0, T0 - H, T0) == 0.0  # never negative


def test_away_since_the_open_episode_began_not_the_state_change() -> None:
    declared = T0 + H  # the cutoff declared an hour into the timeouts moves state_changed_at
    episodes = [Episode(T0 - 9 * H, T0 - 8 * H), Episode(T0, None)]
    for state in (State.OUTAGE, State.DEGRADED, State.MAINTENANCE):
        assert region_since(state, declared, episodes) == Since(T0, SinceKind.AWAY)
    # A province: the earliest open episode under it.
    under = [Episode(T0 + H, None), Episode(T0, None)]
    assert region_since(State.OUTAGE, declared, under) == Since(T0, SinceKind.AWAY)
    # No open episode known: the state's own since stands.
    assert region_since(State.OUTAGE, declared, episodes[:1]) == Since(declared, SinceKind.STATE)


def test_operational_since_the_last_end_else_monitored_since() -> None:
    first_seen = T0 - 30 * H
    episodes = [Episode(T0 - 5 * H, T0 - 4 * H), Episode(T0 - 2 * H, T0 - H)]
    assert region_since(State.OPERATIONAL, first_seen, episodes) == Since(
        T0 - H, SinceKind.RECOVERED
    )
    assert region_since(State.OPERATIONAL, first_seen, []) == Since(first_seen, SinceKind.MONITORED)
    assert region_since(State.UNKNOWN, None, episodes) == Since(None, SinceKind.STATE)


def test_last_ended_within_a_window() -> None:
    old = Episode(T0 - 40 * 24 * H, T0 - 39 * 24 * H)
    recent = Episode(T0 - 3 * H, T0 - 2 * H)
    open_one = Episode(T0 - H, None)
    assert last_ended([open_one, recent, old], not_before=T0 - 30 * 24 * H) == recent
    assert last_ended([open_one, old], not_before=T0 - 30 * 24 * H) is None
