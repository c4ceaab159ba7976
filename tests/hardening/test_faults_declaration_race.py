"""A checker batch racing an operator's cutoff declaration on PostgreSQL (SQLite has a single
writer, so the two cannot overlap there). Whichever transaction gets to the service rows
first, the one that follows waits for it and works from what it committed: the forced
`policy.cutoff` is never overwritten by the probe's own reason, and a service that starts
failing while the declaration is written still ends under it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import (
    CheckRecord,
    FailureKind,
    ProbeResult,
    Reason,
    State,
    TransitionSource,
    Verdict,
)
from app.store.db import Database
from app.store.declarations import Declaration, DeclarationKind, add_declaration
from app.store.models import Service, Transition
from app.store.types import utcnow
from app.usecases.declare import apply_declaration
from app.usecases.record_checks import Signals, record_checks
from tests.factories import add_service, probe

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
BLOCKED_S = 0.5  # long enough to tell "waiting on a row lock" from "done"


def timeout_record(service_id: int) -> CheckRecord:
    at = utcnow()
    result = ProbeResult(started_at=at, latency_ms=800.0, failure=FailureKind.DEADLINE)
    verdict = Verdict(Reason.NETWORK_TIMEOUT, {"rule": "transport"})
    return CheckRecord(service_id, "73.73", result, verdict, at)


async def record(database: Database, service_id: int) -> None:
    async with database.transaction() as session:
        await record_checks(session, [timeout_record(service_id)], signals=Signals())


async def declare_cutoff(database: Database) -> None:
    async with database.transaction() as session:
        await _declare(session)


async def _declare(session: AsyncSession) -> None:
    declaration = Declaration(
        region_code="73.73",
        kind=DeclarationKind.CUTOFF,
        reference="400.8/1234/Dukcapil",
        issuer="Ditjen Dukcapil Kemendagri",
        issued_at=datetime(2026, 11, 28, tzinfo=UTC),
        created_by="test",
    )
    await add_declaration(session, declaration)
    await apply_declaration(session, declaration, lifts=None, at=utcnow())


async def state_and_history(
    database: Database, service_id: int
) -> tuple[tuple[str, str | None], list[tuple[str, str, str]]]:
    async with database.read() as session:
        service = await session.get(Service, service_id)
        assert service is not None
        query = select(Transition).where(Transition.service_id == service_id)
        history = (await session.exec(query.order_by(col(Transition.id)))).all()
    steps = [(str(t.to_state), str(t.reason), str(t.source)) for t in history]
    return (str(service.state), service.reason), steps


async def test_a_batch_waits_for_a_declaration_and_keeps_its_cutoff(database: Database) -> None:
    """The batch locks its rows before reading them (load_check_states): unlocked, it read the
    state from before the cutoff and wrote it back over the forced one."""
    sid = await add_service(database)
    await probe(database, sid, Reason.NETWORK_TIMEOUT)  # failing: the declaration takes it
    async with database.transaction() as session:
        await _declare(session)  # holds the service row until it commits
        batch = asyncio.create_task(record(database, sid))
        await asyncio.sleep(BLOCKED_S)
        assert not batch.done(), "the batch read the service while the declaration held it"
    await batch

    state, history = await state_and_history(database, sid)
    assert state == (State.OUTAGE, Reason.POLICY_CUTOFF)
    assert history == [
        (State.OUTAGE, Reason.NETWORK_TIMEOUT, TransitionSource.PROBE),
        (State.OUTAGE, Reason.POLICY_CUTOFF, TransitionSource.OPERATOR),
    ]


async def test_a_declaration_waits_for_a_batch_that_turns_a_service_failing(
    database: Database,
) -> None:
    """The batch's transition locks the region row (incident tracking); the declaration's
    insert, a foreign key to that row, waits for it, then sees the service failing."""
    sid = await add_service(database)
    await probe(database, sid, Reason.OK)
    async with database.transaction() as session:
        # The batch has locked the service and turned it failing, but not committed yet.
        await record_checks(session, [timeout_record(sid)], signals=Signals())
        declaring = asyncio.create_task(declare_cutoff(database))
        await asyncio.sleep(BLOCKED_S)
        assert not declaring.done(), "the declaration missed the service turning failing"
    await declaring

    state, history = await state_and_history(database, sid)
    assert state == (State.OUTAGE, Reason.POLICY_CUTOFF)
    assert history == [
        (State.OPERATIONAL, Reason.OK, TransitionSource.PROBE),
        (State.OUTAGE, Reason.NETWORK_TIMEOUT, TransitionSource.PROBE),
        (State.OUTAGE, Reason.POLICY_CUTOFF, TransitionSource.OPERATOR),
    ]
