"""The outage report page, `/reports`, over the real app on SQLite and PostgreSQL: the form
with its defaults, the ranking, the episodes with their letter and times in the region's
zone, the CSV link for the same range, bad input shown back with a 422, markup a strict CSP
allows; and the link to it from the status page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.core.reports import default_days
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import LETTER
from tests.support.outages import Outages, record_outages
from tests.support.pages import assert_csp_friendly, html_lang, parse_html


@pytest.fixture
async def outages(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> Outages:
    return await record_outages(client, database, admin_headers)


async def test_report_page_for_a_range_shows_the_episode_its_letter_and_the_csv(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    day = outages.day.isoformat()
    response = await client.get("/reports", params={"from": day, "to": day, "region": "73"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert html_lang(response.text) == "id"
    assert_csp_friendly(response.text)
    page = parse_html(response.text)
    form = page.one("form", class_="report-form")
    assert (form.attrs["method"], form.attrs["action"]) == ("get", "/reports")
    assert page.one("input", name="from").attrs["value"] == day
    assert page.one("input", name="region").attrs["value"] == "73"

    ranking = page.one("table", class_="ranking").find_all("tr", data_code="73.73")
    assert len(ranking) == 1 and "Kota Palopo" in ranking[0].text
    assert "45 mnt" in ranking[0].text  # cut off from the first timeout: 45 minutes

    rows = page.one("table", class_="episodes").find_all("tr", data_category="policy")
    (palopo,) = rows
    text = palopo.text
    assert "Kota Palopo" in text and "Sulawesi Selatan" in text
    # 01:10 UTC in Palopo's own zone, named, Indonesian style; 45 minutes; the letter.
    assert f"{outages.day.day} " in text and "09.10 WITA" in text and "09.55 WITA" in text
    assert "45 mnt" in text
    link = palopo.one("a", href=LETTER["url"])
    assert link.text == LETTER["reference"] and LETTER["issuer"] in text
    assert [r.attrs["data-code"] for r in page.find_all("tr", data_code="73.71")]  # Makassar too

    csv_link = page.one("a", data_role="csv")
    target = urlsplit(csv_link.attrs["href"])
    assert target.path == "/api/v1/reports/outages.csv"
    assert parse_qs(target.query) == {"from": [day], "to": [day], "region": ["73"]}
    csv = await client.get(csv_link.attrs["href"])
    assert csv.status_code == 200 and csv.text.count("\r\n") == 3  # header and two episodes

    english = await client.get("/reports", params={"from": day, "to": day, "lang": "en"})
    assert html_lang(english.text) == "en" and "Outage report" in english.text
    assert "09:10 WITA" in english.text and "45 min" in english.text


async def test_report_page_without_a_query_covers_the_last_30_days(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    response = await client.get("/reports")
    assert response.status_code == 200
    page = parse_html(response.text)
    first, last = default_days(utcnow())
    assert page.one("input", name="from").attrs["value"] == first.isoformat()
    assert page.one("input", name="to").attrs["value"] == last.isoformat()
    table = page.one("table", class_="episodes")
    incident_rows = [r for r in table.find_all("tr") if "data-incident" in r.attrs]
    assert len(incident_rows) == 4
    ternate = incident_rows[-1].text
    assert "masih berlangsung" in ternate and "WIT" in ternate
    # The language switch keeps the range.
    toggle = page.one("a", hreflang="en")
    assert parse_qs(urlsplit(toggle.attrs["href"]).query)["from"] == [first.isoformat()]


async def test_bad_input_is_shown_back_with_a_422(client: httpx.AsyncClient) -> None:
    cases = [
        ({"from": "2026-13-01"}, "Tanggal awal"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "Tanggal akhir"),
        ({"region": "7x"}, "Kode daerah"),
        ({"category": "weather"}, "Penyebab tidak dikenal"),
    ]
    for params, message in cases:
        response = await client.get("/reports", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("text/html")
        page = parse_html(response.text)
        assert message in page.one("p", data_role="report-error").text, params
        assert page.find_all("table") == [] and page.find_all("a", data_role="csv") == []
    blank = await client.get(
        "/reports", params={"from": "", "to": "", "region": "", "category": ""}
    )
    assert blank.status_code == 200  # a blank form is the default report


async def test_status_page_links_to_the_report(client: httpx.AsyncClient) -> None:
    page = parse_html((await client.get("/", params={"lang": "en"})).text)
    link = page.one("a", data_role="reports-link")
    assert link.attrs["href"] == "/reports?lang=en" and link.text == "Outage report"
    assert (await client.get(link.attrs["href"])).status_code == 200
