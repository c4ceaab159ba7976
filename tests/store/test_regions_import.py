from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from app.core.domain import RegionLevel
from app.core.regions.registry import RegionRecord, load_regions
from app.store.db import Database
from app.store.models import Region
from app.store.regions import import_regions


async def test_registry_is_loaded_once_and_reimport_changes_nothing(database: Database) -> None:
    async with database.transaction() as session:
        assert await import_regions(session) == 0
    async with database.read() as session:
        count = (await session.exec(select(func.count()).select_from(Region))).one()
    assert count == len(load_regions()) == 38 + 514


async def test_reimport_applies_a_rename_and_adds_new_regions(database: Database) -> None:
    records = list(load_regions())
    palopo = next(r for r in records if r.code == "73.73")
    records[records.index(palopo)] = RegionRecord("73.73", "Kota Palopo Baru", palopo.level, "73")
    records.append(RegionRecord("73.98", "Kota Contoh", RegionLevel.CITY, "73"))

    async with database.transaction() as session:
        assert await import_regions(session, records) == 2
    async with database.read() as session:
        renamed = await session.get(Region, "73.73")
        added = await session.get(Region, "73.98")
    assert renamed is not None and renamed.name == "Kota Palopo Baru"
    assert added is not None and added.parent_code == "73"
