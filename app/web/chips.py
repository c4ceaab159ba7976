"""How the pages draw a state (a colour chip with its words) and a region's uptime bars (SVG
runs with tooltips on the days something happened). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from markupsafe import Markup

from app.core.domain import Category, State
from app.core.uptime_maths import Span, uptime
from app.web.bars import BarRun, DayGrid, bar_runs, clip
from app.web.format import local_date
from app.web.i18n import Lang, category_label, state_label, words
from app.web.uptime_text import UptimeFigure, percent, uptime_figure

QUIET_KINDS = frozenset({"ok", "none"})


@dataclass(frozen=True, slots=True)
class Chip:
    """A state shown as colour (the CSS class `state-…`) and as text."""

    state: str
    label: str


def chip(state: State, lang: Lang) -> Chip:
    return Chip(str(state), state_label(state, lang))


def region_chip(state: State, monitored: bool, lang: Lang) -> Chip:
    """A region's or a province's chip: "Tidak dipantau / Not monitored" when none of its
    services is watched, rather than a state ("unknown" alone reads as a fault)."""
    if monitored:
        return chip(state, lang)
    return Chip(str(State.UNKNOWN), words(lang)["not_monitored_state"])


@dataclass(frozen=True, slots=True)
class Bars:
    runs: list[BarRun]
    days: int
    percent: float | None
    aria_label: str
    titles: list[str]  # one per run, same order; "" for runs where nothing happened
    figure: UptimeFigure  # the bars' period's figure with its coverage
    # The runs' rectangles already drawn (kept bars: app/web/region_bars.py); None, the
    # template draws them. Left out of comparisons: a way of drawing, not a value.
    drawn: Markup | None = field(default=None, compare=False)


def bar_title(run: BarRun, lang: Lang) -> str:
    period = local_date(run.first, lang)
    if run.last != run.first:
        period = f"{period} – {local_date(run.last, lang)}"
    if run.kind == "none":
        kind = words(lang)["no_data"]
    else:
        kind = category_label(Category(run.kind), lang)
    worst = "" if run.worst_percent is None else f", {percent(run.worst_percent, lang)}"
    return f"{period}: {kind}{worst}"


def bars_of(spans: Sequence[Span], *, grid: DayGrid, now: datetime, lang: Lang) -> Bars:
    found = bar_runs(spans, grid)
    start = now - timedelta(days=grid.days)
    result = uptime(clip(spans, start, now), start=start, end=now)
    figure = uptime_figure(result, lang)
    label = f"{words(lang)['uptime_90']}: {figure.text}"
    # Tooltips only where something happened: they are most of a 514-region page's weight.
    titles = ["" if r.kind in QUIET_KINDS else bar_title(r, lang) for r in found]
    return Bars(found, grid.days, result.citizens_percent, label, titles, figure)
