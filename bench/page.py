"""Status page benchmark: `/` rendered uncached, in process through the ASGI app, beside a
floor measured in the same run.

Data: 514 monitored regencies and cities (one service each) and about 20 transitions per
region over 90 days (bench/api.py's seed: the newest 2,000 through `append_transition`, the
older ones batched), on a SQLite file and on PostgreSQL.

Pantau: `GET /` through `httpx.ASGITransport` on `create_app()`, the read cache emptied before
each request, so every render builds the region overview, reads incidents, warnings,
maintenance and waves and renders the page with its map from nothing. The bars' own cache
(app/web/bars_cache.py, each region's bars kept per day and rebuilt when its transitions
change) is a separate layer; what it holds is said per subject, each render timed alone:

- before: no kept bars (`app.state.bars_cache = None`): every region's spans read and drawn,
  as the page was before that cache;
- cold: the kept bars emptied first: the first render of a process (or of a day) without
  the background warm-up (PANTAU_WARM_STATUS_PAGE=false);
- warmed: the kept bars emptied, then filled by the background warm-up (`BarsCache.warm`, as
  app/web/bars_warmer.py runs it after start-up and after each Jakarta midnight), then the
  render: what the first visitor of a process or a day pays with the warm-up on. The warm-up
  itself is timed apart (CPU and wall per warm-up, and the longest the event loop went without
  turning meanwhile, which is the longest a request arriving then would wait for it);
- changed: the headline: a new transition written (untimed) in CHANGED regions before each
  render, so those regions' bars are rebuilt and the rest reused: what `/` costs each time
  the read cache is invalidated by the checker;
- warm: nothing written since the previous render (only the read cache emptied).

Floor: a bare FastAPI app on the same transport whose one route reads the same 90 days of
transitions with one plain SQL query on the same kind of engine and renders, with Jinja2, a
flat template of the same size from the same page's values (every region's row and bar
rectangles, every map shape), prepared once before timing: what any Python page of this size
from this data costs at least. Its start-up heap is frozen before it is timed, as Pantau's
lifespan does (`app.main.settle_heap`), so neither pays for full collections over it. The
subjects and the floor take turns, one render each per round.

Figures are per render: CPU ms (time.process_time: this process, all threads, so the
SQLite driver's thread counts; PostgreSQL's server does not) and wall ms, median and p95,
and the page's bytes before and after gzip. CPU time is the figure to compare on a shared
machine: other processes inflate wall time, not this process's CPU time.

    python bench/page.py                           # SQLite, then PostgreSQL when reachable
    python bench/page.py --quick                   # SQLite, 3 rounds, quicker seed: a smoke run
    python bench/page.py --renders 20 --backends sqlite
    python bench/page.py --backends sqlite --keep-sqlite /tmp/page.db --profile
                                                   # cProfile of the changed renders, top 30
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
import random
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
from sqlmodel import select

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import api  # noqa: E402  (bench/api.py: the seed)
from benchkit import drop_postgres, percentile, postgres_database  # noqa: E402

from app.core.domain import Reason, State  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.migrate import upgrade_schema  # noqa: E402
from app.store.models import Service  # noqa: E402
from app.store.types import utcnow  # noqa: E402
from app.web.bars_cache import BarsCache  # noqa: E402
from app.web.loaders import status_inputs  # noqa: E402
from app.web.map_view import national_map  # noqa: E402
from app.web.status_view import status_page  # noqa: E402

PER_REGION = 20
REGIONS = 514
CHANGED = 5  # regions with a new transition before each "changed" render
QUICK_REAL = 200
TARGET_MS = 150.0
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
    # The warm-up is run by hand where it is measured ("warmed"), never in the background.
    return api.bench_settings(url).model_copy(update={"warm_status_page": False})


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


WARM_UP = ("cpu", "wall", "stall", "stall_wall")
SUBJECTS = ("floor", "before", "cold", "warmed", "changed", "warm")


def summary(cpu: list[float], wall: list[float], body: bytes) -> dict[str, Any]:
    return {
        "cpu_ms_median": statistics.median(cpu),
        "cpu_ms_p95": percentile(cpu, 0.95),
        "wall_ms_median": statistics.median(wall),
        "wall_ms_p95": percentile(wall, 0.95),
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, 6)),
    }


async def render_once(client: httpx.AsyncClient) -> tuple[float, float, bytes]:
    c0, w0 = time.process_time(), time.perf_counter()
    response = await client.get("/", headers={"Accept-Encoding": "identity"})
    cpu, wall = 1000 * (time.process_time() - c0), 1000 * (time.perf_counter() - w0)
    assert response.status_code == 200, response.status_code
    return cpu, wall, response.content


async def warm_up(app: FastAPI, kept: BarsCache) -> tuple[float, float, float, float]:
    """The background warm-up on emptied kept bars: its CPU ms, wall ms, and the longest gap
    in ms between turns of a ticker task beside it (a request's worst wait for it), in the
    event loop thread's CPU time (what the warm-up holds it for, whatever the machine's load)
    and in wall time (which the other processes on shared cores stretch)."""
    kept.clear()
    gaps: list[float] = []
    wall_gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last, last_wall = time.thread_time(), time.perf_counter()
        while not done.is_set():  # ends with the warm-up
            await asyncio.sleep(0)
            now, now_wall = time.thread_time(), time.perf_counter()
            gaps.append(now - last)
            wall_gaps.append(now_wall - last_wall)
            last, last_wall = now, now_wall

    ticking = asyncio.create_task(ticker())
    c0, w0 = time.process_time(), time.perf_counter()
    try:
        await kept.warm(app.state.db, now=utcnow())
    finally:
        cpu, wall = 1000 * (time.process_time() - c0), 1000 * (time.perf_counter() - w0)
        done.set()
        await ticking
    return cpu, wall, 1000 * max(gaps, default=0.0), 1000 * max(wall_gaps, default=0.0)


async def write_transitions(app: FastAPI, rng: random.Random) -> None:
    """A transition now in CHANGED regions, as the checker writes them (untimed)."""
    async with app.state.db.transaction() as session:
        ids = (await session.exec(select(Service.id))).all()
        for service_id in rng.sample(sorted(i for i in ids if i is not None), CHANGED):
            service = await session.get(Service, service_id)
            assert service is not None
            up = service.state == State.OPERATIONAL
            reason = rng.choice(api.FAILURES) if up else Reason.OK
            await api._transition(session, service, reason, utcnow())


async def measure(url: str, renders: int, profile: bool) -> dict[str, Any]:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    app = create_app(settings_for(url))
    rng = random.Random(19)
    async with app.router.lifespan_context(app):
        cache = app.state.read_cache
        kept: BarsCache = app.state.bars_cache
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as c:
            for _ in range(3):  # templates, map geometry, registry: loaded once per process
                cache._entries.clear()
                await c.get("/")
            values = await floor_values(app)
            bare, dispose = floor_app(url, values)
            # The floor as a tuned bare app: its start-up heap set aside from full
            # collections, as Pantau's lifespan does (app.main.settle_heap).
            gc.collect()
            gc.freeze()
            cpu: dict[str, list[float]] = {s: [] for s in SUBJECTS}
            wall: dict[str, list[float]] = {s: [] for s in SUBJECTS}
            bodies: dict[str, bytes] = {}
            rebuilt: list[int] = []
            warm_ups: dict[str, list[float]] = {n: [] for n in WARM_UP}
            profiler = cProfile.Profile() if profile else None
            try:
                floor_transport = httpx.ASGITransport(app=bare)
                async with httpx.AsyncClient(
                    transport=floor_transport, base_url="http://floor.test"
                ) as f:
                    for _ in range(3):
                        await f.get("/")
                    for _ in range(renders):
                        for subject in SUBJECTS:
                            client = f if subject == "floor" else c
                            cache._entries.clear()
                            app.state.bars_cache = None if subject == "before" else kept
                            if subject == "cold":
                                kept.clear()
                            if subject == "changed":
                                await write_transitions(app, rng)
                            if subject == "warmed":
                                for name, v in zip(WARM_UP, await warm_up(app, kept), strict=True):
                                    warm_ups[name].append(v)
                            done = kept.rebuilt
                            if profiler is not None and subject == "changed":
                                profiler.enable()
                            one_cpu, one_wall, bodies[subject] = await render_once(client)
                            if profiler is not None and subject == "changed":
                                profiler.disable()
                            cpu[subject].append(one_cpu)
                            wall[subject].append(one_wall)
                            if subject == "changed":
                                rebuilt.append(kept.rebuilt - done)
            finally:
                app.state.bars_cache = kept
                await dispose()
    if profiler is not None:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
            print(out.getvalue())
    found: dict[str, Any] = {s: summary(cpu[s], wall[s], bodies[s]) for s in SUBJECTS}
    found["pantau"] = found["changed"]  # the headline, under the key run_all.py reads
    found["changed_regions"] = CHANGED
    found["load"] = load
    found["rebuilt_per_changed_render"] = statistics.mean(rebuilt)
    found["warm_up"] = {
        "cpu_ms_median": statistics.median(warm_ups["cpu"]),
        "wall_ms_median": statistics.median(warm_ups["wall"]),
        "stall_cpu_ms_max": max(warm_ups["stall"]),
        "stall_wall_ms_max": max(warm_ups["stall_wall"]),
        "regions": REGIONS,
    }
    return found


def run_backend(
    backend: str, renders: int, profile: bool, keep: Path | None = None
) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite" and keep is not None and keep.exists():  # seeded before
            return asyncio.run(measure(f"sqlite+aiosqlite:///{keep}", renders, profile))
        if backend == "sqlite":
            url: str | None = f"sqlite+aiosqlite:///{keep or Path(tmp) / 'page.db'}"
        else:
            url = asyncio.run(postgres_database(POSTGRES_DB))
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
                asyncio.run(drop_postgres(POSTGRES_DB))


def report(found: dict[str, Any], renders: int) -> None:
    print(
        f"GET / uncached, {REGIONS} regions, {REGIONS * PER_REGION:,} transitions over 90 days, "
        f"{renders} rounds after 3 warm-ups; ms per render (CPU = process_time)"
    )
    print(
        f"{'database':10} {'subject':7} {'CPU p50':>8} {'CPU p95':>8} {'wall p50':>9} "
        f"{'wall p95':>9} {'bytes':>9} {'gzip':>8} {'CPU vs floor':>12}"
    )
    for backend in BACKENDS:
        result = found.get(backend)
        if backend not in found:
            continue
        if result is None:
            print(f"{backend:10} skipped (not reachable)")
            continue
        floor_cpu = result["floor"]["cpu_ms_median"]
        for subject in SUBJECTS:
            r = result[subject]
            ratio = r["cpu_ms_median"] / floor_cpu
            print(
                f"{backend:10} {subject:7} {r['cpu_ms_median']:8.1f} {r['cpu_ms_p95']:8.1f} "
                f"{r['wall_ms_median']:9.1f} {r['wall_ms_p95']:9.1f} {r['bytes']:9,} "
                f"{r['gzip_bytes']:8,} {ratio:11.2f}x"
            )
        print(
            f"{backend:10} changed: {result['changed_regions']} regions written before each "
            f"render, {result['rebuilt_per_changed_render']:.1f} regions' bars rebuilt on average; "
            f"load average at start {result['load']}"
        )
        w = result["warm_up"]
        print(
            f"{backend:10} warm-up of {w['regions']} regions (background, off the user's path): "
            f"CPU {w['cpu_ms_median']:.0f} ms, wall {w['wall_ms_median']:.0f} ms (medians), "
            f"longest event-loop stall {w['stall_cpu_ms_max']:.1f} ms CPU "
            f"({w['stall_wall_ms_max']:.1f} ms wall)"
        )


def verdict(met: bool) -> str:
    return "**meets**" if met else "**misses**"


WHAT = {
    "before": "no kept bars: every region's spans read and drawn (the page before)",
    "cold": "kept bars emptied: a process's (or a day's) first render, warm-up off",
    "warmed": "kept bars filled by the background warm-up: a process's (or a day's) first "
    "render with PANTAU_WARM_STATUS_PAGE (default)",
    "changed": "a new transition in {n} regions since the last render (the headline)",
    "warm": "nothing written since the last render",
}


def section(text: str, found: dict[str, Any] | None) -> list[str]:
    """The BENCHMARKS.md section: each subject beside the floor, and the target."""
    lines = ["## (f) The status page `/`, uncached, against a bare Jinja2 page", ""]
    if found is None:
        return [*lines, "```", text, "```", ""]
    lines += [
        "`GET /` in process through the ASGI app (bench/page.py), the read cache emptied "
        f"before each render, on {REGIONS} monitored regions with about {PER_REGION} "
        "transitions each over 90 days. The bars' own cache (app/web/bars_cache.py: each "
        "region's bars kept for the day, rebuilt when its transitions change, checked against "
        "the database at every render) is a separate layer; what it holds differs per subject "
        "below. Floor: a bare FastAPI route that reads the same 90 days of transitions with one "
        "plain query and renders a flat Jinja2 template of the same size from the same page's "
        "values, its heap frozen as Pantau's is at start-up. The subjects and the floor take "
        "turns, one render each per round. Milliseconds per render, median (p95); CPU is this "
        "process's (`time.process_time`, all threads), which other work on the machine does "
        "not inflate as it does wall time; PostgreSQL's own CPU is not in it. Wall figures are "
        "taken on shared cores: the load average at each database's start is in its rows.",
        "",
        "| database (load) | subject | what is kept | CPU ms | floor CPU ms | CPU vs floor "
        f"| wall ms | bytes (gzip) | target CPU ≤ {TARGET_MS:.0f} ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for backend in BACKENDS:
        if backend not in found:
            continue
        result = found[backend]
        if result is None:
            lines.append(f"| {backend} | skipped | | | | | | | |")
            continue
        floor = result["floor"]
        for subject in SUBJECTS[1:]:
            ours = result[subject]
            ratio = ours["cpu_ms_median"] / floor["cpu_ms_median"]
            what = WHAT[subject].format(n=result["changed_regions"])
            lines.append(
                f"| {backend} ({result['load']}) | {subject} | {what} | "
                f"{ours['cpu_ms_median']:.0f} ({ours['cpu_ms_p95']:.0f}) | "
                f"{floor['cpu_ms_median']:.0f} ({floor['cpu_ms_p95']:.0f}) | {ratio:.2f}x | "
                f"{ours['wall_ms_median']:.0f} ({ours['wall_ms_p95']:.0f}) | "
                f"{ours['bytes']:,} ({ours['gzip_bytes']:,}) | "
                f"{verdict(ours['cpu_ms_median'] <= TARGET_MS)} |"
            )
    lines += [
        "",
        "The background warm-up itself (off the user's path, once after start-up and at "
        "00:00:05 Asia/Jakarta; app/web/bars_warmer.py), per run on emptied kept bars:",
        "",
    ]
    for backend in BACKENDS:
        result = found.get(backend)
        if result is None:
            continue
        w = result["warm_up"]
        lines.append(
            f"- {backend}: {w['regions']} regions, CPU {w['cpu_ms_median']:.0f} ms, wall "
            f"{w['wall_ms_median']:.0f} ms (medians); the event loop was held at most "
            f"{w['stall_cpu_ms_max']:.1f} ms of its thread's CPU at a time "
            f"({w['stall_wall_ms_max']:.0f} ms wall, stretched by the load) between turns "
            "(a turn every 5 ms of building, 64 regions a read)"
        )
    return [*lines, ""]


BACKENDS = ("sqlite", "postgresql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=30, help="rounds of every subject")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--quick", action="store_true", help="SQLite, 3 rounds, a quicker seed: a smoke run"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the changed renders")
    parser.add_argument(
        "--keep-sqlite", type=Path, help="seed this SQLite file once and reuse it (same day)"
    )
    args = parser.parse_args()
    renders, backends = (3, ["sqlite"]) if args.quick else (args.renders, args.backends.split(","))
    if args.quick:
        # A smoke run: the same 10,280 transitions, but only the newest QUICK_REAL written
        # one by one through append_transition (the seed's slow part), the rest batched.
        api.REAL_TRANSITIONS = QUICK_REAL
    found: dict[str, Any] = {}
    for backend in backends:
        found[backend] = run_backend(backend, renders, args.profile, args.keep_sqlite)
    report(found, renders)
    print(json.dumps(found))


if __name__ == "__main__":
    main()
