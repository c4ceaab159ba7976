"""Checker benchmark: Pantau's checker against the floor (a plain httpx probe loop with a new
connection per probe, same concurrency), both probing the same loopback simulator in one run.

Each part runs in its own process, so CPU and peak RSS belong to it alone:
- floor: raw httpx loop for --duration seconds;
- saturated: N services due every second (more than one core can probe) → achieved probes/s;
- steady: N services on --interval (60 s by default) → schedule lag p50/p99, CPU %, RSS.

    python bench/checker.py                        # 2,000 services
    python bench/checker.py --services 10000 --steady-duration 120
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.checks.probe import make_probe_client  # noqa: E402
from app.checks.scheduler import Checker  # noqa: E402
from app.db import Database  # noqa: E402
from app.migrate import import_registry, upgrade_schema  # noqa: E402
from app.regions.registry import load_regions  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.models import Service  # noqa: E402
from app.store.types import utcnow  # noqa: E402

CONCURRENCY = 100


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def usage() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": own.ru_utime + own.ru_stime, "peak_rss_mb": own.ru_maxrss / 1024}


async def floor(base_url: str, codes: list[str], duration: float) -> dict[str, Any]:
    client = make_probe_client(CONCURRENCY)
    done = 0
    stop_at = time.monotonic() + duration

    async def worker(offset: int) -> None:
        nonlocal done
        i = offset
        while time.monotonic() < stop_at:
            response = await client.get(f"{base_url}/r/{codes[i % len(codes)]}")
            await response.aread()
            done += 1
            i += CONCURRENCY

    start_cpu, started = usage()["cpu_s"], time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
    elapsed = time.monotonic() - started
    await client.aclose()
    return {
        "probes_per_s": done / elapsed,
        "cpu_pct": 100 * (usage()["cpu_s"] - start_cpu) / elapsed,
    }


async def seed(settings: Settings, base_url: str, count: int, interval: int) -> None:
    await asyncio.to_thread(upgrade_schema, settings)
    await import_registry(settings)
    codes = [r.code for r in load_regions() if r.parent_code is not None]
    now = utcnow()
    rows = [
        {
            "region_code": codes[i % len(codes)],
            "name": f"bench {i}",
            "url": f"{base_url}/r/{codes[i % len(codes)]}",
            "interval_seconds": interval,
            "timeout_seconds": min(5.0, interval * 0.8),
            "next_check_at": now + timedelta(seconds=random.uniform(0, interval)),
        }
        for i in range(count)
    ]
    database = Database(settings)
    async with database.transaction() as session:
        defaults = Service(region_code="", name="", url="", next_check_at=now).model_dump()
        defaults.pop("id")
        await (await session.connection()).execute(
            insert(Service.__table__),
            [defaults | row for row in rows],  # type: ignore[attr-defined]
        )
    await database.dispose()


async def checker(base_url: str, count: int, interval: int, duration: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            checker_concurrency=CONCURRENCY,
            central_min_regions=100_000,
        )
        await seed(settings, base_url, count, interval)
        database = Database(settings)
        client = make_probe_client(CONCURRENCY)
        runner = Checker(database, settings, client)
        start_cpu, started = usage()["cpu_s"], time.monotonic()
        runner.start()
        await asyncio.sleep(duration)
        elapsed = time.monotonic() - started
        probes = runner.probes_done
        cpu = usage()["cpu_s"] - start_cpu
        lags = list(runner.lags)
        await runner.stop()
        await client.aclose()
        await database.dispose()
    return {
        "probes_per_s": probes / elapsed,
        "lag_p50_s": percentile(lags, 0.5),
        "lag_p99_s": percentile(lags, 0.99),
        "cpu_pct": 100 * cpu / elapsed,
        "peak_rss_mb": usage()["peak_rss_mb"],
    }


def run_part(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.simulator", "--port", "0", "--log-level", "warning"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.strip().rsplit(" ", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--duration", type=float, default=10.0, help="floor and saturated runs")
    parser.add_argument("--steady-duration", type=float, default=60.0)
    parser.add_argument("--part", choices=["floor", "checker"], help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.part == "floor":
        codes = [r.code for r in load_regions() if r.parent_code is not None]
        print(json.dumps(asyncio.run(floor(args.base_url, codes, args.duration))))
        return
    if args.part == "checker":
        result = asyncio.run(checker(args.base_url, args.services, args.interval, args.duration))
        print(json.dumps(result))
        return

    simulator, base_url = start_simulator()
    try:
        common = ["--base-url", base_url]
        floor_result = run_part(["--part", "floor", "--duration", str(args.duration), *common])
        saturated = run_part(
            [
                "--part",
                "checker",
                "--services",
                str(args.services),
                "--interval",
                "1",
                "--duration",
                str(args.duration),
                *common,
            ]
        )
        steady = run_part(
            [
                "--part",
                "checker",
                "--services",
                str(args.services),
                "--interval",
                str(args.interval),
                "--duration",
                str(args.steady_duration),
                *common,
            ]
        )
    finally:
        simulator.terminate()
        simulator.wait()
    report(args, floor_result, saturated, steady)


def report(
    args: argparse.Namespace,
    floor_result: dict[str, Any],
    saturated: dict[str, Any],
    steady: dict[str, Any],
) -> None:
    ratio = saturated["probes_per_s"] / floor_result["probes_per_s"]
    print(f"machine: {os.cpu_count()} cores; concurrency {CONCURRENCY}; keep-alive off")
    print(f"floor (plain httpx loop):   {floor_result['probes_per_s']:8.0f} probes/s")
    print(
        f"checker, saturated ({args.services} due every 1 s): "
        f"{saturated['probes_per_s']:8.0f} probes/s = {ratio:.2f}x floor, "
        f"CPU {saturated['cpu_pct']:.0f}%"
    )
    print(
        f"checker, steady ({args.services} every {args.interval} s, "
        f"{args.steady_duration:.0f} s): "
        f"{steady['probes_per_s']:.0f} probes/s, lag p50 {steady['lag_p50_s'] * 1000:.0f} ms, "
        f"p99 {steady['lag_p99_s'] * 1000:.0f} ms, CPU {steady['cpu_pct']:.1f}% of one core, "
        f"peak RSS {steady['peak_rss_mb']:.0f} MB"
    )
    print(json.dumps({"floor": floor_result, "saturated": saturated, "steady": steady}))


if __name__ == "__main__":
    main()
