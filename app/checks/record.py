"""CheckRecords → stored check state, samples, rollups and transitions, in one transaction.
Attribution, operators' overrides (declarations, maintenance windows) and the state machine
run here against the rows as they are in the database, so an operator's change made while a
probe was in flight is respected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.checks.attribute import attribute
from app.checks.overrides import override
from app.checks.run import CheckRecord
from app.checks.state_machine import CheckState, Step, Thresholds, advance
from app.domain import Reason, State, TransitionSource
from app.store.checks import (
    Sample,
    load_check_states,
    record_samples,
    save_check_states,
)
from app.store.models import Transition
from app.store.overrides import load_overrides
from app.store.transitions import append_transition


@dataclass(frozen=True, slots=True)
class Signals:
    """What the checker knows beyond one probe, at the moment of recording."""

    monitor_impaired: bool = False
    central_wave: bool = False


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
    updates: dict[int, dict[str, Any]] = {}
    samples: list[Sample] = []
    changes: list[tuple[Any, Step, CheckRecord, dict[str, Any]]] = []
    for record in records:
        row = rows.get(record.service_id)
        if row is None:  # deleted while its probe was in flight
            continue
        verdict = attribute(
            record.verdict,
            record.result,
            monitor_impaired=signals.monitor_impaired,
            central_wave=signals.central_wave,
        )
        verdict = override(
            verdict,
            service_id=row.id,
            region_code=row.region_code,
            at=record.result.started_at,
            overrides=overrides,
        )
        limits = Thresholds(failure=row.failure_threshold, success=row.success_threshold)
        step = advance(check_state_of(row), verdict.reason, limits)
        sequence = row.sequence + (1 if step.change else 0)
        updates[row.id] = _columns(step, row, record, sequence)
        result = record.result
        samples.append(
            Sample(row.id, result.started_at, result.latency_ms, result.status_code, verdict.reason)
        )
        if step.change:
            changes.append((row, step, record, verdict.evidence))
    # States first: whatever runs inside append_transition sees every service as it now is.
    await save_check_states(session, list(updates.values()))
    await record_samples(session, samples)
    transitions = []
    # Incident tracking locks region rows: every writer takes them in one order, so two
    # replicas recording overlapping regions cannot deadlock.
    changes.sort(key=lambda change: (change[0].region_code, change[0].id))
    for row, step, record, evidence in changes:
        assert step.change is not None
        transitions.append(
            await append_transition(
                session,
                service_id=row.id,
                region_code=row.region_code,
                change=step.change,
                source=TransitionSource.PROBE,
                at=record.result.started_at,
                evidence=evidence | {"streak": step.state.reason_streak},
            )
        )
    return transitions
