"""The pages' view models, built from plain values without a database: pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest

from app.core.domain import Reason, RegionLevel, State, TransitionSource
from app.core.overrides import ScheduledWindow
from app.core.regions.overview import RegionRow, StateGroup, build_overview
from app.core.regions.registry import load_regions
from app.core.regions.zones import WITA
from app.core.uptime_maths import Span
from app.core.windows import Occurrence
from app.reads.region_shapes import DeclarationPublic, RegionStatus
from app.store.declarations import Declaration, DeclarationKind
from app.store.incident_updates import IncidentUpdate, UpdateStatus
from app.store.models import Incident, Transition
from app.web.format import duration, web_link
from app.web.queries import IncidentRecord
from app.web.region_view import declaration_notice, timeline_entry, uptime_rows
from app.web.status_view import StatusInputs, status_page
from app.web.widget_view import widget_view

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
CITATION = {
    "id": 3,
    "kind": "cutoff",
    "reference": "470/1234/Dukcapil",
    "issuer": "Ditjen Dukcapil",
    "issued_at": "2026-11-28T01:00:00+00:00",
    "url": None,
}


def inputs() -> StatusInputs:
    rows = [RegionRow(r.code, r.name, r.level, r.parent_code) for r in load_regions()]
    groups = [
        StateGroup("73.73", State.OUTAGE, Reason.POLICY_CUTOFF, NOW - 2 * H, 1),
        StateGroup("73.71", State.OPERATIONAL, Reason.OK, NOW - 5 * H, 2),
    ]
    incident = Incident(
        id=9,
        region_code="73.73",
        started_at=NOW - 2 * H,
        worst_state=State.OUTAGE,
        category="network",
        reason=Reason.POLICY_CUTOFF,
        reasons_seen=["network.timeout", "policy.cutoff"],
        updated_at=NOW - H,
    )
    update = IncidentUpdate(
        id=1,
        incident_id=9,
        status=UpdateStatus.IDENTIFIED,
        body_id="Akses diputus.",
        body_en="Access cut.",
        created_by="admin",
        created_at=NOW - H,
    )
    warning = Declaration(
        id=4,
        region_code="73.71",
        kind=DeclarationKind.WARNING,
        reference="470/0999/Dukcapil",
        issuer="Ditjen Dukcapil",
        issued_at=NOW - 24 * H,
        deadline=NOW + 72 * H,
        created_by="admin",
    )
    window = ScheduledWindow(
        window_id=2,
        title="Migrasi data",
        regions=("32",),
        occurrences=(Occurrence(NOW - H, NOW + H),),
    )
    spans = {"73.73": [Span(NOW - 3 * H, NOW - 2 * H, State.OPERATIONAL, Reason.OK)]}
    return StatusInputs(
        overview=build_overview(rows, groups),
        spans=spans,
        incidents=[IncidentRecord(incident, "Kota Palopo", [CITATION], [update])],
        warnings=[warning],
        maintenance=[window],
        names={r.code: r.name for r in rows},
        updated_at=NOW - H,
        now=NOW,
        newest_transition_id=41,
    )


def test_status_page_in_indonesian() -> None:
    page = status_page(inputs(), "id")
    assert (page.lang, page.other_lang, page.overall.state) == ("id", "en", "outage")
    assert page.blast == "1 dari 514 kabupaten/kota terdampak, 2 dipantau"
    assert page.live_stream == "/api/v1/events?last_event_id=41"
    assert page.blast_other == "1 of 514 regencies/cities affected, 2 monitored"
    assert {c.key: c.count for c in page.counts} == {
        "operational": 1,
        "degraded": 0,
        "outage": 1,
        "maintenance": 0,
        "unknown": 512,
    }
    unknown = next(c for c in page.counts if c.key == "unknown")
    assert unknown.label == "Belum diketahui / tidak dipantau"  # not read as 512 faults
    assert {c.key: c.count for c in page.causes}["policy"] == 1
    assert len(page.provinces) == 38 and sum(len(p.regions) for p in page.provinces) == 514
    sulsel = next(p for p in page.provinces if p.code == "73")
    assert sulsel.is_open and (sulsel.affected, sulsel.total, sulsel.monitored) == (1, 24, 2)
    palopo = next(r for r in sulsel.regions if r.code == "73.73")
    assert palopo.chip.label == "Terputus" and palopo.cause == "Pemutusan akses oleh pusat"
    # A national page: Palopo's time in WIB, named, Indonesian style.
    assert palopo.since == "29 Nov 2026 13.00 WIB" and palopo.bars is not None
    makassar = next(r for r in sulsel.regions if r.code == "73.71")
    assert makassar.cause == "" and makassar.bars is not None and makassar.bars.percent is None
    unwatched = next(r for r in sulsel.regions if r.code == "73.01")
    assert unwatched.bars is None and unwatched.chip.label == "Tidak dipantau"
    aceh = next(p for p in page.provinces if p.code == "11")
    assert (aceh.chip.label, aceh.monitored) == ("Tidak dipantau", 0)  # not "Normal"
    assert sulsel.chip.label == "Terputus"
    # Palopo's 90-day figure: one watched hour of the 90 days, said beside the percentage.
    assert palopo.bars.figure.text == "100,00 % · data 1 j dari 90 hari"
    assert palopo.bars.aria_label == "Ketersediaan 90 hari: 100,00 % · data 1 j dari 90 hari"
    assert not next(p for p in page.provinces if p.code == "31").is_open

    (incident,) = page.incidents
    assert incident.region_name == "Kota Palopo" and incident.cause == "Pemutusan akses oleh pusat"
    assert [(x.reference, x.issued) for x in incident.letters] == [
        ("470/1234/Dukcapil", "28 Nov 2026 08.00 WIB")
    ]
    assert incident.updates == [("29 Nov 2026 14.00 WIB", "Akses diputus.")]
    (warning,) = page.warnings
    assert (warning.region_name, warning.deadline) == ("Kota Makassar", "2 Des 2026 15.00 WIB")
    (maintenance,) = page.maintenance
    assert maintenance.in_progress and maintenance.targets == "Jawa Barat"


def test_status_page_in_english() -> None:
    page = status_page(inputs(), "en")
    assert page.words["incidents"] == "Active incidents"
    assert page.incidents[0].cause == "Access cut off by central authority"
    assert page.incidents[0].updates[0][1] == "Access cut."
    assert page.warnings[0].deadline == "2 Dec 2026 15:00 WIB"


def test_uptime_rows_split_downtime_by_cause() -> None:
    spans = [
        Span(NOW - 30 * H, NOW - 3 * H, State.OPERATIONAL, Reason.OK),
        Span(NOW - 3 * H, NOW - 2 * H, State.OUTAGE, Reason.NETWORK_TIMEOUT),
        Span(NOW - 2 * H, NOW, State.OUTAGE, Reason.POLICY_CUTOFF),
    ]
    day, month, quarter = uptime_rows(spans, now=NOW, lang="en")
    assert (day.window, month.window, quarter.window) == ("24 h", "30 d", "90 d")
    assert day.figure.percent == "87.50%" and day.downtime == "3 h"
    assert day.figure.text == "87.50% · data for all 24 hours" and day.figure.meaningful
    assert day.by_cause == [("network", "network", "1 h"), ("policy", "cut off", "2 h")]
    # 27 h up of the 30 h watched; the rest unmonitored, and the figure says so.
    assert month.figure.text == "90.00% · data for 1 d 6 h of 30 days"
    assert month.figure.verdict == "too_little" and not month.figure.meaningful
    never = uptime_rows([], now=NOW, lang="id")[0].figure
    assert (never.percent, never.text, never.verdict) == ("–", "tanpa data", "no_data")


def test_uptime_figures_in_each_language_s_number_format() -> None:
    # 532 s up of 10,000 s watched in the last day: 5.32 %.
    spans = [
        Span(
            NOW - timedelta(seconds=10_000),
            NOW - timedelta(seconds=9_468),
            State.OPERATIONAL,
            Reason.OK,
        ),
        Span(NOW - timedelta(seconds=9_468), NOW, State.OUTAGE, Reason.NETWORK_TIMEOUT),
    ]
    indonesian = uptime_rows(spans, now=NOW, lang="id")[0].figure
    english = uptime_rows(spans, now=NOW, lang="en")[0].figure
    assert (indonesian.percent, english.percent) == ("5,32 %", "5.32%")


def test_timeline_entry_names_source_and_letter() -> None:
    transition = Transition(
        id=5,
        service_id=1,
        region_code="73.73",
        from_state=State.OUTAGE,
        to_state=State.OUTAGE,
        reason=Reason.POLICY_CUTOFF,
        source=TransitionSource.OPERATOR,
        at=NOW,
        evidence={"declaration": CITATION},
    )
    entry = timeline_entry(transition, {1: "SIAK Palopo"}, WITA, "id")
    assert entry.at == "29 Nov 2026 16.00 WITA"  # in the region's own zone
    assert (entry.service, entry.source, entry.category) == (
        "SIAK Palopo",
        "pernyataan operator",
        "policy",
    )
    assert entry.citation == "470/1234/Dukcapil (Ditjen Dukcapil)"
    assert (entry.before.label, entry.after.label) == ("Terputus", "Terputus")
    english = timeline_entry(transition, {}, WITA, "en")
    assert english.source == "operator declaration" and english.service == ""
    assert english.at == "29 Nov 2026 16:00 WITA"


def test_short_durations() -> None:
    assert duration(0, "en") == "0 s" and duration(59, "id") == "59 dtk"
    assert duration(3 * 86_400 + 5 * 3600 + 7 * 60, "id") == "3 hr 5 j"
    assert duration(2 * 3600 + 5 * 60 + 9, "en") == "2 h 5 min"


def test_widget_view_shows_state_cause_and_30_day_uptime() -> None:
    status = RegionStatus(
        code="73.73",
        name="Kota Palopo",
        level=RegionLevel.CITY,
        parent_code="73",
        state=State.OUTAGE,
        reason=Reason.POLICY_CUTOFF,
        category=Reason.POLICY_CUTOFF.category,
        reason_label=None,
        since=NOW - H,
        services=[],
    )
    spans = [
        Span(NOW - 4 * H, NOW - H, State.OPERATIONAL, Reason.OK),
        Span(NOW - H, NOW, State.OUTAGE, Reason.POLICY_CUTOFF),
    ]
    view = widget_view(status, spans, NOW, "en")
    assert (view.name, view.chip.state, view.chip.label) == ("Kota Palopo", "outage", "Outage")
    assert view.cause == "Access cut off by central authority"
    assert view.uptime_30d.text == "75.00% · data for 4 h of 30 days"
    assert view.uptime_30d.verdict == "too_little"
    # Palopo's own zone, WITA (the status page would say 14:00 WIB).
    assert (view.since_word, view.since) == ("since", "29 Nov 2026 15:00 WITA")
    up = status.model_copy(update={"state": State.OPERATIONAL, "reason": Reason.OK})
    quiet = widget_view(up, [], NOW, "id")
    assert quiet.cause == "" and quiet.uptime_30d.text == "tanpa data"
    assert quiet.chip.label == "Tidak dipantau"  # no service and no data: not "Normal"


def test_only_web_links_become_links() -> None:
    assert web_link("https://dukcapil.kemendagri.go.id/x") == "https://dukcapil.kemendagri.go.id/x"
    assert web_link("HTTP://example.test/") == "HTTP://example.test/"
    assert web_link("javascript:alert(1)") is None and web_link(None) is None
    assert web_link(42) is None


@pytest.mark.parametrize("kind", list(DeclarationKind))
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_declaration_kind_has_a_label_in_both_languages(
    kind: DeclarationKind, lang: Literal["id", "en"]
) -> None:
    declaration = DeclarationPublic(
        id=1,
        region_code="73.73",
        kind=kind,
        reference="400.8/1520/Dukcapil",
        issuer="Ditjen Dukcapil",
        issued_at=NOW_FOR_LABELS,
        url=None,
        note=None,
        deadline=None,
        created_at=NOW_FOR_LABELS,
    )
    label = declaration_notice(declaration, WITA, lang).title
    assert label and label != str(kind)


NOW_FOR_LABELS = datetime(2026, 11, 29, 8, tzinfo=UTC)
