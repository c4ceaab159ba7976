"""A declaration's letter itself (#20 item 3), on SQLite and PostgreSQL: a cutoff declared with
its PDF (multipart) shows the letter on every public surface that cites it (region page and
API, incident, outage report JSON/CSV/page, Atom, Statuspage, the cutoff.declared webhook),
an operators-only one on none and to no one without the scope; an image attached afterwards,
replaced and published; files refused by content, not name; an oversize upload refused while
it streams; the letter directory instead of the database."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from app.core.domain import Reason
from app.main import create_app
from app.store.db import Database
from app.store.letters import Letter
from app.store.types import utcnow
from app.store.webhooks import WebhookEvent
from tests.conftest import make_settings
from tests.factories import LETTER, add_service, bearer, issue_key, probe

PUBLIC = "https://pantau.example.go.id"
DECLARE = "/api/v1/regions/73.73/declarations"
# The smallest honest PDF: header, one empty page, trailer.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def _png() -> bytes:
    """A real 1x1 PNG: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _png()


@pytest.fixture
def settings(database_url: str) -> Any:
    """Absolute links start with PANTAU_PUBLIC_URL, never the request's Host."""
    return make_settings(database_url, public_url=PUBLIC)


def form(kind: str = "cutoff", **fields: str) -> dict[str, str]:
    return {**{k: v for k, v in LETTER.items()}, "kind": kind, **fields}


async def failing_palopo(database: Database) -> None:
    palopo = await add_service(database, "73.73", failure_threshold=2)
    start = utcnow() - timedelta(minutes=10)
    await probe(database, palopo, Reason.OK, start)
    for second in (1, 2):  # the link is cut: timeouts, then the letter
        await probe(database, palopo, Reason.NETWORK_TIMEOUT, start + timedelta(seconds=second))


async def declare_with(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    name: str = "Surat Palopo.pdf",
    **fields: str,
) -> dict[str, Any]:
    files = {"file": (name, content, "application/octet-stream")}
    response = await client.post(DECLARE, data=form(**fields), files=files, headers=headers)
    assert response.status_code == 201, response.text
    declared: dict[str, Any] = response.json()
    return declared


async def cutoff_letters(database: Database) -> list[Any]:
    async with database.read() as session:
        query = select(WebhookEvent).where(WebhookEvent.type == "cutoff.declared")
        events = (await session.exec(query.order_by(col(WebhookEvent.created_at)))).all()
    return [json.loads(e.body)["data"]["letter"] for e in events]


async def surfaces(client: httpx.AsyncClient) -> dict[str, str]:
    """What every public surface citing Palopo's declaration says, as text."""
    incidents = (await client.get("/api/v1/incidents")).json()["items"]
    region = (await client.get("/api/v1/regions/73.73")).json()
    report = (await client.get("/api/v1/reports/outages")).json()
    rows = list(csv.DictReader(io.StringIO((await client.get("/api/v1/reports/outages.csv")).text)))
    return {
        "incident": str(incidents[0]["declarations"][0]["letter_url"]),
        "region_api": str(region["declaration"]["letter_url"]),
        "report_json": str(report["episodes"][0]["letter"]["letter_url"]),
        "report_csv": rows[0]["letter_url"],
        "region_page": (await client.get("/regions/73.73")).text,
        "reports_page": (await client.get("/reports")).text,
        "atom": (await client.get("/feeds/incidents.atom")).text,
        "statuspage": (await client.get("/api/v2/incidents.json")).text,
    }


async def test_a_cutoff_declared_with_its_public_pdf_links_it_on_every_surface(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    await failing_palopo(database)
    key = await issue_key(client, admin_headers, "declarations:write", name="palopo-office")
    declared = await declare_with(client, bearer(key["token"]), PDF, visibility="public")
    path = f"/api/v1/declarations/{declared['id']}/letter"
    url = PUBLIC + path
    assert declared["letter_url"] == url

    download = await client.get(path)  # anonymous: it is public
    assert download.status_code == 200 and download.content == PDF
    digest = hashlib.sha256(PDF).hexdigest()
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        'attachment; filename="surat-470-1234-Dukcapil.pdf"'
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert download.headers["etag"] == f'"{digest}"'
    again = await client.get(path, headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and not again.content

    seen = await surfaces(client)
    for name in ("incident", "region_api", "report_json", "report_csv"):
        assert seen[name] == url, name
    assert f'href="{path}"' in seen["region_page"] and "Unduh surat" in seen["region_page"]
    assert f'href="{path}"' in seen["reports_page"]
    assert f'rel="enclosure" href="{url}"' in seen["atom"]
    assert url in seen["statuspage"]
    letters = await cutoff_letters(database)
    assert [x["letter_url"] for x in letters] == [url]  # the webhook links it, once

    audit = (await client.get("/api/v1/audit", headers=admin_headers)).json()["items"]
    uploads = [e for e in audit if e["action"] == "declaration.letter"]
    assert len(uploads) == 1 and uploads[0]["actor"] == f"key:{key['id']}"
    assert uploads[0]["target_id"] == str(declared["id"])
    assert uploads[0]["after"] | {"uploaded_at": None} == {
        "declaration_id": declared["id"],
        "sha256": digest,
        "media_type": "application/pdf",
        "size": len(PDF),
        "filename": "Surat Palopo.pdf",
        "visibility": "public",
        "uploaded_at": None,
        "uploaded_by": f"key:{key['id']}",
        "url": url,
    }


async def test_an_operators_only_letter_is_linked_nowhere_and_hidden_until_published(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    await failing_palopo(database)
    declared = await declare_with(client, admin_headers, PDF)  # visibility: operators, default
    assert declared["letter_url"] is None
    path = f"/api/v1/declarations/{declared['id']}/letter"
    assert (await client.get(path)).status_code == 404  # anonymous: as if it did not exist
    services_only = await issue_key(client, admin_headers, "services:write")
    assert (await client.get(path, headers=bearer(services_only["token"]))).status_code == 404
    assert (await client.get(path, headers=bearer("not-a-key"))).status_code == 403
    operator = await issue_key(client, admin_headers, "declarations:write")
    private = await client.get(path, headers=bearer(operator["token"]))
    assert private.status_code == 200 and private.content == PDF
    assert private.headers["cache-control"] == "private, no-store"

    seen = await surfaces(client)
    for name in ("incident", "region_api", "report_json"):
        assert seen[name] == "None", name
    assert seen["report_csv"] == ""
    for name in ("region_page", "reports_page", "atom", "statuspage"):
        assert path not in seen[name] and "letter-file" not in seen[name], name
    assert [x["letter_url"] for x in await cutoff_letters(database)] == [None]

    # Published afterwards (an image this time, replacing the PDF): shown at once.
    upload = f"/api/v1/regions/7373/declarations/{declared['id']}/letter"
    files = {"file": ("../../scan.png", PNG, "application/pdf")}  # the declared type is ignored
    replaced = await client.post(
        upload, data={"visibility": "public"}, files=files, headers=admin_headers
    )
    assert replaced.status_code == 200, replaced.text  # 200: an earlier letter was replaced
    assert (replaced.json()["media_type"], replaced.json()["filename"]) == ("image/png", "scan.png")
    download = await client.get(path)
    assert download.content == PNG and download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].endswith('"surat-470-1234-Dukcapil.png"')
    page = (await client.get("/regions/73.73")).text
    assert f'href="{path}"' in page
    audit = (await client.get("/api/v1/audit", headers=admin_headers)).json()["items"]
    change = next(e for e in audit if e["action"] == "declaration.letter")  # the newest
    assert (change["before"]["visibility"], change["after"]["visibility"]) == (
        "operators",
        "public",
    )
    assert change["before"]["sha256"] == hashlib.sha256(PDF).hexdigest()


async def test_only_pdf_png_and_jpeg_by_content_and_everything_else_named(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    response = await client.post(DECLARE, json=form(), headers=admin_headers)
    assert response.status_code == 201, response.text
    upload = f"{DECLARE}/{response.json()['id']}/letter"

    async def send(content: bytes | None, name: str = "surat.pdf", **data: str) -> httpx.Response:
        files = None if content is None else {"file": (name, content, "application/pdf")}
        return await client.post(upload, data=data, files=files, headers=admin_headers)

    def field(refusal: httpx.Response) -> list[Any]:
        loc: list[Any] = refusal.json()["detail"][0]["loc"]
        return loc

    html = await send(HTML)  # named .pdf, declared application/pdf: still HTML
    assert html.status_code == 422 and field(html) == ["body", "file"]
    assert "PDF, PNG or JPEG" in html.json()["detail"][0]["msg"]
    assert (await send(b"")).status_code == 422
    missing = await send(None, visibility="public")
    assert missing.status_code == 422 and field(missing) == ["body", "file"]
    wrong = await send(PDF, visibility="everyone")
    assert wrong.status_code == 422 and field(wrong) == ["body", "visibility"]
    jpeg = await send(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), name="scan.jpg")
    assert jpeg.status_code == 201 and jpeg.json()["media_type"] == "image/jpeg"

    elsewhere = f"/api/v1/regions/73.71/declarations/{response.json()['id']}/letter"
    files = {"file": ("s.pdf", PDF)}
    assert (await client.post(elsewhere, files=files, headers=admin_headers)).status_code == 404
    unknown = f"{DECLARE}/999999/letter"
    assert (await client.post(unknown, files=files, headers=admin_headers)).status_code == 404
    assert (await client.post(upload, files=files)).status_code == 401
    assert (await client.get("/api/v1/declarations/999999/letter")).status_code == 404

    # A declaration whose form is wrong records nothing, letter or not.
    bad = form(reference="")
    files = {"file": ("s.pdf", PDF)}
    refused = await client.post(DECLARE, data=bad, files=files, headers=admin_headers)
    assert refused.status_code == 422 and field(refused) == ["body", "reference"]
    refused = await client.post(
        DECLARE, data=form(), files={"file": ("s.pdf", HTML)}, headers=admin_headers
    )
    assert refused.status_code == 422 and field(refused) == ["body", "file"]
    listed = (await client.get("/api/v1/regions/73.73/declarations")).json()
    assert len(listed) == 1


@pytest.fixture
async def small_app(database_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    """Letters of at most 4 KiB, bodies of 1 KiB, kept in a directory."""
    settings = make_settings(
        database_url,
        letter_max_bytes=4096,
        max_body_bytes=1024,
        letter_dir=str(tmp_path / "letters"),
        public_url=PUBLIC,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_an_oversize_letter_is_refused_while_it_streams_and_the_directory_keeps_files(
    small_app: FastAPI, admin_headers: dict[str, str], database: Database, tmp_path: Path
) -> None:
    transport = httpx.ASGITransport(app=small_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client:
        declared = await declare_with(client, admin_headers, PDF, visibility="public")
        digest = hashlib.sha256(PDF).hexdigest()
        kept = tmp_path / "letters" / digest[:2] / digest
        assert kept.read_bytes() == PDF
        async with database.read() as session:
            row = await session.get(Letter, declared["id"])
        assert row is not None and row.content is None and row.sha256 == digest
        path = f"/api/v1/declarations/{declared['id']}/letter"
        assert (await client.get(path)).content == PDF

        # A 64 MiB upload without Content-Length: refused once past the limit, unread beyond.
        sent = 0
        boundary = "pantau-test-boundary"

        async def endless() -> AsyncIterator[bytes]:
            nonlocal sent
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
            ).encode()
            for _ in range(1024):
                sent += 65536
                yield bytes(65536)

        headers = admin_headers | {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        upload = f"{DECLARE}/{declared['id']}/letter"
        refused = await client.post(upload, content=endless(), headers=headers)
        assert refused.status_code == 413
        assert "PANTAU_LETTER_MAX_BYTES" in refused.json()["detail"]
        assert sent <= 2 * 65536  # two chunks at most were asked for
        # Within the body's allowance, past the letter's own limit: named by its field.
        files = {"file": ("big.pdf", b"%PDF-1.4\n" + bytes(4200))}
        over = await client.post(upload, files=files, headers=admin_headers)
        assert over.status_code == 413 and over.json()["loc"] == ["body", "file"]
        assert over.json()["max_bytes"] == 4096
        # An ordinary JSON body keeps PANTAU_MAX_BODY_BYTES on the same path.
        big = form(note="n" * 2000)
        assert (await client.post(DECLARE, json=big, headers=admin_headers)).status_code == 413

        # Replaced: the new file kept, the old one (held by no other letter) forgotten; without
        # a visibility the replacement stays as public as the letter it replaces.
        files = {"file": ("scan.png", PNG)}
        replaced = await client.post(upload, files=files, headers=admin_headers)
        assert replaced.status_code == 200 and replaced.json()["visibility"] == "public"
        assert not kept.exists()
        assert (await client.get(path)).content == PNG
