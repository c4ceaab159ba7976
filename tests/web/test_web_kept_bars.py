"""The status page's kept bars (app/web/bars_cache.py), on SQLite and PostgreSQL: after every
kind of change, and as time goes on, `/` drawn with them is the page drawn without them at the
same instant, byte for byte, while only the regions that changed are worked out again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.core.domain import Reason, State, TransitionSource
from app.reads.cache import ReadCache
from app.store.db import Database
from app.store.models import Incident, Service, Transition
from app.store.services import delete_service
from app.web.bars_cache import BarsCache
from app.web.i18n import Lang
from app.web.loaders import status_inputs
from app.web.pages import status_html
from app.web.status_view import StatusInputs, status_page
from tests.factories import add_service, check_record, declare, probe, record

# 10:00 WIB on 2 Dec; the Jakarta day ends at 17:00 UTC.
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
LANGS: tuple[Lang, ...] = ("id", "en")
REGIONS = ["73.73", "73.17", "31.71", "91.71"]


def render(inputs: StatusInputs, lang: Lang) -> bytes:
    """As the `/` route renders it."""
    return status_html(inputs, lang)


class Pages:
    """The page at an instant with kept bars (one or more processes' caches) and without."""

    def __init__(self, database: Database, *kept: BarsCache) -> None:
        self.cache = ReadCache(database)
        self.kept = kept
        self.renders = 0

    async def same(self, now: datetime) -> None:
        self.cache._entries.clear()
        plain = await status_inputs(self.cache, now=now)
        for kept in self.kept:
            self.cache._entries.clear()
            with_kept = await status_inputs(self.cache, now=now, bars=kept)
            assert with_kept.bars is not None and not with_kept.spans
            for lang in LANGS:
                assert status_page(with_kept, lang) == status_page(plain, lang)
            # The bytes in one language a call, taking turns: a whole page is slow to render.
            lang = LANGS[self.renders % len(LANGS)]
            self.renders += 1
            assert render(with_kept, lang) == render(plain, lang)


async def transition(
    database: Database, service_id: int, reason: Reason, at: datetime, id: int | None = None
) -> None:
    """A transition row written as is (no incident bookkeeping), its id fixed if given."""
    state = reason.state or State.OPERATIONAL
    async with database.transaction() as session:
        service = await session.get(Service, service_id)
        assert service is not None
        session.add(
            Transition(
                service_id=service_id,
                region_code=service.region_code,
                from_state=State.OPERATIONAL,
                to_state=state,
                reason=reason,
                source=TransitionSource.PROBE,
                at=at,
                id=id,
            )
        )


async def monitored(database: Database) -> dict[str, int]:
    """A service in each of REGIONS, down five hours every eleven days since before the
    window, at a different hour in each region."""
    found = {code: await add_service(database, code) for code in REGIONS}
    for day in range(95, -1, -11):
        for reason, hours in ((Reason.NETWORK_TIMEOUT, 5), (Reason.OK, 0)):
            at = NOW - timedelta(days=day, hours=hours, minutes=13)
            await record(
                database,
                [check_record(found[c], reason, at - i * HOUR, c) for i, c in enumerate(REGIONS)],
            )
    return found


async def test_kept_bars_follow_every_change_and_the_clock(database: Database) -> None:
    services = await monitored(database)
    kept = BarsCache()
    pages = Pages(database, kept)
    await pages.same(NOW)
    assert kept.rebuilt == len(REGIONS)

    # Later the same day, nothing written: nothing worked out again.
    await pages.same(NOW + timedelta(hours=3))
    assert kept.rebuilt == len(REGIONS)

    # A transition in one region: that region only.
    await probe(database, services["73.73"], Reason.POLICY_CUTOFF, NOW + timedelta(hours=4))
    await pages.same(NOW + timedelta(hours=5))
    assert kept.rebuilt == len(REGIONS) + 1

    # A declaration (the cutoff's letter): the episode's governing cause changes.
    await declare(database, "cutoff", NOW + timedelta(hours=5, minutes=1))
    await pages.same(NOW + timedelta(hours=5, minutes=2))

    # An episode's governing cause changed with no transition at all.
    async with database.transaction() as session:
        await session.exec(
            update(Incident)  # type: ignore[call-overload]
            .where(col(Incident.region_code) == "73.17")
            .values(reason=Reason.POLICY_CUTOFF, updated_at=NOW + timedelta(hours=5, minutes=3))
        )
    await pages.same(NOW + timedelta(hours=5, minutes=4))

    # A second service in a region (its worst), then one paused, moved and deleted.
    second = await add_service(database, "31.71")
    await probe(database, second, Reason.UPSTREAM_ERROR, NOW + timedelta(hours=5), "31.71")
    await pages.same(NOW + timedelta(hours=5, minutes=5))
    async with database.transaction() as session:
        await session.exec(
            update(Service).where(col(Service.id) == second).values(is_paused=True)  # type: ignore[call-overload]
        )
    await pages.same(NOW + timedelta(hours=5, minutes=6))
    async with database.transaction() as session:
        await session.exec(
            update(Service)  # type: ignore[call-overload]
            .where(col(Service.id) == services["91.71"])
            .values(region_code="73.17")
        )
    await pages.same(NOW + timedelta(hours=5, minutes=7))
    async with database.transaction() as session:
        service = await session.get(Service, services["73.17"])
        assert service is not None
        await delete_service(session, service)
    await pages.same(NOW + timedelta(hours=5, minutes=8))

    # Past midnight in Jakarta (a new day of bars), and days on, as the window slides past
    # the oldest transitions.
    before = kept.rebuilt
    await pages.same(NOW + timedelta(hours=14, minutes=1))
    assert kept.rebuilt == before + len(REGIONS) - 1  # every monitored region, once
    for days in (1, 6, 8, 15):
        await pages.same(NOW + timedelta(days=days, hours=2))


async def test_a_transition_committed_late_below_an_id_already_seen(database: Database) -> None:
    """On PostgreSQL ids are handed out at insert and seen at commit, so a lower id can
    appear after a higher one: written here with the ids fixed, on both engines."""
    services = await monitored(database)
    kept = BarsCache()
    pages = Pages(database, kept)
    sid = services["31.71"]
    await transition(database, sid, Reason.NETWORK_TIMEOUT, NOW - timedelta(hours=2), id=900_000)
    await pages.same(NOW)
    before = kept.rebuilt
    await transition(database, sid, Reason.POLICY_CUTOFF, NOW - timedelta(hours=9), id=800_000)
    await pages.same(NOW + timedelta(minutes=1))
    assert kept.rebuilt == before + 1


async def test_interleaved_commits_on_postgresql(database: Database) -> None:
    """Two transactions in flight: the one holding the lower id commits after a render has
    seen the higher one."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids commit in order")
    services = await monitored(database)
    sid = services["73.73"]
    kept = BarsCache()
    pages = Pages(database, kept)
    await pages.same(NOW)
    async with database.transaction() as late:
        service = await late.get(Service, sid)
        assert service is not None
        row = Transition(
            service_id=sid,
            region_code="73.73",
            from_state=State.OPERATIONAL,
            to_state=State.OUTAGE,
            reason=Reason.POLICY_CUTOFF,
            source=TransitionSource.PROBE,
            at=NOW - timedelta(hours=7),
        )
        late.add(row)
        await late.flush()  # its id is handed out now
        await transition(database, sid, Reason.UPSTREAM_ERROR, NOW - timedelta(hours=1))
        await pages.same(NOW + timedelta(minutes=1))
        seen = kept.rebuilt
    await pages.same(NOW + timedelta(minutes=2))  # committed: below the newest id seen
    assert kept.rebuilt == seen + 1


async def test_each_process_keeps_its_own_and_sees_the_others_writes(database: Database) -> None:
    services = await monitored(database)
    one, two = BarsCache(), BarsCache()
    pages = Pages(database, one, two)
    await pages.same(NOW)
    # Written by neither (another replica, the CLI): both see it at their next render.
    await probe(database, services["91.71"], Reason.UPSTREAM_ERROR, NOW + timedelta(minutes=5))
    await pages.same(NOW + timedelta(minutes=6))
    assert one.rebuilt == two.rebuilt == len(REGIONS) + 1


async def test_renders_at_the_same_time_share_one_cache(database: Database) -> None:
    services = await monitored(database)
    kept = BarsCache()
    await Pages(database, kept).same(NOW)
    await probe(database, services["73.17"], Reason.UPSTREAM_ERROR, NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=6)
    plain = await status_inputs(ReadCache(database), now=later)
    both = await asyncio.gather(
        *(status_inputs(ReadCache(database), now=later, bars=kept) for _ in range(2))
    )
    for inputs in both:
        assert render(inputs, "id") == render(plain, "id")
