"""A region's vantage points on its page: the pure view model, then the page over the real app
(SQLite and PostgreSQL) with an active, a stale and a pending agent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col

from app.core.regions.zones import WITA
from app.core.vantage import AgentView, Role
from app.store.agents import Agent, RegionVantage, SeenAgent
from app.store.db import Database
from app.web.vantage_view import vantage_section
from tests.support.agent import batch, push, register, round_of
from tests.support.pages import assert_csp_friendly, html_lang

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
SINCE = NOW - timedelta(seconds=180)
CUT = {Role.CENTRAL: False, Role.OFFICE: True, Role.PUBLIC: True}
FINE = {Role.CENTRAL: True, Role.OFFICE: True, Role.PUBLIC: True}


def agent(agent_id: int, name: str, last_seen_at: datetime | None) -> Agent:
    return Agent(
        id=agent_id, region_code="73.73", name=name, last_seen_at=last_seen_at, created_by="t"
    )


def seen(
    agent_id: int, last_seen_at: datetime | None, reachable: dict[Role, bool] | None
) -> SeenAgent:
    view = AgentView(agent_id, f"a{agent_id}", reachable, NOW) if reachable is not None else None
    return SeenAgent(agent(agent_id, f"a{agent_id}", last_seen_at), view)


def vantage(*agents: SeenAgent) -> RegionVantage:
    return RegionVantage(list(agents), [a.view for a in agents if a.view is not None])


def test_no_agents_means_no_section() -> None:
    assert vantage_section(vantage(), since=SINCE, zone=WITA, lang="id") is None


def test_each_agent_has_its_status_last_report_and_paths() -> None:
    region = vantage(
        seen(1, NOW - timedelta(seconds=5), CUT),
        seen(2, datetime(2026, 11, 29, 1, 0, tzinfo=UTC), None),  # silent for hours
        seen(3, None, None),
    )
    section = vantage_section(region, since=SINCE, zone=WITA, lang="id")
    assert section is not None
    active, stale, pending = section.agents
    assert (active.status, active.status_label) == ("active", "aktif")
    assert (stale.status, stale.status_label) == ("stale", "tidak melapor — bukan gangguan")
    assert (pending.status, pending.status_label) == ("pending", "menunggu laporan pertama")
    # The agents' region is Palopo's: its own zone, WITA.
    assert stale.last_seen == "29 Nov 2026 09.00 WITA" and stale.last_seen_iso.endswith("Z")
    assert pending.last_seen == "" and stale.paths == [] and stale.reading == ""
    assert [(p.role, p.label, p.reachable, p.answer) for p in active.paths] == [
        ("central", "jalur ke pusat", False, "tidak terjangkau"),
        ("office", "layanan kantor", True, "terjangkau"),
        ("public", "target publik", True, "terjangkau"),
    ]
    assert active.reading == "jalur ke pusat terputus, internet kantor berjalan"

    english = vantage_section(region, since=SINCE, zone=WITA, lang="en")
    assert english is not None
    assert [a.status_label for a in english.agents] == [
        "active",
        "stale — not an outage",
        "waiting for first report",
    ]
    assert [p.answer for p in english.agents[0].paths] == ["unreachable", "reachable", "reachable"]
    assert english.agents[1].last_seen == "29 Nov 2026 09:00 WITA"


def test_an_agent_probing_only_some_roles_shows_only_those() -> None:
    region = vantage(seen(1, NOW, {Role.PUBLIC: True, Role.CENTRAL: True}))
    section = vantage_section(region, since=SINCE, zone=WITA, lang="en")
    assert section is not None
    assert [p.role for p in section.agents[0].paths] == ["central", "public"]


def test_whether_the_live_agents_agree_is_said_as_such() -> None:
    recent = NOW - timedelta(seconds=5)
    agree = vantage_section(
        vantage(seen(1, recent, CUT), seen(2, recent, CUT)), since=SINCE, zone=WITA, lang="id"
    )
    assert agree is not None and agree.agreement == "agree"
    assert agree.agreement_text == (
        "Titik pantau aktif sepakat: jalur ke pusat terputus, internet kantor berjalan (2)."
    )
    split = vantage(seen(1, recent, CUT), seen(2, recent, FINE))
    disagree = vantage_section(split, since=SINCE, zone=WITA, lang="en")
    assert disagree is not None and disagree.agreement == "disagree"
    assert disagree.agreement_text == (
        "The live vantage points disagree: central path cut, office internet works (1), "
        "all reachable from inside (1)."
    )
    silent = vantage_section(vantage(seen(1, None, None)), since=SINCE, zone=WITA, lang="id")
    assert silent is not None and silent.agreement == "none"
    assert silent.agreement_text == "Belum ada titik pantau aktif yang melapor."


def vantage_html(body: str) -> str:
    found = re.search(r'<section aria-labelledby="vantage-h".*?</section>', body, re.S)
    assert found is not None
    return found.group(0)


def status_of_row(section: str, name: str) -> str:
    row = re.search(
        rf'<tr data-agent-status="(\w+)"><th scope="row">{name}</th>(.*?)</tr>', section, re.S
    )
    assert row is not None, name
    return row.group(1) + " " + row.group(2)


async def test_region_page_shows_active_stale_and_pending_agents(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    quiet = await client.get("/regions/73.73")
    assert 'id="vantage-h"' not in quiet.text and "Titik pantau" not in quiet.text

    inside = await register(client, admin_headers, name="Kantor Palopo")
    silent = await register(client, admin_headers, name="Ruang server")
    await register(client, admin_headers, name="Loket baru")
    cut = batch(round_of(1, central=False, office=True, public=True))
    for each in (inside, silent):
        assert (await push(client, each, cut)).status_code == 200
    # silent for longer than PANTAU_AGENT_STALE_AFTER (180 s by default)
    long_ago = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    async with database.transaction() as session:
        statement = update(Agent).where(col(Agent.id) == silent["id"])
        await session.exec(statement.values(last_seen_at=long_ago))  # type: ignore[call-overload]

    body = (await client.get("/regions/7373")).text
    section = vantage_html(body)
    assert '<h2 id="vantage-h">Titik pantau</h2>' in section
    active = status_of_row(section, "Kantor Palopo")
    assert active.startswith("active ") and ">aktif<" in active
    assert "jalur ke pusat: tidak terjangkau" in active and "target publik: terjangkau" in active
    stale = status_of_row(section, "Ruang server")
    assert stale.startswith("stale ") and "tidak melapor — bukan gangguan" in stale
    assert "29 Nov 2026 09.00 WITA" in stale and "tidak ada hasil terbaru" in stale
    pending = status_of_row(section, "Loket baru")
    assert "menunggu laporan pertama" in pending and "belum pernah" in pending
    assert 'data-agreement="agree"' in section and "Titik pantau aktif sepakat" in section
    assert_csp_friendly(body)

    english = (await client.get("/regions/73.73", params={"lang": "en"})).text
    assert html_lang(english) == "en"
    section = vantage_html(english)
    assert "Vantage points" in section
    active = status_of_row(section, "Kantor Palopo")
    assert ">active<" in active and "central path: unreachable" in active
    stale = status_of_row(section, "Ruang server")
    assert "stale — not an outage" in stale and "no recent results" in stale
    assert "waiting for first report" in status_of_row(section, "Loket baru")
    assert "The live vantage points agree" in section
    # another region's page has no agents, so no section
    assert 'id="vantage-h"' not in (await client.get("/regions/73.71")).text
