"""Honest numbers on the pages, over the real app on SQLite and PostgreSQL: after a minute of
monitoring, every uptime figure (region page, widget, status page) says how little data it
rests on, the region page says since when there is data, and the roll-ups say how many
regions are monitored at all."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from app.core.domain import Reason
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe

MINUTE = r"1 mnt(?: \d+ dtk)?"  # the request comes a moment after the minute


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def watch_palopo_for_a_minute(database: Database) -> str:
    """Palopo watched for a minute, its last 6 s down; the first transition's time, as ISO."""
    sid = await add_service(database, "73.73")
    first = utcnow() - timedelta(seconds=60)
    await probe(database, sid, Reason.OK, first)
    await probe(database, sid, Reason.NETWORK_TIMEOUT, first + timedelta(seconds=54))
    return first.isoformat().replace("+00:00", "Z")


async def test_region_page_and_widget_put_coverage_beside_every_figure(
    client: httpx.AsyncClient, database: Database
) -> None:
    first = await watch_palopo_for_a_minute(database)
    body = (await client.get("/regions/73.73")).text
    uptime = body.split('id="uptime-h"')[1].split("</section>")[0]
    rows = re.findall(
        r'<tr data-window="([^"]+)"><th scope="row">[^<]*</th><td[^>]*>(.*?)</td>', uptime
    )
    assert [window for window, _ in rows] == ["24 jam", "30 hari", "90 hari"]
    for (window, cell), days in zip(rows, ("24 jam", "30 hari", "90 hari"), strict=True):
        assert 'data-verdict="too_little"' in cell, window
        assert re.fullmatch(rf"\d+,\d\d % · data {MINUTE} dari {days}", text(cell)), text(cell)
    since = re.search(r'data-role="monitored-since">(.*?)</p>', uptime)
    assert since is not None and text(since.group(1)).startswith("Dipantau sejak")
    assert f'datetime="{first}"' in since.group(1)

    english = (await client.get("/regions/73.73", params={"lang": "en"})).text
    assert re.search(
        rf"\d+\.\d\d% · data for {MINUTE.replace('mnt', 'min').replace('dtk', 's')}"
        r" of 30 days",
        text(english),
    )
    assert "Monitored since" in english

    widget = (await client.get("/widget/73.73")).text
    line = re.search(r'<p class="uptime">(.*?)</p>', widget, re.S)
    assert line is not None
    assert re.fullmatch(
        rf"Ketersediaan 30 hari: \d+,\d\d % · data {MINUTE} dari 30 hari", text(line.group(1))
    ), text(line.group(1))
    unwatched = (await client.get("/regions/31.71")).text
    assert "Belum pernah dipantau." in unwatched and "Tidak dipantau" in unwatched


async def test_status_page_counts_monitored_regions_and_qualifies_the_90_day_figure(
    client: httpx.AsyncClient, database: Database
) -> None:
    await watch_palopo_for_a_minute(database)
    body = (await client.get("/")).text
    assert "1 dari 514 kabupaten/kota terdampak, 1 dipantau" in body
    assert "1 of 514 regencies/cities affected, 1 monitored" in body  # English beside it

    def province(code: str) -> str:
        found = re.search(rf'data-province="{code}".*?</summary>', body, re.S)
        assert found is not None, code
        return text(found.group(0))

    assert province("73").endswith("Terputus 1 dari 24 terdampak, 1 dipantau")
    # Nothing watched in Aceh: neither "Normal" nor a bare "unknown".
    assert province("11").endswith("Aceh Tidak dipantau 0 dari 23 terdampak, 0 dipantau")
    palopo = re.search(r'<li class="region" data-code="73.73">(.*?)</li>', body, re.S)
    assert palopo is not None
    figure = re.search(
        r'data-role="uptime" data-verdict="(\w+)">(.*?)</span></span>', palopo.group(1), re.S
    )
    assert figure is not None and figure.group(1) == "too_little"
    assert re.fullmatch(rf"\d+,\d\d % · data {MINUTE} dari 90 hari", text(figure.group(2)))
