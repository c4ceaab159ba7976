"""The outage report's pure rules (app/core/reports.py): the range in WIB, clipping, downtime
per cause (a cut's whole length as policy, other episodes along their reason timeline), policy
cutoffs, the ranking, the letter an episode is reported under, and spreadsheet-safe cells."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.domain import Category, Reason
from app.core.incidents import ReasonSpan
from app.core.reports import (
    EpisodeFacts,
    default_days,
    downtime_by_category,
    overlap_seconds,
    policy_ranking,
    range_problem,
    region_totals,
    report_range,
    safe_cell,
    whole_seconds,
)
from app.core.reports import citation_for_cause as cited

T = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
NOVEMBER = report_range(date(2026, 11, 1), date(2026, 11, 30))
LATER = T + timedelta(days=30)


def minutes(n: float) -> datetime:
    return T + timedelta(minutes=n)


def palopo(**changes: object) -> EpisodeFacts:
    """Timeouts from 08:10, the cutoff declared at 08:20, lifted at 08:50, back at 08:55."""
    values: dict[str, object] = {
        "id": 1,
        "region_code": "73.73",
        "category": Category.POLICY,
        "reason": Reason.POLICY_CUTOFF,
        "started_at": minutes(10),
        "ended_at": minutes(55),
        "timeline": (
            ReasonSpan(Reason.NETWORK_TIMEOUT, minutes(10), minutes(20)),
            ReasonSpan(Reason.POLICY_CUTOFF, minutes(20), minutes(50)),
            ReasonSpan(Reason.NETWORK_TIMEOUT, minutes(50), minutes(55)),
        ),
    } | changes
    return EpisodeFacts(**values)  # type: ignore[arg-type]


def test_the_range_is_whole_days_in_wib() -> None:
    assert NOVEMBER.start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert NOVEMBER.end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert NOVEMBER.days == 30
    one_day = report_range(date(2026, 11, 29), date(2026, 11, 29))
    assert (one_day.end - one_day.start, one_day.days) == (timedelta(days=1), 1)


def test_ranges_refused() -> None:
    assert range_problem(date(2026, 11, 2), date(2026, 11, 1)) == (
        "to",
        "`to` must not be before `from`",
    )
    assert range_problem(date(2026, 1, 1), date(2027, 2, 5)) == (
        "to",
        "a report covers at most 400 days",
    )
    assert range_problem(date(2026, 1, 1), date(2027, 2, 4)) is None  # 400 days exactly
    assert range_problem(date(2026, 1, 1), date(2026, 1, 1)) is None


def test_default_is_thirty_days_ending_today_in_wib() -> None:
    # 20:00 UTC is already the next day in Jakarta.
    assert default_days(datetime(2026, 11, 29, 20, 0, tzinfo=UTC)) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert default_days(T, date(2026, 3, 30)) == (date(2026, 3, 1), date(2026, 3, 30))


@pytest.mark.parametrize(
    ("started", "ended", "now", "expected"),
    [
        (minutes(10), minutes(55), LATER, 45 * 60),  # inside
        (NOVEMBER.start - timedelta(hours=1), NOVEMBER.start + timedelta(hours=2), LATER, 7200),
        (NOVEMBER.end - timedelta(hours=1), NOVEMBER.end + timedelta(hours=5), LATER, 3600),
        (NOVEMBER.start - timedelta(days=1), None, LATER, 30 * 86_400),  # open all along
        (minutes(10), None, minutes(40), 30 * 60),  # open: until now
        (minutes(10), minutes(55), minutes(40), 30 * 60),  # never beyond now
        (NOVEMBER.end, None, LATER, 0),  # began as the range ended
        (NOVEMBER.start - timedelta(hours=2), NOVEMBER.start, LATER, 0),  # ended as it began
    ],
)
def test_clipping_to_the_range_and_to_now(
    started: datetime, ended: datetime | None, now: datetime, expected: float
) -> None:
    got = overlap_seconds(started, ended, start=NOVEMBER.start, end=NOVEMBER.end, now=now)
    assert got == expected


def test_a_cut_is_policy_downtime_from_its_first_timeout() -> None:
    # The timeouts before the letter and after its lifting were the cut: 45 min of policy.
    assert downtime_by_category(palopo(), NOVEMBER, LATER) == {Category.POLICY: 45 * 60}
    # The range ends at 08:30 (a made-up range): twenty minutes of it.
    day = report_range(date(2026, 11, 29), date(2026, 11, 29))
    cut = replace(day, end=minutes(30))
    assert downtime_by_category(palopo(), cut, LATER) == {Category.POLICY: 1200}
    # Open, its current span open too: until now.
    ongoing = palopo(
        ended_at=None,
        timeline=(
            ReasonSpan(Reason.NETWORK_TIMEOUT, minutes(10), minutes(20)),
            ReasonSpan(Reason.POLICY_CUTOFF, minutes(20)),
        ),
    )
    assert downtime_by_category(ongoing, NOVEMBER, minutes(80)) == {Category.POLICY: 4200}
    assert whole_seconds(ongoing, minutes(80)) == 70 * 60
    # A span stored beyond its episode (never written so) counts only within it.
    stray = palopo(ended_at=minutes(30))
    assert downtime_by_category(stray, NOVEMBER, LATER) == {Category.POLICY: 1200}
    # A letter declared at the very end of a long network outage makes all of it the cut's.
    late = palopo(
        timeline=(
            ReasonSpan(Reason.NETWORK_TIMEOUT, minutes(10), minutes(54)),
            ReasonSpan(Reason.POLICY_CUTOFF, minutes(54), minutes(55)),
        )
    )
    assert downtime_by_category(late, NOVEMBER, LATER) == {Category.POLICY: 45 * 60}
    # Maintenance during a cut stays maintenance.
    serviced = palopo(
        timeline=(
            ReasonSpan(Reason.POLICY_CUTOFF, minutes(10), minutes(40)),
            ReasonSpan(Reason.MAINTENANCE_SCHEDULED, minutes(40), minutes(55)),
        )
    )
    assert downtime_by_category(serviced, NOVEMBER, LATER) == {
        Category.POLICY: 30 * 60,
        Category.MAINTENANCE: 15 * 60,
    }


def test_other_episodes_split_downtime_along_the_reason_timeline() -> None:
    mixed = palopo(
        category=Category.NETWORK,
        reason=Reason.NETWORK_TIMEOUT,
        timeline=(
            ReasonSpan(Reason.NETWORK_TIMEOUT, minutes(10), minutes(40)),
            ReasonSpan(Reason.UPSTREAM_ERROR, minutes(40), minutes(55)),
        ),
    )
    assert downtime_by_category(mixed, NOVEMBER, LATER) == {
        Category.NETWORK: 30 * 60,
        Category.UPSTREAM: 15 * 60,
    }


def test_an_episode_without_a_timeline_counts_under_its_cause() -> None:
    old = palopo(category=Category.NETWORK, reason=Reason.NETWORK_TIMEOUT, timeline=())
    assert downtime_by_category(old, NOVEMBER, LATER) == {Category.NETWORK: 45 * 60}
    outside = replace(old, started_at=minutes(-60 * 24 * 60), ended_at=minutes(-60 * 24 * 59))
    assert downtime_by_category(outside, NOVEMBER, LATER) == {}


def test_region_totals_and_the_ranking_with_ties() -> None:
    network = dict(category=Category.NETWORK, reason=Reason.NETWORK_REFUSED, timeline=())
    episodes = [
        palopo(id=1),
        palopo(id=2, started_at=minutes(100), ended_at=minutes(130), timeline=()),
        palopo(id=3, region_code="73.17", **network),
        palopo(id=4, region_code="81.71", started_at=minutes(200), ended_at=minutes(275)),
        palopo(id=5, region_code="31.71", started_at=minutes(300), ended_at=minutes(330)),
    ]
    episodes[3:] = [replace(e, timeline=()) for e in episodes[3:]]
    totals = region_totals(episodes, NOVEMBER, LATER)
    assert list(totals) == ["31.71", "73.17", "73.73", "81.71"]
    palopo_totals = totals["73.73"]
    assert (palopo_totals.episodes, palopo_totals.policy_cutoffs) == (2, 2)
    # Both cuts whole, the timeouts around the first letter included.
    assert palopo_totals.downtime_by_category == {Category.POLICY: 4500}
    assert palopo_totals.downtime_seconds == 4500
    assert totals["73.17"].policy_cutoffs == 0
    # Palopo and Ambon 75 min each (a tie), Jakarta Pusat half an hour.
    assert [(r.rank, r.region_code, r.policy_seconds) for r in policy_ranking(totals)] == [
        (1, "73.73", 4500),
        (1, "81.71", 4500),
        (3, "31.71", 1800),
    ]
    # No policy downtime, no rank.
    assert "73.17" not in {r.region_code for r in policy_ranking(totals)}


def test_the_letter_reported_is_the_declaring_one() -> None:
    cutoff = {"kind": "cutoff", "reference": "470/1"}
    lifted = {"kind": "lifted", "reference": "470/2"}
    assert cited([cutoff, lifted]) == cutoff
    assert cited([lifted, cutoff]) == cutoff
    assert cited([lifted]) == lifted
    assert cited([]) is None


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+62 811", "'+62 811"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Kota Palopo", "Kota Palopo"),
        ("470/1234/Dukcapil", "470/1234/Dukcapil"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(cell: str, shown: str) -> None:
    assert safe_cell(cell) == shown
