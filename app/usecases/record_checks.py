"""CheckRecords → stored check state, samples, rollups and transitions, in one transaction.
Each record is evaluated (app/core/evaluate.py) against its service's row as it is in the
database, so an operator's change made while a probe was in flight is respected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Category, CheckRecord, TransitionSource
from app.core.evaluate import Context, Evaluation, Sample, evaluate
from app.core.vantage import AgentView, VantageRules
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
from app.usecases.transitions import append_transition


@dataclass(frozen=True, slots=True)
class Signals:
    """What the checker knows beyond one probe, at the moment of recording."""

    monitor_impaired: bool = False
    central_wave: bool = False
    vantage: VantageRules = field(default_factory=VantageRules)


def vantage_rules_of(settings: Settings) -> VantageRules:
    return VantageRules(settings.vantage_quorum, settings.agent_stale_after)


async def record_checks(
    session: AsyncSession, records: Sequence[CheckRecord], *, signals: Signals
) -> list[Transition]:
    stored = await load_check_states(session, [r.service_id for r in records])
    context = await _context(session, records, stored, signals)
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
        )
        updates[service.service_id] = _update(service, record, evaluation)
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
) -> Context:
    overrides = await load_overrides(
        session,
        region_codes={service.region_code for service in stored.values()},
        instants=[record.result.started_at for record in records],
    )
    return Context(
        monitor_impaired=signals.monitor_impaired,
        central_wave=signals.central_wave,
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


def _update(
    service: StoredCheckState, record: CheckRecord, evaluation: Evaluation
) -> CheckStateUpdate:
    changed = evaluation.step.change is not None
    return CheckStateUpdate(
        service_id=service.service_id,
        state=evaluation.step.state,
        state_changed_at=record.result.started_at if changed else service.state_changed_at,
        sequence=service.sequence + 1 if changed else service.sequence,
        last_checked_at=record.result.started_at,
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
