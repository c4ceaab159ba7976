"""CheckRecords → stored check state, samples, rollups and transitions, in one transaction.
Each record is evaluated (app/core/evaluate.py) against its service's row as it is in the
database, so an operator's change made while a probe was in flight is respected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Category, CheckRecord, TransitionSource
from app.core.evaluate import Context, Evaluation, Sample, evaluate
from app.core.vantage import AgentView, VantageRules
from app.core.waves import WaveRules
from app.settings import Settings
from app.store.agents import live_views
from app.store.check_states import (
    CheckStateUpdate,
    StoredCheckState,
    load_check_states,
    save_check_states,
)
from app.store.checks import record_samples
from app.store.models import Transition
from app.store.overrides import load_overrides
from app.usecases.recognise_waves import FailureMark, failure_mark, recognise_waves
from app.usecases.transitions import append_transition


@dataclass(frozen=True, slots=True)
class Signals:
    """What the checker knows beyond one probe, at the moment of recording."""

    monitor_impaired: bool = False
    vantage: VantageRules = field(default_factory=VantageRules)
    waves: WaveRules = field(default_factory=WaveRules)
    wave_window_seconds: float = 120.0  # a region fails "now" if its latest probe is this fresh
    now: datetime | None = None  # the checker's clock; else the latest probe's start


def vantage_rules_of(settings: Settings) -> VantageRules:
    return VantageRules(settings.vantage_quorum, settings.agent_stale_after)


def signals_of(settings: Settings, *, monitor_impaired: bool, now: datetime) -> Signals:
    return Signals(
        monitor_impaired=monitor_impaired,
        vantage=vantage_rules_of(settings),
        waves=settings.wave_rules(),
        wave_window_seconds=settings.wave_window_seconds,
        now=now,
    )


async def record_checks(
    session: AsyncSession, records: Sequence[CheckRecord], *, signals: Signals
) -> list[Transition]:
    stored = await load_check_states(session, [r.service_id for r in records])
    marks = _failure_marks(records, stored, signals)
    context = await _context(session, records, stored, signals, marks)
    updates: dict[int, CheckStateUpdate] = {}  # a service twice in a batch: the last counts
    samples: list[Sample] = []
    changes: list[_Change] = []
    for record in records:
        service = stored.get(record.service_id)
        if service is None:  # deleted while its probe was in flight
            continue
        evaluation = evaluate(
            record,
            region_code=service.region_code,
            standing=service.state,
            thresholds=service.thresholds,
            context=context,
            standing_since=service.state_changed_at,
        )
        updates[service.service_id] = _update(service, record, evaluation, marks[record.service_id])
        samples.append(evaluation.sample)
        if evaluation.step.change:
            changes.append(_Change(service, record, evaluation))
    # States first: whatever runs inside append_transition sees every service as it now is.
    await save_check_states(session, list(updates.values()))
    await record_samples(session, samples)
    return await _append_transitions(session, changes)


async def _context(
    session: AsyncSession,
    records: Sequence[CheckRecord],
    stored: dict[int, StoredCheckState],
    signals: Signals,
    marks: dict[int, FailureMark],
) -> Context:
    overrides = await load_overrides(
        session,
        region_codes={service.region_code for service in stored.values()},
        instants=[record.result.started_at for record in records],
    )
    waves = await recognise_waves(
        session,
        list(marks.values()),
        now=signals.now or max(record.result.started_at for record in records),
        rules=signals.waves,
        window_seconds=signals.wave_window_seconds,
        monitor_impaired=signals.monitor_impaired,
    )
    return Context(
        monitor_impaired=signals.monitor_impaired,
        waves=waves,
        vantage=signals.vantage,
        agent_views=await _agent_views(session, records, signals.vantage),
        overrides=overrides,
    )


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


def _failure_marks(
    records: Sequence[CheckRecord], stored: dict[int, StoredCheckState], signals: Signals
) -> dict[int, FailureMark]:
    impaired = signals.monitor_impaired
    return {
        record.service_id: failure_mark(
            stored[record.service_id], record, monitor_impaired=impaired
        )
        for record in records
        if record.service_id in stored
    }


def _update(
    service: StoredCheckState, record: CheckRecord, evaluation: Evaluation, mark: FailureMark
) -> CheckStateUpdate:
    changed = evaluation.step.change is not None
    return CheckStateUpdate(
        service_id=service.service_id,
        state=evaluation.step.state,
        state_changed_at=record.result.started_at if changed else service.state_changed_at,
        sequence=service.sequence + 1 if changed else service.sequence,
        last_checked_at=record.result.started_at,
        failure_signature=mark.signature,
        failure_since=mark.since,
    )


@dataclass(frozen=True, slots=True)
class _Change:
    service: StoredCheckState
    record: CheckRecord
    evaluation: Evaluation


async def _append_transitions(session: AsyncSession, changes: list[_Change]) -> list[Transition]:
    # Incident tracking locks region rows: every writer takes them in one order, so two
    # replicas recording overlapping regions cannot deadlock.
    changes.sort(key=lambda change: (change.service.region_code, change.service.service_id))
    transitions = []
    for change in changes:
        step = change.evaluation.step
        assert step.change is not None
        evidence = change.evaluation.verdict.evidence | {"streak": step.state.reason_streak}
        transitions.append(
            await append_transition(
                session,
                service_id=change.service.service_id,
                region_code=change.service.region_code,
                change=step.change,
                source=TransitionSource.PROBE,
                at=change.record.result.started_at,
                evidence=evidence,
            )
        )
    return transitions
