"""The pages, for their tests: a small country recorded through the real API and recording
path (Palopo cut off by a declared letter after timing out, Makassar warned with a deadline,
maintenance planned in Jawa Barat, an operator's update on Palopo's incident), and readers of
the rendered HTML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser

import httpx

from app.core.domain import Reason
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe

LETTER = {
    "reference": "470/1234/Dukcapil",
    "issuer": "Ditjen Dukcapil Kemendagri",
    "issued_at": "2026-11-28T09:00:00+08:00",
    "url": "https://dukcapil.kemendagri.go.id/berita/470-1234",
}
WARNING_REFERENCE = "470/0999/Dukcapil"
UPDATE = {
    "status": "identified",
    "body_id": "Akses VPN diputus oleh pusat.",
    "body_en": "VPN access was cut centrally.",
}


@dataclass(frozen=True, slots=True)
class Seeded:
    palopo: int
    makassar: int
    incident_id: int
    started: datetime


async def seed_country(
    client: httpx.AsyncClient, database: Database, headers: dict[str, str]
) -> Seeded:
    now = utcnow()
    started = now - timedelta(hours=2)
    palopo = await add_service(database, "73.73")
    makassar = await add_service(database, "73.71")
    await probe(database, palopo, Reason.OK, started, region="73.73")
    await probe(database, makassar, Reason.OK, started, region="73.71")
    await probe(database, palopo, Reason.NETWORK_TIMEOUT, started + timedelta(hours=1))
    await _post(client, "/api/v1/regions/73.73/declarations", LETTER | {"kind": "cutoff"}, headers)
    deadline = (now + timedelta(days=3)).isoformat()
    warning = LETTER | {"kind": "warning", "reference": WARNING_REFERENCE, "deadline": deadline}
    await _post(client, "/api/v1/regions/73.71/declarations", warning, headers)
    window = {
        "title": "Migrasi data SIAK",
        "starts_at": (now + timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=1, hours=2)).isoformat(),
        "regions": ["32"],
    }
    await _post(client, "/api/v1/maintenance", window, headers)
    incidents = (await client.get("/api/v1/incidents", params={"active": "true"})).json()
    incident_id = int(incidents["items"][0]["id"])
    await _post(client, f"/api/v1/incidents/{incident_id}/updates", UPDATE, headers)
    return Seeded(palopo, makassar, incident_id, started)


async def _post(
    client: httpx.AsyncClient, url: str, body: Mapping[str, object], headers: dict[str, str]
) -> None:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="(\w+)">', body)
    assert found is not None
    return found.group(1)


def assert_csp_friendly(body: str) -> None:
    """No inline script, no inline style, nothing from another origin."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert not re.search(r"\sstyle=", body) and "<style" not in body
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body.replace(LETTER["url"], ""))


@dataclass
class Element:
    """One element of a parsed page: its tag, attributes, children and text."""

    tag: str
    attrs: dict[str, str]
    children: list[Element]
    parts: list[str]  # its text and its children's, in order

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Descendants with this tag (any, if None) and these attributes (`data_role` for
        `data-role`; `class_` matches one of the classes)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(
                value in child.attrs.get(name, "").split()
                if name == "class"
                else child.attrs.get(name) == value
                for name, value in wanted.items()
            ):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, [e.text for e in found])
        return found[0]


_VOID = {"meta", "link", "br", "img", "input", "hr", "rect", "source", "wbr"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, [], [])
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs}, [], [])
        self.open[-1].children.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {n: v or "" for n, v in attrs}, [], []))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.parts.append(data)


def parse_html(body: str) -> Element:
    """The page as a tree of elements, to read by tag and attribute rather than by text."""
    builder = _TreeBuilder()
    builder.feed(body)
    builder.close()
    return builder.root
