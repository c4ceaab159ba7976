"""Kept bars (app/web/region_bars.py): built once from spans left open, then drawn at any
later instant of the day, equal to `bars_of` on the spans read at that instant. Pure."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from app.core.domain import Reason, State
from app.core.uptime_maths import Mark, Span, service_spans, tally, uptime, uptime_of, worst_spans
from app.web.bars import DAYS, BarRun, day_grid
from app.web.chips import Bars, bars_of
from app.web.i18n import Lang
from app.web.region_bars import OPEN_END, bar_rects, region_bars
from app.web.render import environment
from app.web.uptime_text import uptime_figure

LANGS: tuple[Lang, ...] = ("id", "en")

# 06:00 WIB on 29 Nov; the Jakarta day ends at 17:00 UTC.
BUILT = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
REASONS = [
    Reason.OK,
    Reason.OK,
    Reason.NETWORK_TIMEOUT,
    Reason.POLICY_CUTOFF,
    Reason.PERFORMANCE_SLOW,
    Reason.MAINTENANCE_SCHEDULED,
    Reason.UPSTREAM_ERROR,
]


def random_marks(rng: random.Random, until: datetime) -> list[Mark]:
    """One service's transitions, from before the window to just before `until`, with runs
    of minutes and of days, unknown stretches, and now and then a clock stepping back."""
    clock, marks = until - timedelta(days=rng.randint(80, 100)), []
    while clock < until:
        reason = rng.choice(REASONS)
        state = State.UNKNOWN if rng.random() < 0.05 else reason.state or State.OPERATIONAL
        at = clock - timedelta(minutes=5) if rng.random() < 0.03 else clock
        marks.append(Mark(at, state, reason))
        clock += timedelta(minutes=rng.choice([1, 7, 90, 60 * 24, 60 * 24 * 6, 60 * 31]))
    return marks


def render_macro(bars: Bars) -> str:
    return str(environment().get_template("macros.html").module.uptime_bars(bars))  # type: ignore[attr-defined]


def spans_at(timelines: list[list[Mark]], start: datetime, end: datetime) -> list[Span]:
    return worst_spans([service_spans(m, start=start, end=end) for m in timelines])


def test_kept_bars_equal_bars_drawn_from_scratch_at_every_later_instant() -> None:
    rng = random.Random(19)
    for case in range(60):
        timelines = [random_marks(rng, BUILT) for _ in range(rng.choice([1, 1, 2, 3]))]
        start = BUILT - timedelta(days=DAYS)
        kept = region_bars(spans_at(timelines, start, OPEN_END), day_grid(BUILT), start=start)
        # The rest of the day (kept), then the next morning (a new grid: drawn from the spans).
        for later in [0, 1, 37, 60 * 9, 60 * 17 + 59, 60 * 18 + 1, 60 * 30]:
            now = BUILT + timedelta(minutes=later, microseconds=rng.randint(0, 999_999))
            grid = day_grid(now)
            fresh = spans_at(timelines, now - timedelta(days=DAYS), now)
            for lang in LANGS:
                expected = bars_of(fresh, grid=grid, now=now, lang=lang)
                drawn = kept.bars(grid, now, lang)
                assert drawn == expected, (case, later, lang)
                if drawn.drawn is not None:  # the day it was kept for
                    assert drawn.drawn == bar_rects(expected.runs, expected.titles)


def test_kept_bars_of_a_region_never_observed() -> None:
    start = BUILT - timedelta(days=DAYS)
    kept = region_bars([], day_grid(BUILT), start=start)
    now = BUILT + timedelta(hours=2)
    drawn = kept.bars(day_grid(now), now, "id")
    assert drawn == bars_of([], grid=day_grid(now), now=now, lang="id")
    assert [r.kind for r in drawn.runs] == ["none"] and drawn.percent is None
    assert drawn.drawn == '<rect class="c-none" x="0" width="90" height="1"/>\n'


def test_kept_bars_are_drawn_as_the_template_draws_them() -> None:
    runs = [
        BarRun("ok", 0, 88, date(2026, 9, 1), date(2026, 11, 27), 100.0),
        BarRun("policy", 88, 2, date(2026, 11, 28), date(2026, 11, 29), 12.5),
    ]
    titles = ["", "28 Nov 2026 – 29 Nov 2026: <cut> & more"]
    bars = Bars(
        runs, DAYS, 50.0, "label", titles, uptime_figure(uptime([], start=BUILT, end=BUILT), "en")
    )
    kept = replace(bars, drawn=bar_rects(runs, titles))
    assert kept == bars
    assert render_macro(bars) == render_macro(kept)
    assert "&lt;cut&gt; &amp; more</title>" in render_macro(kept)


def test_tallies_of_consecutive_stretches_add_up_to_the_whole() -> None:
    rng = random.Random(3)
    spans = spans_at([random_marks(rng, BUILT)], BUILT - timedelta(days=30), BUILT)
    cuts = sorted(rng.sample(range(1, len(spans)), 3))
    parts = [spans[a:b] for a, b in zip([0, *cuts], [*cuts, len(spans)], strict=True)]
    whole = uptime(spans, start=spans[0].start, end=BUILT)
    added = tally(parts[0]) + tally(parts[1]) + tally(parts[2]) + tally(parts[3])
    assert uptime_of(added, start=spans[0].start, end=BUILT) == whole
    assert list(added.down) == list(tally(spans).down)  # the categories' first-seen order
