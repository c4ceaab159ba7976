"""Badges: a label and a message → a shields-style flat SVG, its width measured from the text
(Verdana 11 px advance widths, approximated per character class). Pure; every text is
XML-escaped, since region names and labels end up inside markup."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from app.core.domain import Reason, State
from app.core.uptime_coverage import coverage_of
from app.core.uptime_maths import Uptime
from app.core.warned import shows_warning
from app.web.i18n import Lang, category_label
from app.web.uptime_text import badge_message, percent_digits

HEIGHT = 20
PADDING = 6  # on each side of a text
LABEL_COLOUR = "#555"
# White text on each of these has a contrast ratio of at least 4.5:1 (WCAG AA).
STATE_COLOURS: dict[State, str] = {
    State.OPERATIONAL: "#2e7d32",
    State.DEGRADED: "#8d5b00",
    State.OUTAGE: "#c62828",
    State.MAINTENANCE: "#1565c0",
    State.UNKNOWN: "#5f6368",
}
NOT_FOUND_COLOUR = "#5f6368"
# An operational region under a warning (teguran) in force: unlike every state's colour.
WARNING_COLOUR = "#ad1457"
_WARNING = ("peringatan", "warning")
_SHORT_STATE: dict[State, tuple[str, str]] = {
    State.OPERATIONAL: ("normal", "up"),
    State.DEGRADED: ("terganggu", "degraded"),
    State.OUTAGE: ("terputus", "down"),
    State.MAINTENANCE: ("pemeliharaan", "maintenance"),
    State.UNKNOWN: ("tidak diketahui", "unknown"),
}
_NOT_MONITORED = ("tidak dipantau", "not monitored")
# Advance widths in px at 11 px Verdana, by character class; anything else is `_DEFAULT`.
_WIDTHS: dict[str, float] = (
    dict.fromkeys("ijlI|.,:;'!", 3.4)
    | dict.fromkeys("frt()[]- /", 4.6)
    | dict.fromkeys("mwMW%", 10.0)
    | dict.fromkeys("ABCDEGHKNOPQRSUVXYZ", 7.7)
    | dict.fromkeys("0123456789", 7.0)
)
_DEFAULT = 6.6


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    message: str
    colour: str


@dataclass(frozen=True, slots=True)
class Geometry:
    label_width: int
    message_width: int

    @property
    def width(self) -> int:
        return self.label_width + self.message_width


def text_width(text: str) -> float:
    return sum(_WIDTHS.get(char, _DEFAULT) for char in text)


def geometry(badge: Badge) -> Geometry:
    return Geometry(
        label_width=round(text_width(badge.label)) + 2 * PADDING,
        message_width=round(text_width(badge.message)) + 2 * PADDING,
    )


def status_badge(
    region_name: str,
    state: State,
    reason: Reason | None,
    lang: Lang,
    *,
    monitored: bool = True,
    warned: bool = False,
) -> Badge:
    """State, and the cause's short word when it says more than the state does; a region
    without a watched service is "not monitored" rather than "unknown"; an operational one
    under a warning (teguran) in force reads "peringatan" / "warning" (app/core/warned.py)."""
    if shows_warning(state, warned=warned, monitored=monitored):
        return Badge(f"e-KTP {region_name}", _WARNING[0 if lang == "id" else 1], WARNING_COLOUR)
    words = _SHORT_STATE[state] if monitored else _NOT_MONITORED
    message = words[0] if lang == "id" else words[1]
    category = reason.category if reason is not None else None
    if state not in (State.OPERATIONAL, State.MAINTENANCE, State.UNKNOWN) and category:
        message = f"{message} · {category_label(category, lang)}"
    return Badge(f"e-KTP {region_name}", message, STATE_COLOURS[state])


def uptime_colour(percent: float | None) -> str:
    if percent is None:
        return STATE_COLOURS[State.UNKNOWN]
    if percent >= 99.9:
        return STATE_COLOURS[State.OPERATIONAL]
    if percent >= 99.0:
        return "#55761a"
    if percent >= 95.0:
        return STATE_COLOURS[State.DEGRADED]
    return STATE_COLOURS[State.OUTAGE]


def format_percent(percent: float) -> str:
    """Never rounds up to 100 % while there was downtime, nor down to 0 % while there was
    uptime."""
    return f"{percent_digits(percent)}%".replace(".00%", "%")


def uptime_badge(window: str, result: Uptime, lang: Lang) -> Badge:
    """Availability to citizens with its coverage (`app.web.uptime_text.badge_message`); grey
    while too little of the window was observed for the percentage to mean it."""
    period = window.replace("h", " jam").replace("d", " hari") if lang == "id" else window
    label = f"ketersediaan {period}" if lang == "id" else f"uptime {period}"
    meaningful = coverage_of(result).verdict.meaningful
    colour = uptime_colour(result.citizens_percent if meaningful else None)
    return Badge(label, badge_message(result, lang), colour)


def not_found_badge(lang: Lang) -> Badge:
    message = "tidak ditemukan" if lang == "id" else "not found"
    return Badge("e-KTP", message, NOT_FOUND_COLOUR)


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def render(badge: Badge) -> str:
    g = geometry(badge)
    title = _attr(f"{badge.label}: {badge.message}")
    label_x, message_x = g.label_width / 2, g.label_width + g.message_width / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{g.width}" height="{HEIGHT}" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{g.width}" height="{HEIGHT}" rx="3" fill="#fff"/>'
        "</clipPath>"
        '<g clip-path="url(#r)">'
        f'<rect width="{g.label_width}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{g.label_width}" width="{g.message_width}" height="{HEIGHT}" '
        f'fill="{_attr(badge.colour)}"/>'
        f'<rect width="{g.width}" height="{HEIGHT}" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_x:g}" y="14">{escape(badge.label)}</text>'
        f'<text x="{message_x:g}" y="14">{escape(badge.message)}</text></g></svg>'
    )
