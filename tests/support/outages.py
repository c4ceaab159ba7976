"""A few days of outages for the report's tests, recorded through the real recording path and
declarations (app/usecases): Palopo's cutoff story, a network outage in Makassar, an outage in
Ambon across midnight WIB, and Ternate still down, with an infrastructure letter whose
reference a spreadsheet would run declared only now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import httpx

from app.core.domain import Reason
from app.core.reports import default_days
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import LETTER, add_service, declare, probe

HOSTILE_REFERENCE = '=HYPERLINK("http://evil.example/","klik")'
HOSTILE_ISSUER = "@SUM(1+1)"


@dataclass(frozen=True, slots=True)
class Outages:
    day: date  # the day (WIB) of Palopo's, Makassar's and Ambon's episodes, five days ago
    at: datetime  # 01:00 UTC that day: 08:00 WIB, 09:00 WITA, 10:00 WIT

    def minutes(self, n: float) -> datetime:
        return self.at + timedelta(minutes=n)


async def record_outages(
    client: httpx.AsyncClient, database: Database, headers: dict[str, str]
) -> Outages:
    """Palopo (73.73, WITA): up at 01:00 UTC, timeouts from 01:10, the cutoff declared at 01:20
    citing LETTER, lifted at 01:50, back at 01:55 — one episode of 45 min, policy.
    Makassar (73.71): timeouts 02:00–02:30, network. Ambon (81.71, WIT): refused from 16:00 to
    19:00 UTC, across the day's end in WIB (17:00 UTC). Ternate (82.71): timing out since an hour
    ago, then an infrastructure letter declared now, still going on."""
    day = default_days(utcnow())[1] - timedelta(days=5)
    at = datetime.combine(day, time(1), tzinfo=UTC)
    outages = Outages(day, at)
    palopo = await add_service(database, "73.73")
    makassar = await add_service(database, "73.71")
    ambon = await add_service(database, "81.71")
    ternate = await add_service(database, "82.71")
    await probe(database, palopo, Reason.OK, at)
    await probe(database, palopo, Reason.NETWORK_TIMEOUT, outages.minutes(10))
    await declare(database, "cutoff", outages.minutes(20))
    await declare(database, "lifted", outages.minutes(50))
    await probe(database, palopo, Reason.OK, outages.minutes(55))
    await probe(database, makassar, Reason.NETWORK_TIMEOUT, outages.minutes(60), "73.71")
    await probe(database, makassar, Reason.OK, outages.minutes(90), "73.71")
    await probe(database, ambon, Reason.NETWORK_REFUSED, outages.minutes(15 * 60), "81.71")
    await probe(database, ambon, Reason.OK, outages.minutes(18 * 60), "81.71")
    await probe(database, ternate, Reason.NETWORK_TIMEOUT, utcnow() - timedelta(hours=1), "82.71")
    letter = LETTER | {
        "kind": "infrastructure",
        "reference": HOSTILE_REFERENCE,
        "issuer": HOSTILE_ISSUER,
    }
    response = await client.post("/api/v1/regions/82.71/declarations", json=letter, headers=headers)
    assert response.status_code == 201, response.text
    return outages
