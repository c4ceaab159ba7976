"""The Palopo story end to end (#17), on SQLite and PostgreSQL: a real `pantau serve` probing the
loopback simulator, with its checker and dispatcher, and a webhook receiver subscribed to
`cutoff.declared` and `cutoff.lifted` only. Palopo's endpoint starts timing out (an outage,
`network.timeout`); the timeouts hold across several probes before an operator declares the
cutoff citing its letter, lifts it a moment later while the endpoint still times out, and the
endpoint recovers. So the network held the region longer than the cutoff did: the late letter
must still make the whole episode a policy one, on every surface.

The subscriber gets each cutoff event once, signed (verified with `standardwebhooks`), with the
region, the episode, the letter and since when the region was down; the episode reads `policy`
in the API and its filters, the Atom feed, the national page (while it goes on), the region
page (once over, with its end and duration), the report (JSON, CSV and `/reports`) with its
letter and duration, and its whole length counts as policy downtime in the report's summary
and ranking."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from app.core.domain import Reason
from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.webhooks import DeliveryStatus
from app.web.format import duration
from tests.factories import LETTER, create_service
from tests.support.harness import PantauProcess, service_row
from tests.support.pages import Element, parse_html
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True),
]
PALOPO = "73.73"
CUTOFFS = ["cutoff.declared", "cutoff.lifted"]
LIFTING = "470/1301/Dukcapil"
# Probe every second, flip after two: each step of the story is a few seconds.
WITHIN = 20.0
ATOM = "{http://www.w3.org/2005/Atom}"


async def test_the_palopo_story_end_to_end(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess], database: Database
) -> None:
    pantau = start_pantau(webhook_allowed_networks="127.0.0.0/8", dispatcher_tick_seconds="0.2")
    await pantau.start()
    async with pantau.client() as client, Receiver() as hooks:
        spec = {"url": hooks.url("/cutoffs"), "event_types": CUTOFFS}
        created = await client.post("/api/v1/subscriptions", json=spec)
        assert created.status_code == 201, created.text
        subscription, secret = created.json()["id"], created.json()["secret"]
        service = await create_service(client, PALOPO, simulator.url_for(PALOPO))
        await wait_for(lambda: region_reads(client, "operational"), within=WITHIN)

        # The VPN link is cut: timeouts, an outage, and they go on for a while.
        simulator.set(PALOPO, Behaviour(Mode.HANG))
        hanging = time.monotonic()
        (opened,) = await wait_for(lambda: incidents(client, active="true"), within=WITHIN)
        seen_open = time.monotonic()
        assert (opened["category"], opened["reason"]) == ("network", "network.timeout")
        await wait_for(lambda: failing_for(database, service, probes=4), within=WITHIN)

        # The letter arrives late, and is lifted while the endpoint still times out.
        await declare(client, "cutoff", LETTER["reference"])
        await declare(client, "lifted", LIFTING)
        cut = await incident(client, opened["id"])
        assert cut["ended_at"] is None
        assert (cut["category"], cut["reason"], cut["latest_reason"]) == (
            "policy",
            "policy.cutoff",
            "network.timeout",
        )
        assert [i["id"] for i in await incidents(client, category="policy", active="true")] == [
            opened["id"]
        ]
        national = await page(client, "/")
        assert_policy_line(national.one("li", data_incident=str(opened["id"])), "active")

        simulator.reset()
        recovering = time.monotonic()
        await wait_for(lambda: ended(client, opened["id"]), within=WITHIN)
        # It lasted from before we saw it open until after the endpoint came back.
        lasted = (recovering - seen_open, time.monotonic() - hanging)
        await wait_for(lambda: delivered(client, hooks, subscription), within=WITHIN)

        episode = await incident(client, opened["id"])
        await assert_cutoff_events(hooks, secret, episode)
        assert_episode(episode, lasted)
        assert [i["id"] for i in await incidents(client, category="policy")] == [episode["id"]]
        assert await incidents(client, category="network") == []
        assert atom_categories(
            await client.get("/feeds/incidents.atom", params={"region": PALOPO})
        )[episode["id"]] == ["policy"]
        region_page = await page(client, f"/regions/{PALOPO}")
        past = region_page.one("li", data_incident=str(episode["id"]))
        assert_policy_line(past, "ended")
        assert past.one(data_role="duration").text == duration(episode["duration_seconds"], "id")
        assert past.one("time", data_role="ended").attrs["datetime"] == z(episode["ended_at"])
        # Its whole outage is the cutoff's downtime, timeouts before the letter included.
        by_cause = [cell.text for cell in region_page.find_all("td", class_="by-cause")]
        cut_for = duration(episode["duration_seconds"], "id")
        assert by_cause == [f"diputus pusat: {cut_for}"] * 3  # 24 h, 30 d, 90 d
        uptime = await client.get(f"/api/v1/regions/{PALOPO}/uptime", params={"window": "24h"})
        assert uptime.status_code == 200, uptime.text
        down = {c: s for c, s in uptime.json()["downtime_by_category"].items() if s}
        assert down == {"policy": pytest.approx(episode["duration_seconds"], abs=0.01)}
        await assert_report(client, episode)
        # Nothing more reached the subscriber once the dispatcher had nothing left to send.
        assert len(hooks.at("/cutoffs")) == 2


async def region_reads(client: httpx.AsyncClient, state: str) -> bool:
    response = await client.get(f"/api/v1/regions/{PALOPO}")
    assert response.status_code == 200, response.text
    return bool(response.json()["state"] == state)


async def incidents(client: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/incidents", params={"region": PALOPO} | filters)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def incident(client: httpx.AsyncClient, incident_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ended(client: httpx.AsyncClient, incident_id: int) -> bool:
    return (await incident(client, incident_id))["ended_at"] is not None


async def failing_for(database: Database, service_id: int, *, probes: int) -> bool:
    return (await service_row(database, service_id)).consecutive_failures >= probes


async def declare(client: httpx.AsyncClient, kind: str, reference: str) -> None:
    body = LETTER | {"kind": kind, "reference": reference}
    response = await client.post(f"/api/v1/regions/{PALOPO}/declarations", json=body)
    assert response.status_code == 201, response.text


async def delivered(client: httpx.AsyncClient, hooks: Receiver, subscription: int) -> bool:
    """The dispatcher is quiet: every delivery of the subscription sent, and received."""
    response = await client.get(f"/api/v1/subscriptions/{subscription}/deliveries")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    sent = all(item["status"] == DeliveryStatus.SUCCEEDED for item in items)
    return bool(items) and sent and len(hooks.at("/cutoffs")) == len(items)


async def page(client: httpx.AsyncClient, path: str) -> Element:
    response = await client.get(path, params={"lang": "id"})
    assert response.status_code == 200, response.text
    return parse_html(response.text)


def z(value: str) -> str:
    """An instant as the API writes it, in UTC with `Z`."""
    return datetime.fromisoformat(value).isoformat().replace("+00:00", "Z")


def same_instant(a: str | None, b: str | None) -> bool:
    assert a is not None and b is not None
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def assert_policy_line(line: Element, state: str) -> None:
    assert line.attrs["data-incident-state"] == state
    assert line.one(class_="cause").text == Reason.POLICY_CUTOFF.label_id
    assert line.one(class_="category").text == "(diputus pusat)"


async def assert_cutoff_events(hooks: Receiver, secret: str, episode: dict[str, Any]) -> None:
    got = [request.verify(secret) for request in hooks.at("/cutoffs")]
    assert [event["type"] for event in got] == CUTOFFS
    assert len({request.webhook_id for request in hooks.at("/cutoffs")}) == 2
    declared, lifted = got[0]["data"], got[1]["data"]
    for data in (declared, lifted):
        assert data["region"]["code"] == PALOPO
        assert data["region"]["name"] == "Kota Palopo"
        assert data["incident_id"] == episode["id"]
        assert same_instant(data["down_since"], episode["started_at"])
        assert (data["reason"], data["category"]) == ("policy.cutoff", "policy")
    letter = declared["letter"]
    assert (letter["kind"], letter["reference"], letter["issuer"], letter["url"]) == (
        "cutoff",
        LETTER["reference"],
        LETTER["issuer"],
        LETTER["url"],
    )
    assert same_instant(letter["date"], LETTER["issued_at"])
    assert (lifted["lifted_by"], lifted["letter"]["reference"]) == ("declaration", LIFTING)
    assert lifted["lifts"]["reference"] == LETTER["reference"]


def assert_episode(episode: dict[str, Any], lasted: tuple[float, float]) -> None:
    assert (episode["category"], episode["reason"]) == ("policy", "policy.cutoff")
    # It began with the outage: the first transition to outage, for timeouts.
    first = next(t for t in episode["transitions"] if t["to_state"] == "outage")
    assert first["reason"] == "network.timeout"
    assert same_instant(episode["started_at"], first["at"])
    started = datetime.fromisoformat(episode["started_at"])
    length = (datetime.fromisoformat(episode["ended_at"]) - started).total_seconds()
    assert episode["duration_seconds"] == pytest.approx(length)
    assert lasted[0] < length < lasted[1]
    timeline = episode["reason_timeline"]
    assert [span["reason"] for span in timeline] == [
        "network.timeout",
        "policy.cutoff",
        "network.timeout",
    ]
    # The late letter: the network held the region longer than the cutoff did.
    network = sum(s["seconds"] for s in timeline if s["category"] == "network")
    assert network > timeline[1]["seconds"]
    assert [d["reference"] for d in episode["declarations"]] == [LETTER["reference"], LIFTING]


def atom_categories(response: httpx.Response) -> dict[int, list[str]]:
    """Each incident entry of the feed: its categories."""
    assert response.status_code == 200, response.text
    feed = ET.fromstring(response.content)
    found = {}
    for entry in feed.iter(f"{ATOM}entry"):
        entry_id = entry.findtext(f"{ATOM}id") or ""
        if "/api/v1/incidents/" in entry_id:
            terms = [c.attrib["term"] for c in entry.iter(f"{ATOM}category")]
            found[int(entry_id.rsplit("/", 1)[1])] = terms
    return found


async def assert_report(client: httpx.AsyncClient, episode: dict[str, Any]) -> None:
    seconds = episode["duration_seconds"]
    response = await client.get("/api/v1/reports/outages", params={"region": PALOPO})
    assert response.status_code == 200, response.text
    report = response.json()
    (row,) = report["episodes"]
    assert (row["id"], row["category"], row["reason"]) == (episode["id"], "policy", "policy.cutoff")
    assert (row["letter"]["kind"], row["letter"]["reference"]) == ("cutoff", LETTER["reference"])
    assert row["duration_seconds"] == pytest.approx(seconds, abs=0.01)
    (region,) = report["regions"]
    assert region["policy_cutoffs"] == 1
    assert region["downtime_by_category"] == {"policy": pytest.approx(seconds, abs=0.01)}
    (ranked,) = report["ranking"]
    assert ranked["region_code"] == PALOPO
    assert ranked["policy_downtime_seconds"] == pytest.approx(seconds, abs=0.01)

    exported = await client.get("/api/v1/reports/outages.csv", params={"region": PALOPO})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    (line,) = csv.DictReader(io.StringIO(exported.text))
    assert (line["region_code"], line["category"], line["reason"]) == (
        PALOPO,
        "policy",
        "policy.cutoff",
    )
    assert (line["letter_reference"], line["letter_issuer"]) == (
        LETTER["reference"],
        LETTER["issuer"],
    )
    assert line["duration_seconds"] == f"{seconds:.0f}"
    assert line["ended"] != ""

    shown = await page(client, "/reports")
    listed = shown.one("tr", data_incident=str(episode["id"]))
    assert listed.attrs["data-category"] == "policy"
    assert listed.one(class_="cause").text == "diputus pusat"
    assert Reason.POLICY_CUTOFF.label_id in listed.text
    assert LETTER["reference"] in listed.text
    assert duration(seconds, "id") in listed.text
