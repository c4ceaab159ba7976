"""evaluate: the whole chain after a probe, one scenario per row — where the service stood,
what the probe saw, what else was known; the final reason, the state after, and the change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.attribution import ActiveWave
from app.core.classify import CheckRules, classify
from app.core.domain import CheckRecord, FailureKind, ProbeResult, Reason, State
from app.core.evaluate import Context, evaluate
from app.core.overrides import DeclaredCause, Overrides, ScheduledWindow
from app.core.state_machine import CheckState, Thresholds
from app.core.vantage import AgentView, Role
from app.core.waves import FailureSignature
from app.core.windows import Occurrence

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PALOPO = "73.73"
LIMITS = Thresholds(failure=3, success=2)
TIMED_OUT = ProbeResult(T0, 10_000.0, failure=FailureKind.DEADLINE)
REFUSED = ProbeResult(T0, 3.0, failure=FailureKind.REFUSED)
ANSWERED = ProbeResult(T0, 40.0, status_code=200)
QUIET = Context()
# Refused connections across regions, Palopo among them, recognised as one central wave.
REFUSING_WAVE = ActiveWave(
    7,
    Reason.UPSTREAM_CENTRAL,
    FailureSignature(Reason.NETWORK_REFUSED),
    frozenset({PALOPO, "81.71", "12.71"}),
    onset=T0 - timedelta(minutes=2),
)
IN_WAVE = Context(waves=(REFUSING_WAVE,))


def up(failures: int = 0) -> CheckState:
    streak = Reason.NETWORK_TIMEOUT if failures else Reason.OK
    return CheckState(State.OPERATIONAL, Reason.OK, failures, 0, streak, failures or 5)


def down(reason: Reason, successes: int = 0) -> CheckState:
    streak = Reason.OK if successes else reason
    return CheckState(State.OUTAGE, reason, 0, successes, streak, successes or 5)


def record(result: ProbeResult) -> CheckRecord:
    return CheckRecord(1, PALOPO, result, classify(result, CheckRules()), T0)


CUTOFF_DECLARED = Overrides(
    declarations={PALOPO: DeclaredCause(Reason.POLICY_CUTOFF, {"declaration_id": 7})}
)
MAINTENANCE = Overrides(
    windows=[
        ScheduledWindow(
            window_id=3,
            title="Migrasi server",
            regions=("73",),
            occurrences=(Occurrence(T0 - timedelta(hours=1), T0 + timedelta(hours=1)),),
        )
    ]
)
LINK_CUT = AgentView(1, "kantor Palopo", {Role.CENTRAL: False, Role.PUBLIC: True}, T0)

SCENARIOS = [
    ("a timeout under the threshold", up(0), TIMED_OUT, QUIET, Reason.NETWORK_TIMEOUT,
     State.OPERATIONAL, None),
    ("the timeout that reaches the threshold", up(2), TIMED_OUT, QUIET, Reason.NETWORK_TIMEOUT,
     State.OUTAGE, State.OUTAGE),
    ("control targets failing: the monitor's fault", up(2), TIMED_OUT,
     Context(monitor_impaired=True), Reason.PROBE_UNHEALTHY, State.OPERATIONAL, None),
    ("a central wave relabels a fresh failure", up(2), REFUSED, IN_WAVE,
     Reason.UPSTREAM_CENTRAL, State.OUTAGE, State.OUTAGE),
    ("a central wave leaves a standing failure its own", down(Reason.NETWORK_REFUSED), REFUSED,
     IN_WAVE, Reason.NETWORK_REFUSED, State.OUTAGE, None),
    ("a wave takes no failure of another signature", up(2), TIMED_OUT, IN_WAVE,
     Reason.NETWORK_TIMEOUT, State.OUTAGE, State.OUTAGE),
    ("the monitor's own fault forms no wave member", up(2), REFUSED,
     Context(monitor_impaired=True, waves=(REFUSING_WAVE,)), Reason.PROBE_UNHEALTHY,
     State.OPERATIONAL, None),
    ("a cutoff declaration overrides a timeout", up(2), TIMED_OUT,
     Context(overrides=CUTOFF_DECLARED), Reason.POLICY_CUTOFF, State.OUTAGE, State.OUTAGE),
    ("a declaration never overrides an answer", up(0), ANSWERED,
     Context(overrides=CUTOFF_DECLARED), Reason.OK, State.OPERATIONAL, None),
    ("a maintenance window reads maintenance", up(2), TIMED_OUT, Context(overrides=MAINTENANCE),
     Reason.MAINTENANCE_SCHEDULED, State.MAINTENANCE, State.MAINTENANCE),
    ("agents see the central path cut: suspected cutoff", up(2), TIMED_OUT,
     Context(agent_views={PALOPO: [LINK_CUT]}), Reason.POLICY_SUSPECTED, State.OUTAGE,
     State.OUTAGE),
    ("agents of another region have no say", up(2), TIMED_OUT,
     Context(agent_views={"81.71": [LINK_CUT]}), Reason.NETWORK_TIMEOUT, State.OUTAGE,
     State.OUTAGE),
    ("a declaration outranks the agents", up(2), TIMED_OUT,
     Context(agent_views={PALOPO: [LINK_CUT]}, overrides=CUTOFF_DECLARED), Reason.POLICY_CUTOFF,
     State.OUTAGE, State.OUTAGE),
    ("one answer during an outage is not yet recovery", down(Reason.NETWORK_TIMEOUT), ANSWERED,
     QUIET, Reason.OK, State.OUTAGE, None),
    ("recovery at the success threshold", down(Reason.NETWORK_TIMEOUT, successes=1), ANSWERED,
     QUIET, Reason.OK, State.OPERATIONAL, State.OPERATIONAL),
]  # fmt: skip


@pytest.mark.parametrize(
    ("standing", "result", "context", "reason", "state_after", "changed_to"),
    [pytest.param(*row[1:], id=row[0]) for row in SCENARIOS],
)
def test_evaluate(
    standing: CheckState,
    result: ProbeResult,
    context: Context,
    reason: Reason,
    state_after: State,
    changed_to: State | None,
) -> None:
    out = evaluate(
        record(result), region_code=PALOPO, standing=standing, thresholds=LIMITS, context=context
    )
    assert out.verdict.reason == reason
    assert out.sample.reason == reason
    assert out.step.state.state == state_after
    change = out.step.change
    assert (change.to_state if change else None) == changed_to
    if change is not None:
        assert (change.from_state, change.reason) == (standing.state, reason)


def test_the_sample_keeps_what_the_probe_measured_under_the_final_reason() -> None:
    out = evaluate(
        record(TIMED_OUT),
        region_code=PALOPO,
        standing=up(0),
        thresholds=LIMITS,
        context=Context(overrides=CUTOFF_DECLARED),
    )
    sample = out.sample
    assert (sample.service_id, sample.at, sample.latency_ms, sample.status_code) == (
        1,
        T0,
        10_000.0,
        None,
    )
    assert sample.reason == Reason.POLICY_CUTOFF
    assert out.verdict.evidence["observed_reason"] == str(Reason.NETWORK_TIMEOUT)


def test_the_region_as_stored_decides_which_overrides_apply() -> None:
    """A service moved out of Palopo while its probe was in flight escapes Palopo's cutoff."""
    out = evaluate(
        record(TIMED_OUT),
        region_code="81.71",
        standing=up(2),
        thresholds=LIMITS,
        context=Context(overrides=CUTOFF_DECLARED),
    )
    assert out.verdict.reason == Reason.NETWORK_TIMEOUT


def test_timeouts_then_answers_walk_the_thresholds() -> None:
    state, changes = CheckState(State.OPERATIONAL, Reason.OK), []
    for result in [TIMED_OUT] * 3 + [ANSWERED] * 2:
        step = evaluate(
            record(result), region_code=PALOPO, standing=state, thresholds=LIMITS, context=QUIET
        ).step
        state = step.state
        changes.append(step.change.to_state if step.change else None)
    assert changes == [None, None, State.OUTAGE, None, State.OPERATIONAL]


def test_a_member_written_local_just_before_the_wave_is_corrected_once() -> None:
    """Down as network.refused since after the wave's onset: one reason_changed at once."""
    standing = down(Reason.NETWORK_REFUSED)
    since = REFUSING_WAVE.onset + timedelta(seconds=30)
    first = evaluate(
        record(REFUSED),
        region_code=PALOPO,
        standing=standing,
        thresholds=LIMITS,
        context=IN_WAVE,
        standing_since=since,
    )
    assert first.verdict.evidence["rule"] == "wave_recognised"
    assert first.verdict.evidence["wave_id"] == 7
    assert first.step.change is not None
    assert (first.step.change.to_state, first.step.change.reason) == (
        State.OUTAGE,
        Reason.UPSTREAM_CENTRAL,
    )
    again = evaluate(
        record(REFUSED),
        region_code=PALOPO,
        standing=first.step.state,
        thresholds=LIMITS,
        context=IN_WAVE,
        standing_since=T0,
    )
    assert again.step.change is None
    assert again.verdict.evidence["rule"] == "wave"


def test_a_member_still_failing_when_the_wave_ends_goes_back_after_the_usual_streak() -> None:
    standing = down(Reason.UPSTREAM_CENTRAL)
    changes = []
    for _ in range(LIMITS.failure):
        out = evaluate(
            record(REFUSED),
            region_code=PALOPO,
            standing=standing,
            thresholds=LIMITS,
            context=QUIET,
            standing_since=T0,
        )
        assert out.verdict.evidence["wave_ended"] is True
        standing = out.step.state
        changes.append(out.step.change)
    assert changes[:-1] == [None] * (LIMITS.failure - 1)
    assert changes[-1] is not None and changes[-1].reason == Reason.NETWORK_REFUSED
