"""Waves stored by the reconcile use case, on both engines: one wave per event, members
joining and leaving, its peak, its end, member incidents linked, and wave.* events in the
outbox (wave.updated only when membership moved enough, debounced)."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from app.core.domain import Reason, State
from app.core.waves import WaveRules, WaveScope
from app.store import waves as store
from app.store.db import Database
from app.store.models import Incident
from app.store.waves import WaveRecord
from app.store.webhooks import WebhookEvent
from app.usecases.waves import WaveChangeKind, reconcile_waves
from tests.support.waiting import wait_for
from tests.support.waves import MALUKU, NATIONAL, RULES, T0, at, findings, reconcile


async def waves(database: Database, *, active: bool | None = None) -> list[WaveRecord]:
    async with database.read() as session:
        return await store.list_waves(session, active=active)


async def wave_events(database: Database) -> list[dict[str, object]]:
    async with database.read() as session:
        query = select(WebhookEvent.body).where(col(WebhookEvent.type).startswith("wave."))
        rows = (await session.exec(query.order_by(col(WebhookEvent.created_at)))).all()
    return [json.loads(body) for body in rows]


async def test_a_national_wave_opens_once_and_says_so(database: Database) -> None:
    changes = await reconcile(database, NATIONAL, T0)

    assert [c.kind for c in changes] == [WaveChangeKind.STARTED]
    (wave,) = await waves(database, active=True)
    assert (wave.scope, wave.area, wave.reason) == ("national", "national", "upstream.central")
    assert (wave.regions, wave.peak_regions) == (tuple(sorted(NATIONAL)), 6)
    assert (wave.started_at, wave.ended_at) == (T0, None)
    (event,) = await wave_events(database)
    assert event["type"] == "wave.started"
    assert event["data"] == {
        "wave": {
            "id": wave.id,
            "scope": "national",
            "area": "national",
            "area_label_id": "Nasional",
            "area_label_en": "National",
            "reason": "upstream.central",
            "category": "upstream",
            "regions": sorted(NATIONAL),
            "started_at": "2026-11-29T07:02:00Z",
            "ended_at": None,
            "peak_regions": 6,
        }
    }
    assert await reconcile(database, NATIONAL, at(60)) == []  # the same wave: nothing new
    assert len(await waves(database)) == 1 and len(await wave_events(database)) == 1


async def test_members_join_and_leave_the_peak_stays_and_the_wave_ends(database: Database) -> None:
    await reconcile(database, NATIONAL, T0)
    grown = (*NATIONAL, "11.03", "31.73")
    (change,) = await reconcile(database, grown, at(60))
    assert (change.kind, change.joined, change.left) == ("changed", ("11.03", "31.73"), ())
    assert change.announced  # 2 of 6 moved, over the 20 % default

    shrunk = tuple(c for c in grown if c != "73.73")
    (change,) = await reconcile(database, shrunk, at(120))
    assert (change.left, change.announced) == (("73.73",), False)  # 1 of 8: too little
    (wave,) = await waves(database, active=True)
    assert (wave.regions, wave.peak_regions) == (tuple(sorted(shrunk)), 8)

    (change,) = await reconcile(database, [], at(180))
    assert change.kind == WaveChangeKind.ENDED
    (wave,) = await waves(database, active=False)
    assert (wave.ended_at, wave.regions) == (at(180), tuple(sorted(shrunk)))
    types = [e["type"] for e in await wave_events(database)]
    assert types == ["wave.started", "wave.updated", "wave.ended"]


async def test_a_rejoining_region_counts_once_and_a_new_wave_follows_an_ended_one(
    database: Database,
) -> None:
    await reconcile(database, NATIONAL, T0)
    await reconcile(database, NATIONAL[1:], at(60))
    await reconcile(database, NATIONAL, at(120))
    (wave,) = await waves(database, active=True)
    assert wave.regions == tuple(sorted(NATIONAL))

    await reconcile(database, [], at(180))
    await reconcile(database, NATIONAL, at(240))
    newest, ended = await waves(database)
    assert (newest.started_at, newest.ended_at, ended.ended_at) == (at(240), None, at(180))


async def test_wave_updated_waits_for_the_debounce(database: Database) -> None:
    rules = WaveRules(update_debounce_seconds=60)
    await reconcile(database, NATIONAL, T0, rules)
    grown = (*NATIONAL, "11.03", "31.73")
    (change,) = await reconcile(database, grown, at(10), rules)
    assert not change.announced
    (change,) = await reconcile(database, grown, at(70), rules)  # measured against the start
    assert (change.kind, change.joined, change.announced) == ("changed", (), True)
    types = [e["type"] for e in await wave_events(database)]
    assert types == ["wave.started", "wave.updated"]


async def test_an_island_group_cut_is_a_backbone_wave(database: Database) -> None:
    await reconcile(database, MALUKU, T0)
    (wave,) = await waves(database)
    assert (wave.scope, wave.area, wave.reason) == (WaveScope.ISLAND_GROUP, "8", "network.backbone")
    (event,) = await wave_events(database)
    assert event["data"]["wave"]["area_label_id"] == "Maluku"  # type: ignore[index]


async def add_open_incident(database: Database, region: str) -> int:
    async with database.transaction() as session:
        incident = Incident(
            region_code=region,
            started_at=T0,
            worst_state=State.OUTAGE,
            category="network",
            reason=Reason.NETWORK_TIMEOUT,
        )
        session.add(incident)
        await session.flush()
        assert incident.id is not None
        return incident.id


async def wave_of_incident(database: Database, incident_id: int) -> int | None:
    async with database.read() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        return incident.wave_id


async def test_member_regions_open_incidents_link_to_the_wave(database: Database) -> None:
    member = await add_open_incident(database, "73.73")
    outsider = await add_open_incident(database, "81.71")
    await reconcile(database, NATIONAL[:-1], T0)
    assert await wave_of_incident(database, member) is None
    await reconcile(database, NATIONAL, at(60))  # 73.73 joins later
    (wave,) = await waves(database)
    assert await wave_of_incident(database, member) == wave.id
    assert await wave_of_incident(database, outsider) is None


async def _blocked_on_a_lock(database: Database) -> bool:
    async with database.read() as session:
        query = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool((await session.exec(query)).one()[0])  # type: ignore[call-overload]


async def test_two_checkers_seeing_one_wave_open_it_once(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite has one writer: two reconciles cannot overlap")
    found = findings(NATIONAL)

    async def second_checker() -> list[object]:
        async with database.transaction() as session:
            return list(await reconcile_waves(session, found, now=at(1), rules=RULES))

    async with database.transaction() as first:
        assert len(await reconcile_waves(first, found, now=T0, rules=RULES)) == 1
        second = asyncio.create_task(second_checker())
        # The second reads no active wave (ours is uncommitted) and waits on our index entry.
        await wait_for(lambda: _blocked_on_a_lock(database), within=10)
    assert await second == []  # it found our wave, with the same members: nothing to say
    assert len(await waves(database)) == 1
    assert [e["type"] for e in await wave_events(database)] == ["wave.started"]
