"""Threshold state machine: (check state, one probe's reason) → (new check state, transition?).
Pure. Hysteresis keeps one bad probe from raising an alarm and one good probe from ending it.

Rules:
- `probe.unhealthy` is the monitor's own fault: nothing changes, no counter moves.
- `unknown` (never judged) becomes operational/degraded on the first good probe, and
  outage/maintenance after `failure_threshold` bad ones.
- Up → down after `failure_threshold` consecutive bad probes (any failing reasons).
- Down → up after `success_threshold` consecutive good probes (a slow answer is an answer).
- operational ↔ degraded needs the same streak of slow (failure threshold) or fast
  (success threshold) answers, so one slow response does not flap the state.
- While down, a new reason (timeout → policy.suspected, outage → maintenance) becomes a
  transition once it has been seen `failure_threshold` times in a row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.core.check_settings import CHECK_DEFAULTS
from app.core.domain import Reason, State

DOWN_STATES = frozenset({State.OUTAGE, State.MAINTENANCE})
UP_STATES = frozenset({State.OPERATIONAL, State.DEGRADED})


@dataclass(frozen=True, slots=True)
class Thresholds:
    failure: int = CHECK_DEFAULTS.failure_threshold
    success: int = CHECK_DEFAULTS.success_threshold


@dataclass(frozen=True, slots=True)
class CheckState:
    state: State = State.UNKNOWN
    reason: Reason | None = None
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    streak_reason: Reason | None = None
    reason_streak: int = 0  # consecutive probes with exactly `streak_reason`


@dataclass(frozen=True, slots=True)
class Change:
    from_state: State
    to_state: State
    reason: Reason


@dataclass(frozen=True, slots=True)
class Step:
    state: CheckState
    change: Change | None


def _count(current: CheckState, reason: Reason) -> CheckState:
    is_bad = reason.state in DOWN_STATES
    same_reason = reason == current.streak_reason
    # Built outright, not by dataclasses.replace: this runs for every probe, and replace
    # costs several times as much.
    return CheckState(
        state=current.state,
        reason=current.reason,
        consecutive_failures=current.consecutive_failures + 1 if is_bad else 0,
        consecutive_successes=0 if is_bad else current.consecutive_successes + 1,
        streak_reason=reason,
        reason_streak=current.reason_streak + 1 if same_reason else 1,
    )


def _crosses(counted: CheckState, target: State, reason: Reason, limits: Thresholds) -> bool:
    current = counted.state
    if target in DOWN_STATES:
        if current in DOWN_STATES:
            return reason != counted.reason and counted.reason_streak >= limits.failure
        return counted.consecutive_failures >= limits.failure
    if current == State.UNKNOWN:
        return True
    if current in DOWN_STATES:
        return counted.consecutive_successes >= limits.success
    if target == current:
        return False
    needed = limits.failure if target == State.DEGRADED else limits.success
    return counted.reason_streak >= needed


def advance(current: CheckState, reason: Reason, limits: Thresholds) -> Step:
    target = reason.state
    if target is None:
        return Step(current, None)
    counted = _count(current, reason)
    if not _crosses(counted, target, reason, limits):
        return Step(counted, None)
    change = Change(current.state, target, reason)
    return Step(replace(counted, state=target, reason=reason), change)


def force(current: CheckState, target: State, reason: Reason) -> Step:
    """An operator's or a schedule's decision: applied at once, counters restarted."""
    if (current.state, current.reason) == (target, reason):
        return Step(current, None)
    new = CheckState(state=target, reason=reason, streak_reason=reason, reason_streak=0)
    return Step(new, Change(current.state, target, reason))
