"""Scenario table: a sequence of probe reasons → the transitions it must produce."""

from __future__ import annotations

import pytest

from app.core.domain import Reason, State
from app.core.state_machine import CheckState, Thresholds, advance, force

OK = Reason.OK
SLOW = Reason.PERFORMANCE_SLOW
TIMEOUT = Reason.NETWORK_TIMEOUT
REFUSED = Reason.NETWORK_REFUSED
SUSPECTED = Reason.POLICY_SUSPECTED
MAINT = Reason.MAINTENANCE_ANNOUNCED
SICK = Reason.PROBE_UNHEALTHY


def run(reasons: list[Reason], limits: Thresholds = Thresholds(failure=3, success=2)):
    state = CheckState()
    changes = []
    for i, reason in enumerate(reasons):
        step = advance(state, reason, limits)
        if step.change:
            changes.append((i, step.change.to_state, step.change.reason))
        state = step.state
    return changes, state


SCENARIOS = {
    "first good probe judges at once": ([OK], [(0, State.OPERATIONAL, OK)]),
    "first slow probe judges at once": ([SLOW], [(0, State.DEGRADED, SLOW)]),
    "unknown needs the failure threshold": (
        [TIMEOUT, TIMEOUT, TIMEOUT],
        [(2, State.OUTAGE, TIMEOUT)],
    ),
    "two failures are not an outage": ([OK, TIMEOUT, TIMEOUT, OK], [(0, State.OPERATIONAL, OK)]),
    "outage after three, with the latest reason": (
        [OK, TIMEOUT, REFUSED, TIMEOUT],
        [(0, State.OPERATIONAL, OK), (3, State.OUTAGE, TIMEOUT)],
    ),
    "recovery needs the success threshold": (
        [OK, TIMEOUT, TIMEOUT, TIMEOUT, OK, TIMEOUT, OK, OK],
        [(0, State.OPERATIONAL, OK), (3, State.OUTAGE, TIMEOUT), (7, State.OPERATIONAL, OK)],
    ),
    "recovering slowly lands in degraded": (
        [OK, TIMEOUT, TIMEOUT, TIMEOUT, SLOW, OK],
        [(0, State.OPERATIONAL, OK), (3, State.OUTAGE, TIMEOUT), (5, State.OPERATIONAL, OK)],
    ),
    "one slow answer does not flap": ([OK, SLOW, OK, SLOW, SLOW], [(0, State.OPERATIONAL, OK)]),
    "three slow answers degrade, two fast ones restore": (
        [OK, SLOW, SLOW, SLOW, OK, OK],
        [(0, State.OPERATIONAL, OK), (3, State.DEGRADED, SLOW), (5, State.OPERATIONAL, OK)],
    ),
    "reason change inside an outage is a transition": (
        [OK, TIMEOUT, TIMEOUT, TIMEOUT, SUSPECTED, SUSPECTED, SUSPECTED],
        [(0, State.OPERATIONAL, OK), (3, State.OUTAGE, TIMEOUT), (6, State.OUTAGE, SUSPECTED)],
    ),
    "a flapping cause keeps the first reason": (
        [OK, TIMEOUT, TIMEOUT, TIMEOUT, REFUSED, TIMEOUT, REFUSED, TIMEOUT],
        [(0, State.OPERATIONAL, OK), (3, State.OUTAGE, TIMEOUT)],
    ),
    "outage turning into announced maintenance": (
        [OK, TIMEOUT, TIMEOUT, TIMEOUT, MAINT, MAINT, MAINT],
        [(0, State.OPERATIONAL, OK), (3, State.OUTAGE, TIMEOUT), (6, State.MAINTENANCE, MAINT)],
    ),
    "the monitor's own fault changes nothing": (
        [OK, TIMEOUT, SICK, SICK, TIMEOUT, SICK, TIMEOUT],
        [(0, State.OPERATIONAL, OK), (6, State.OUTAGE, TIMEOUT)],
    ),
}


@pytest.mark.parametrize(("reasons", "expected"), SCENARIOS.values(), ids=SCENARIOS.keys())
def test_scenarios(reasons: list[Reason], expected: list[tuple[int, State, Reason]]) -> None:
    changes, _ = run(reasons)
    assert changes == expected


def test_thresholds_of_one_follow_every_probe() -> None:
    changes, _ = run([OK, TIMEOUT, OK], Thresholds(failure=1, success=1))
    assert [c[1] for c in changes] == [State.OPERATIONAL, State.OUTAGE, State.OPERATIONAL]


def test_counters_are_kept_between_probes() -> None:
    _, state = run([OK, TIMEOUT, TIMEOUT])
    assert (state.consecutive_failures, state.consecutive_successes) == (2, 0)
    assert (state.streak_reason, state.reason_streak) == (TIMEOUT, 2)
    _, state = run([OK, TIMEOUT, OK])
    assert (state.consecutive_failures, state.consecutive_successes) == (0, 1)


def test_unhealthy_monitor_leaves_the_state_untouched() -> None:
    state = CheckState(State.OUTAGE, TIMEOUT, 4, 0, TIMEOUT, 4)
    assert advance(state, SICK, Thresholds()).state == state


def test_force_applies_at_once_and_only_when_something_changes() -> None:
    state = CheckState(State.OUTAGE, TIMEOUT, 5, 0, TIMEOUT, 5)
    step = force(state, State.OUTAGE, Reason.POLICY_CUTOFF)
    assert step.change is not None and step.change.reason == Reason.POLICY_CUTOFF
    assert step.state.consecutive_failures == 0
    assert force(step.state, State.OUTAGE, Reason.POLICY_CUTOFF).change is None
