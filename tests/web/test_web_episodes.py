"""Past incidents read as past, and "since" is when the outage began (#17), over the real app on
SQLite and PostgreSQL: an ended incident shows its start, end and duration in a neutral style,
not a red "since"; a Palopo-style cutoff (timeouts from T0, the cutoff declared at T1) reads
"since T0" with the declaration's date T1 beside it, on the region page, the widget and the
national page; once lifted and recovered, the episode ends citing its letter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from app.core.domain import Category, Reason
from app.store.db import Database
from app.store.types import utcnow
from app.web.format import duration
from app.web.i18n import Lang, category_label
from tests.factories import add_service, probe
from tests.support.pages import LETTER, Element, parse_html

PALOPO = "73.73"
ENDED_CASES: list[tuple[Lang, str, str, str]] = [
    ("id", "Selesai", "2 j 5 mnt", Reason.NETWORK_TIMEOUT.label_id),
    ("en", "Ended", "2 h 5 min", Reason.NETWORK_TIMEOUT.label_en),
]


def instant(element: Element) -> datetime:
    """A `<time>` element's instant."""
    assert element.tag == "time", element
    return datetime.fromisoformat(element.attrs["datetime"])


async def page(client: httpx.AsyncClient, path: str, lang: Lang = "id") -> Element:
    response = await client.get(path, params={"lang": lang})
    assert response.status_code == 200, response.text
    return parse_html(response.text)


async def only_incident(client: httpx.AsyncClient) -> dict[str, Any]:
    items = (await client.get("/api/v1/incidents", params={"region": PALOPO})).json()["items"]
    assert len(items) == 1, items
    incident: dict[str, Any] = items[0]
    return incident


def header(region_page: Element) -> Element:
    return region_page.one("section", class_="now")


def category_shown(incident: Element, api: dict[str, Any], lang: Lang) -> bool:
    """The incident's category as the API has it, in the page's words."""
    expected = category_label(Category(api["category"]), lang)
    return incident.one(class_="category").text == f"({expected})"


async def test_an_ended_incident_shows_its_end_and_duration_not_a_red_since(
    client: httpx.AsyncClient, database: Database
) -> None:
    now = utcnow()
    began, ended = now - timedelta(hours=4), now - timedelta(hours=4) + timedelta(minutes=125)
    sid = await add_service(database, PALOPO)
    await probe(database, sid, Reason.OK, now - timedelta(hours=5))
    await probe(database, sid, Reason.NETWORK_TIMEOUT, began)
    await probe(database, sid, Reason.OK, ended)
    api = await only_incident(client)
    assert not api["is_active"] and api["duration_seconds"] == 7500.0

    for lang, tag, shown, cause in ENDED_CASES:
        body = await page(client, f"/regions/{PALOPO}", lang)
        assert body.find_all("li", data_incident_state="active") == []
        past = body.one("li", data_incident_state="ended")
        assert "incident-ended" in past.attrs["class"].split()
        assert past.one(data_role="incident-state").text == tag
        assert instant(past.one(data_role="started")) == began
        assert instant(past.one(data_role="ended")) == ended
        assert past.one(data_role="duration").text == shown == duration(7500, lang)
        assert past.one(class_="cause").text == cause and category_shown(past, api, lang)
        # Neutral: no state chip (red for an outage), and no "since".
        assert past.find_all(data_role="state") == [] and "state-outage" not in str(past.attrs)
        assert ("sejak" if lang == "id" else "since") not in past.text.lower()
        # The region is operational since the incident ended.
        since = header(body).one(class_="since")
        assert since.attrs["data-since"] == "recovered" and instant(since.one("time")) == ended

    widget = await page(client, f"/widget/{PALOPO}")
    assert instant(widget.one(class_="since").one("time")) == ended
    last = widget.one("p", data_incident_state="ended")
    assert last.one(data_role="duration").text == "2 j 5 mnt"
    assert instant(last.one(data_role="ended")) == ended
    assert last.text.startswith("Terakhir: ")


async def test_palopo_since_is_the_outage_start_with_the_declaration_beside(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    now = utcnow()
    t0 = now - timedelta(hours=2)
    sid = await add_service(database, PALOPO)
    await probe(database, sid, Reason.OK, now - timedelta(hours=3))
    await probe(database, sid, Reason.NETWORK_TIMEOUT, t0)
    path = f"/api/v1/regions/{PALOPO}/declarations"
    response = await client.post(path, json=LETTER | {"kind": "cutoff"}, headers=admin_headers)
    assert response.status_code == 201, response.text
    t1 = datetime.fromisoformat(response.json()["created_at"])
    assert t1 - t0 > timedelta(hours=1)

    body = await page(client, f"/regions/{PALOPO}")
    now_section = header(body)
    since = now_section.one(class_="since")
    assert since.attrs["data-since"] == "away" and instant(since.one("time")) == t0
    declared = now_section.one(data_role="declared")
    assert instant(declared.one("time")) == t1
    assert declared.text.startswith("(dinyatakan ")
    assert declared.text.endswith(f"surat {LETTER['reference']})")
    active = body.one("li", data_incident_state="active")
    assert active.one(data_role="state").attrs["data-state"] == "outage"
    assert instant(active.one(data_role="started")) == t0
    assert active.one(data_role="duration").text.startswith("2 j")
    english = header(await page(client, f"/regions/{PALOPO}", "en"))
    assert english.one(data_role="declared").text.startswith("(declared ")

    widget = await page(client, f"/widget/{PALOPO}")
    widget_since = widget.one(class_="since")
    assert widget_since.attrs["data-since"] == "away" and instant(widget_since.one("time")) == t0
    assert widget.find_all(data_incident_state="ended") == []

    national = await page(client, "/")
    listed = national.one("li", data_incident_state="active")
    assert instant(listed.one(data_role="started")) == t0

    # Lifted, then the service answers again: the episode ends, citing its letter.
    lifting = LETTER | {"kind": "lifted", "reference": "470/1300/Dukcapil"}
    response = await client.post(path, json=lifting, headers=admin_headers)
    assert response.status_code == 201, response.text
    back = utcnow()
    await probe(database, sid, Reason.OK, back)
    api = await only_incident(client)
    body = await page(client, f"/regions/{PALOPO}")
    past = body.one("li", data_incident_state="ended")
    assert instant(past.one(data_role="started")) == t0
    assert instant(past.one(data_role="ended")) == back
    assert past.one(data_role="duration").text == duration(api["duration_seconds"], "id")
    assert LETTER["reference"] in past.one("ul", class_="letters").text
    assert category_shown(past, api, "id")
    assert instant(header(body).one(class_="since").one("time")) == back
    assert national_has_no_incidents(await page(client, "/"))


def national_has_no_incidents(national: Element) -> bool:
    """The national page lists active incidents only."""
    return national.find_all("li", class_="incident") == []
