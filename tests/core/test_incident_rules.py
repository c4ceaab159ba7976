"""incidents: one scenario per row — the open incident (or none), a transition, the region's
state now → what happens to the incident: its reason timeline and its governing cause. No
database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from app.core.domain import Category, Reason, State
from app.core.incidents import (
    End,
    Extend,
    Open,
    OpenIncident,
    ReasonSpan,
    Timeline,
    TransitionSeen,
    downtime_reason,
    governing_cause,
    incident_step,
    reasons_seen,
    settle,
    timeline_after,
    timeline_closed,
    timeline_document,
    timeline_of,
)
from app.core.regions.status import RegionState

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OK, TIMEOUT, CUTOFF = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF
SUSPECTED, REFUSED = Reason.POLICY_SUSPECTED, Reason.NETWORK_REFUSED
SLOW, UPSTREAM = Reason.PERFORMANCE_SLOW, Reason.UPSTREAM_ERROR
NETWORK, POLICY = Category.NETWORK, Category.POLICY


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def region(state: State, reason: Reason | None = None) -> RegionState:
    return RegionState(state, reason, at(0) if reason else None)


def seen(reason: Reason, minutes: int) -> TransitionSeen:
    return TransitionSeen(reason, at(minutes))


def span(reason: Reason, start: float, end: float | None = None) -> ReasonSpan:
    return ReasonSpan(reason, at(start), None if end is None else at(end))


def spans(*steps: tuple[Reason, float], end: float | None = None) -> Timeline:
    """Contiguous spans from (reason, start) steps, the last ended at `end` (or current)."""
    ends = [start for _, start in steps[1:]] + [end]
    return tuple(span(r, s, e) for (r, s), e in zip(steps, ends, strict=True))


def open_since(
    minutes: int, worst: State, *reasons: Reason, updated: int | None = None
) -> OpenIncident:
    """An open incident whose region read each reason in turn, one minute apart."""
    updated_at = at(minutes if updated is None else updated)
    timeline = spans(*((r, minutes + i) for i, r in enumerate(reasons)))
    return OpenIncident(at(minutes), worst, tuple(map(str, reasons)), updated_at, timeline)


@pytest.mark.parametrize(
    ("transition", "now", "expected"),
    [
        pytest.param(
            seen(TIMEOUT, 10),
            region(State.OUTAGE, TIMEOUT),
            Open(
                at(10),
                State.OUTAGE,
                NETWORK,
                TIMEOUT,
                ("network.timeout",),
                spans((TIMEOUT, 10)),
                at(10),
            ),
            id="outage opens",
        ),
        pytest.param(
            seen(SLOW, 5),
            region(State.DEGRADED, SLOW),
            Open(
                at(5),
                State.DEGRADED,
                Category.PERFORMANCE,
                SLOW,
                ("performance.slow",),
                spans((SLOW, 5)),
                at(5),
            ),
            id="degraded opens",
        ),
        pytest.param(
            seen(Reason.MAINTENANCE_ANNOUNCED, 0),
            region(State.MAINTENANCE, Reason.MAINTENANCE_ANNOUNCED),
            Open(
                at(0),
                State.MAINTENANCE,
                Category.MAINTENANCE,
                Reason.MAINTENANCE_ANNOUNCED,
                (str(Reason.MAINTENANCE_ANNOUNCED),),
                spans((Reason.MAINTENANCE_ANNOUNCED, 0)),
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
                POLICY,
                CUTOFF,
                ("network.timeout", "policy.cutoff"),
                spans((CUTOFF, 3)),
                at(3),
            ),
            id="the region's reason, not the transition's, names the incident",
        ),
        pytest.param(
            seen(TIMEOUT, 4),
            region(State.OUTAGE),
            Open(
                at(4),
                State.OUTAGE,
                NETWORK,
                TIMEOUT,
                ("network.timeout",),
                spans((TIMEOUT, 4)),
                at(4),
            ),
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
            Extend(
                State.OUTAGE,
                Category.PERFORMANCE,  # slow for a minute; the outage only begins
                SLOW,
                ("performance.slow", "upstream.error"),
                spans((SLOW, 5), (UPSTREAM, 6)),
                at(6),
            ),
            id="a worse state becomes the worst",
        ),
        pytest.param(
            open_since(5, State.OUTAGE, SLOW, UPSTREAM, updated=6),
            seen(SLOW, 9),
            region(State.DEGRADED, SLOW),
            Extend(
                State.OUTAGE,
                Category.UPSTREAM,  # 3 min of upstream.error against 1 of slowness
                UPSTREAM,
                ("performance.slow", "upstream.error"),
                spans((SLOW, 5), (UPSTREAM, 6), (SLOW, 9)),
                at(9),
            ),
            id="a milder state keeps the worst; the cause is what held longest",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, updated=12),
            seen(OK, 20),
            region(State.OUTAGE, CUTOFF),
            Extend(
                State.OUTAGE,
                POLICY,
                CUTOFF,
                ("network.timeout", "policy.cutoff"),
                spans((TIMEOUT, 10), (CUTOFF, 20)),
                at(20),
            ),
            id="one service back while another holds the region away; ok is not a cause",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, updated=30),
            seen(CUTOFF, 30),
            region(State.OUTAGE, CUTOFF),
            Extend(
                State.OUTAGE,
                POLICY,
                CUTOFF,
                ("network.timeout", "policy.cutoff"),
                spans((TIMEOUT, 10), (CUTOFF, 30)),
                at(30),
            ),
            id="a cutoff declared during a network outage extends it, never restarts it",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, CUTOFF, updated=12),
            seen(TIMEOUT, 14),
            region(State.OUTAGE, TIMEOUT),
            Extend(
                State.OUTAGE,
                POLICY,
                CUTOFF,
                ("network.timeout", "policy.cutoff"),
                spans((TIMEOUT, 10), (CUTOFF, 11), (TIMEOUT, 14)),
                at(14),
            ),
            id="a reason seen before keeps its first place; a lifted cutoff still governs",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, updated=12),
            seen(TIMEOUT, 14),
            region(State.OUTAGE, TIMEOUT),
            Extend(
                State.OUTAGE,
                NETWORK,
                TIMEOUT,
                ("network.timeout",),
                spans((TIMEOUT, 10)),
                at(14),
            ),
            id="the same reason again: the current span goes on",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT),
            seen(OK, 25),
            region(State.OPERATIONAL, OK),
            End(
                at(25), NETWORK, TIMEOUT, ("network.timeout",), spans((TIMEOUT, 10), end=25), at(25)
            ),
            id="back to operational ends it and its last span",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT),
            seen(OK, 25),
            region(State.UNKNOWN),
            End(
                at(25), NETWORK, TIMEOUT, ("network.timeout",), spans((TIMEOUT, 10), end=25), at(25)
            ),
            id="unknown (nothing left to judge) ends it",
        ),
        pytest.param(
            open_since(30, State.OUTAGE, TIMEOUT),
            seen(OK, 10),
            region(State.OPERATIONAL, OK),
            End(
                at(30), NETWORK, TIMEOUT, ("network.timeout",), spans((TIMEOUT, 30), end=30), at(30)
            ),
            id="a clock stepped back ends it where it began",
        ),
        pytest.param(
            open_since(10, State.OUTAGE, TIMEOUT, REFUSED, updated=11),
            seen(OK, 5),
            region(State.OPERATIONAL, OK),
            End(
                at(11),
                NETWORK,
                TIMEOUT,
                ("network.timeout", "network.refused"),
                spans((TIMEOUT, 10), (REFUSED, 11), end=11),
                at(11),
            ),
            id="a clock stepped back ends it no earlier than its last span began",
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
            End(at(9), NETWORK, TIMEOUT, ("network.timeout",), spans((TIMEOUT, 0), end=9), at(9)),
            id="no longer away: ends",
        ),
        pytest.param(
            region(State.UNKNOWN),
            at(9),
            End(at(9), NETWORK, TIMEOUT, ("network.timeout",), spans((TIMEOUT, 0), end=9), at(9)),
            id="its last service gone: ends",
        ),
        pytest.param(
            region(State.OPERATIONAL, OK),
            at(-3),
            End(at(0), NETWORK, TIMEOUT, ("network.timeout",), spans((TIMEOUT, 0), end=0), at(2)),
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


def test_palopo_is_one_episode_governed_by_the_cutoff() -> None:
    """Timeouts, then an operator's cutoff, then its lifting (back to what the probes see),
    then the service back: one incident, policy.cutoff, the whole sequence with its times."""
    opened = incident_step(None, seen(TIMEOUT, 10), region(State.OUTAGE, TIMEOUT))
    assert isinstance(opened, Open) and opened.category == NETWORK
    incident = OpenIncident(
        opened.started_at,
        opened.worst_state,
        opened.reasons_seen,
        opened.updated_at,
        opened.timeline,
    )
    steps = [
        (CUTOFF, 20, region(State.OUTAGE, CUTOFF)),
        (TIMEOUT, 40, region(State.OUTAGE, TIMEOUT)),
    ]
    for reason, minute, now in steps:
        step = incident_step(incident, seen(reason, minute), now)
        assert isinstance(step, Extend)  # never a new episode
        assert (step.category, step.reason) == (POLICY, CUTOFF)
        incident = OpenIncident(
            incident.started_at, step.worst_state, step.reasons_seen, step.updated_at, step.timeline
        )
    end = incident_step(incident, seen(OK, 50), region(State.OPERATIONAL, OK))
    assert end == End(
        at(50),
        POLICY,
        CUTOFF,
        ("network.timeout", "policy.cutoff"),
        spans((TIMEOUT, 10), (CUTOFF, 20), (TIMEOUT, 40), end=50),
        at(50),
    )


@pytest.mark.parametrize(
    ("timeline", "also_seen", "expected"),
    [
        pytest.param(
            (span(TIMEOUT, 0, 120), span(CUTOFF, 120, 120.01), span(TIMEOUT, 120.01, 240)),
            (),
            CUTOFF,
            id="policy wins however brief",
        ),
        pytest.param(
            spans((SUSPECTED, 0), (TIMEOUT, 1), (CUTOFF, 2), (TIMEOUT, 3), end=60),
            (),
            CUTOFF,
            id="a declared cutoff before a suspected one",
        ),
        pytest.param(
            spans((TIMEOUT, 0), (SUSPECTED, 50), end=51),
            (),
            SUSPECTED,
            id="only suspected: suspected",
        ),
        pytest.param(
            spans((TIMEOUT, 0), end=60),
            ("network.timeout", "policy.suspected"),
            SUSPECTED,
            id="a cutoff on another of the region's services counts too",
        ),
        pytest.param(
            spans((TIMEOUT, 0), (UPSTREAM, 10), (TIMEOUT, 20), (UPSTREAM, 25), end=60),
            (),
            UPSTREAM,
            id="otherwise the longest, its spans added up (45 min against 15)",
        ),
        pytest.param(
            spans((UPSTREAM, 0), (SLOW, 10), end=20),
            (),
            UPSTREAM,
            id="a tie goes to the more severe, though less recent",
        ),
        pytest.param(
            spans((UPSTREAM, 0), (TIMEOUT, 10), end=20),
            (),
            TIMEOUT,
            id="then to the more recent",
        ),
        pytest.param(
            spans((TIMEOUT, 0), (UPSTREAM, 10)),
            (),
            UPSTREAM,
            id="a current span counts up to now (50 min against 10)",
        ),
        pytest.param((), (), REFUSED, id="nothing known: the default"),
    ],
)
def test_governing_cause(timeline: Timeline, also_seen: tuple[str, ...], expected: Reason) -> None:
    assert governing_cause(timeline, also_seen, now=at(60), default=REFUSED) == expected


def test_the_timeline_changes_span_only_when_the_reason_does() -> None:
    timeline = timeline_after((), TIMEOUT, at(0))
    assert timeline_after(timeline, TIMEOUT, at(5)) == timeline
    assert timeline_after(timeline, OK, at(5)) == timeline  # ok is not a cause
    assert timeline_after(timeline, None, at(5)) == timeline
    assert timeline_after(timeline, CUTOFF, at(5)) == spans((TIMEOUT, 0), (CUTOFF, 5))
    ended = timeline_closed(spans((TIMEOUT, 0), (CUTOFF, 5)), at(9))
    assert ended == spans((TIMEOUT, 0), (CUTOFF, 5), end=9)
    assert timeline_closed(ended, at(12)) == ended  # already ended


def test_a_clock_stepping_back_never_yields_negative_spans() -> None:
    timeline = timeline_after((), TIMEOUT, at(30))
    for reason, minute in [(CUTOFF, 20), (UPSTREAM, 10), (TIMEOUT, 40), (REFUSED, 35)]:
        timeline = timeline_after(timeline, reason, at(minute))
    timeline = timeline_closed(timeline, at(0))
    assert [s.seconds(at(0)) for s in timeline] == [0, 0, 600, 0, 0]
    assert all(s.ended_at is not None and s.ended_at >= s.started_at for s in timeline)
    assert all(a.ended_at == b.started_at for a, b in pairwise(timeline))
    assert span(TIMEOUT, 10).seconds(at(5)) == 0  # a current span "now" before it began


def test_the_stored_timeline_round_trips_and_bad_entries_are_left_out() -> None:
    timeline = spans((TIMEOUT, 0), (CUTOFF, 5))
    document = timeline_document(timeline)
    assert document == [
        {
            "reason": "network.timeout",
            "from": "2026-03-02T01:00:00+00:00",
            "until": "2026-03-02T01:05:00+00:00",
        },
        {"reason": "policy.cutoff", "from": "2026-03-02T01:05:00+00:00", "until": None},
    ]
    assert timeline_of(document) == timeline
    bad = [
        {"reason": "no.such", "from": "2026-03-02T01:00:00+00:00", "until": None},
        {"reason": "ok", "from": "yesterday", "until": None},
        {"reason": "network.timeout", "from": "2026-03-02T01:00:00+00:00", "until": 5},
        "network.timeout",
        {"reason": "network.timeout", "from": "2026-03-02T01:00:00", "until": None},  # naive
        {"reason": "network.timeout", "from": "9999-12-31T23:00:00-14:00", "until": None},
        {"reason": "policy.cutoff", "from": "2026-03-02T09:05:00+08:00", "until": None},
    ]
    assert timeline_of(bad) == (span(CUTOFF, 5),)  # read in UTC
    assert timeline_of(None) == ()


@pytest.mark.parametrize(
    ("reason", "governing", "counted"),
    [
        (TIMEOUT, CUTOFF, CUTOFF),  # the timeouts before the letter were the cut
        (CUTOFF, CUTOFF, CUTOFF),
        (UPSTREAM, SUSPECTED, SUSPECTED),
        (Reason.MAINTENANCE_SCHEDULED, CUTOFF, Reason.MAINTENANCE_SCHEDULED),
        (SLOW, CUTOFF, SLOW),  # slow is not down
        (Reason.PROBE_UNHEALTHY, CUTOFF, Reason.PROBE_UNHEALTHY),  # the monitor's own fault
        (OK, CUTOFF, OK),
        (UPSTREAM, TIMEOUT, UPSTREAM),  # other episodes keep each moment's cause
        (TIMEOUT, None, TIMEOUT),  # outside any episode
    ],
)
def test_downtime_in_a_cut_counts_as_the_cut(
    reason: Reason, governing: Reason | None, counted: Reason
) -> None:
    assert downtime_reason(reason, governing) == counted
