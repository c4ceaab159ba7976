"""The uptime badges' country-wide read (badge_routes.country_uptime) gives each regency the
spans, and so the uptime, its own read gives (loaders.spans_of), on SQLite and PostgreSQL:
services side by side in one region, a paused one, outages of several causes, transitions
before and inside every window."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx

from app.core.domain import Reason
from app.core.uptime_maths import WINDOWS, uptime
from app.store.db import Database
from app.store.types import utcnow
from app.web.loaders import spans_of
from app.web.queries import region_spans
from tests.factories import add_service, probe

REGIONS = ["73.73", "73.71", "73.17", "74.71"]
CAUSES = [Reason.NETWORK_TIMEOUT, Reason.UPSTREAM_ERROR, Reason.POLICY_CUTOFF, Reason.OK]


async def test_country_spans_are_each_regions_own(database: Database) -> None:
    rng = random.Random(19)
    now = utcnow()
    for region in REGIONS:
        for _ in range(rng.choice((1, 2))):
            sid = await add_service(database, region)
            for _ in range(rng.randrange(3, 9)):
                at = now - timedelta(hours=rng.uniform(0.1, 24 * 100))
                await probe(database, sid, rng.choice(CAUSES), at, region=region)
    paused = await add_service(database, "73.73", is_paused=True)
    await probe(database, paused, Reason.NETWORK_TIMEOUT, now - timedelta(hours=3))
    for window in WINDOWS.values():
        start = now - window
        async with database.read() as session:
            country = await region_spans(session, start=start, end=now)
            for region in REGIONS:
                own = await spans_of(session, region, start=start, end=now)
                assert country[region] == own, (region, window)
                assert uptime(country[region], start=start, end=now) == uptime(
                    own, start=start, end=now
                )


async def test_a_province_badge_is_still_the_worst_under_it(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database, "73.73")
    now = utcnow()
    await probe(database, sid, Reason.OK, now - timedelta(hours=26))
    await probe(database, sid, Reason.NETWORK_TIMEOUT, now - timedelta(hours=1))
    await probe(database, sid, Reason.OK, now - timedelta(minutes=30))
    params = {"window": "24h", "lang": "en"}
    regency = await client.get("/badge/73.73/uptime.svg", params=params)
    province = await client.get("/badge/73/uptime.svg", params=params)
    assert regency.status_code == province.status_code == 200
    assert b">97.9" in regency.content and b">97.9" in province.content
