"""Incident bookkeeping inside append_transition, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from app.core.domain import Reason, State
from app.store.db import Database
from app.store.models import Incident, Service, Transition
from app.store.service_models import ServiceUpdate
from app.usecases import service_changes
from app.usecases.incidents import settle_region
from tests.factories import T0, add_incident, add_service, probe

OK, TIMEOUT, CUTOFF = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF


def iso_at(minutes: int) -> str:
    """An instant after T0 as the reason timeline stores it."""
    return (T0 + timedelta(minutes=minutes)).isoformat()


async def incidents(database: Database) -> list[Incident]:
    async with database.read() as session:
        return list((await session.exec(select(Incident).order_by(col(Incident.id)))).all())


async def transitions(database: Database) -> list[Transition]:
    async with database.read() as session:
        return list((await session.exec(select(Transition).order_by(col(Transition.id)))).all())


async def test_outage_opens_and_recovery_closes_one_incident(database: Database) -> None:
    sid = await add_service(database)
    await probe(database, sid, OK, 0)
    await probe(database, sid, TIMEOUT, 10)
    (incident,) = await incidents(database)
    assert incident.ended_at is None
    assert (incident.started_at, incident.worst_state, incident.category) == (
        T0 + timedelta(minutes=10),
        State.OUTAGE,
        "network",
    )
    await probe(database, sid, OK, 25)
    (incident,) = await incidents(database)
    assert incident.ended_at == T0 + timedelta(minutes=25)
    assert incident.reasons_seen == ["network.timeout"]
    assert incident.reason == TIMEOUT  # the governing cause, never `ok`
    assert [t.incident_id for t in await transitions(database)] == [None, incident.id, incident.id]


async def test_second_service_joins_and_the_region_must_fully_recover(database: Database) -> None:
    a, b = await add_service(database), await add_service(database)
    for sid in (a, b):
        await probe(database, sid, OK, 0)
    await probe(database, a, TIMEOUT, 10)
    await probe(database, b, CUTOFF, 12)
    await probe(database, a, OK, 20)
    (incident,) = await incidents(database)
    assert incident.ended_at is None  # b is still cut off
    assert incident.reason == CUTOFF
    assert incident.reasons_seen == ["network.timeout", "policy.cutoff"]
    await probe(database, b, OK, 30)
    (incident,) = await incidents(database)
    assert incident.ended_at == T0 + timedelta(minutes=30)
    # Governed by the cutoff, though the timeout opened it and held the region longer.
    assert (incident.category, incident.reason) == ("policy", CUTOFF)
    assert [(s["reason"], s["from"], s["until"]) for s in incident.reason_timeline] == [
        ("network.timeout", iso_at(10), iso_at(20)),
        ("policy.cutoff", iso_at(20), iso_at(30)),
    ]


async def test_degraded_then_outage_escalates_worst_state(database: Database) -> None:
    sid = await add_service(database)
    await probe(database, sid, OK, 0)
    await probe(database, sid, Reason.PERFORMANCE_SLOW, 5)
    await probe(database, sid, Reason.UPSTREAM_ERROR, 6)
    await probe(database, sid, Reason.PERFORMANCE_SLOW, 7)
    (incident,) = await incidents(database)
    # One minute slow, one minute out, the last slowness just begun: the tie goes to the more
    # severe (the governing cause, no longer the opening reason nor the latest).
    assert (incident.worst_state, incident.category) == (State.OUTAGE, "upstream")
    assert incident.reason == Reason.UPSTREAM_ERROR and incident.ended_at is None
    assert incident.reason_timeline[-1] == {
        "reason": "performance.slow",
        "from": iso_at(7),
        "until": None,
    }
    assert incident.reasons_seen == ["performance.slow", "upstream.error"]


async def test_maintenance_is_an_incident_and_a_new_episode_is_a_new_incident(
    database: Database,
) -> None:
    sid = await add_service(database)
    await probe(database, sid, Reason.MAINTENANCE_ANNOUNCED, 0)
    await probe(database, sid, OK, 5)
    await probe(database, sid, TIMEOUT, 50)
    first, second = await incidents(database)
    assert (first.worst_state, first.ended_at) == (State.MAINTENANCE, T0 + timedelta(minutes=5))
    assert second.started_at == T0 + timedelta(minutes=50) and second.ended_at is None


async def test_paused_services_do_not_hold_a_region_away(database: Database) -> None:
    await add_service(database, is_paused=True, state=State.OUTAGE, reason=TIMEOUT)
    sid = await add_service(database)
    await probe(database, sid, OK, 0)
    assert await incidents(database) == []
    await probe(database, sid, TIMEOUT, 1)
    await probe(database, sid, OK, 2)
    (incident,) = await incidents(database)
    assert incident.ended_at is not None


async def test_regions_have_their_own_incidents(database: Database) -> None:
    palopo, makassar = await add_service(database), await add_service(database, "73.71")
    await probe(database, palopo, TIMEOUT, 0)
    await probe(database, makassar, TIMEOUT, 1, region="73.71")
    await probe(database, palopo, OK, 2)
    first, second = await incidents(database)
    assert (first.region_code, first.ended_at is None) == ("73.73", False)
    assert (second.region_code, second.ended_at is None) == ("73.71", True)


async def test_clock_stepping_back_never_ends_before_the_start(database: Database) -> None:
    sid = await add_service(database)
    await probe(database, sid, TIMEOUT, 30)
    await probe(database, sid, OK, 10)
    (incident,) = await incidents(database)
    assert incident.ended_at == incident.started_at


async def test_settling_a_region_ends_an_incident_its_paused_service_held_open(
    database: Database,
) -> None:
    sid = await add_service(database)
    await probe(database, sid, TIMEOUT, 0)
    async with database.transaction() as session:
        await settle_region(session, "73.73", at=T0 + timedelta(minutes=5))  # still away
    assert (await incidents(database))[0].ended_at is None
    async with database.transaction() as session:
        service = await session.get(Service, sid)
        assert service is not None
        service.is_paused = True
        session.add(service)
        await session.flush()
        await settle_region(session, "73.73", at=T0 + timedelta(minutes=9))
    (incident,) = await incidents(database)
    assert incident.ended_at == T0 + timedelta(minutes=9)


async def test_pausing_or_deleting_the_failing_service_ends_its_incident(
    database: Database,
) -> None:
    paused, deleted = await add_service(database), await add_service(database, "73.71")
    await probe(database, paused, TIMEOUT, 0)
    await probe(database, deleted, TIMEOUT, 0, region="73.71")
    async with database.transaction() as session:
        service = await session.get(Service, paused)
        assert service is not None
        await service_changes.update_service(
            session, service, changes=ServiceUpdate(is_paused=True)
        )
        doomed = await session.get(Service, deleted)
        assert doomed is not None
        await service_changes.delete_service(session, doomed)
    assert [(i.region_code, i.ended_at is not None) for i in await incidents(database)] == [
        ("73.73", True),
        ("73.71", True),
    ]


async def test_an_incident_written_without_a_timeline_ends_with_its_own_reason(
    database: Database,
) -> None:
    incident_id = await add_incident(database)  # network.timeout, no reasons seen, no timeline
    (incident,) = await incidents(database)
    end = incident.started_at + timedelta(minutes=3)
    async with database.transaction() as session:
        await settle_region(session, "73.73", at=end)  # no service left: no longer away
    (incident,) = await incidents(database)
    assert (incident.id, incident.ended_at) == (incident_id, end)
    assert (incident.category, incident.reason) == ("network", TIMEOUT)
    assert incident.reason_timeline == [
        {
            "reason": "network.timeout",
            "from": incident.started_at.isoformat(),
            "until": end.isoformat(),
        }
    ]
