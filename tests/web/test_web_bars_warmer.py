"""The status page's kept bars warmed in the background (app/web/bars_warmer.py), on SQLite and
PostgreSQL: filled after start-up without a request, filled again just after Jakarta midnight
for the new day, and a render then finds them ready and draws the same bytes as without them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from app.core.domain import Reason
from app.settings import Settings
from app.store.db import Database
from app.web.bars_cache import BarsCache
from app.web.bars_warmer import keep_warm, next_warm_up
from tests.conftest import make_settings
from tests.factories import probe
from tests.support.clock import SetClock
from tests.web.test_web_kept_bars import NOW, REGIONS, Pages, monitored

# NOW is 10:00 WIB on 2 Dec: the next Jakarta day starts at 17:00 UTC.
MIDNIGHT = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, run_dispatcher=False, warm_status_page=True)


def test_the_warm_up_comes_five_seconds_after_jakarta_midnight() -> None:
    after = MIDNIGHT + timedelta(seconds=5)
    assert next_warm_up(NOW) == after
    assert next_warm_up(MIDNIGHT - timedelta(seconds=1)) == after
    assert next_warm_up(MIDNIGHT + timedelta(seconds=2)) == after
    assert next_warm_up(after) == after + timedelta(days=1)


async def test_kept_bars_are_filled_after_start_up_without_a_request(
    settings: Settings, database: Database
) -> None:
    from app.main import create_app

    await monitored(database)
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        # Set before the warm-up's first step: it runs only once this test awaits.
        app.state.clock = SetClock(NOW)
        kept: BarsCache = app.state.bars_cache
        assert app.state.bars_warmer is not None
        for _ in range(500):  # bounded: 5 s at most
            if len(kept) == len(REGIONS):
                break
            await asyncio.sleep(0.01)
        assert len(kept) == len(REGIONS) and kept.rebuilt == len(REGIONS)
        pages = Pages(database, kept)
        await pages.same(NOW + timedelta(minutes=1))
        await pages.same(NOW + timedelta(minutes=2))
        assert kept.rebuilt == len(REGIONS)  # the renders found every region ready
    assert app.state.bars_warmer.done()  # the lifespan's end stopped it


class Stop(Exception):
    pass


async def test_the_new_day_is_ready_before_the_first_visitor(database: Database) -> None:
    services = await monitored(database)
    kept = BarsCache()
    clock = SetClock(NOW)
    seen: list[tuple[datetime, int]] = []

    async def sleep(seconds: float) -> None:
        assert 0 < seconds <= 60
        clock.at += timedelta(seconds=seconds)
        seen.append((clock.at, kept.rebuilt))
        if clock.at > MIDNIGHT + timedelta(minutes=10):
            raise Stop

    async def write_at(at: datetime) -> None:
        await probe(database, services["73.73"], Reason.NETWORK_TIMEOUT, at)

    # A transition late in the day: the midnight warm-up reads it too.
    await write_at(NOW + timedelta(hours=6))
    with pytest.raises(Stop):
        await keep_warm(kept, database, lambda: clock, sleep=sleep)
    # Warmed at once, then not again until 00:00:05 WIB, when every region was rebuilt.
    assert seen[0][1] == len(REGIONS)
    before = [rebuilt for at, rebuilt in seen if at <= MIDNIGHT + timedelta(seconds=5)]
    after = [rebuilt for at, rebuilt in seen if at > MIDNIGHT + timedelta(seconds=5)]
    assert set(before) == {len(REGIONS)} and set(after) == {2 * len(REGIONS)}
    pages = Pages(database, kept)
    await pages.same(MIDNIGHT + timedelta(minutes=11))
    await pages.same(MIDNIGHT + timedelta(minutes=12))
    assert kept.rebuilt == 2 * len(REGIONS)  # the first visitor found the new day ready


async def test_a_failed_warm_up_is_tried_again(database: Database) -> None:
    kept = BarsCache()
    clock = SetClock(NOW)
    calls: list[datetime] = []

    async def warm(db: Database, *, now: datetime) -> int:
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("database away")
        return 0

    kept.warm = warm  # type: ignore[method-assign,assignment]

    async def sleep(seconds: float) -> None:
        if len(calls) == 2:
            raise Stop
        clock.at += timedelta(seconds=seconds)

    with pytest.raises(Stop):
        await keep_warm(kept, database, lambda: clock, sleep=sleep)
    assert calls == [NOW, NOW + timedelta(seconds=60)]
