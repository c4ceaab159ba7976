"""How the pages draw a state (a colour chip with its words) and a region's uptime bars (SVG
runs with tooltips on the days something happened). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.domain import Category, State
from app.core.uptime_maths import Span
from app.web.bars import BarRun, DayGrid, day_bars, overall_percent, runs
from app.web.format import local_date
from app.web.i18n import Lang, category_label, state_label, words

QUIET_KINDS = frozenset({"ok", "none"})


@dataclass(frozen=True, slots=True)
class Chip:
    """A state shown as colour (the CSS class `state-…`) and as text."""

    state: str
    label: str


def chip(state: State, lang: Lang) -> Chip:
    return Chip(str(state), state_label(state, lang))


@dataclass(frozen=True, slots=True)
class Bars:
    runs: list[BarRun]
    days: int
    percent: float | None
    aria_label: str
    titles: list[str]  # one per run, same order; "" for runs where nothing happened


def bar_title(run: BarRun, lang: Lang) -> str:
    period = local_date(run.first, lang)
    if run.last != run.first:
        period = f"{period} – {local_date(run.last, lang)}"
    if run.kind == "none":
        kind = words(lang)["no_data"]
    else:
        kind = category_label(Category(run.kind), lang)
    percent = "" if run.worst_percent is None else f", {run.worst_percent:.2f}%"
    return f"{period}: {kind}{percent}"


def bars_of(spans: Sequence[Span], *, grid: DayGrid, now: datetime, lang: Lang) -> Bars:
    found = runs(day_bars(spans, grid))
    percent = overall_percent(spans, start=now - timedelta(days=grid.days), end=now)
    shown = "–" if percent is None else f"{percent:.2f}%"
    label = f"{words(lang)['uptime_90']}: {shown}"
    # Tooltips only where something happened: they are most of a 514-region page's weight.
    titles = ["" if r.kind in QUIET_KINDS else bar_title(r, lang) for r in found]
    return Bars(found, grid.days, percent, label, titles)
