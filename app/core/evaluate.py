"""One probe's whole story after the probe: CheckRecord + where the service stands + what else
is known → the sample to keep and the step of the state machine. Pure.

The verdict is read, in this order, across regions and against the monitor itself
(attribution), from inside the office (the agents' vantage), and under what operators declared
(overrides: operators win); the state machine then decides whether the state changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from app.core.attribution import ActiveWave, attribute, wave_of
from app.core.domain import CheckRecord, Reason, Verdict
from app.core.overrides import NO_OVERRIDES, Overrides, override
from app.core.state_machine import DOWN_STATES, Change, CheckState, Step, Thresholds, advance
from app.core.vantage import AgentView, VantageRules, combine
from app.core.waves import probe_signature


@dataclass(frozen=True, slots=True)
class Context:
    """What a batch of results is read against, known once per batch."""

    monitor_impaired: bool = False  # every control target fails: our network, not theirs
    waves: Sequence[ActiveWave] = ()  # active after this batch's failures were counted
    vantage: VantageRules = field(default_factory=VantageRules)
    agent_views: Mapping[str, Sequence[AgentView]] = field(default_factory=dict)  # by region
    overrides: Overrides = NO_OVERRIDES


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe as kept for uptime and latency history, under its final reason."""

    service_id: int
    at: datetime
    latency_ms: float
    status_code: int | None
    reason: Reason


@dataclass(frozen=True, slots=True)
class Evaluation:
    verdict: Verdict  # final: its evidence goes with any transition
    sample: Sample
    step: Step


def evaluate(
    record: CheckRecord,
    *,
    region_code: str,
    standing: CheckState,
    thresholds: Thresholds,
    context: Context,
    standing_since: datetime | None = None,
) -> Evaluation:
    """`region_code` and `standing` as the service is now, which an operator may have changed
    while its probe was in flight; `standing_since` when its state last changed."""
    result = record.result
    signature = probe_signature(record.verdict, result)
    verdict = attribute(
        record.verdict,
        result,
        monitor_impaired=context.monitor_impaired,
        wave=wave_of(region_code, signature, context.waves),
        standing_reason=standing.reason,
        standing_since=standing_since,
    )
    verdict = combine(verdict, context.agent_views.get(region_code, ()), context.vantage)
    verdict = override(
        verdict,
        service_id=record.service_id,
        region_code=region_code,
        at=result.started_at,
        overrides=context.overrides,
    )
    step = _reread(standing, verdict, advance(standing, verdict.reason, thresholds))
    sample = Sample(
        record.service_id, result.started_at, result.latency_ms, result.status_code, verdict.reason
    )
    return Evaluation(verdict, sample, step)


def _reread(standing: CheckState, verdict: Verdict, step: Step) -> Step:
    """A member recognised late is a cause re-read across regions, not a new observation: its
    reason changes at once (one `reason_changed`), not after a streak. The way back when a
    wave ends takes the usual streak, so a wave's stragglers that recover with it never flip
    to a local reason first."""
    target = verdict.reason.state
    recognised = verdict.evidence.get("rule") == "wave_recognised"
    if step.change is not None or not recognised or verdict.reason == standing.reason:
        return step
    if standing.state not in DOWN_STATES or target not in DOWN_STATES:
        return step
    change = Change(standing.state, target, verdict.reason)
    return Step(replace(step.state, state=target, reason=verdict.reason), change)
