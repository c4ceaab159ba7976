"""Status page benchmark: `/` rendered uncached, in process through the ASGI app, beside a
floor measured in the same run.

Data: 514 monitored regencies and cities (one service each) and about 20 transitions per
region over 90 days (bench/api.py's seed: the newest 2,000 through `append_transition`, the
older ones batched), on a SQLite file and on PostgreSQL.

Pantau: `GET /` through `httpx.ASGITransport` on `create_app()`, the read cache emptied before
each request, so every render builds the region overview, reads the spans, incidents,
warnings, maintenance and waves and renders the page with its map from nothing.

Floor: a bare FastAPI app on the same transport whose one route reads the same 90 days of
transitions with one plain SQL query on the same kind of engine and renders, with Jinja2, a
flat template of the same size from the same page's values (every region's row and bar
rectangles, every map shape), prepared once before timing: what any Python page of this size
from this data costs at least. Its start-up heap is frozen before it is timed, as Pantau's
lifespan does (`app.main.settle_heap`), so neither pays for full collections over it.

Figures are per render: CPU ms (time.process_time: this process, all threads, so the
SQLite driver's thread counts; PostgreSQL's server does not) and wall ms, median and p95,
and the page's bytes before and after gzip. CPU time is the figure to compare on a shared
machine: other processes inflate wall time, not this process's CPU time.

    python bench/page.py                           # SQLite, then PostgreSQL when reachable
    python bench/page.py --renders 20 --backends sqlite
    python bench/page.py --backends sqlite --keep-sqlite /tmp/page.db --profile
                                                   # cProfile of the renders, top 30
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import gzip
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import api  # noqa: E402  (bench/api.py: the seed)

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.migrate import upgrade_schema  # noqa: E402
from app.store.types import utcnow  # noqa: E402
from app.web.loaders import status_inputs  # noqa: E402
from app.web.map_view import national_map  # noqa: E402
from app.web.status_view import status_page  # noqa: E402

PER_REGION = 20
REGIONS = 514
TARGET_MS = 150.0
POSTGRES_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
POSTGRES_DB = f"pantau_bench_page_{os.getpid()}"

FLOOR_TEMPLATE = (
    '<!doctype html><html lang="id"><head><meta charset="utf-8">'
    "<title>Pantau</title></head><body><main><h1>Status</h1>\n"
    '<svg class="map-svg" viewBox="0 0 1000 400"><g>\n'
    "{% for code, d, css, title in shapes %}"
    '<a href="/regions/{{ code }}?lang=id" tabindex="-1"><title>{{ title }}</title>'
    '<path data-region="{{ code }}" class="{{ css }}" d="{{ d }}"/></a>\n'
    "{% endfor %}</g></svg>\n"
    '{% for name, regions in provinces %}<details class="province"><summary>{{ name }}'
    "</summary><ul>\n"
    "{% for code, rname, state, label, cause, since, rects, figure in regions %}"
    '<li class="region" data-code="{{ code }}"><a href="/regions/{{ code }}?lang=id">'
    '{{ rname }}</a> <span class="code">{{ code }}</span> <span class="chip '
    'state-{{ state }}" data-state="{{ state }}">{{ label }}</span> <span class="cause">'
    '{{ cause }}</span> <span class="since">{{ since }}</span>\n'
    '<svg class="bars" viewBox="0 0 90 1" role="img">\n'
    "{% for kind, x, width, title in rects %}{% if title %}"
    '<rect class="c-{{ kind }}" x="{{ x }}" width="{{ width }}" height="1">'
    "<title>{{ title }}</title></rect>\n"
    '{% else %}<rect class="c-{{ kind }}" x="{{ x }}" width="{{ width }}" height="1"/>\n'
    '{% endif %}{% endfor %}</svg> <span class="figure">{{ figure }}</span></li>\n'
    "{% endfor %}</ul></details>\n"
    "{% endfor %}</main></body></html>\n"
)


def settings_for(url: str) -> Settings:
    return api.bench_settings(url)


async def postgres_database(fresh: bool) -> str | None:
    """The benchmark's own PostgreSQL database, created afresh; None when out of reach."""
    engine = create_async_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            if fresh:
                await connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DB}"))
                await connection.execute(text(f"CREATE DATABASE {POSTGRES_DB}"))
    except OSError:
        return None
    finally:
        await engine.dispose()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{POSTGRES_DB}"


async def drop_postgres() -> None:
    engine = create_async_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DB}"))
    finally:
        await engine.dispose()


async def floor_values(app: FastAPI) -> dict[str, Any]:
    """The page's own values, flattened for the floor's template (built once, not timed)."""
    cache = app.state.read_cache
    inputs = await status_inputs(cache, now=utcnow())
    page = status_page(inputs, "id")
    shapes = national_map(inputs.overview, "id")
    provinces = []
    for block in page.provinces:
        rows = []
        for r in block.regions:
            rects: list[tuple[str, int, int, str]] = []
            figure = ""
            if r.bars is not None:
                rects = [
                    (run.kind, run.offset, run.days, title)
                    for run, title in zip(r.bars.runs, r.bars.titles, strict=True)
                ]
                figure = f"{r.bars.figure.percent} · {r.bars.figure.coverage}"
            rows.append(
                (r.code, r.name, r.chip.state, r.chip.label, r.cause, r.since, rects, figure)
            )
        provinces.append((block.name, rows))
    return {
        "shapes": [(s.code, s.d, s.css, s.title) for s in shapes.shapes],
        "provinces": provinces,
    }


def floor_app(url: str, values: dict[str, Any]) -> tuple[FastAPI, Callable[[], Awaitable[None]]]:
    template = Environment(autoescape=True).from_string(FLOOR_TEMPLATE)
    engine = create_async_engine(url)
    query = text(
        "SELECT service_id, at, to_state, reason FROM transition WHERE at >= :start ORDER BY id"
    )
    app = FastAPI()

    @app.get("/")
    async def page() -> HTMLResponse:
        async with engine.connect() as connection:
            rows = (await connection.execute(query, {"start": utcnow() - timedelta(days=90)})).all()
        body = template.render(rows=len(rows), **values)
        return HTMLResponse(body)

    return app, engine.dispose


async def timed(
    client: httpx.AsyncClient, renders: int, before: Callable[[], None]
) -> dict[str, Any]:
    cpu: list[float] = []
    wall: list[float] = []
    body = b""
    for _ in range(renders):
        before()
        c0, w0 = time.process_time(), time.perf_counter()
        response = await client.get("/", headers={"Accept-Encoding": "identity"})
        cpu.append(1000 * (time.process_time() - c0))
        wall.append(1000 * (time.perf_counter() - w0))
        assert response.status_code == 200, response.status_code
        body = response.content
    return {
        "cpu_ms_median": statistics.median(cpu),
        "cpu_ms_p95": percentile(cpu, 0.95),
        "wall_ms_median": statistics.median(wall),
        "wall_ms_p95": percentile(wall, 0.95),
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, 6)),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(url: str, renders: int, profile: bool) -> dict[str, Any]:
    app = create_app(settings_for(url))
    async with app.router.lifespan_context(app):
        cache = app.state.read_cache
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as c:
            for _ in range(3):  # templates, map geometry, registry: loaded once per process
                cache._entries.clear()
                await c.get("/")
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                await timed(c, renders, cache._entries.clear)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
                print(out.getvalue())
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
                print(out.getvalue())
            pantau = await timed(c, renders, cache._entries.clear)
        values = await floor_values(app)
    # The floor as a tuned bare app: its start-up heap set aside from full collections, as
    # Pantau's lifespan does (app.main.settle_heap), so neither pays for walking it.
    gc.collect()
    gc.freeze()
    bare, dispose = floor_app(url, values)
    try:
        transport = httpx.ASGITransport(app=bare)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor.test") as c:
            for _ in range(3):
                await c.get("/")
            floor = await timed(c, renders, lambda: None)
    finally:
        await dispose()
    return {"pantau": pantau, "floor": floor}


def run_backend(
    backend: str, renders: int, profile: bool, keep: Path | None = None
) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite" and keep is not None and keep.exists():  # seeded before
            return asyncio.run(measure(f"sqlite+aiosqlite:///{keep}", renders, profile))
        if backend == "sqlite":
            url: str | None = f"sqlite+aiosqlite:///{keep or Path(tmp) / 'page.db'}"
        else:
            url = asyncio.run(postgres_database(fresh=True))
            if url is None:
                return None
        assert url is not None
        try:
            began = time.perf_counter()
            upgrade_schema(settings_for(url))
            asyncio.run(api.seed(settings_for(url), REGIONS * PER_REGION))
            seeded = time.perf_counter() - began
            result = asyncio.run(measure(url, renders, profile))
            result["seed_s"] = seeded
            return result
        finally:
            if backend == "postgresql":
                asyncio.run(drop_postgres())


def report(found: dict[str, Any], renders: int) -> None:
    print(
        f"GET / uncached, {REGIONS} regions, {REGIONS * PER_REGION:,} transitions over 90 days, "
        f"{renders} renders each after 3 warm-ups; ms per render (CPU = process_time)"
    )
    print(
        f"{'database':10} {'subject':7} {'CPU p50':>8} {'CPU p95':>8} {'wall p50':>9} "
        f"{'wall p95':>9} {'bytes':>9} {'gzip':>8} {'CPU vs floor':>12}"
    )
    for backend, result in found.items():
        if result is None:
            print(f"{backend:10} skipped (not reachable)")
            continue
        floor_cpu = result["floor"]["cpu_ms_median"]
        for subject in ("floor", "pantau"):
            r = result[subject]
            ratio = r["cpu_ms_median"] / floor_cpu
            print(
                f"{backend:10} {subject:7} {r['cpu_ms_median']:8.1f} {r['cpu_ms_p95']:8.1f} "
                f"{r['wall_ms_median']:9.1f} {r['wall_ms_p95']:9.1f} {r['bytes']:9,} "
                f"{r['gzip_bytes']:8,} {ratio:11.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="cProfile the renders first")
    parser.add_argument(
        "--keep-sqlite", type=Path, help="seed this SQLite file once and reuse it (same day)"
    )
    args = parser.parse_args()
    found = {
        b: run_backend(b, args.renders, args.profile, args.keep_sqlite)
        for b in args.backends.split(",")
    }
    report(found, args.renders)
    print(json.dumps(found))


if __name__ == "__main__":
    main()
