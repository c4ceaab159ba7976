"""Text written around the API (a migration, a hand-edited row) holding control characters
must not break what Pantau publishes: the Atom feed stays well-formed XML and the pages
answer, on SQLite and PostgreSQL."""

from __future__ import annotations

from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import feedparser
import httpx
from sqlalchemy import update
from sqlmodel import select

from app.store.db import Database
from app.store.declarations import Declaration
from app.store.incident_updates import IncidentUpdate
from app.store.maintenance import MaintenanceWindow
from app.store.models import Service
from tests.support.pages import seed_country

CONTROLS = "\u0001\u000b\u001b"
LONE = "\u001f"  # a single control, no NUL: PostgreSQL text holds it


async def store_control_text(database: Database) -> None:
    async with database.transaction() as session:
        await session.exec(  # type: ignore[call-overload]
            update(IncidentUpdate).values(
                body_id=f"Akses{CONTROLS}diputus", body_en=f"Cut{LONE}off"
            )
        )
        await session.exec(  # type: ignore[call-overload]
            update(Declaration).values(
                reference=f"470/{LONE}1234", issuer=f"Dukcapil{CONTROLS}", note=LONE
            )
        )
        await session.exec(update(Service).values(name=f"SIAK{CONTROLS}Palopo"))  # type: ignore[call-overload]
        await session.exec(update(MaintenanceWindow).values(title=f"Migrasi{LONE}"))  # type: ignore[call-overload]


async def test_feed_and_pages_survive_control_characters_in_stored_text(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)
    await store_control_text(database)
    async with database.read() as session:  # the rows do hold them: nothing refused the write
        stored = (await session.exec(select(IncidentUpdate.body_id))).all()
    assert stored == [f"Akses{CONTROLS}diputus"]
    for path in ("/feeds/incidents.atom", "/feeds/incidents.atom?region=73"):
        response = await client.get(path)
        assert response.status_code == 200
        ET.fromstring(response.content)  # well-formed, or it raises
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        content = parsed.entries[0].content[0].value
        assert "Aksesdiputus" in content and "Cutoff" in content

    for path in ("/", "/regions/73.73", "/regions/73.71", "/regions/32", "/widget/73.73"):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        HTMLParser().feed(response.text)
