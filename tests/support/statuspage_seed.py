"""A small country for the Statuspage document tests, recorded through the real store."""

from __future__ import annotations

from app.core.domain import Reason
from app.store.db import Database
from tests.factories import add_service, probe


async def seed(database: Database) -> None:
    """Palopo cut off; Makassar half down; Jakarta Pusat up; Bandung under maintenance;
    Pangkep had an outage that ended."""
    spec = [("73.73", 1), ("73.71", 2), ("31.71", 1), ("32.73", 1), ("73.10", 1)]
    ids = {code: [await add_service(database, code) for _ in range(n)] for code, n in spec}
    for code, sids in ids.items():
        for sid in sids:
            await probe(database, sid, Reason.OK, 0, region=code)
    await probe(database, ids["73.71"][0], Reason.NETWORK_TIMEOUT, 5, region="73.71")
    await probe(database, ids["73.73"][0], Reason.POLICY_CUTOFF, 10, region="73.73")
    await probe(database, ids["32.73"][0], Reason.MAINTENANCE_ANNOUNCED, 20, region="32.73")
    await probe(database, ids["73.10"][0], Reason.UPSTREAM_ERROR, 21, region="73.10")
    await probe(database, ids["73.10"][0], Reason.OK, 25, region="73.10")
