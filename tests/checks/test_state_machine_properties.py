"""The threshold state machine as a hypothesis `RuleBasedStateMachine`: any interleaving of
probe reasons (the monitor's own faults included) and operator decisions, under any
thresholds, keeps these true:

- a transition always changes the state or the reason, and starts from the state it left;
- no step changes the state or reason without reporting a transition;
- the counters equal the trailing runs of the probes seen since the last forced change;
- the state agrees with the thresholds: enough failures in a row mean down, enough
  successes in a row after a failure mean up, and never down on fewer failures.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from app.core.domain import Reason, State
from app.core.state_machine import (
    DOWN_STATES,
    UP_STATES,
    CheckState,
    Step,
    Thresholds,
    advance,
    force,
)

COUNTED = [reason for reason in Reason if reason.state is not None]
DECIDED = [(reason.state, reason) for reason in COUNTED]


def trailing_run(items: list[Reason], belongs: frozenset[Reason] | set[Reason]) -> int:
    run = 0
    for item in reversed(items):
        if item not in belongs:
            break
        run += 1
    return run


BAD = frozenset(r for r in COUNTED if r.state in DOWN_STATES)
GOOD = frozenset(r for r in COUNTED if r.state in UP_STATES)


class ThresholdMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = CheckState()
        self.limits = Thresholds()
        self.seen: list[Reason] = []  # counted probe reasons since the start or a forced change

    @initialize(failure=st.integers(1, 5), success=st.integers(1, 5))
    def thresholds(self, failure: int, success: int) -> None:
        self.limits = Thresholds(failure=failure, success=success)

    def _apply(self, step: Step) -> None:
        before = self.state
        if step.change is None:
            assert (step.state.state, step.state.reason) == (before.state, before.reason)
        else:
            assert step.change.from_state == before.state
            assert (step.change.to_state, step.change.reason) != (before.state, before.reason)
            assert (step.state.state, step.state.reason) == (
                step.change.to_state,
                step.change.reason,
            )
        self.state = step.state

    @rule(reason=st.sampled_from(COUNTED))
    def probe(self, reason: Reason) -> None:
        before = self.state
        step = advance(before, reason, self.limits)
        self.seen.append(reason)
        self._apply(step)
        if step.change is None:
            return
        # A move into a down state needs `failure` bad probes in a row (with this reason,
        # when the state was already down); a move up from down needs `success` good ones.
        if step.change.to_state in DOWN_STATES:
            run = (
                trailing_run(self.seen, {reason})
                if before.state in DOWN_STATES
                else trailing_run(self.seen, BAD)
            )
            assert run >= self.limits.failure
        elif before.state in DOWN_STATES:
            assert trailing_run(self.seen, GOOD) >= self.limits.success

    @rule()
    def monitor_impaired(self) -> None:
        before = self.state
        step = advance(before, Reason.PROBE_UNHEALTHY, self.limits)
        assert step.change is None
        assert step.state == before  # not even a counter moves

    @rule(decision=st.sampled_from(DECIDED))
    def operator_decides(self, decision: tuple[State, Reason]) -> None:
        target, reason = decision
        step = force(self.state, target, reason)
        self._apply(step)
        if step.change is not None:  # a decision already in force restarts nothing
            self.seen = []

    @invariant()
    def counters_match_the_probes_seen(self) -> None:
        assert self.state.consecutive_failures == trailing_run(self.seen, BAD)
        assert self.state.consecutive_successes == trailing_run(self.seen, GOOD)
        assert min(self.state.consecutive_failures, self.state.consecutive_successes) == 0
        if self.seen:
            assert self.state.streak_reason == self.seen[-1]
            assert self.state.reason_streak == trailing_run(self.seen, {self.seen[-1]})

    @invariant()
    def state_agrees_with_the_thresholds(self) -> None:
        current = self.state
        if current.consecutive_failures >= self.limits.failure:
            assert current.state in DOWN_STATES
        if current.consecutive_successes >= self.limits.success and self.seen:
            assert current.state in UP_STATES
        if current.state in DOWN_STATES:
            assert current.reason is not None and current.reason.state == current.state
        if current.state == State.UNKNOWN:
            assert current.reason is None


ThresholdMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
TestThresholdMachine = ThresholdMachine.TestCase
