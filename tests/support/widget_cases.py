"""The widget's hard cases (#18), recorded through the real API and recording path on top of
`tests.support.pages.seed_country` (Palopo cut off citing a letter, Makassar warned with a
deadline): Denpasar in a maintenance window under way, and Palopo with a past incident of its
own (a second service's server errors two days ago), so its region page has a long uptime
table with several causes and an ended incident beside the open one."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.core.domain import Reason
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe
from tests.support.pages import Seeded, seed_country

PALOPO = "73.73"  # cut off, citing tests.support.pages.LETTER
MAKASSAR = "73.71"  # operational, under a warning (tests.support.pages.WARNING_REFERENCE)
DENPASAR = "51.71"  # maintenance under way
MAINTENANCE_TITLE = "Pemutakhiran server SIAK"


async def seed_widget_cases(
    client: httpx.AsyncClient, database: Database, headers: dict[str, str]
) -> Seeded:
    """`seed_country`'s country (returned), Palopo's past incident and Denpasar's maintenance."""
    now = utcnow()
    printer = await add_service(database, PALOPO)  # its second service, fine since yesterday
    await probe(database, printer, Reason.OK, now - timedelta(days=3), region=PALOPO)
    await probe(database, printer, Reason.UPSTREAM_ERROR, now - timedelta(days=2), region=PALOPO)
    back = now - timedelta(days=2) + timedelta(hours=3)
    await probe(database, printer, Reason.OK, back, region=PALOPO)
    country = await seed_country(client, database, headers)

    denpasar = await add_service(database, DENPASAR)
    await probe(database, denpasar, Reason.OK, now - timedelta(hours=3), region=DENPASAR)
    window = {
        "title": MAINTENANCE_TITLE,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Makassar",
        "regions": [DENPASAR],
    }
    response = await client.post("/api/v1/maintenance", json=window, headers=headers)
    assert response.status_code == 201, response.text
    failing = now - timedelta(minutes=30)
    await probe(database, denpasar, Reason.NETWORK_TIMEOUT, failing, region=DENPASAR)
    return country
