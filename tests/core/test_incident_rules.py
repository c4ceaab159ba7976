"""incidents: one scenario per row — the open incident (or none), a transition, the region's
state now → what happens to the incident. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.domain import Category, Reason, State
from app.core.incidents import (
    End,
    Extend,
    Open,
    OpenIncident,
    TransitionSeen,
    incident_step,
    reasons_seen,
    settle,
)
from app.core.regions.status import RegionState

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OK, TIMEOUT, CUTOFF = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF
SLOW, UPSTREAM = Reason.PERFORMANCE_SLOW, Reason.UPSTREAM_ERROR


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def region(state: State, reason: Reason | None = None) -> RegionState:
    return RegionState(state, reason, at(0) if reason else None)


def seen(reason: Reason, minutes: int) -> TransitionSeen:
    return TransitionSeen(reason, at(minutes))


def open_since(
    minutes: int, worst: State, *reasons: Reason, updated: int | None = None
) -> OpenIncident:
    updated_at = at(minutes if updated is None else updated)
    return OpenIncident(at(minutes), worst, tuple(map(str, reasons)), updated_at)


@pytest.mark.parametrize(
    ("transition", "now", "expected"),
    [
        pytest.param(
            seen(TIMEOUT, 10),
            region(State.OUTAGE, TIMEOUT),
            Open(at(10), State.OUTAGE, Category.NETWORK, TIMEOUT, ("network.timeout",), at(10)),
            id="outage opens",
        ),
        pytest.param(
            seen(SLOW, 5),
            region(State.DEGRADED, SLOW),
            Open(at(5), State.DEGRADED, Category.PERFORMANCE, SLOW, ("performance.slow",), at(5)),
            id="degraded opens",
        ),
        pytest.param(
            seen(Reason.MAINTENANCE_ANNOUNCED, 0),
            region(State.MAINTENANCE, Reason.MAINTENANCE_ANNOUNCED),
            Open(
                at(0),
                State.MAINTENANCE,
                Reason.MAINTENANCE_ANNOUNCED.category,
                Reason.MAINTENANCE_ANNOUNCED,
                (str(Reason.MAINTENANCE_ANNOUNCED),),
                at(0),
            ),
            id="maintenance opens",
        ),
        pytest.param(
            seen(TIMEOUT, 3),
            region(State.OUTAGE, CUTOFF),
            Open(
                at(3),
                State.OUTAGE,
                Category.POLICY,
                CUTOFF,
                ("network.timeout", "policy.cutoff"),
                at(3),
            ),
            id="the region's reason, not the transition's, names the incident",
        ),
        pytest.param(
            seen(TIMEOUT, 4),
            region(State.OUTAGE),
            Open(at(4), State.OUTAGE, Category.NETWORK, TIMEOUT, ("network.timeout",), at(4)),
            id="a region without a reason takes the transition's",
        ),
        pytest.param(seen(OK, 1), region(State.OPERATIONAL, OK), None, id="operational: none"),
        pytest.param(seen(TIMEOUT, 1), region(State.UNKNOWN), None, id="unknown: none"),
    ],
)
def test_with_no_incident_open(
    transition: TransitionSeen, now: RegionState, expected: Open | None
) -> None:
    assert incident_step(None, transition, now) == expected


@pytest.mark.parametrize(
    ("incident", "transition", "now", "expected"),
    [
        pytest.param(
            open_since(5, State.DEGRADED, SLOW),
            seen(UPSTREAM, 6),
            region(State.OUTAGE, UPSTREAM),
            Extend(State.OUTAGE, UPSTREAM, ("performance.slow", "upstream.error"), at(6)),
            id="a worse state becomes the worst",
        ),
        pytest.param(
            open_since(5, State.OUTAGE, SLOW, UPSTREAM, updated=6),
            seen(SLOW, 7),
            region(State.DEGRADED, SLOW),
            Extend(State.OUTAGE, SLOW, ("performance.slow", "upstream.error"), at(7)),
            id="a milder state keeps the worst, takes the latest reason",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, updated=12),
            seen(OK, 20),
            region(State.OUTAGE, CUTOFF),
            Extend(State.OUTAGE, CUTOFF, ("network.timeout", "policy.cutoff"), at(20)),
            id="one service back while another holds the region away; ok is not a cause",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, CUTOFF, updated=12),
            seen(TIMEOUT, 14),
            region(State.OUTAGE, TIMEOUT),
            Extend(State.OUTAGE, TIMEOUT, ("network.timeout", "policy.cutoff"), at(14)),
            id="a reason seen before keeps its first place",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT),
            seen(OK, 25),
            region(State.OPERATIONAL, OK),
            End(at(25), ("network.timeout",), at(25)),
            id="back to operational ends it",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT),
            seen(OK, 25),
            region(State.UNKNOWN),
            End(at(25), ("network.timeout",), at(25)),
            id="unknown (nothing left to judge) ends it",
        ),
        pytest.param(
            open_since(30, State.OUTAGE, TIMEOUT),
            seen(OK, 10),
            region(State.OPERATIONAL, OK),
            End(at(30), ("network.timeout",), at(30)),
            id="a clock stepped back ends it where it began",
        ),
    ],
)
def test_with_an_incident_open(
    incident: OpenIncident, transition: TransitionSeen, now: RegionState, expected: Extend | End
) -> None:
    assert incident_step(incident, transition, now) == expected


@pytest.mark.parametrize(
    ("now", "when", "expected"),
    [
        pytest.param(region(State.OUTAGE, CUTOFF), at(5), None, id="still away: stays open"),
        pytest.param(region(State.DEGRADED, SLOW), at(5), None, id="degraded is still away"),
        pytest.param(
            region(State.OPERATIONAL, OK),
            at(9),
            End(at(9), ("network.timeout",), at(9)),
            id="no longer away: ends",
        ),
        pytest.param(
            region(State.UNKNOWN),
            at(9),
            End(at(9), ("network.timeout",), at(9)),
            id="its last service gone: ends",
        ),
        pytest.param(
            region(State.OPERATIONAL, OK),
            at(-3),
            End(at(0), ("network.timeout",), at(2)),
            id="a clock stepped back: never before it began or was last updated",
        ),
    ],
)
def test_settling(now: RegionState, when: datetime, expected: End | None) -> None:
    incident = open_since(0, State.OUTAGE, TIMEOUT, updated=2)
    assert settle(incident, now, at=when) == expected


def test_reasons_seen_keep_the_order_of_first_sighting_without_ok() -> None:
    assert reasons_seen(["network.timeout"], OK, CUTOFF, None, TIMEOUT, SLOW, CUTOFF) == (
        "network.timeout",
        "policy.cutoff",
        "performance.slow",
    )
