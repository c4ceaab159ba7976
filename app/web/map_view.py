"""The map of Indonesia: every regency and city a shape coloured by its state and, when it is
affected, its cause (the status page, `/map.svg`); a province's regencies and cities on a map of
their own (its region pages). Pure, apart from reading the shipped asset once.

The shapes come from app/web/static/indonesia-map.json (scripts/build_map.py, see NOTICE):
their path strings are read and checked once per process, so a page only chooses each shape's
class and title. Labels are bilingual, Indonesian first and English beside it."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markupsafe import Markup

from app.core.domain import Category, State
from app.core.regions.overview import Overview, RegionView
from app.web.i18n import Lang, category_label
from app.web.status_view import COUNTED_CAUSES

ASSET = "indonesia-map.json"
MARGIN = 4  # units around the shapes, so strokes at the edge are not cut
# Path data as the script writes it: commands and integers only, nothing that needs escaping.
_PATH_DATA = re.compile(r"[MmlZz0-9 \-]+")

# Colours for causes, in the order of the status page's counts; `probe` is the monitor itself.
LEGEND_CAUSES = (*COUNTED_CAUSES, Category.PROBE)
NOT_MONITORED = ("Tidak dipantau", "Not monitored")
_WORDS: dict[str, tuple[str, str]] = {
    "heading": ("Peta status", "Status map"),
    "legend": ("Keterangan warna", "Colour key"),
    "hint": (
        "Ketuk wilayah untuk membuka halamannya; daftar lengkap ada di bawah.",
        "Tap a region to open its page; the full list is below.",
    ),
}


@dataclass(frozen=True, slots=True)
class Plane:
    """Shapes on one plane: the country, or one province on its own."""

    width: int
    height: int
    paths: dict[str, Markup]  # region code → SVG path data

    @property
    def view_box(self) -> str:
        return f"{-MARGIN} {-MARGIN} {self.width + 2 * MARGIN} {self.height + 2 * MARGIN}"


@dataclass(frozen=True, slots=True)
class Geometry:
    country: Plane
    outlines: dict[str, Markup]  # province code → outline path data, on the country's plane
    provinces: dict[str, Plane]  # province code → its regencies and cities on their own plane


def _checked(code: str, data: object) -> Markup:
    if not isinstance(data, str) or not _PATH_DATA.fullmatch(data):
        raise ValueError(f"{ASSET}: path data of {code} is not the script's")
    return Markup(data)  # only commands and digits: safe in any attribute as it is


def parse_geometry(text: str) -> Geometry:
    raw = json.loads(text)
    meta = raw["meta"]
    country = Plane(
        int(meta["width"]),
        int(meta["height"]),
        {code: _checked(code, entry[0]) for code, entry in raw["regions"].items()},
    )
    outlines = {code: _checked(code, d) for code, d in raw["provinces"].items()}
    provinces = {
        code: Plane(
            int(plane["width"]),
            int(plane["height"]),
            {c: _checked(c, d) for c, d in plane["regions"].items()},
        )
        for code, plane in raw["detail"].items()
    }
    return Geometry(country, outlines, provinces)


@cache
def geometry() -> Geometry:
    """The shipped asset, read and checked once per process."""
    asset = resources.files("app.web").joinpath("static").joinpath(ASSET)
    return parse_geometry(asset.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class MapShape:
    code: str
    d: Markup
    css: str  # `state-outage cause-policy`, plus `current` or `in-wave`
    title: str  # "Kota Palopo — Terputus: … / Outage: …"


@dataclass(frozen=True, slots=True)
class LegendItem:
    swatch: str  # the page's swatch class, `c-…`
    shape: str  # the class a shape of this colour carries, `state-…` or `cause-…`
    label_id: str
    label_en: str


@dataclass(frozen=True, slots=True)
class MapView:
    lang: Lang
    view_box: str
    shapes: list[MapShape]
    outlines: list[Markup]
    legend: list[LegendItem]
    heading: str
    heading_other: str
    hint: str
    legend_label: str
    state_labels: str  # JSON: state → [Indonesian, English], for live.js's titles
    wide: bool  # the national map (a province's is drawn smaller)


def shape_class(view: RegionView) -> str:
    """`state-…`, and `cause-…` (its category) while the region is affected."""
    css = f"state-{view.state}"
    if view.is_affected and view.reason is not None:
        css += f" cause-{view.reason.category}"
    return css


def state_words(view: RegionView) -> tuple[str, str]:
    """The region's state with its cause, Indonesian and English."""
    if view.state == State.UNKNOWN and not view.is_monitored:
        return NOT_MONITORED
    if view.is_affected and view.reason is not None:
        return (
            f"{view.state.label_id}: {view.reason.label_id}",
            f"{view.state.label_en}: {view.reason.label_en}",
        )
    return view.state.label_id, view.state.label_en


def shape_title(view: RegionView) -> str:
    indonesian, english = state_words(view)
    return f"{view.row.name} — {indonesian} / {english}"


def legend() -> list[LegendItem]:
    """The map's colours, with the page's swatches that draw them from the same variables."""
    operational = State.OPERATIONAL
    items = [LegendItem("c-ok", "state-operational", operational.label_id, operational.label_en)]
    items += [
        LegendItem(f"c-{c}", f"cause-{c}", category_label(c, "id"), category_label(c, "en"))
        for c in LEGEND_CAUSES
    ]
    items.append(LegendItem("c-none", "state-unknown", *NOT_MONITORED))
    return items


def _state_labels() -> str:
    labels = {str(s): [s.label_id, s.label_en] for s in State}
    labels["unmonitored"] = list(NOT_MONITORED)
    return json.dumps(labels, ensure_ascii=False, separators=(",", ":"))


def _view(
    plane: Plane,
    overview: Overview,
    lang: Lang,
    outlines: Sequence[Markup],
    marked: Collection[str],
    mark: str,
    *,
    headings: tuple[str, str],
    wide: bool,
) -> MapView:
    shapes, last = [], []
    for code, d in plane.paths.items():
        region = overview.regions.get(code)
        if region is None:  # a code the registry no longer has: not drawn
            continue
        if code in marked:  # drawn last, so that no neighbour covers its outline
            last.append(MapShape(code, d, f"{shape_class(region)} {mark}", shape_title(region)))
        else:
            shapes.append(MapShape(code, d, shape_class(region), shape_title(region)))
    shapes += last
    index = 0 if lang == "id" else 1
    return MapView(
        lang=lang,
        view_box=plane.view_box,
        shapes=shapes,
        outlines=list(outlines),
        legend=legend(),
        heading=headings[index],
        heading_other=headings[1 - index],
        hint=_WORDS["hint"][index],
        legend_label=_WORDS["legend"][index],
        state_labels=_STATE_LABELS_JSON,
        wide=wide,
    )


_STATE_LABELS_JSON = _state_labels()


def national_map(overview: Overview, lang: Lang, *, in_wave: Collection[str] = ()) -> MapView:
    """Every regency and city; the members of an active wave are outlined."""
    shapes = geometry()
    outlines = list(shapes.outlines.values())
    headings = _WORDS["heading"]
    country = shapes.country
    return _view(
        country, overview, lang, outlines, in_wave, "in-wave", headings=headings, wide=True
    )


def province_map(
    overview: Overview, province: str, lang: Lang, *, current: str | None
) -> MapView | None:
    """The province's regencies and cities on a plane of their own; `current` is outlined.
    None for a province the asset does not draw."""
    plane = geometry().provinces.get(province)
    if plane is None:
        return None
    marked = () if current is None else (current,)
    found = overview.regions.get(province)
    name = found.row.name if found is not None else province
    headings = (f"Peta status {name}", f"Status map of {name}")
    return _view(plane, overview, lang, (), marked, "current", headings=headings, wide=False)
