"""CheckRecords → stored check state, samples, rollups and transitions, in one transaction.
Attribution, operators' overrides (declarations, maintenance windows) and the state machine
run here against the rows as they are in the database, so an operator's change made while a
probe was in flight is respected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.attribution import attribute
from app.core.domain import Category, CheckRecord, Reason, State, TransitionSource, Verdict
from app.core.overrides import Overrides, override
from app.core.state_machine import CheckState, Step, Thresholds, advance
from app.core.vantage import AgentView, VantageRules, combine
from app.settings import Settings
from app.store.agents import live_views
from app.store.checks import (
    Sample,
    load_check_states,
    record_samples,
    save_check_states,
)
from app.store.models import Transition
from app.store.overrides import load_overrides
from app.usecases.transitions import append_transition


@dataclass(frozen=True, slots=True)
class Signals:
    """What the checker knows beyond one probe, at the moment of recording."""

    monitor_impaired: bool = False
    central_wave: bool = False
    vantage: VantageRules = field(default_factory=VantageRules)


def vantage_rules_of(settings: Settings) -> VantageRules:
    return VantageRules(settings.vantage_quorum, settings.agent_stale_after)


async def _agent_views(
    session: AsyncSession, records: Sequence[CheckRecord], rules: VantageRules
) -> dict[str, list[AgentView]]:
    """Agents' say is needed only where the central prober failed in transport: a batch of
    answers (nearly every batch) skips the query."""
    failing = [r for r in records if r.verdict.reason.category == Category.NETWORK]
    if not failing:
        return {}
    oldest = min(r.result.started_at for r in failing)
    return await live_views(
        session,
        region_codes={r.region_code for r in failing},
        since=oldest - timedelta(seconds=rules.stale_after_seconds),
    )


def check_state_of(row: Any) -> CheckState:
    return CheckState(
        state=State(row.state),
        reason=Reason(row.reason) if row.reason else None,
        consecutive_failures=row.consecutive_failures,
        consecutive_successes=row.consecutive_successes,
        streak_reason=Reason(row.streak_reason) if row.streak_reason else None,
        reason_streak=row.reason_streak,
    )


def _columns(step: Step, row: Any, record: CheckRecord, sequence: int) -> dict[str, Any]:
    changed_at = record.result.started_at if step.change else row.state_changed_at
    return asdict(step.state) | {
        "b_id": row.id,
        "state_changed_at": changed_at,
        "sequence": sequence,
        "last_checked_at": record.result.started_at,
        "lease_expires_at": None,
    }


async def record_checks(
    session: AsyncSession, records: Sequence[CheckRecord], *, signals: Signals
) -> list[Transition]:
    rows = await load_check_states(session, [r.service_id for r in records])
    overrides = await load_overrides(
        session,
        region_codes={row.region_code for row in rows.values()},
        instants=[record.result.started_at for record in records],
    )
    context = _Context(signals, await _agent_views(session, records, signals.vantage), overrides)
    updates: dict[int, dict[str, Any]] = {}
    samples: list[Sample] = []
    changes: list[_Change] = []
    for record in records:
        row = rows.get(record.service_id)
        if row is None:  # deleted while its probe was in flight
            continue
        verdict = context.final_verdict(record, row)
        limits = Thresholds(failure=row.failure_threshold, success=row.success_threshold)
        step = advance(check_state_of(row), verdict.reason, limits)
        updates[row.id] = _columns(step, row, record, row.sequence + (1 if step.change else 0))
        result = record.result
        samples.append(
            Sample(row.id, result.started_at, result.latency_ms, result.status_code, verdict.reason)
        )
        if step.change:
            changes.append(_Change(row, step, record, verdict.evidence))
    # States first: whatever runs inside append_transition sees every service as it now is.
    await save_check_states(session, list(updates.values()))
    await record_samples(session, samples)
    return await _append_transitions(session, changes)


@dataclass(frozen=True, slots=True)
class _Context:
    """What a batch's verdicts are read against, loaded once per batch."""

    signals: Signals
    agent_views: dict[str, list[AgentView]]
    overrides: Overrides

    def final_verdict(self, record: CheckRecord, row: Any) -> Verdict:
        """The probe's verdict seen across regions, by the region's agents, then under the
        operators' declarations and maintenance windows (in that order: operators win)."""
        verdict = attribute(
            record.verdict,
            record.result,
            monitor_impaired=self.signals.monitor_impaired,
            central_wave=self.signals.central_wave,
            standing_reason=Reason(row.reason) if row.reason else None,
        )
        verdict = combine(verdict, self.agent_views.get(row.region_code, []), self.signals.vantage)
        return override(
            verdict,
            service_id=row.id,
            region_code=row.region_code,
            at=record.result.started_at,
            overrides=self.overrides,
        )


@dataclass(frozen=True, slots=True)
class _Change:
    row: Any
    step: Step
    record: CheckRecord
    evidence: dict[str, Any]


async def _append_transitions(session: AsyncSession, changes: list[_Change]) -> list[Transition]:
    # Incident tracking locks region rows: every writer takes them in one order, so two
    # replicas recording overlapping regions cannot deadlock.
    changes.sort(key=lambda change: (change.row.region_code, change.row.id))
    transitions = []
    for change in changes:
        assert change.step.change is not None
        transitions.append(
            await append_transition(
                session,
                service_id=change.row.id,
                region_code=change.row.region_code,
                change=change.step.change,
                source=TransitionSource.PROBE,
                at=change.record.result.started_at,
                evidence=change.evidence | {"streak": change.step.state.reason_streak},
            )
        )
    return transitions
