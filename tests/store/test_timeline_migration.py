"""Revision 0010 on a database with incidents: each gets its reason timeline from the
transitions it holds (or one span from its start when it holds none) and its governing cause;
downgrading gives back the opening category and the latest reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.settings import Settings
from app.store.db import make_engine
from app.store.migrate import downgrade_schema, upgrade_schema
from app.store.types import JSONDocument, UTCDateTime
from tests.conftest import BACKENDS, make_settings

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
# The tables as revision 0009 left them, only the columns these rows need.
REGION = sa.table("region", sa.column("code"), sa.column("name"), sa.column("level"))
INCIDENT = sa.table(
    "incident",
    sa.column("id", sa.Integer()),
    sa.column("region_code", sa.String()),
    sa.column("started_at", UTCDateTime()),
    sa.column("ended_at", UTCDateTime()),
    sa.column("worst_state", sa.String()),
    sa.column("category", sa.String()),
    sa.column("reason", sa.String()),
    sa.column("reasons_seen", JSONDocument),
    sa.column("updated_at", UTCDateTime()),
)
TRANSITION = sa.table(
    "transition",
    sa.column("region_code", sa.String()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("reason", sa.String()),
    sa.column("source", sa.String()),
    sa.column("at", UTCDateTime()),
    sa.column("evidence", JSONDocument),
    sa.column("incident_id", sa.Integer()),
)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stamp(minutes: int) -> str:
    return at(minutes).isoformat()


def _incident(
    incident_id: int, start: int, end: int | None, category: str, reason: str, seen: list[str]
) -> dict[str, Any]:
    return {
        "id": incident_id,
        "region_code": "73",
        "started_at": at(start),
        "ended_at": None if end is None else at(end),
        "worst_state": "outage",
        "category": category,
        "reason": reason,
        "reasons_seen": seen,
        "updated_at": at(start if end is None else end),
    }


def _transition(incident_id: int, reason: str, minutes: int) -> dict[str, Any]:
    to_state = "operational" if reason == "ok" else "outage"
    return {
        "region_code": "73",
        "from_state": "outage",
        "to_state": to_state,
        "reason": reason,
        "source": "probe",
        "at": at(minutes),
        "evidence": {},
        "incident_id": incident_id,
    }


async def _seed(settings: Settings) -> None:
    """Palopo as 0009 recorded it (category of the opening reason, the latest reason), and an
    open incident with no transitions left."""
    engine = make_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                REGION.insert().values(code="73", name="Sulawesi Selatan", level="province")
            )
            seen = ["network.timeout", "policy.cutoff"]
            await connection.execute(
                INCIDENT.insert(),
                [
                    _incident(1, 10, 50, "network", "network.timeout", seen),
                    _incident(2, 60, None, "upstream", "upstream.error", ["upstream.error"]),
                ],
            )
            steps = [("network.timeout", 10), ("policy.cutoff", 20)]
            steps += [("network.timeout", 40), ("ok", 50)]
            rows = [_transition(1, reason, minutes) for reason, minutes in steps]
            await connection.execute(TRANSITION.insert(), rows)
    finally:
        await engine.dispose()


async def _incidents(settings: Settings, *columns: str) -> list[tuple[Any, ...]]:
    types = {"reason_timeline": JSONDocument}
    table = sa.table("incident", sa.column("id"), *(sa.column(c, types.get(c)) for c in columns))
    query = sa.select(*(table.c[c] for c in columns)).order_by(table.c.id)
    engine = make_engine(settings)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(query)]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("fresh_database_url", BACKENDS, indirect=True)
def test_incidents_get_their_timeline_and_governing_cause(fresh_database_url: str) -> None:
    settings = make_settings(fresh_database_url)
    upgrade_schema(settings, "0009")
    asyncio.run(_seed(settings))

    upgrade_schema(settings, "0010")
    rows = asyncio.run(_incidents(settings, "category", "reason", "reason_timeline"))
    assert rows == [
        (
            "policy",
            "policy.cutoff",
            [
                {"reason": "network.timeout", "from": stamp(10), "until": stamp(20)},
                {"reason": "policy.cutoff", "from": stamp(20), "until": stamp(40)},
                {"reason": "network.timeout", "from": stamp(40), "until": stamp(50)},
            ],
        ),
        (
            "upstream",
            "upstream.error",
            [{"reason": "upstream.error", "from": stamp(60), "until": None}],
        ),
    ]

    downgrade_schema(settings, "0009")
    assert asyncio.run(_incidents(settings, "category", "reason")) == [
        ("network", "network.timeout"),
        ("upstream", "upstream.error"),
    ]
