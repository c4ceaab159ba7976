"""Regenerate app/web/static/indonesia-map.json, the map of Indonesia's regencies and cities
that the status page draws, from the boundaries in cahyadsn/wilayah_boundaries (MIT).

Why this script exists: the status page shows every regency and city as a shape coloured by
its state, drawn on the server so it works without JavaScript. The source's kabupaten/kota
files (SQL INSERTs of JSON multipolygons in latitude/longitude, 38 files, 6.6 MB) are far too
detailed for a 1,400 px wide map; this script reads them once, matches each to a code of the
region registry (app/core/regions/data/regions.csv, Kepmendagri 300.2.2-2138/2025), projects,
simplifies and rounds them, and writes a compact JSON asset that is committed and shipped as
package data (see NOTICE for the licence and provenance). Nothing fetches boundaries at run
time.

What it does, in order:

- reads ``db/kab/*.sql`` (regencies and cities) and ``db/prov/*.sql`` (province outlines) from
  a git directory of the repository (``git --git-dir … show HEAD:…``; its commit and commit
  date are recorded) or from a directory holding those files (pass ``--commit``/``--date``);
- matches each shape to a registry code and reports what is unmatched, both ways (the
  registry's regions without a shape are listed and the script exits 1 unless
  ``--allow-missing``);
- projects longitude/latitude to a plane (equirectangular, longitudes scaled by the cosine of
  the mean latitude, y growing southwards) scaled to ``--width`` units;
- simplifies each ring (Douglas–Peucker, ``--tolerance`` units), rounds to integers, drops
  repeated and collinear points, drops islands smaller than ``--min-area`` square units but
  always keeps a region's largest polygon (a region too small to survive rounding becomes a
  small square at its place, so every region stays on the map and can be clicked);
- writes, per region, an SVG path (outer rings clockwise, holes anticlockwise on screen, so
  the default nonzero fill rule cuts the holes) and its bounding box, plus one outline path
  per province; coordinates are relative (``l``) after each ring's first point.

Usage (from the repository root; no extra package is needed)::

    python scripts/build_map.py /path/to/wilayah_boundaries/.git
    python scripts/build_map.py /path/to/extracted --commit 3c5a796… --date 2026-08-20
    python scripts/build_map.py SOURCE --output - # prints the JSON instead
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "app" / "web" / "static" / "indonesia-map.json"
REGISTRY = ROOT / "app" / "core" / "regions" / "data" / "regions.csv"
REPOSITORY = "https://github.com/cahyadsn/wilayah_boundaries"
LICENCE = "MIT"

# ('73.73','Kota Palopo',-2.99,120.17,'[[[[lat,lng],…]]]') — the name may hold '' or \'.
_ROW = re.compile(
    r"\('([0-9.]+)',\s*'((?:[^'\\]|\\.|'')*)',\s*(-?[0-9.]+),\s*(-?[0-9.]+),\s*'(\[.*\])'\)"
)

Point = tuple[float, float]
IntPoint = tuple[int, int]


# ---------------------------------------------------------------- reading the source


@dataclass(frozen=True, slots=True)
class Source:
    """The dataset's files by path (``db/kab/…sql``), and where they came from."""

    files: dict[str, str]
    commit: str
    date: str


def _git(git_dir: Path, *args: str) -> str:
    command = ["git", "--git-dir", str(git_dir), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def read_source(path: Path, commit: str | None, date: str | None) -> Source:
    """A git directory (bare or ``.git``) read at HEAD, or a directory with ``db/kab``."""
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        names = _git(path, "ls-tree", "-r", "--name-only", "HEAD", "db/kab/", "db/prov/")
        files = {name: _git(path, "show", f"HEAD:{name}") for name in names.split()}
        found_commit = _git(path, "rev-parse", "HEAD").strip()
        found_date = _git(path, "log", "-1", "--format=%cs", "HEAD").strip()
        return Source(files, commit or found_commit, date or found_date)
    files = {
        str(file.relative_to(path)): file.read_text(encoding="utf-8")
        for folder in ("db/kab", "db/prov")
        for file in sorted((path / folder).glob("*.sql"))
    }
    if not files:
        raise SystemExit(f"{path}: neither a git directory nor a folder with db/kab/*.sql")
    return Source(files, commit or "unknown", date or "unknown")


@dataclass(frozen=True, slots=True)
class Shape:
    code: str
    name: str
    polygons: list[list[list[Point]]]  # polygons → rings (outer first) → (lon, lat)


def _multipolygon(geometry: list) -> list:  # type: ignore[type-arg]
    """The source nests a polygon three deep and a multipolygon four deep."""
    depth, probe = 0, geometry
    while isinstance(probe, list):
        probe, depth = probe[0], depth + 1
    return {4: geometry, 3: [geometry], 2: [[geometry]]}[depth]


def parse_shapes(text: str) -> list[Shape]:
    """Every INSERTed row of one SQL file; the source writes [latitude, longitude]."""
    shapes = []
    for match in _ROW.finditer(text):
        code, raw_name, _, _, path = match.groups()
        name = raw_name.replace("''", "'").replace("\\'", "'")
        polygons = [
            [[(lon, lat) for lat, lon in ring] for ring in polygon]
            for polygon in _multipolygon(json.loads(path))
        ]
        shapes.append(Shape(code, name, polygons))
    return shapes


def shapes_in(source: Source, folder: str) -> dict[str, Shape]:
    found: dict[str, Shape] = {}
    for name in sorted(source.files):
        if name.startswith(folder):
            for shape in parse_shapes(source.files[name]):
                found[shape.code] = shape
    return found


def read_registry(path: Path = REGISTRY) -> tuple[dict[str, str], dict[str, str]]:
    """(regencies and cities, provinces): code → name."""
    places: dict[str, str] = {}
    provinces: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            target = provinces if row["level"] == "province" else places
            target[row["code"]] = row["name"]
    return places, provinces


# ---------------------------------------------------------------- geometry


@dataclass(frozen=True, slots=True)
class Projection:
    """Equirectangular: x east, y south, in units where the country is `width` wide."""

    west: float
    north: float
    scale: float  # units per degree of latitude
    squeeze: float  # cos(mean latitude), applied to longitudes

    @classmethod
    def fitting(cls, points: Iterable[Point], size: float, *, square: bool = False) -> Projection:
        """`size` units wide; with `square`, the larger of width and height is `size`."""
        lons, lats = zip(*points, strict=True)
        squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
        span = (max(lons) - min(lons)) * squeeze
        if square:
            span = max(span, max(lats) - min(lats))
        return cls(min(lons), max(lats), size / span, squeeze)

    def __call__(self, point: Point) -> Point:
        lon, lat = point
        return ((lon - self.west) * self.squeeze * self.scale, (self.north - lat) * self.scale)


def _distance_to_segment(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    if length == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The open polyline's points kept within `tolerance` of it (iterative, no recursion)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, 0
        for i in range(first + 1, last):
            distance = _distance_to_segment(points[i], points[first], points[last])
            if distance > farthest:
                farthest, index = distance, i
        if farthest > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: Sequence[Point], tolerance: float) -> list[Point]:
    """A closed ring (first point repeated last or not), split at the point farthest from its
    first so that both halves are simplified as open lines; returned without the repeat."""
    points = list(ring[:-1]) if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    if len(points) < 4:
        return points
    start = points[0]
    far = max(range(len(points)), key=lambda i: math.dist(points[i], start))
    one = douglas_peucker(points[: far + 1], tolerance)
    two = douglas_peucker([*points[far:], start], tolerance)
    return one[:-1] + two[:-1]


def signed_area(ring: Sequence[tuple[float, float]]) -> float:
    """Shoelace; positive for a clockwise ring on screen (y down)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


def round_ring(ring: Sequence[Point]) -> list[IntPoint]:
    """Integers, without repeated points and without points on a straight line between their
    neighbours."""
    rounded: list[IntPoint] = []
    for x, y in ring:
        point = (round(x), round(y))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    while len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    changed = True
    while changed and len(rounded) >= 3:
        changed = False
        kept: list[IntPoint] = []
        n = len(rounded)
        for i, (x, y) in enumerate(rounded):
            (ax, ay), (bx, by) = rounded[i - 1], rounded[(i + 1) % n]
            if (x - ax) * (by - y) - (y - ay) * (bx - x) == 0:
                changed = True
                continue
            kept.append((x, y))
        if changed:
            rounded = kept
    return rounded


def _number_pair(dx: int, dy: int) -> str:
    return f"{dx}{'' if dy < 0 else ' '}{dy}"


def encode_ring(ring: Sequence[IntPoint], origin: IntPoint | None) -> str:
    """``M x y l dx dy … z`` (``m`` relative to the previous ring's start when given)."""
    (x0, y0) = ring[0]
    head = f"M{x0} {y0}" if origin is None else "m" + _number_pair(x0 - origin[0], y0 - origin[1])
    steps: list[str] = []
    px, py = ring[0]
    for x, y in ring[1:]:
        pair = _number_pair(x - px, y - py)
        steps.append(pair if not steps or pair.startswith("-") else " " + pair)
        px, py = x, y
    return f"{head}l{''.join(steps)}z"


@dataclass
class Drawn:
    """One region's (or province's) shape as the map draws it."""

    path: str
    box: tuple[int, int, int, int]  # min x, min y, max x, max y
    polygons: int  # rings drawn, holes included
    points: int
    dropped: int
    square: bool = False  # too small to survive rounding: a small square stands in


@dataclass
class Settings:
    width: int = 1400
    tolerance: float = 0.5
    min_area: float = 2.5
    outline_tolerance: float = 0.9
    outline_min_area: float = 12.0
    province_size: int = 520
    province_tolerance: float = 0.7
    province_min_area: float = 4.0


def _orient(ring: list[IntPoint], clockwise: bool) -> list[IntPoint]:
    return ring if (signed_area(ring) > 0) == clockwise else ring[::-1]


def _inside(point: IntPoint, ring: Sequence[IntPoint]) -> bool:
    """Ray casting; a point on the boundary may go either way, which is fine here."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _box(ring: Sequence[IntPoint]) -> tuple[int, int, int, int]:
    xs = [x for x, _ in ring]
    ys = [y for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _contains(outer: Sequence[IntPoint], box: tuple[int, ...], ring: Sequence[IntPoint]) -> bool:
    inner = _box(ring)
    within = box[0] <= inner[0] and box[1] <= inner[1] and inner[2] <= box[2] and inner[3] <= box[3]
    return within and _inside(ring[0], outer)


def nest(rings: list[list[IntPoint]]) -> list[list[IntPoint]]:
    """Rings largest first, each oriented by how many others contain it: clockwise at an even
    depth (land), anticlockwise at an odd one (a hole, or an enclave's surroundings). The
    source's own outer/hole structure is not trusted: one of its regencies lists its mainland
    and islands as holes of a tiny first ring."""
    ordered = sorted(rings, key=lambda r: -abs(signed_area(r)))
    boxes = [_box(r) for r in ordered]
    nested = []
    for index, ring in enumerate(ordered):
        depth = sum(1 for j in range(index) if _contains(ordered[j], boxes[j], ring))
        nested.append(_orient(ring, clockwise=depth % 2 == 0))
    return nested


def draw(
    polygons: Sequence[Sequence[Sequence[Point]]],
    project: Projection,
    tolerance: float,
    min_area: float,
) -> Drawn:
    """Project, simplify and round every ring; keep rings of at least `min_area` and always the
    largest (or a small square for a region too small to survive rounding)."""
    rings: list[list[IntPoint]] = []
    largest: tuple[float, list[Point]] = (-1.0, [])
    count = 0
    for polygon in polygons:
        for source_ring in polygon:
            count += 1
            projected = [project(p) for p in source_ring]
            raw_area = abs(signed_area(projected))
            if raw_area > largest[0]:
                largest = (raw_area, projected)
            ring = round_ring(simplify_ring(projected, tolerance))
            if len(ring) >= 3 and signed_area(ring) != 0:
                rings.append(ring)
    rings.sort(key=lambda r: -abs(signed_area(r)))
    kept = [r for index, r in enumerate(rings) if index == 0 or abs(signed_area(r)) >= min_area]
    square = not kept
    if square:  # a region smaller than a unit: a 2×2 square centred on its largest ring
        xs, ys = zip(*largest[1], strict=True)
        cx, cy = round(sum(xs) / len(xs)), round(sum(ys) / len(ys))
        kept = [[(cx - 1, cy - 1), (cx + 1, cy - 1), (cx + 1, cy + 1), (cx - 1, cy + 1)]]
    kept = nest(kept)
    parts, origin = [], None
    for ring in kept:
        parts.append(encode_ring(ring, origin))
        origin = ring[0]
    boxes = [_box(r) for r in kept]
    return Drawn(
        path="".join(parts),
        box=(
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ),
        polygons=len(kept),
        points=sum(len(ring) for ring in kept),
        dropped=count - len(kept),
        square=square,
    )


# ---------------------------------------------------------------- the asset


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


def build(
    source: Source,
    places: dict[str, str],
    provinces: dict[str, str],
    settings: Settings,
    report: Report,
) -> dict[str, object]:
    regions = shapes_in(source, "db/kab/")
    outlines = shapes_in(source, "db/prov/")
    report.say(f"source: {REPOSITORY} at {source.commit} ({source.date})")
    report.say(
        f"kabupaten/kota shapes: {len(regions)}; registry regencies and cities: {len(places)}"
    )
    report.missing = sorted(set(places) - set(regions))
    extra = sorted(set(regions) - set(places))
    report.say("registry regions without a shape: " + (", ".join(report.missing) or "none"))
    report.say("shapes without a registry region (left out): " + (", ".join(extra) or "none"))
    renamed = [c for c in places if c in regions and _plain(places[c]) != _plain(regions[c].name)]
    for code in renamed:
        report.say(
            f"  name differs, matched by code: {code} {places[code]!r} / {regions[code].name!r}"
        )
    missing_provinces = sorted(set(provinces) - set(outlines))
    report.say("provinces without an outline: " + (", ".join(missing_provinces) or "none"))

    matched = [regions[c] for c in sorted(places) if c in regions]
    project = Projection.fitting(_outer_points(matched), settings.width)
    drawn = {
        s.code: draw(s.polygons, project, settings.tolerance, settings.min_area) for s in matched
    }
    provinces_drawn = {
        code: draw(
            outlines[code].polygons, project, settings.outline_tolerance, settings.outline_min_area
        )
        for code in sorted(provinces)
        if code in outlines
    }
    squares = [code for code, d in drawn.items() if d.square]
    report.say(
        f"national map: {sum(d.polygons for d in drawn.values())} rings kept, "
        f"{sum(d.dropped for d in drawn.values())} below {settings.min_area} dropped, "
        f"{sum(d.points for d in drawn.values())} points; province outlines "
        f"{sum(d.points for d in provinces_drawn.values())} points"
    )
    report.say(
        "regions drawn as a small square (smaller than rounding): " + (", ".join(squares) or "none")
    )
    detail = {}
    for province in sorted(provinces):
        members = [s for s in matched if s.code.split(".")[0] == province]
        if members:
            detail[province] = province_map(members, settings)
    report.say(
        f"province maps ({settings.province_size} units square at most): "
        f"{sum(len(str(d)) for d in detail.values()):,} characters"
    )
    return {
        "meta": {
            "source": {
                "repository": REPOSITORY,
                "commit": source.commit,
                "date": source.date,
                "licence": LICENCE,
            },
            "script": "scripts/build_map.py",
            "settings": asdict(settings),
            "width": settings.width,
            "height": max(d.box[3] for d in drawn.values()),
        },
        "regions": {code: [d.path, *d.box] for code, d in drawn.items()},
        "provinces": {code: d.path for code, d in provinces_drawn.items()},
        "detail": detail,
    }


def _outer_points(shapes: Iterable[Shape]) -> Iterable[Point]:
    return (p for shape in shapes for polygon in shape.polygons for ring in polygon for p in ring)


def province_map(members: Sequence[Shape], settings: Settings) -> dict[str, object]:
    """One province's regencies and cities on a plane of their own (a region page's map)."""
    project = Projection.fitting(_outer_points(members), settings.province_size, square=True)
    tolerance, min_area = settings.province_tolerance, settings.province_min_area
    drawn = {s.code: draw(s.polygons, project, tolerance, min_area) for s in members}
    return {
        "width": max(d.box[2] for d in drawn.values()),
        "height": max(d.box[3] for d in drawn.values()),
        "regions": {code: d.path for code, d in drawn.items()},
    }


def _plain(name: str) -> str:
    """Names compared loosely: case, "Kab."/"Kep." abbreviations and spacing aside."""
    lowered = name.lower().replace("kab. ", "kabupaten ").replace("kep. ", "kepulauan ")
    return " ".join(lowered.split())


def encode(asset: dict[str, object]) -> str:
    """JSON with one region (or province) a line: small diffs when the source changes."""
    lines = ["{", f'"meta": {json.dumps(asset["meta"], ensure_ascii=False)},']
    for key in ("regions", "provinces", "detail"):
        entries = asset[key]
        assert isinstance(entries, dict)
        items = [
            f"{json.dumps(c)}: {json.dumps(v, separators=(',', ':'))}" for c, v in entries.items()
        ]
        lines += [f'"{key}": {{', ",\n".join(items), "}" if key == "detail" else "},"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source", type=Path, help="git dir of wilayah_boundaries, or a folder with db/kab"
    )
    parser.add_argument(
        "--output", default=str(DEFAULT_OUTPUT), help="file to write, or - for stdout"
    )
    parser.add_argument("--commit", help="the source's commit, when SOURCE is not a git dir")
    parser.add_argument("--date", help="the source commit's date, when SOURCE is not a git dir")
    parser.add_argument(
        "--allow-missing", action="store_true", help="write even if regions lack a shape"
    )
    defaults = Settings()
    parser.add_argument("--width", type=int, default=defaults.width)
    parser.add_argument("--tolerance", type=float, default=defaults.tolerance)
    parser.add_argument("--min-area", type=float, default=defaults.min_area)
    parser.add_argument("--province-size", type=int, default=defaults.province_size)
    args = parser.parse_args(argv)

    settings = Settings(
        width=args.width,
        tolerance=args.tolerance,
        min_area=args.min_area,
        province_size=args.province_size,
    )
    places, provinces = read_registry()
    report = Report()
    asset = build(
        read_source(args.source, args.commit, args.date), places, provinces, settings, report
    )
    text = encode(asset)
    size = len(text.encode())
    report.say(f"asset: {size:,} bytes, {len(gzip.compress(text.encode(), 9)):,} gzipped")
    print("\n".join(report.lines), file=sys.stderr)
    if report.missing and not args.allow_missing:
        print("not written: regions without a shape (see NOTICE; --allow-missing)", file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
