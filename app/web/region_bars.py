"""A region's uptime bars kept between renders of `/`. Once its spans are known, everything
before today's local midnight is fixed: the runs of the closed days, their tooltips and their
uptime tally are worked out once, and a render adds only today (still running) and the
90-day figure's first day (the window's start slides through it). Pure; the result is exactly
what `chips.bars_of` makes of the same spans at the same instant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from markupsafe import Markup

from app.core.uptime_maths import Span, Tally, tally, uptime_of
from app.web.bars import BarRun, DayGrid, clip, day_kinds, lower_percent, runs_of
from app.web.chips import QUIET_KINDS, Bars, bar_title, bars_of
from app.web.i18n import Lang, word
from app.web.render import environment
from app.web.uptime_text import uptime_figure

# Where a region's last span ends while kept: it runs on past every render's `now`.
OPEN_END = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RegionBars:
    today: date  # the grid's last day, the one still running
    start: datetime  # the spans hold from here: they serve any later window start
    first: datetime  # the first bar's midnight
    midnight: datetime  # today's
    spans: tuple[Span, ...]  # from `start`, the last one open-ended (OPEN_END)
    closed: tuple[BarRun, ...]  # the days before today
    head: tuple[Span, ...]  # the spans before `first`
    middle: Tally  # the closed days'
    tail: tuple[Span, ...]  # the spans from `midnight` on
    titles: dict[Lang, list[str]] = field(default_factory=dict)  # of `closed`, by language
    drawn: dict[Lang, Markup] = field(default_factory=dict)  # `closed` but its last, drawn

    def serves(self, grid: DayGrid, start: datetime) -> bool:
        return self.today == grid.dates[-1] and self.start <= start <= self.first

    def bars(self, grid: DayGrid, now: datetime, lang: Lang) -> Bars:
        start = now - timedelta(days=grid.days)
        if not self.serves(grid, start):
            # Another day: drawn from the spans, exact for any window starting at or after
            # theirs (BarsCache rebuilds rather than ask for one before).
            return bars_of(clip(self.spans, start, now), grid=grid, now=now, lang=lang)
        today = DayGrid(grid.dates[-1:], grid.edges[-2:])
        kinds, percents = day_kinds(self.tail, today)
        kind, percent = kinds[0], percents[0]
        runs, titles = list(self.closed), list(self._titles(lang))
        settled = max(0, len(runs) - 1)  # the runs today cannot change: drawn once a day
        last = runs[-1] if runs else None
        if last is not None and last.kind == kind:  # today lengthens the last closed run
            worst = lower_percent(last.worst_percent, percent)
            run = BarRun(kind, last.offset, last.days + 1, last.first, today.dates[0], worst)
            runs[-1], titles[-1] = run, _title(run, lang)
        else:
            run = BarRun(kind, grid.days - 1, 1, today.dates[0], today.dates[0], percent)
            runs.append(run)
            titles.append(_title(run, lang))
        counted = tally(clip(self.head, start, self.first)) + self.middle
        result = uptime_of(
            counted + tally(clip(self.tail, self.midnight, now)), start=start, end=now
        )
        figure = uptime_figure(result, lang)
        label = f"{word('uptime_90', lang)}: {figure.text}"
        drawn = self._drawn(lang) + bar_rects(runs[settled:], titles[settled:])
        return Bars(runs, grid.days, result.citizens_percent, label, titles, figure, drawn)

    def prepare(self, lang: Lang) -> None:
        """Draw the closed days in `lang` now (the background warm-up), not at a render."""
        self._drawn(lang)

    def _titles(self, lang: Lang) -> list[str]:
        found = self.titles.get(lang)
        if found is None:
            found = self.titles[lang] = [_title(run, lang) for run in self.closed]
        return found

    def _drawn(self, lang: Lang) -> Markup:
        found = self.drawn.get(lang)
        if found is None:
            settled = max(0, len(self.closed) - 1)
            titles = self._titles(lang)[:settled]
            found = self.drawn[lang] = bar_rects(self.closed[:settled], titles)
        return found


def bar_rects(runs: Sequence[BarRun], titles: Sequence[str]) -> Markup:
    """The runs' rectangles as the `uptime_bars` macro draws them."""
    drawn: Markup = _rects_macro()(runs, titles)
    return drawn


@cache
def _rects_macro() -> Callable[..., Markup]:
    # Once per process, as the kept days' rectangles are: asking the environment each time
    # would check the template file's age for every region of every render.
    found: Callable[..., Markup] = environment().get_template("macros.html").module.bar_rects  # type: ignore[attr-defined]
    return found


def _title(run: BarRun, lang: Lang) -> str:
    # Tooltips only where something happened, as `bars_of` draws them.
    return "" if run.kind in QUIET_KINDS else bar_title(run, lang)


def region_bars(spans: Sequence[Span], grid: DayGrid, *, start: datetime) -> RegionBars:
    """`spans`: the region's (`worst_spans`) from `start`, the window's start, its last one
    running to OPEN_END; `grid`: the bars' days, today last."""
    first = datetime.fromtimestamp(grid.edges[0], UTC)
    midnight = datetime.fromtimestamp(grid.edges[-2], UTC)
    closed = DayGrid(grid.dates[:-1], grid.edges[:-1])
    kinds, percents = day_kinds(spans, closed)
    return RegionBars(
        today=grid.dates[-1],
        start=start,
        first=first,
        midnight=midnight,
        spans=tuple(spans),
        closed=tuple(runs_of(closed.dates, kinds, percents)),
        head=tuple(clip(spans, start, first)),
        middle=tally(clip(spans, first, midnight)),
        tail=tuple(clip(spans, midnight, OPEN_END)),
    )
