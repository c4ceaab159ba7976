"""Badge geometry, wording and SVG markup: pure."""

from __future__ import annotations

import re
from importlib import resources
from xml.etree import ElementTree as ET

import pytest

from app.core.domain import Category, Reason, State
from app.core.uptime_maths import Uptime
from app.web.badge_svg import (
    PADDING,
    STATE_COLOURS,
    WARNING_COLOUR,
    Badge,
    format_percent,
    geometry,
    not_found_badge,
    render,
    status_badge,
    text_width,
    uptime_badge,
    uptime_colour,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(badge: Badge) -> ET.Element:
    return ET.fromstring(render(badge))


def contrast_with_white(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def test_width_grows_with_text_and_follows_character_classes() -> None:
    assert text_width("") == 0
    assert text_width("iiii") < text_width("aaaa") < text_width("MMMM")
    assert text_width("terputus · jaringan") > text_width("normal")
    g = geometry(Badge("e-KTP", "normal", "#000"))
    assert g.label_width == round(text_width("e-KTP")) + 2 * PADDING
    assert g.width == g.label_width + g.message_width


def test_svg_is_well_formed_and_its_rectangles_add_up() -> None:
    badge = status_badge("Kota Palopo", State.OUTAGE, Reason.POLICY_CUTOFF, "id")
    root = parse(badge)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    g = geometry(badge)
    assert root.get("width") == str(g.width) and root.get("height") == "20"
    rects = root.findall(f"{SVG}g/{SVG}rect")
    widths = [str(g.label_width), str(g.message_width), str(g.width)]
    assert [r.get("width") for r in rects] == widths
    assert rects[1].get("fill") == STATE_COLOURS[State.OUTAGE]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["e-KTP Kota Palopo", "terputus · diputus pusat"]
    assert root.findtext(f"{SVG}title") == "e-KTP Kota Palopo: terputus · diputus pusat"


def test_text_is_xml_escaped() -> None:
    hostile = 'Kota <script>&"x"</script>'
    root = parse(Badge(hostile, "a & b < c", "#555"))
    assert [t.text for t in root.iter(f"{SVG}text")] == [hostile, "a & b < c"]
    assert root.get("aria-label") == f"{hostile}: a & b < c"
    assert "<script>" not in render(Badge(hostile, "x", "#555"))


@pytest.mark.parametrize(
    ("state", "reason", "lang", "message"),
    [
        (State.OPERATIONAL, Reason.OK, "id", "normal"),
        (State.OPERATIONAL, Reason.OK, "en", "up"),
        (State.OUTAGE, Reason.NETWORK_TIMEOUT, "id", "terputus · jaringan"),
        (State.OUTAGE, Reason.POLICY_CUTOFF, "en", "down · cut off"),
        (State.DEGRADED, Reason.PERFORMANCE_SLOW, "en", "degraded · slow"),
        (State.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED, "id", "pemeliharaan"),
        (State.UNKNOWN, None, "en", "unknown"),
    ],
)
def test_status_wording(state: State, reason: Reason | None, lang: str, message: str) -> None:
    badge = status_badge("Kota Palopo", state, reason, lang)  # type: ignore[arg-type]
    assert badge.message == message and badge.colour == STATE_COLOURS[state]


@pytest.mark.parametrize(
    ("percent", "text"),
    [(100.0, "100%"), (99.995, "99.99%"), (99.5, "99.50%"), (0.001, "0.01%"), (0.0, "0%")],
)
def test_percent_never_rounds_across_the_ends(percent: float, text: str) -> None:
    assert format_percent(percent) == text


DAY = 86_400.0


def window(days: float, observed: float, percent: float | None) -> Uptime:
    """A computed window: `observed` seconds of it, `percent` of them up."""
    up = observed * (percent or 0) / 100
    down = {Category.NETWORK: observed - up} if observed > up else {}
    return Uptime(days * DAY, up, 0.0, days * DAY - observed, down, citizens_percent=percent)


def test_uptime_badge_label_colour_and_no_data() -> None:
    green = STATE_COLOURS[State.OPERATIONAL]
    full = window(30, 30 * DAY, 99.95)
    assert uptime_badge("30d", full, "en") == Badge("uptime 30d", "99.95%", green)
    assert uptime_badge("24h", window(1, DAY, 90.0), "id").label == "ketersediaan 24 jam"
    assert uptime_badge("90d", window(90, 0, None), "id").message == "tanpa data"
    assert uptime_badge("90d", window(90, 0, None), "en").message == "no data"
    assert uptime_colour(99.5) != uptime_colour(99.95) != uptime_colour(96.0) != uptime_colour(50)
    assert not_found_badge("en").message == "not found"


def test_uptime_badge_with_little_data_shows_its_length_not_a_percentage() -> None:
    """A minute of thirty days: no percentage, grey; part of the window: both."""
    grey = STATE_COLOURS[State.UNKNOWN]
    minute = window(30, 67.8, 9.57)
    assert uptime_badge("30d", minute, "id") == Badge(
        "ketersediaan 30 hari", "data 1 mnt 7 dtk", grey
    )
    assert uptime_badge("30d", minute, "en").message == "1 min 7 s data"
    texts = [t.text or "" for t in parse(uptime_badge("30d", minute, "en")).iter(f"{SVG}text")]
    assert texts == ["uptime 30d", "1 min 7 s data"]
    days = uptime_badge("30d", window(30, 20 * DAY + 3723, 99.5), "en")
    assert days.message == "99.50% · 20 d 1 h data" and days.colour == uptime_colour(99.5)
    assert uptime_badge("7d", window(7, 5 * DAY, 100.0), "id").message == "100% · data 5 hr"
    assert uptime_colour(99.5) != uptime_colour(99.95) != uptime_colour(96.0) != uptime_colour(50)
    assert not_found_badge("en").message == "not found"


def test_every_badge_colour_is_readable_under_white_text() -> None:
    colours = [*STATE_COLOURS.values(), *(uptime_colour(p) for p in (100, 99.5, 97, 10, None))]
    colours.append(WARNING_COLOUR)
    for colour in colours:
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
        assert contrast_with_white(colour) >= 4.5, colour


def test_page_chips_are_readable_and_match_the_badges() -> None:
    """The pages' state chips (white text) use the badges' colours, in both stylesheets."""
    static = resources.files("app.web").joinpath("static")
    page = static.joinpath("pantau.css").read_text()
    widget = static.joinpath("widget.css").read_text()
    for state, colour in STATE_COLOURS.items():
        assert f"--{state}: {colour};" in page, state
        assert f".state-{state} {{ background: {colour}; }}" in widget, state
        assert contrast_with_white(colour) >= 4.5
    assert f".state-warning {{ background: {WARNING_COLOUR}; }}" in widget


def test_a_region_without_watched_services_is_not_monitored_rather_than_unknown() -> None:
    assert status_badge("Kab. Simeulue", State.UNKNOWN, None, "id", monitored=False).message == (
        "tidak dipantau"
    )
    assert status_badge("Kab. Simeulue", State.UNKNOWN, None, "en").message == "unknown"
