"""Claiming and recording checks against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from app.core.domain import Reason, State
from app.store.checks import claim_due, prune_samples
from app.store.db import Database
from app.store.models import Service, Transition
from app.store.probes import ProbeSample, ServiceHour
from app.usecases.record_checks import Signals, record_checks
from tests.factories import T0, add_service, check_record


async def test_claim_leases_rows_and_moves_them_to_the_next_slot(database: Database) -> None:
    sid = await add_service(database, interval_seconds=60)
    async with database.transaction() as session:
        rows = await claim_due(session, now=T0 + timedelta(seconds=1), limit=10, lease_seconds=30)
    assert [r.service_id for r in rows] == [sid]
    async with database.transaction() as session:
        again = await claim_due(session, now=T0 + timedelta(seconds=2), limit=10, lease_seconds=30)
    assert again == []  # leased and not yet due
    async with database.read() as session:
        service = await session.get(Service, sid)
    assert service is not None
    assert service.next_check_at == T0 + timedelta(seconds=60)
    assert service.lease_expires_at == T0 + timedelta(seconds=1 + 10 + 30)


async def test_claim_after_a_long_stop_restarts_from_now(database: Database) -> None:
    sid = await add_service(database, interval_seconds=60)
    later = T0 + timedelta(hours=3)
    async with database.transaction() as session:
        await claim_due(session, now=later, limit=10, lease_seconds=30)
    async with database.read() as session:
        service = await session.get(Service, sid)
    assert service is not None and service.next_check_at == later + timedelta(seconds=60)


async def test_paused_services_are_not_claimed(database: Database) -> None:
    await add_service(database, is_paused=True)
    async with database.transaction() as session:
        assert await claim_due(session, now=T0, limit=10, lease_seconds=30) == []


async def test_thresholds_produce_one_transition_each_way(database: Database) -> None:
    sid = await add_service(database, failure_threshold=2, success_threshold=2)
    reasons = [Reason.OK, Reason.NETWORK_TIMEOUT, Reason.NETWORK_TIMEOUT, Reason.OK, Reason.OK]
    for i, reason in enumerate(reasons):
        async with database.transaction() as session:
            at = T0 + timedelta(seconds=10 * i)
            await record_checks(session, [check_record(sid, reason, at)], signals=Signals())

    async with database.read() as session:
        transitions = (await session.exec(select(Transition).order_by(col(Transition.id)))).all()
        service = await session.get(Service, sid)
        samples = (await session.exec(select(func.count()).select_from(ProbeSample))).one()
        hour = (await session.exec(select(ServiceHour))).one()
    assert [(t.from_state, t.to_state, t.reason) for t in transitions] == [
        (State.UNKNOWN, State.OPERATIONAL, Reason.OK),
        (State.OPERATIONAL, State.OUTAGE, Reason.NETWORK_TIMEOUT),
        (State.OUTAGE, State.OPERATIONAL, Reason.OK),
    ]
    assert transitions[1].at == T0 + timedelta(seconds=20)
    assert transitions[1].evidence["rule"] == "t"
    assert service is not None
    assert (service.state, service.sequence, service.consecutive_successes) == (
        State.OPERATIONAL,
        3,
        2,
    )
    assert service.state_changed_at == T0 + timedelta(seconds=40)
    assert service.lease_expires_at is None
    assert samples == 5
    assert (hour.probes, hour.ok, hour.network, hour.latency_sum_ms) == (5, 3, 2, 62.5)
    assert hour.hour == T0


async def test_monitor_impaired_moves_nothing(database: Database) -> None:
    sid = await add_service(database, failure_threshold=1, success_threshold=2)
    async with database.transaction() as session:
        await record_checks(session, [check_record(sid, Reason.OK, T0)], signals=Signals())
    async with database.transaction() as session:
        later = T0 + timedelta(seconds=5)
        records = [check_record(sid, Reason.NETWORK_TIMEOUT, later)]
        await record_checks(session, records, signals=Signals(monitor_impaired=True))
    async with database.read() as session:
        service = await session.get(Service, sid)
        hour = (await session.exec(select(ServiceHour))).one()
    assert service is not None and service.state == State.OPERATIONAL
    assert hour.unhealthy == 1


async def test_prune_removes_only_old_samples(database: Database) -> None:
    sid = await add_service(database)
    async with database.transaction() as session:
        records = [
            check_record(sid, Reason.OK, T0),
            check_record(sid, Reason.OK, T0 + timedelta(hours=30)),
        ]
        await record_checks(session, records, signals=Signals())
    async with database.transaction() as session:
        assert await prune_samples(session, before=T0 + timedelta(hours=6)) == 1
    async with database.read() as session:
        hours = (await session.exec(select(func.count()).select_from(ServiceHour))).one()
    assert hours == 2  # rollups outlive samples


async def test_a_claim_late_by_more_than_half_an_interval_restarts_from_now(
    database: Database,
) -> None:
    # A dead replica's lease ran out 40 s after the slot: keeping the phase would probe
    # again 20 s later, a near double probe; starting from now keeps a full interval.
    sid = await add_service(database, interval_seconds=60)
    late = T0 + timedelta(seconds=40)
    async with database.transaction() as session:
        await claim_due(session, now=late, limit=10, lease_seconds=30)
    async with database.read() as session:
        service = await session.get(Service, sid)
    assert service is not None and service.next_check_at == late + timedelta(seconds=60)


async def test_a_leased_row_is_not_claimed_until_its_lease_runs_out(database: Database) -> None:
    sid = await add_service(database, interval_seconds=5, timeout_seconds=1)
    async with database.transaction() as session:
        await claim_due(session, now=T0, limit=10, lease_seconds=10)  # leased to T0 + 11 s
    for seconds, claimed in ((6, []), (10, []), (12, [sid])):
        async with database.transaction() as session:
            now = T0 + timedelta(seconds=seconds)
            rows = await claim_due(session, now=now, limit=10, lease_seconds=10)
        assert [r.service_id for r in rows] == claimed, seconds


async def test_prune_in_chunks_removes_the_oldest_first(database: Database) -> None:
    sid = await add_service(database)
    async with database.transaction() as session:
        records = [check_record(sid, Reason.OK, T0 + timedelta(minutes=m)) for m in range(5)]
        await record_checks(session, records, signals=Signals())
    async with database.transaction() as session:
        before = T0 + timedelta(minutes=4)
        assert await prune_samples(session, before=before, limit=3) == 3
        assert await prune_samples(session, before=before, limit=3) == 1
        assert await prune_samples(session, before=before, limit=3) == 0
    async with database.read() as session:
        left = (await session.exec(select(func.count()).select_from(ProbeSample))).one()
    assert left == 1
