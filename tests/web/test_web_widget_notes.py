"""A widget that says why (#18 item 6), over the real app on SQLite and PostgreSQL: the cause,
the letter a cutoff cites, a warning (teguran) in force with its deadline — an operational
region under one reads "Peringatan / Warning", never "Normal", and its badge has a warning
state of its own — the maintenance under way, 30-day uptime with its coverage, and the
machinery that sizes and refreshes it (widget.js, a no-JavaScript meta refresh, embed.js
listening for the height). The rules themselves are tested pure, here too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import httpx
import pytest

from app.core.domain import Reason, RegionLevel, State
from app.core.regions.zones import WIT, WITA
from app.core.uptime_maths import Span
from app.core.warned import shows_warning
from app.reads.region_shapes import DeclarationPublic, MaintenanceNotice, RegionStatus
from app.store.db import Database
from app.web.badge_svg import STATE_COLOURS, WARNING_COLOUR, status_badge
from app.web.widget_notes import period_text
from app.web.widget_view import widget_view
from tests.support.pages import LETTER, WARNING_REFERENCE, assert_csp_friendly, parse_html
from tests.support.widget_cases import (
    DENPASAR,
    MAINTENANCE_TITLE,
    MAKASSAR,
    PALOPO,
    seed_widget_cases,
)

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10.00 WITA


@pytest.mark.parametrize(
    ("state", "warned", "monitored", "shown"),
    [
        (State.OPERATIONAL, True, True, True),
        (State.OPERATIONAL, False, True, False),
        (State.OUTAGE, True, True, False),  # worse news now: its own state, the warning beside
        (State.DEGRADED, True, True, False),
        (State.MAINTENANCE, True, True, False),
        (State.UNKNOWN, True, True, False),
        (State.OPERATIONAL, True, False, False),  # nothing watched: "not monitored"
    ],
)
def test_only_an_operational_region_under_a_warning_reads_warning(
    state: State, warned: bool, monitored: bool, shown: bool
) -> None:
    assert shows_warning(state, warned=warned, monitored=monitored) is shown


def test_periods_are_short_and_in_the_regions_zone() -> None:
    start = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert period_text(start, start + timedelta(hours=2), WITA, NOW, "id") == (
        "3 Des 10.00 – 12.00 WITA"
    )
    overnight = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # 23.00 WIT
    assert period_text(overnight, overnight + timedelta(hours=3), WIT, NOW, "en") == (
        "3 Dec 23:00 – 4 Dec 02:00 WIT"
    )
    next_year = datetime(2027, 1, 5, 1, 0, tzinfo=UTC)
    assert period_text(next_year, next_year + timedelta(hours=1), WITA, NOW, "id") == (
        "5 Jan 2027 09.00 – 10.00 WITA"
    )


def _declaration(kind: str, reference: str, deadline: datetime | None) -> DeclarationPublic:
    return DeclarationPublic(
        id=1,
        region_code=MAKASSAR,
        kind=kind,  # type: ignore[arg-type]
        reference=reference,
        issuer=LETTER["issuer"],
        issued_at=NOW - timedelta(days=1),
        url=None,
        note=None,
        deadline=deadline,
        created_at=NOW - timedelta(days=1),
    )


def test_widget_view_says_warning_with_its_deadline_and_maintenance() -> None:
    status = RegionStatus(
        code=MAKASSAR,
        name="Kota Makassar",
        level=RegionLevel.CITY,
        parent_code="73",
        state=State.OPERATIONAL,
        reason=Reason.OK,
        category=Reason.OK.category,
        reason_label=None,
        since=NOW - timedelta(days=2),
        services=[],
        warning=_declaration("warning", WARNING_REFERENCE, NOW + timedelta(days=2)),
        maintenance=[
            MaintenanceNotice(
                id=4,
                title=MAINTENANCE_TITLE,
                status="scheduled",
                starts_at=NOW + timedelta(hours=4),
                ends_at=NOW + timedelta(hours=6),
            )
        ],
    )
    spans = [Span(NOW - timedelta(days=2), NOW, State.OPERATIONAL, Reason.OK)]
    view = widget_view(status, spans, NOW, "id")
    assert (view.chip.state, view.chip.label) == ("warning", "Peringatan")
    assert view.warning is not None and view.warning.reference == WARNING_REFERENCE
    assert view.warning.deadline == "5 Des 10.00 WITA"  # the region's zone, year implied
    assert view.maintenance is not None and not view.maintenance.in_progress
    assert view.maintenance.period == "3 Des 14.00 – 16.00 WITA"
    assert view.letter == ""  # a warning is not a declared cause
    away = status.model_copy(update={"state": State.OUTAGE, "reason": Reason.NETWORK_TIMEOUT})
    assert widget_view(away, spans, NOW, "en").chip.state == "outage"
    assert widget_view(status, [], NOW, "id").chip.label == "Tidak dipantau"


async def _widget(client: httpx.AsyncClient, code: str, lang: str = "id") -> str:
    response = await client.get(f"/widget/{code}", params={"lang": lang})
    assert response.status_code == 200, response.text
    return response.text


async def test_widget_shows_cause_letter_warning_maintenance_and_coverage(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_widget_cases(client, database, admin_headers)

    palopo = parse_html(await _widget(client, PALOPO))
    assert palopo.one(data_role="state").attrs["data-state"] == "outage"
    assert palopo.one(data_role="cause").text == Reason.POLICY_CUTOFF.label_id
    assert palopo.one(data_role="letter").text == f"· surat {LETTER['reference']}"
    uptime = palopo.one("p", class_="uptime")
    assert uptime.text.startswith("Ketersediaan 30 hari: ") and " · data " in uptime.text
    assert palopo.find_all(data_role="warning") == []

    body = await _widget(client, MAKASSAR)
    makassar = parse_html(body)
    state = makassar.one(data_role="state")
    assert (state.attrs["data-state"], state.text) == ("warning", "Peringatan")
    assert "Normal" not in makassar.one("main").text
    warning = makassar.one("p", data_role="warning")
    assert warning.text.startswith(f"Surat teguran {WARNING_REFERENCE}, tenggat ")
    assert warning.one("time").text.endswith(" WITA")  # Makassar's own zone
    deadline = (await client.get(f"/api/v1/regions/{MAKASSAR}")).json()["warning"]["deadline"]
    shown = datetime.fromisoformat(warning.one("time").attrs["datetime"])
    assert shown == datetime.fromisoformat(deadline)
    english = parse_html(await _widget(client, MAKASSAR, "en"))
    assert english.one(data_role="state").text == "Warning"
    assert english.one("p", data_role="warning").text.startswith("Warning letter ")

    denpasar = parse_html(await _widget(client, DENPASAR))
    assert denpasar.one(data_role="state").attrs["data-state"] == "maintenance"
    line = denpasar.one("p", data_role="maintenance")
    assert line.attrs["data-in-progress"] == "yes"
    assert line.text.startswith(f"Pemeliharaan: {MAINTENANCE_TITLE}, ") and line.text[-4:] == "WITA"

    # Sized and refreshed by its own script, with a meta refresh only for browsers without one.
    assert '<script src="/static/widget.js" defer></script>' in body
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in body
    main = makassar.one("main")
    assert (main.attrs["data-region"], main.attrs["data-refresh"]) == (MAKASSAR, "60")
    assert_csp_friendly(body)


async def test_badge_has_a_warning_state(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_widget_cases(client, database, admin_headers)

    def message_and_colour(response: httpx.Response) -> tuple[str, str]:
        assert response.status_code == 200
        root = ET.fromstring(response.content)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        svg = "{http://www.w3.org/2000/svg}"
        fills = [r.get("fill") for r in root.findall(f"{svg}g/{svg}rect")]  # label, message
        return str(texts[1]), str(fills[1])

    warned = await client.get(f"/badge/{MAKASSAR}.svg")
    assert message_and_colour(warned) == ("peringatan", WARNING_COLOUR)
    english = await client.get(f"/badge/{MAKASSAR}.svg", params={"lang": "en"})
    assert message_and_colour(english)[0] == "warning"
    assert WARNING_COLOUR not in STATE_COLOURS.values()
    palopo = await client.get(f"/badge/{PALOPO}.svg")  # cut off: its own, worse, state
    assert message_and_colour(palopo)[1] == STATE_COLOURS[State.OUTAGE]

    lifted = LETTER | {"kind": "lifted", "reference": "470/2000/Dukcapil"}
    response = await client.post(
        f"/api/v1/regions/{MAKASSAR}/declarations", json=lifted, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    after = await client.get(f"/badge/{MAKASSAR}.svg")
    assert message_and_colour(after) == ("normal", STATE_COLOURS[State.OPERATIONAL])


def test_status_badge_reads_warning_only_when_watched_and_operational() -> None:
    badge = status_badge("Kota Makassar", State.OPERATIONAL, Reason.OK, "id", warned=True)
    assert (badge.message, badge.colour) == ("peringatan", WARNING_COLOUR)
    quiet = status_badge(
        "Kota Makassar", State.OPERATIONAL, Reason.OK, "id", monitored=False, warned=True
    )
    assert quiet.message == "tidak dipantau"
