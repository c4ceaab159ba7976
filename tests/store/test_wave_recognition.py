"""Waves recognised while check results are recorded, on both engines: one shared signature
across regions is one wave whose members read as its reason; unrelated failures stay local;
members written local just before recognition are corrected once; a wave's end gives members
still failing their local reason back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlmodel import col, select

from app.core.domain import Reason, TransitionSource
from app.core.waves import WaveRules, WaveScope
from app.store import waves as store
from app.store.db import Database
from app.store.models import Service, Transition
from app.store.waves import WaveRecord
from app.store.webhooks import WebhookEvent
from app.usecases.record_checks import Signals, record_checks
from tests.factories import T0, add_service, check_record

# Seven regions in five island groups: Sumatera, Jawa, Kalimantan, Sulawesi, Maluku.
NATIONAL_REGIONS = ("11.71", "12.71", "31.71", "61.71", "73.71", "73.73", "81.71")
PAPUA = ("91.03", "91.05", "91.71")
OTHERS = ("11.71", "31.71", "61.71", "73.71", "81.71")
FAILING = (Reason.NETWORK_TIMEOUT, Reason.NETWORK_REFUSED, Reason.NETWORK_DNS)
UNRELATED = (
    Reason.NETWORK_TIMEOUT,
    Reason.NETWORK_REFUSED,
    Reason.UPSTREAM_ERROR,
    Reason.UPSTREAM_UNEXPECTED,
    Reason.NETWORK_DNS,
)


async def services(database: Database, regions: Sequence[str]) -> dict[str, int]:
    return {region: await add_service(database, region) for region in regions}


async def record(
    database: Database, ids: dict[str, int], reasons: dict[str, Reason], *, at_seconds: int
) -> list[Transition]:
    at = T0 + timedelta(seconds=at_seconds)
    records = [check_record(ids[r], reasons.get(r, Reason.OK), at, r) for r in ids]
    async with database.transaction() as session:
        return await record_checks(session, records, signals=Signals(now=at))


async def waves(database: Database) -> list[WaveRecord]:
    async with database.read() as session:
        return await store.list_waves(session)


async def reasons_of(database: Database) -> dict[str, Reason | None]:
    async with database.read() as session:
        rows = (await session.exec(select(Service))).all()
    return {row.region_code: row.reason for row in rows}


async def wave_event_types(database: Database) -> list[str]:
    async with database.read() as session:
        query = select(WebhookEvent.body).where(col(WebhookEvent.type).startswith("wave."))
        rows = (await session.exec(query.order_by(col(WebhookEvent.created_at)))).all()
    return [json.loads(body)["type"] for body in rows]


async def test_one_signature_across_island_groups_is_one_national_wave(
    database: Database,
) -> None:
    ids = await services(database, NATIONAL_REGIONS)
    failing = dict.fromkeys(NATIONAL_REGIONS[:5], Reason.NETWORK_TIMEOUT)
    transitions = await record(database, ids, failing, at_seconds=0)
    (wave,) = await waves(database)
    assert (wave.scope, wave.reason, wave.regions) == (
        WaveScope.NATIONAL,
        Reason.UPSTREAM_CENTRAL,
        NATIONAL_REGIONS[:5],
    )
    down = [t for t in transitions if t.region_code in failing]
    assert {t.reason for t in down} == {Reason.UPSTREAM_CENTRAL}
    assert {t.evidence["wave_id"] for t in down} == {wave.id}
    assert {t.evidence["local_reason"] for t in down} == {"network.timeout"}
    assert body_text_never_stored(await signatures(database))


async def test_failures_with_different_signatures_stay_local(database: Database) -> None:
    ids = await services(database, NATIONAL_REGIONS)
    failing = dict(zip(NATIONAL_REGIONS, UNRELATED, strict=False))
    await record(database, ids, failing, at_seconds=0)
    assert await waves(database) == []
    reasons = await reasons_of(database)
    assert {region: reasons[region] for region in failing} == failing


async def test_only_papua_timing_out_is_a_backbone_wave(database: Database) -> None:
    ids = await services(database, PAPUA + OTHERS)
    await record(database, ids, dict.fromkeys(PAPUA, Reason.NETWORK_TIMEOUT), at_seconds=0)
    (wave,) = await waves(database)
    assert (wave.scope, wave.area, wave.reason) == (
        WaveScope.ISLAND_GROUP,
        "9",
        Reason.NETWORK_BACKBONE,
    )
    reasons = await reasons_of(database)
    assert {reasons[r] for r in PAPUA} == {Reason.NETWORK_BACKBONE}
    assert {reasons[r] for r in OTHERS} == {Reason.OK}


async def test_a_cut_reaching_papua_region_by_region_keeps_malukus_wave(
    database: Database,
) -> None:
    """Maluku cut first, then Papua's regions one by one: Maluku's wave holds throughout (two
    of Papua's failing are no wave yet, and counted against a new one, not a standing one),
    and Papua gets its own once it is dense: two waves, as the cut is two groups."""
    maluku = ("81.01", "81.02", "81.71")
    ids = await services(database, maluku + PAPUA + OTHERS[:3])
    timeout = dict.fromkeys(maluku, Reason.NETWORK_TIMEOUT)
    await record(database, ids, timeout, at_seconds=0)
    (first,) = await waves(database)
    await record(
        database, ids, timeout | dict.fromkeys(PAPUA[:2], Reason.NETWORK_TIMEOUT), at_seconds=1
    )
    (held,) = await waves(database)
    assert (held.id, held.ended_at) == (first.id, None)
    await record(
        database, ids, timeout | dict.fromkeys(PAPUA, Reason.NETWORK_TIMEOUT), at_seconds=2
    )
    found = sorted(await waves(database), key=lambda wave: wave.area)
    assert [(w.area, w.regions, w.ended_at) for w in found] == [
        ("8", maluku, None),
        ("9", PAPUA, None),
    ]
    assert found[0].id == first.id
    assert await wave_event_types(database) == ["wave.started", "wave.started"]


async def test_a_failure_that_predates_the_wave_keeps_its_reason(database: Database) -> None:
    ids = await services(database, NATIONAL_REGIONS)
    ambon = {"81.71": Reason.NETWORK_TIMEOUT}
    await record(database, ids, ambon, at_seconds=0)
    an_hour_later = dict.fromkeys(NATIONAL_REGIONS[:5], Reason.NETWORK_TIMEOUT) | ambon
    await record(database, ids, an_hour_later, at_seconds=3600)
    (wave,) = await waves(database)
    assert "81.71" in wave.regions  # a member of the wave, still read as its own fault
    reasons = await reasons_of(database)
    assert reasons["81.71"] == Reason.NETWORK_TIMEOUT
    assert {reasons[r] for r in NATIONAL_REGIONS[:5]} == {Reason.UPSTREAM_CENTRAL}


async def test_members_written_local_are_corrected_once_and_restored_when_it_ends(
    database: Database,
) -> None:
    ids = await services(database, NATIONAL_REGIONS)
    early = dict.fromkeys(NATIONAL_REGIONS[:2], Reason.NETWORK_TIMEOUT)
    first = await record(database, ids, early, at_seconds=0)
    assert {t.reason for t in first if t.region_code in early} == {Reason.NETWORK_TIMEOUT}
    wave_batch = dict.fromkeys(NATIONAL_REGIONS[:5], Reason.NETWORK_TIMEOUT)
    corrected = await record(database, ids, wave_batch, at_seconds=10)
    corrections = [t for t in corrected if t.region_code in early]
    assert [t.reason for t in corrections] == [Reason.UPSTREAM_CENTRAL] * 2
    assert {t.evidence["rule"] for t in corrections} == {"wave_recognised"}
    assert {t.source for t in corrections} == {TransitionSource.PROBE}
    assert await record(database, ids, wave_batch, at_seconds=20) == []  # once
    still_failing = {NATIONAL_REGIONS[0]: Reason.NETWORK_TIMEOUT}
    ended = await record(database, ids, still_failing, at_seconds=30)
    assert [w.ended_at is not None for w in await waves(database)] == [True]
    back = [t for t in ended if t.region_code == NATIONAL_REGIONS[0]]
    assert [t.reason for t in back] == [Reason.NETWORK_TIMEOUT]
    assert await wave_event_types(database) == ["wave.started", "wave.ended"]


async def test_the_monitors_own_network_loss_forms_no_wave(database: Database) -> None:
    ids = await services(database, NATIONAL_REGIONS)
    at = T0
    records = [check_record(ids[r], Reason.NETWORK_TIMEOUT, at, r) for r in ids]
    async with database.transaction() as session:
        signals = Signals(monitor_impaired=True, now=at)
        await record_checks(session, records, signals=signals)
    assert await waves(database) == []


async def test_two_checkers_recording_one_wave_open_it_once(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("SQLite has one writer: two batches cannot overlap")
    ids = await services(database, NATIONAL_REGIONS)
    # Every region's failure already counted (by a checker whose rules found no wave), so
    # each of the two batches below sees the whole wave on its own.
    earlier = T0 - timedelta(seconds=5)
    primed = [check_record(ids[r], Reason.NETWORK_TIMEOUT, earlier, r) for r in ids]
    async with database.transaction() as session:
        no_waves = Signals(waves=WaveRules(national_min_regions=100), now=earlier)
        await record_checks(session, primed, signals=no_waves)
    half = len(NATIONAL_REGIONS) // 2

    async def checker(regions: Sequence[str]) -> None:
        batch = [check_record(ids[r], Reason.NETWORK_TIMEOUT, T0, r) for r in regions]
        async with database.transaction() as session:
            await record_checks(session, batch, signals=Signals(now=T0))

    await asyncio.gather(checker(NATIONAL_REGIONS[:half]), checker(NATIONAL_REGIONS[half:]))
    (wave,) = await waves(database)
    assert wave.regions == NATIONAL_REGIONS
    assert await wave_event_types(database) == ["wave.started"]


async def signatures(database: Database) -> list[str | None]:
    async with database.read() as session:
        return list((await session.exec(select(Service.failure_signature))).all())


def body_text_never_stored(keys: Sequence[str | None]) -> bool:
    return all(key is None or len(key.split("|")[2]) in (0, 12) for key in keys)
