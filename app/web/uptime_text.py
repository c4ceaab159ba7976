"""An uptime figure as the pages, the widget and the badges word it: never a bare percentage,
always with how much of its window was observed ("9,57 % · data 1 mnt 7 dtk dari 30 hari" /
"9.57% · data for 1 min 7 s of 30 days"). Pure; the rules are in
`app/core/uptime_coverage.py`, the number forms in `app/core/local_format.py`."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.local_format import percent_text
from app.core.uptime_coverage import Coverage, Verdict, coverage_of
from app.core.uptime_maths import Uptime
from app.web.format import duration
from app.web.i18n import Lang, words


@dataclass(frozen=True, slots=True)
class UptimeFigure:
    percent: str  # "9,57 %"; "–" when nothing was observed
    coverage: str  # "data 1 mnt dari 30 hari", "data 30 hari penuh", "tanpa data"
    verdict: str  # an `app.core.uptime_coverage.Verdict` value

    @property
    def meaningful(self) -> bool:
        """Whether the percentage stands for its window (else the coverage leads)."""
        return Verdict(self.verdict).meaningful

    @property
    def text(self) -> str:
        if self.verdict == Verdict.NO_DATA:
            return self.coverage
        return f"{self.percent} · {self.coverage}"


def shown_percent(value: float) -> float:
    """The value to show with two decimals: never rounded up to 100 while there was downtime,
    nor down to 0 while there was uptime."""
    if 99.99 < value < 100:
        return 99.99
    if 0 < value < 0.01:
        return 0.01
    return value


def percent_digits(value: float) -> str:
    return f"{shown_percent(value):.2f}"


def percent(value: float | None, lang: Lang) -> str:
    """`9,57 %` (a decimal comma and a space in Indonesian) / `9.57%`; `–` for no figure."""
    if value is None:
        return "–"
    return percent_text(shown_percent(value), lang)


def window_words(seconds: float, lang: Lang) -> str:
    """`30 hari` / `30 days`; a window under two days in hours: `24 jam` / `24 hours`."""
    days, rest = divmod(round(seconds), 86_400)
    if days >= 2 and rest == 0:
        return f"{days} hari" if lang == "id" else f"{days} days"
    hours = round(seconds / 3600)
    return f"{hours} jam" if lang == "id" else f"{hours} hours"


def observed_words(seconds: float, lang: Lang) -> str:
    """How long was observed, as precise as its size needs: `1 mnt 7 dtk`, `2 j` (not
    `2 j 1 dtk`), `12 hr 3 j`."""
    step = 3600 if seconds >= 86_400 else 60 if seconds >= 3600 else 1
    return duration(seconds // step * step, lang)


def coverage_words(found: Coverage, lang: Lang) -> str:
    window = window_words(found.window_seconds, lang)
    if found.verdict == Verdict.NO_DATA:
        return words(lang)["no_data"]
    if found.verdict == Verdict.FULL:
        return f"data {window} penuh" if lang == "id" else f"data for all {window}"
    observed = observed_words(found.observed_seconds, lang)
    return f"data {observed} dari {window}" if lang == "id" else f"data for {observed} of {window}"


def uptime_figure(result: Uptime, lang: Lang) -> UptimeFigure:
    """The citizens' figure of a computed window, with its coverage."""
    found = coverage_of(result)
    return UptimeFigure(
        percent(result.citizens_percent, lang), coverage_words(found, lang), str(found.verdict)
    )


def badge_message(result: Uptime, lang: Lang) -> str:
    """A badge's few words: the percentage when the window is fully observed, with the data's
    length beside it when partly (`99.5% · data 20 hr`), the data's length alone when too
    little for a percentage to mean the window (`data 1 mnt` / `1 min data`)."""
    found = coverage_of(result)
    if found.verdict == Verdict.NO_DATA or result.citizens_percent is None:
        return words(lang)["no_data"]
    observed = observed_words(found.observed_seconds, lang)
    data = f"data {observed}" if lang == "id" else f"{observed} data"
    if found.verdict == Verdict.TOO_LITTLE:
        return data
    shown = f"{percent_digits(result.citizens_percent)}%".replace(".00%", "%")
    return shown if found.verdict == Verdict.FULL else f"{shown} · {data}"
