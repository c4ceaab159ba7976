"""Checker benchmark: Pantau's checker against the floor, a plain httpx probe loop (stock
`httpx.AsyncClient`, a new connection per probe, the same concurrency), both probing the same
loopback simulator in one run.

Each part runs in its own process, so CPU and peak RSS belong to it alone, on the event loop
`pantau serve` runs on (uvicorn picks uvloop when it is installed; `--loop asyncio` for the
stdlib one):
- floor: the plain httpx loop, saturated (CONCURRENCY workers back to back) → probes/s;
- raw floor: plain asyncio streams, HTTP/1.1, a fresh connection per probe, saturated the same
  way → probes/s (the physical floor: no client library at all);
- floor at a rate: the plain httpx loop paced at the rate a steady run needs → its CPU %;
- saturated: N services due every second (more than one core can probe) → achieved probes/s;
- steady: N services on --interval (60 s by default) → schedule lag p50/p99, CPU %, peak RSS.

    python bench/checker.py                        # 2,000 services
    python bench/checker.py --services 10000 --steady-duration 120
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import bindparam, insert, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/benchkit.py
from benchkit import percentile, start_simulator  # noqa: E402

from app.checks.probe import USER_AGENT, make_probe_client  # noqa: E402
from app.checks.scheduler import Checker  # noqa: E402
from app.core.regions.registry import load_regions  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.models import Service  # noqa: E402
from app.store.types import utcnow  # noqa: E402

CONCURRENCY = 100
SEED_CHUNK = 10_000


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settle_heap() -> None:
    """What `pantau serve` does once its workers have started (app.main.settle_heap, less the
    pages' warm-up): collect, then set all that is alive aside from the collector's full
    passes. Without it a part walks the libraries' whole heap on every full pass; the
    saturated checker made two a second, about 15 % of its CPU, which a served checker does
    not pay. Every part does it before measuring, the floors too, so each runs as it would."""
    gc.collect()
    gc.freeze()


def region_codes() -> list[str]:
    return [r.code for r in load_regions() if r.parent_code is not None]


def plain_httpx_client() -> httpx.AsyncClient:
    """The floor's client: stock httpx, keep-alive off, the probe's headers."""
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=0),
        timeout=httpx.Timeout(10.0, pool=1.0),
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


async def floor(base_url: str, duration: float, rate: float) -> dict[str, Any]:
    """rate 0: CONCURRENCY workers back to back; otherwise `rate` probes/s started on time,
    at most CONCURRENCY at once (what the checker's semaphore allows)."""
    codes = region_codes()
    client = plain_httpx_client()
    done = 0
    stop_at = time.monotonic() + duration

    async def one(i: int) -> None:
        nonlocal done
        response = await client.get(f"{base_url}/r/{codes[i % len(codes)]}")
        await response.aread()
        done += 1

    async def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < stop_at:
            await one(i)
            i += CONCURRENCY

    settle_heap()
    start_cpu, started = cpu_seconds(), time.monotonic()
    if rate <= 0:
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
    else:
        semaphore = asyncio.Semaphore(CONCURRENCY)
        tasks: set[asyncio.Task[None]] = set()

        async def paced(i: int) -> None:
            async with semaphore:
                await one(i)

        started_count = 0
        while (now := time.monotonic()) < stop_at:
            while started_count < (now - started) * rate:
                task = asyncio.create_task(paced(started_count))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                started_count += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    cpu = cpu_seconds() - start_cpu
    await client.aclose()
    return {
        "probes_per_s": done / elapsed,
        "cpu_pct": 100 * cpu / elapsed,
        "cpu_ms_per_probe": 1000 * cpu / max(done, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


async def read_response(reader: asyncio.StreamReader) -> int:
    """One HTTP/1.1 response, parsed as little as a client must: the status line, headers to
    the blank line, then Content-Length bytes of body (or to EOF without it). Its status."""
    status = int((await reader.readline()).split(b" ", 2)[1])
    length = -1
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await (reader.readexactly(length) if length >= 0 else reader.read())
    return status


async def raw_floor(base_url: str, duration: float) -> dict[str, Any]:
    """The physical floor: plain asyncio streams, HTTP/1.1, a fresh TCP connection per probe
    (what the checker does), CONCURRENCY workers back to back, the probe's headers."""
    codes = region_codes()
    host, port = base_url.removeprefix("http://").split(":")
    done = 0
    stop_at = time.monotonic() + duration

    async def worker(offset: int) -> None:
        nonlocal done
        i = offset
        while time.monotonic() < stop_at:
            reader, writer = await asyncio.open_connection(host, int(port))
            request = (
                f"GET /r/{codes[i % len(codes)]} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"User-Agent: {USER_AGENT}\r\nAccept-Encoding: identity\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(request.encode())
            await read_response(reader)
            writer.close()
            await writer.wait_closed()
            done += 1
            i += CONCURRENCY

    settle_heap()
    start_cpu, started = cpu_seconds(), time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
    elapsed = time.monotonic() - started
    cpu = cpu_seconds() - start_cpu
    return {
        "probes_per_s": done / elapsed,
        "cpu_pct": 100 * cpu / elapsed,
        "cpu_ms_per_probe": 1000 * cpu / max(done, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_settings(db: str) -> Settings:
    """`db`: a SQLite file's path, or a whole database URL (PostgreSQL)."""
    return Settings(
        database_url=db if "://" in db else f"sqlite+aiosqlite:///{db}",
        checker_concurrency=CONCURRENCY,
        wave_national_min_regions=100_000,
        wave_group_min_regions=100_000,
    )


async def seed(
    db_path: str, base_url: str, count: int, interval: int, distinct_urls: bool = False
) -> None:
    settings = bench_settings(db_path)
    await asyncio.to_thread(upgrade_schema, settings)
    await import_registry(settings)
    codes = region_codes()
    now = utcnow()
    rows = [
        {
            "region_code": codes[i % len(codes)],
            "name": f"bench {i}",
            # Distinct URLs (the simulator ignores the query) make the process hold what it
            # would for as many real endpoints: parsed targets, request heads.
            "url": f"{base_url}/r/{codes[i % len(codes)]}"
            + (f"?service={i}" if distinct_urls else ""),
            "interval_seconds": interval,
            "timeout_seconds": min(5.0, interval * 0.8),
            "next_check_at": now + timedelta(seconds=random.uniform(0, interval)),
            # Already judged healthy: measure ongoing checking, not the first verdicts.
            "state": "operational",
            "reason": "ok",
            "state_changed_at": now,
            "streak_reason": "ok",
        }
        for i in range(count)
    ]
    database = Database(settings)
    defaults = Service(region_code="", name="", url="", next_check_at=now).model_dump()
    defaults.pop("id")
    for start in range(0, count, SEED_CHUNK):
        async with database.transaction() as session:
            await (await session.connection()).execute(
                insert(Service.__table__),  # type: ignore[attr-defined]
                [defaults | row for row in rows[start : start + SEED_CHUNK]],
            )
    await database.dispose()


async def spread_slots(database: Database) -> None:
    """Every service's first slot at a random point of its interval from now, so the run
    starts in the steady state rather than behind by the time this process took to start."""
    now = utcnow()
    c = Service.__table__.c  # type: ignore[attr-defined]
    async with database.transaction() as session:
        connection = await session.connection()
        rows = (await connection.execute(select(c.id, c.interval_seconds))).all()
        await connection.execute(
            update(Service.__table__)  # type: ignore[attr-defined]
            .where(c.id == bindparam("b_id"))
            .values(next_check_at=bindparam("b_next")),
            [
                {"b_id": row.id, "b_next": now + timedelta(seconds=random.uniform(0, row[1]))}
                for row in rows
            ],
        )


async def checker(db_path: str, duration: float) -> dict[str, Any]:
    settings = bench_settings(db_path)
    database = Database(settings)
    await spread_slots(database)
    client = make_probe_client(CONCURRENCY)
    runner = Checker(database, settings, client)
    settle_heap()
    start_cpu, started = cpu_seconds(), time.monotonic()
    runner.start()
    await asyncio.sleep(duration)
    elapsed = time.monotonic() - started
    probes = runner.probes_done
    cpu = cpu_seconds() - start_cpu
    lags = list(runner.lags)
    await runner.stop()
    await client.aclose()
    await database.dispose()
    return {
        "probes_per_s": probes / elapsed,
        "lag_p50_s": percentile(lags, 0.5),
        "lag_p99_s": percentile(lags, 0.99),
        "cpu_pct": 100 * cpu / elapsed,
        "cpu_ms_per_probe": 1000 * cpu / max(probes, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def steady_window(db: str, warmup: float, window: float) -> dict[str, Any]:
    """The checker on its own schedule: `warmup` seconds to settle, then `window` seconds
    measured (lag of every probe started in it, CPU, RSS sampled each second)."""
    settings = bench_settings(db)
    database = Database(settings)
    await spread_slots(database)
    client = make_probe_client(CONCURRENCY)
    runner = Checker(database, settings, client)
    settle_heap()
    runner.start()
    try:
        await asyncio.sleep(warmup)
        runner.lags = deque(maxlen=10_000_000)  # every probe of the window, not the last 100,000
        start_cpu, started, done = cpu_seconds(), time.monotonic(), runner.probes_done
        rss: list[float] = []
        while (elapsed := time.monotonic() - started) < window:
            rss.append(current_rss_mb())
            await asyncio.sleep(min(1.0, window - elapsed))
        elapsed = time.monotonic() - started
        cpu = cpu_seconds() - start_cpu
        probes = runner.probes_done - done
        lags = list(runner.lags)
    finally:
        await runner.stop()
        await client.aclose()
        await database.dispose()
    return {
        "probes": probes,
        "probes_per_s": probes / elapsed,
        "lag_p50_s": percentile(lags, 0.5),
        "lag_p99_s": percentile(lags, 0.99),
        "lag_max_s": max(lags, default=float("nan")),
        "cpu_pct": 100 * cpu / elapsed,
        "cpu_ms_per_probe": 1000 * cpu / max(probes, 1),
        "window_rss_max_mb": max(rss),
        "peak_rss_mb": peak_rss_mb(),
        "window_s": elapsed,
    }


def run_loop(coroutine: Coroutine[Any, Any, Any], loop: str) -> Any:
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


# --- orchestration: every part in a fresh process -------------------------------------------


def run_part(args: list[str], loop: str = "uvloop") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--loop", loop, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_floor(base_url: str, duration: float, rate: float = 0, loop: str = "uvloop") -> Any:
    args = ["--part", "floor", "--base-url", base_url, "--duration", str(duration)]
    return run_part([*args, "--rate", str(rate)], loop)


def measure_raw_floor(base_url: str, duration: float, loop: str = "uvloop") -> Any:
    return run_part(
        ["--part", "raw-floor", "--base-url", base_url, "--duration", str(duration)], loop
    )


def measure_checker(
    base_url: str, services: int, interval: int, duration: float, loop: str = "uvloop"
) -> dict[str, Any]:
    """Seeds a fresh database in one process, runs the checker on it in another."""
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/bench.db"
        common = ["--db", db, "--base-url", base_url]
        seed_args = ["--part", "seed", "--services", str(services), "--interval", str(interval)]
        run_part([*seed_args, *common], loop)
        return run_part(["--part", "checker", "--duration", str(duration), *common], loop)


POSTGRES_URL = os.environ.get("PANTAU_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")
ENGINES = ("sqlite", "postgresql")
# Issue #19 item 3, per process at 100,000 services on a 60 s interval.
LAG_P99_TARGET_S = 2.0
CPU_TARGET_PCT = 80.0
RSS_TARGET_MB = 500.0
RAW_RATIO_TARGET = 0.3


async def _postgres_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def measure_steady(
    base_url: str,
    services: int,
    interval: int,
    warmup: float,
    window: float,
    engine: str = "sqlite",
    loop: str = "uvloop",
) -> dict[str, Any] | None:
    """Seeds a fresh database of `engine` in one process, runs `steady_window` in another;
    None when PostgreSQL is unreachable."""
    with tempfile.TemporaryDirectory() as tmp:
        name = f"pantau_checker_{os.getpid()}"
        if engine == "postgresql":
            try:
                asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
            except OSError:
                return None
            base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            db = f"{base}/{name}"
        else:
            db = f"{tmp}/bench.db"
        try:
            common = ["--db", db, "--base-url", base_url]
            seeded = time.monotonic()
            seed_args = [
                "--part",
                "seed",
                "--services",
                str(services),
                "--interval",
                str(interval),
                "--distinct-urls",
            ]
            run_part([*seed_args, *common], loop)
            seed_s = time.monotonic() - seeded
            window_args = ["--warmup", str(warmup), "--duration", str(window)]
            found = run_part(["--part", "steady-window", *window_args, *common], loop)
        finally:
            if engine == "postgresql":
                asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return found | {"services": services, "interval_s": interval, "seed_s": seed_s}


def measure_scale(
    base_url: str,
    *,
    services: int = 100_000,
    interval: int = 60,
    warmup: float = 20.0,
    window: float = 75.0,
    saturated_s: float = 10.0,
    rounds: int = 2,
    engines: tuple[str, ...] = ENGINES,
) -> dict[str, Any]:
    """#19 item 3: the raw floor and the saturated checker in turn (`rounds` each), then the
    steady run on each engine."""
    found: dict[str, Any] = {"raw_floor": [], "saturated": [], "load": {}}
    for _ in range(rounds):
        found["raw_floor"].append(measure_raw_floor(base_url, saturated_s))
        found["saturated"].append(measure_checker(base_url, 10_000, 1, saturated_s))
    found["steady"] = {}
    for engine in engines:
        found["load"][engine] = " ".join(f"{x:.1f}" for x in os.getloadavg())
        found["steady"][engine] = measure_steady(
            base_url, services, interval, warmup, window, engine
        )
    return found


def _mean(runs: list[dict[str, Any]], key: str) -> float:
    return sum(run[key] for run in runs) / len(runs)


def _rates(runs: list[dict[str, Any]]) -> str:
    return " / ".join(f"{run['probes_per_s']:,.0f}" for run in runs)


def verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def section(text: str, found: dict[str, Any] | None) -> list[str]:
    """The BENCHMARKS.md section for `measure_scale`'s figures."""
    lines = ["## (a, b) The checker at 100,000 services per process (#19 item 3)", ""]
    if found is None:
        return [*lines, "```", text, "```", ""]
    raw, saturated = found["raw_floor"], found["saturated"]
    raw_ms, raw_rate = _mean(raw, "cpu_ms_per_probe"), _mean(raw, "probes_per_s")
    sat_rate, sat_ms = _mean(saturated, "probes_per_s"), _mean(saturated, "cpu_ms_per_probe")
    ratio = sat_rate / raw_rate
    one_core = raw_ms / sat_ms
    lines += [
        "Raw floor: plain asyncio streams, HTTP/1.1, a fresh connection per probe, 100 workers "
        "back to back; saturated checker: 10,000 services due every second on SQLite, with its "
        "real probe client, classification, state machine and batched writes. Each in its own "
        "process, taking turns against the same loopback simulator (bench/checker.py "
        "`measure_scale`). CPU is the process's own (user + system, all threads), % of one core; "
        "the raw floor tends to saturate the simulator rather than itself, so CPU per probe is "
        "the comparison that does not depend on the simulator.",
        "",
        "| run | probes/s (each run) | CPU % | CPU ms/probe | probes/s at one core "
        f"| ratio to the raw floor | target ≥ {RAW_RATIO_TARGET}x probes/s |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| raw floor | {_rates(raw)} | {_mean(raw, 'cpu_pct'):.0f} | {raw_ms:.3f} | "
        f"{1000 / raw_ms:,.0f} | 1.00x | |",
        f"| checker, saturated | {_rates(saturated)} | "
        f"{_mean(saturated, 'cpu_pct'):.0f} | {sat_ms:.3f} | {1000 / sat_ms:,.0f} | "
        f"**{ratio:.2f}x** measured, {one_core:.2f}x at one core each | "
        f"{verdict(min(ratio, one_core) >= RAW_RATIO_TARGET)} |",
        "",
        "Probes/s at one core: 1000 / CPU ms per probe, what each client would reach with a "
        "whole core to itself (a loaded machine starves the simulator and both clients, and "
        "the measured ratio then says more about the simulator than about the clients); the "
        "target is judged on the lower of the two ratios.",
        "",
        "Steady: N services on their interval, each with a URL of its own (the simulator "
        "ignores the query string), slots spread over it; after the warm-up, one "
        "measured window longer than the interval. Lag: each probe's start after its slot. RSS: "
        "the largest of one-second samples in the window (the process's peak, start-up's "
        "bulk reads included, in brackets). Floor: the raw floor's CPU per probe, times the "
        "same probe rate. A process the shared machine starves falls behind and spends less "
        "than it would on time, so CPU is judged at the rate the services need: CPU per probe "
        "times services / interval (`needed`), and the larger of that and the measured CPU % "
        "must stay under the target.",
        "",
        "| database (load) | services @ interval | probes/s | lag p50 | lag p99 | CPU % "
        "| CPU ms/probe | CPU % needed | raw floor CPU % at that rate | CPU vs floor | RSS MB "
        "| lag p99 < 2 s | CPU < 80 % | RSS < 500 MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for engine, run in found["steady"].items():
        if run is None:
            lines.append(f"| {engine} | skipped (server unreachable) |" + " |" * 12)
            continue
        floor_pct = raw_ms * run["probes_per_s"] / 10
        needed_pct = run["cpu_ms_per_probe"] * run["services"] / run["interval_s"] / 10
        cpu_ok = max(run["cpu_pct"], needed_pct) < CPU_TARGET_PCT
        lines.append(
            f"| {engine} ({found['load'][engine]}) | {run['services']:,} @ {run['interval_s']} s | "
            f"{run['probes_per_s']:,.0f} | {run['lag_p50_s'] * 1000:.0f} ms | "
            f"{run['lag_p99_s'] * 1000:.0f} ms | {run['cpu_pct']:.1f} | "
            f"{run['cpu_ms_per_probe']:.3f} | {needed_pct:.0f} | {floor_pct:.1f} | "
            f"{run['cpu_pct'] / floor_pct:.1f}x | {run['window_rss_max_mb']:.0f} "
            f"({run['peak_rss_mb']:.0f}) | {verdict(run['lag_p99_s'] < LAG_P99_TARGET_S)} | "
            f"{verdict(cpu_ok)} | "
            f"{verdict(run['window_rss_max_mb'] < RSS_TARGET_MB)} |"
        )
    return [*lines, ""]


def scale_main(args: argparse.Namespace) -> None:
    if args.quick:
        options: dict[str, Any] = {
            "services": 10_000,
            "warmup": 3.0,
            "window": 8.0,
            "saturated_s": 2.0,
            "rounds": 1,
            "engines": ("sqlite",),
        }
    else:
        options = {"services": args.services, "interval": args.interval}
    simulator, base_url = start_simulator()
    try:
        found = measure_scale(base_url, **options)
    finally:
        simulator.terminate()
        simulator.wait()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n".join(section("", found)))
    print(json.dumps(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, help="2,000; with --scale 100,000")
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--duration", type=float, default=10.0, help="floor and saturated runs")
    parser.add_argument("--steady-duration", type=float, default=60.0)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="#19 item 3: raw floor vs saturated, then --services (100,000) steady per engine",
    )
    parser.add_argument("--quick", action="store_true", help="with --scale: a smoke run")
    parser.add_argument("--warmup", type=float, default=20.0, help=argparse.SUPPRESS)
    parser.add_argument("--distinct-urls", action="store_true", help=argparse.SUPPRESS)
    parts = ["floor", "raw-floor", "seed", "checker", "steady-window"]
    parser.add_argument("--part", choices=parts, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.services is None:
        args.services = 100_000 if args.scale else 2000

    if args.part == "floor":
        result = run_loop(floor(args.base_url, args.duration, args.rate), args.loop)
        print(json.dumps(result))
        return
    if args.part == "raw-floor":
        print(json.dumps(run_loop(raw_floor(args.base_url, args.duration), args.loop)))
        return
    if args.part == "seed":
        seeding = seed(args.db, args.base_url, args.services, args.interval, args.distinct_urls)
        run_loop(seeding, args.loop)
        print(json.dumps({"seeded": args.services}))
        return
    if args.part == "checker":
        print(json.dumps(run_loop(checker(args.db, args.duration), args.loop)))
        return
    if args.part == "steady-window":
        result = run_loop(steady_window(args.db, args.warmup, args.duration), args.loop)
        print(json.dumps(result))
        return
    if args.scale:
        scale_main(args)
        return

    simulator, base_url = start_simulator()
    try:
        floor_result = measure_floor(base_url, args.duration, loop=args.loop)
        raw = measure_raw_floor(base_url, args.duration, args.loop)
        saturated = measure_checker(base_url, args.services, 1, args.duration, args.loop)
        rate = args.services / args.interval
        paced = measure_floor(base_url, args.steady_duration / 2, rate, args.loop)
        steady = measure_checker(
            base_url, args.services, args.interval, args.steady_duration, args.loop
        )
    finally:
        simulator.terminate()
        simulator.wait()
    report(args, floor_result, saturated, paced, steady, raw)


def report(
    args: argparse.Namespace,
    floor_result: dict[str, Any],
    saturated: dict[str, Any],
    paced: dict[str, Any],
    steady: dict[str, Any],
    raw: dict[str, Any],
) -> None:
    ratio = saturated["probes_per_s"] / floor_result["probes_per_s"]
    raw_ratio = saturated["probes_per_s"] / raw["probes_per_s"]
    print(f"machine: {os.cpu_count()} cores; loop {args.loop}; concurrency {CONCURRENCY}")
    print(f"floor (plain httpx loop):   {floor_result['probes_per_s']:8.0f} probes/s")
    print(
        f"raw floor (asyncio streams, HTTP/1.1, a connection per probe): "
        f"{raw['probes_per_s']:8.0f} probes/s; the saturated checker is {raw_ratio:.2f}x of it"
    )
    print(
        f"checker, saturated ({args.services} due every 1 s): "
        f"{saturated['probes_per_s']:8.0f} probes/s = {ratio:.2f}x floor, "
        f"CPU {saturated['cpu_pct']:.0f}%"
    )
    print(
        f"floor at {paced['probes_per_s']:.0f} probes/s: CPU {paced['cpu_pct']:.1f}% "
        f"({paced['cpu_ms_per_probe']:.2f} ms/probe)"
    )
    print(
        f"checker, steady ({args.services} every {args.interval} s, "
        f"{args.steady_duration:.0f} s): "
        f"{steady['probes_per_s']:.0f} probes/s, lag p50 {steady['lag_p50_s'] * 1000:.0f} ms, "
        f"p99 {steady['lag_p99_s'] * 1000:.0f} ms, CPU {steady['cpu_pct']:.1f}% of one core "
        f"({steady['cpu_ms_per_probe']:.2f} ms/probe), peak RSS {steady['peak_rss_mb']:.0f} MB"
    )
    found = {"floor": floor_result, "raw_floor": raw, "saturated": saturated, "steady": steady}
    print(json.dumps(found))


if __name__ == "__main__":
    main()
