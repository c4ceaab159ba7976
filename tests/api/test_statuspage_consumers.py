"""Existing Statuspage consumers keep working: the documents read by a third-party consumer
from PyPI, statuspage-prometheus-exporter (it polls any Statuspage v2 URL: summary.json by
design, and it reads the other documents' `status`, `components`, `incidents` and
`scheduled_maintenances` the same way). Its own requests session is pointed at the app in
process: each request it sends is answered by the ASGI app on the test's event loop."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from statuspage_prometheus_exporter import cache_manager, service_checker

from app.store.db import Database
from app.store.types import utcnow
from tests.factories import iso
from tests.support.statuspage_seed import seed

BASE = "http://pantau.test/api/v2/"


class InProcess(BaseAdapter):
    """A requests transport that hands each request to the in-process app."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.client, self.loop = client, loop

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        headers = {name: str(value) for name, value in request.headers.items()}
        call = self.client.request(request.method or "GET", request.url or "", headers=headers)
        answer = asyncio.run_coroutine_threadsafe(call, self.loop).result(timeout=60)
        response = requests.Response()
        response.status_code, response._content = answer.status_code, answer.content
        kept = {k: v for k, v in answer.headers.items() if k != "content-encoding"}
        response.headers = CaseInsensitiveDict(kept)
        response.url, response.request, response.encoding = request.url or "", request, "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def read_with_the_exporter(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    monkeypatch.setattr(cache_manager, "get_cache_directory", lambda: tmp_path)
    real_session = service_checker.create_retry_session

    async def read(name: str) -> dict[str, Any]:
        loop = asyncio.get_running_loop()

        def session(*args: Any, **kwargs: Any) -> requests.Session:
            made = real_session(*args, **kwargs)
            made.mount("http://pantau.test/", InProcess(client, loop))
            return made

        monkeypatch.setattr(service_checker, "create_retry_session", session)
        key = name.replace("/", "_").replace(".", "_").replace("?", "_").replace("=", "_")
        config = {"url": BASE + name, "name": "Pantau"}
        result: dict[str, Any] = await asyncio.to_thread(
            service_checker.check_status_page_service, key, config
        )
        assert result["success"], result
        return result

    return read


async def test_a_third_party_statuspage_consumer_reads_every_document(
    read_with_the_exporter: Any,
    client: httpx.AsyncClient,
    database: Database,
    admin_headers: dict[str, str],
) -> None:
    await seed(database)
    now = utcnow()
    window = {
        "title": "Migrasi data SIAK",
        "starts_at": iso(now + timedelta(days=1)),
        "ends_at": iso(now + timedelta(days=1, hours=2)),
        "regions": ["74.71"],
    }
    assert (await client.post("/api/v1/maintenance", json=window, headers=admin_headers)).is_success
    read = read_with_the_exporter

    summary = await read("summary.json")
    assert summary["raw_status"] == "major" and summary["status"] == 0
    components = summary["component_metadata"]
    assert len(components) == 38 + 514
    down = {c["name"] for c in components if c["status_value"] == 0}
    assert down == {
        "Sulawesi Selatan",
        "Kota Makassar",
        "Kota Palopo",
        "Jawa Barat",
        "Kota Bandung",
    }
    assert {c["status"] for c in components if c["name"] == "Kabupaten Luwu"} == {"operational"}
    incidents = summary["incident_metadata"]
    assert sorted(i["affected_components"][0] for i in incidents) == [
        "Kota Makassar",
        "Kota Palopo",
    ]
    assert all(
        i["shortlink"].startswith("http://127.0.0.1:8000/api/v1/incidents/") for i in incidents
    )
    palopo = next(i for i in incidents if i["affected_components"] == ["Kota Palopo"])
    assert palopo["name"] == "Kota Palopo: Pemutusan akses oleh pusat"
    (upcoming,) = summary["maintenance_metadata"]
    assert (upcoming["name"], upcoming["status"]) == ("Migrasi data SIAK", "scheduled")
    assert upcoming["affected_components"] == ["Kota Kendari"]

    english = await read("summary.json?lang=en")
    assert "Kota Palopo: Access cut off by central authority" in english["details"]

    status = await read("status.json")
    assert (status["raw_status"], status["component_metadata"]) == ("major", [])
    assert status["details"].startswith("Sebagian layanan terputus: 3 dari 514")
    assert len((await read("components.json"))["component_metadata"]) == 38 + 514
    everything = await read("incidents.json")  # the exporter keeps the unresolved ones
    assert len(everything["incident_metadata"]) == 2
    unresolved = await read("incidents/unresolved.json")
    assert {i["id"] for i in unresolved["incident_metadata"]} == {
        i["id"] for i in everything["incident_metadata"]
    }
    maintenances = await read("scheduled-maintenances.json")
    assert [m["name"] for m in maintenances["maintenance_metadata"]] == ["Migrasi data SIAK"]
