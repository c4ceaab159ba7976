"""The nationwide declarations list, `GET /api/v1/declarations`: every region's letters newest
first, filters, cursor pages and 422s, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.store.db import Database
from app.store.declarations import Declaration, DeclarationKind
from tests.factories import LETTER, T0, iso

# (region, kind, minutes after T0 it was recorded)
RECORDED = [
    ("73.73", DeclarationKind.WARNING, 0),
    ("73.73", DeclarationKind.CUTOFF, 10),
    ("73.71", DeclarationKind.INFRASTRUCTURE, 20),
    ("31.71", DeclarationKind.CUTOFF, 30),
    ("73.73", DeclarationKind.LIFTED, 40),
]


async def record_letters(database: Database) -> list[int]:
    """The declarations above, written as recorded at their times (ids in that order)."""
    ids = []
    async with database.transaction() as session:
        for n, (code, kind, minutes) in enumerate(RECORDED):
            declaration = Declaration(
                region_code=code,
                kind=kind,
                reference=f"470/{n}/Dukcapil",
                issuer=LETTER["issuer"],
                issued_at=T0 - timedelta(days=1),
                deadline=T0 + timedelta(days=3) if kind == DeclarationKind.WARNING else None,
                created_by="admin",
                created_at=T0 + timedelta(minutes=minutes),
            )
            session.add(declaration)
            await session.flush()
            assert declaration.id is not None
            ids.append(declaration.id)
    return ids


async def test_every_region_newest_first_with_region_and_province(
    client: httpx.AsyncClient, database: Database
) -> None:
    ids = await record_letters(database)
    page = (await client.get("/api/v1/declarations")).json()
    assert [d["id"] for d in page["items"]] == ids[::-1] and page["next_cursor"] is None
    lifted, jakarta = page["items"][0], page["items"][1]
    assert (lifted["region_code"], lifted["kind"], lifted["reference"]) == (
        "73.73",
        "lifted",
        "470/4/Dukcapil",
    )
    assert (lifted["region_name"], lifted["province_code"], lifted["province_name"]) == (
        "Kota Palopo",
        "73",
        "Sulawesi Selatan",
    )
    assert (jakarta["region_name"], jakarta["province_name"]) == (
        "Kota Administrasi Jakarta Pusat",
        "Daerah Khusus Ibukota Jakarta",
    )
    assert lifted["created_at"] == iso(T0 + timedelta(minutes=40))
    assert page["items"][-1]["deadline"] == iso(T0 + timedelta(days=3))
    # Only public fields: who recorded it stays in the audit log.
    assert "created_by" not in lifted
    assert set(lifted) == {
        "id",
        "region_code",
        "region_name",
        "province_code",
        "province_name",
        "kind",
        "reference",
        "issuer",
        "issued_at",
        "url",
        "note",
        "deadline",
        "created_at",
        "letter_url",  # null: no letter attached (tests/api/test_letters.py)
    }
    # The per-region route still answers beside it.
    palopo = (await client.get("/api/v1/regions/7373/declarations")).json()
    assert [d["id"] for d in palopo] == [ids[4], ids[1], ids[0]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "cutoff"}, [3, 1]),
        ({"kind": "lifted"}, [4]),
        ({"region": "73"}, [4, 2, 1, 0]),
        ({"region": "7373"}, [4, 1, 0]),
        ({"region": "73.71", "kind": "infrastructure"}, [2]),
        ({"region": "32"}, []),
        ({"since": iso(T0 + timedelta(minutes=20))}, [4, 3, 2]),
        ({"until": iso(T0 + timedelta(minutes=20))}, [1, 0]),
        ({"since": "2026-11-29T16:10:00+08:00", "until": "2026-11-29T08:40:00Z"}, [3, 2, 1]),
    ],
)
async def test_filters(
    client: httpx.AsyncClient,
    database: Database,
    params: dict[str, str],
    expected: list[int],
) -> None:
    ids = await record_letters(database)
    items = (await client.get("/api/v1/declarations", params=params)).json()["items"]
    assert [d["id"] for d in items] == [ids[i] for i in expected]


async def test_cursor_pages_through_everything_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    ids = await record_letters(database)
    seen: list[int] = []
    params: dict[str, str | int] = {"limit": 2, "region": "73"}
    while True:
        page = (await client.get("/api/v1/declarations", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [d["id"] for d in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [ids[4], ids[2], ids[1], ids[0]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=revoked", "kind"),
        ("region=7x", "region"),
        ("region=73.73.01", "region"),
        ("cursor=zzz", "cursor"),
        ("since=2026-11-29T08:00:00", "since"),
        ("since=2026-11-29T09:00:00Z&until=2026-11-29T08:00:00Z", "until"),
        ("limit=0", "limit"),
    ],
)
async def test_bad_filters_are_422_naming_the_field(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await client.get(f"/api/v1/declarations?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", field]
