"""Replicas benchmark: three `pantau serve` processes on one PostgreSQL database share N
services (100,000 at 60 s by default), measured in the replica test's style
(tests/e2e/test_replicas.py): from the probe samples stored, every service must be probed
once in each slot of its interval (none skipped, none twice), and the work must be shared.

A fresh database (`bench_replicas` on 127.0.0.1:5432, user postgres) is created, migrated
and seeded in bulk with healthy services pointing at the loopback simulator (its own
process); the services are parked a day ahead while the replicas start, then every service
gets a slot at a random point of the next interval, so the run starts in the steady state.
After (intervals + ½) intervals every service has had at least `intervals` complete slot
windows: [slot − ½ interval, slot + ½ interval), each of which must hold exactly one probe.
Lag is a probe's start (`probe_sample.at`) against its slot. Replicas are told apart by
their own `/metrics` (`pantau_lease_claims_total`, `pantau_probes_total`); CPU comes from
/proc/<pid>/stat: each replica, the simulator, and the PostgreSQL backends serving this
database (`pg_stat_activity`), the last apart from the server's shared processes; CPU per
probe of each, and the cores all of them need at the required rate, are what a shared
machine does not distort (each process's run-queue wait, from /proc/<pid>/schedstat, says
how much other work took from it).

    python bench/replicas.py                  # 100,000 services @ 60 s, about 4.5 minutes
    python bench/replicas.py --quick          # 10,000 services @ 20 s, about 1.5 minutes
                                              # (50 s observed; the replicas' start-up)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/benchkit.py
from benchkit import free_port, percentile, start_simulator  # noqa: E402

from app.core.regions.registry import load_regions  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.models import Service  # noqa: E402

PANTAU = str(Path(sys.executable).with_name("pantau"))
SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "bench_replicas"
REPLICAS = 3
# As tests/e2e/test_replicas.py, except the interval (and a timeout a loaded machine meets).
TICK = 0.2
LEASE = 2.0
TIMEOUT = 5.0
READY_WITHIN = 120.0
POLL_SECONDS = 2.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TARGET_SHARE = (0.8, 1.2)  # each replica's share of the probes, against an even third


# --- processes and their CPU -----------------------------------------------------------------


def cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) of a live process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def runqueue_wait(pid: int) -> float:
    """Seconds the process has spent runnable but waiting for a core (/proc/<pid>/schedstat):
    on a shared machine, the time other work took from it."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM)."""
    found = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            key = "rss_mb" if name == "VmRSS" else "peak_rss_mb"
            found[key] = int(value.split()[0]) / 1024
    return found


def postgres_pids() -> list[int]:
    """Every process of the PostgreSQL server (other users of the server included)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


@dataclass
class CpuMeter:
    """CPU used since `start()` by a set of processes that may come and go: a process first
    seen later counts from zero (it started later), one gone keeps its last reading."""

    baseline: dict[int, float] = field(default_factory=dict)
    latest: dict[int, float] = field(default_factory=dict)
    started: bool = False

    def read(self, pids: list[int], *, born_before_start: set[int] | None = None) -> None:
        for pid in pids:
            cpu = cpu_of(pid)
            if cpu is None:
                continue
            if pid not in self.baseline:
                older = born_before_start is not None and pid in born_before_start
                self.baseline[pid] = cpu if not self.started or older else 0.0
            self.latest[pid] = cpu
        self.started = True

    @property
    def seconds(self) -> float:
        return sum(self.latest[pid] - self.baseline[pid] for pid in self.latest)


class Replica:
    """`pantau serve` on a free loopback port, as tests/support/harness.py starts it."""

    def __init__(self, url: str, log_path: Path, port: int, concurrency: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = os.environ | {
            "PANTAU_DATABASE_URL": url,
            "PANTAU_PORT": str(port),
            "PANTAU_LOG_LEVEL": "warning",
            "PANTAU_CHECKER_TICK_SECONDS": str(TICK),
            "PANTAU_CHECKER_LEASE_SECONDS": str(LEASE),
            "PANTAU_WAVE_NATIONAL_MIN_REGIONS": "1000",
            "PANTAU_WAVE_GROUP_MIN_REGIONS": "1000",
            "PANTAU_RUN_DISPATCHER": "false",
            "PANTAU_CHECKER_CONCURRENCY": str(concurrency),
        }
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([PANTAU, "serve"], env=self.env, stdout=log, stderr=log)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def ready(self, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log_tail()
            try:
                if (await client.get(f"{self.base_url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{self.base_url} not ready within {READY_WITHIN:.0f} s")

    async def metrics(self, client: httpx.AsyncClient) -> dict[str, Any]:
        text = (await client.get(f"{self.base_url}/metrics", timeout=30)).text
        found: dict[str, Any] = {"lease_claims": 0.0, "probes": 0.0, "lag_buckets": {}}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "pantau_lease_claims_total":
                    found["lease_claims"] += sample.value
                elif sample.name == "pantau_probes_total":
                    found["probes"] += sample.value
                elif sample.name == "pantau_schedule_lag_seconds_bucket":
                    found["lag_buckets"][sample.labels["le"]] = sample.value
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def region_codes() -> list[str]:
    return [r.code for r in load_regions() if r.parent_code is not None]


# --- the database ----------------------------------------------------------------------------


def database_url() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"


async def recreate_database() -> None:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await connection.close()


async def drop_database() -> None:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        await connection.close()


async def seed(settings: Settings, base_url: str, count: int, interval: int) -> None:
    """Healthy, already-judged services parked a day ahead: none is due until `spread`."""
    await asyncio.to_thread(upgrade_schema, settings)
    await import_registry(settings)
    codes = region_codes()
    now = datetime.now(UTC)
    parked = now + timedelta(days=1)
    defaults = Service(region_code="", name="", url="", next_check_at=now).model_dump()
    defaults.pop("id")
    rows = [
        defaults
        | {
            "region_code": codes[i % len(codes)],
            "name": f"bench {i}",
            "url": f"{base_url}/r/{codes[i % len(codes)]}",
            "interval_seconds": interval,
            "timeout_seconds": min(TIMEOUT, interval * 0.8),
            "next_check_at": parked,
            "state": "operational",
            "reason": "ok",
            "state_changed_at": now,
            "streak_reason": "ok",
        }
        for i in range(count)
    ]
    database = Database(settings)
    try:
        for start in range(0, count, 10_000):
            async with database.transaction() as session:
                connection = await session.connection()
                table = Service.__table__  # type: ignore[attr-defined]
                await connection.execute(insert(table), rows[start : start + 10_000])
    finally:
        await database.dispose()


async def spread(connection: asyncpg.Connection, margin: float) -> tuple[float, dict[int, float]]:
    """Every service's first slot at a random point of the interval that starts `margin`
    seconds from now (time for this update to commit); that start and the slots by service
    id, as Unix times."""
    start = time.time() + margin
    rows = await connection.fetch(
        "UPDATE service SET next_check_at = to_timestamp($1 + random() * interval_seconds) "
        "RETURNING id, extract(epoch FROM next_check_at)::float8 AS slot",
        start,
    )
    late = time.time() - start
    if late > 0:
        print(f"warning: the spread committed {late:.1f} s after the first slots", flush=True)
    return start, {row["id"]: row["slot"] for row in rows}


async def samples_by_service(connection: asyncpg.Connection) -> dict[int, list[float]]:
    rows = await connection.fetch(
        "SELECT service_id, extract(epoch FROM at)::float8 AS at FROM probe_sample"
    )
    found: dict[int, list[float]] = {}
    for row in rows:
        found.setdefault(row["service_id"], []).append(row["at"])
    for times in found.values():
        times.sort()
    return found


async def latencies(connection: asyncpg.Connection, start: float, end: float) -> dict[str, Any]:
    """How long the probes took, as the replicas measured them: with a fixed number of probes
    in flight per replica, this bounds the rate each can reach."""
    row = await connection.fetchrow(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50, "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99 FROM probe_sample "
        "WHERE at >= to_timestamp($1) AND at < to_timestamp($2)",
        start,
        end,
    )
    return {"probe_latency_p50_ms": row["p50"], "probe_latency_p99_ms": row["p99"]}


async def churn(connection: asyncpg.Connection) -> dict[str, Any]:
    """What two updates of the wide service row per probe (the claim moving its indexed slot,
    the record writing its state) left behind: dead row versions, the share of HOT updates,
    and whether autovacuum runs on this server at all."""
    row = await connection.fetchrow(
        "SELECT n_dead_tup, n_tup_upd, n_tup_hot_upd, pg_relation_size('service') AS bytes, "
        "current_setting('autovacuum') AS autovacuum FROM pg_stat_user_tables "
        "WHERE relname = 'service'"
    )
    return {
        "service_dead_rows": row["n_dead_tup"],
        "service_hot_update_share": row["n_tup_hot_upd"] / max(row["n_tup_upd"], 1),
        "service_heap_mb": row["bytes"] / 2**20,
        "autovacuum": row["autovacuum"],
    }


async def backends(connection: asyncpg.Connection) -> list[tuple[int, float, str]]:
    """The server processes serving this database, when each started (Unix time), and what
    each is doing: its state and what it waits on (a Lock wait would be replicas colliding)."""
    rows = await connection.fetch(
        "SELECT pid, extract(epoch FROM backend_start)::float8 AS started, "
        "coalesce(state, backend_type) || ' / ' || coalesce(wait_event_type, 'running') AS doing "
        "FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        DATABASE,
    )
    return [(row["pid"], row["started"], row["doing"]) for row in rows]


# --- judging what was stored -----------------------------------------------------------------


def judge(
    slots: dict[int, float], samples: dict[int, list[float]], interval: float, end: float
) -> dict[str, Any]:
    """Per service, each complete slot window [slot + (k − ½)·interval, slot + (k + ½)·interval)
    before `end` must hold exactly one probe: none is a skip, two or more a double probe.
    Gaps between probes closer than half an interval are double probes, as in the replica
    test; a probe's lag is its start against its slot."""
    windows, skipped, doubled = 0, 0, 0
    per_slot: dict[int, list[int]] = {}  # k → [complete windows, exactly one probe]
    lags: list[float] = []
    gaps: list[float] = []
    services_skipped, services_doubled = set(), set()
    for sid, slot in slots.items():
        times = [t for t in samples.get(sid, []) if t < end]
        gaps += [b - a for a, b in itertools.pairwise(times)]
        k = 0
        while slot + (k + 0.5) * interval <= end:
            first = bisect_left(times, slot + (k - 0.5) * interval)
            count = bisect_left(times, slot + (k + 0.5) * interval) - first
            windows += 1
            tally = per_slot.setdefault(k, [0, 0])
            tally[0] += 1
            tally[1] += count == 1
            if count == 0:
                skipped += 1
                services_skipped.add(sid)
            else:
                lags.append(times[first] - (slot + k * interval))
            if count > 1:
                doubled += 1
                services_doubled.add(sid)
            k += 1
    return {
        "windows": windows,
        "windows_skipped": skipped,
        "windows_doubled": doubled,
        "services_skipped": len(services_skipped),
        "services_doubled": len(services_doubled),
        "per_slot": {k: {"complete": c, "exactly_one": one} for k, (c, one) in per_slot.items()},
        "gaps_under_half_interval": sum(g < interval / 2 for g in gaps),
        # A slot passed with no probe at all (rather than a late one): a skip in the test's
        # sense even when the checker is behind and its slots restart from the claim.
        "gaps_over_1_5_intervals": sum(g > 1.5 * interval for g in gaps),
        "services_never_probed": sum(1 for sid in slots if not samples.get(sid)),
        "gap_min_s": min(gaps, default=float("nan")),
        "gap_max_s": max(gaps, default=float("nan")),
        "lag_p50_s": percentile(lags, 0.5),
        "lag_p99_s": percentile(lags, 0.99),
        "lag_max_s": max(lags, default=float("nan")),
    }


def bucket_quantile(buckets: dict[str, float], q: float) -> float:
    """The upper bound of the histogram bucket holding quantile `q` (cumulative counts)."""
    ordered = sorted(buckets.items(), key=lambda item: float(item[0]))
    total = ordered[-1][1] if ordered else 0.0
    for bound, count in ordered:
        if total and count >= q * total:
            return float(bound)
    return float("nan")


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Meters:
    replicas: list[Replica]
    simulator_pid: int
    backends: CpuMeter = field(default_factory=CpuMeter)
    server: CpuMeter = field(default_factory=CpuMeter)
    own: dict[int, float] = field(default_factory=dict)
    waited: dict[int, float] = field(default_factory=dict)
    doing: dict[str, int] = field(default_factory=dict)  # backend samples by state / wait

    def start(self, seen: list[tuple[int, float, str]]) -> None:
        for pid in [r.pid for r in self.replicas] + [self.simulator_pid]:
            self.own[pid] = cpu_of(pid) or 0.0
            self.waited[pid] = runqueue_wait(pid)
        self.backends.read([pid for pid, _, _ in seen])
        self.server.read(postgres_pids())

    def poll(self, seen: list[tuple[int, float, str]], started: float) -> None:
        older = {pid for pid, born, _ in seen if born < started}
        self.backends.read([pid for pid, _, _ in seen], born_before_start=older)
        self.server.read(postgres_pids())
        for _, _, doing in seen:
            self.doing[doing] = self.doing.get(doing, 0) + 1

    def used(self, pid: int) -> float:
        return (cpu_of(pid) or 0.0) - self.own[pid]

    def waiting(self, pid: int) -> float:
        return runqueue_wait(pid) - self.waited[pid]


async def observe(
    args: argparse.Namespace,
    replicas: list[Replica],
    simulator_pid: int,
    connection: asyncpg.Connection,
    client: httpx.AsyncClient,
) -> dict[str, Any]:
    before = [await r.metrics(client) for r in replicas]
    meters = Meters(replicas, simulator_pid)
    meters.start(await backends(connection))
    measured_from = time.time()
    load_at_start = os.getloadavg()
    start, slots = await spread(connection, margin=1.0 + args.services / 20_000)
    end = start + (args.intervals + 0.5) * args.interval
    print(f"slots spread; observing for {end - time.time():.0f} s", flush=True)
    polls = 0
    while (left := end - time.time()) > 0 and polls < 100_000:
        await asyncio.sleep(min(POLL_SECONDS, left))
        meters.poll(await backends(connection), start)
        polls += 1
    elapsed = time.time() - measured_from
    after = [await r.metrics(client) for r in replicas]
    found: dict[str, Any] = {
        "load_at_start": load_at_start,
        "load_at_end": os.getloadavg(),
        "replicas": [
            replica_figures(r, b, a, meters.used(r.pid), elapsed)
            | {"runqueue_wait_pct": 100 * meters.waiting(r.pid) / elapsed}
            for r, b, a in zip(replicas, before, after, strict=True)
        ],
        "simulator": {
            "cpu_pct": 100 * meters.used(simulator_pid) / elapsed,
            "runqueue_wait_pct": 100 * meters.waiting(simulator_pid) / elapsed,
        }
        | rss_mb(simulator_pid),
        "postgres_backends_cpu_pct": 100 * meters.backends.seconds / elapsed,
        "postgres_all_cpu_pct": 100 * meters.server.seconds / elapsed,
        "observed_s": elapsed,
        "postgres_backend_samples": meters.doing,
    }
    for replica in replicas:
        replica.stop()  # results in flight are written on SIGTERM
    samples = await samples_by_service(connection)
    probes = sum(1 for times in samples.values() for t in times if start <= t < end)
    found |= judge(slots, samples, args.interval, end)
    found |= await latencies(connection, start, end)
    found |= await churn(connection)
    found["probes_per_s"] = probes / (end - start)
    found["required_per_s"] = args.services / args.interval
    return found | cost(found)


def cost(found: dict[str, Any]) -> dict[str, Any]:
    """CPU per probe of each party (ms, from the replicas' own probe counts over the same
    window) and the cores all of them together would need at the required rate: the figure
    a loaded machine does not distort, where CPU % and lag depend on what else runs."""
    probes = sum(r["probes"] for r in found["replicas"]) or 1.0
    seconds = found["observed_s"] / 100
    per_probe = {
        "replicas": sum(r["cpu_pct"] for r in found["replicas"]) * seconds / probes,
        "simulator": found["simulator"]["cpu_pct"] * seconds / probes,
        "postgres": found["postgres_backends_cpu_pct"] * seconds / probes,
    }
    needed = sum(per_probe.values()) * found["required_per_s"]
    return {
        "cpu_ms_per_probe": {name: 1000 * value for name, value in per_probe.items()},
        "cores_needed": needed,
    }


def replica_figures(
    replica: Replica, before: dict[str, Any], after: dict[str, Any], cpu: float, elapsed: float
) -> dict[str, Any]:
    buckets = {
        le: count - before["lag_buckets"].get(le, 0.0) for le, count in after["lag_buckets"].items()
    }
    return {
        "pid": replica.pid,
        "lease_claims": after["lease_claims"] - before["lease_claims"],
        "probes": after["probes"] - before["probes"],
        "lag_p50_bucket_s": bucket_quantile(buckets, 0.5),
        "lag_p99_bucket_s": bucket_quantile(buckets, 0.99),
        "cpu_pct": 100 * cpu / elapsed,
    } | rss_mb(replica.pid)


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    settings = Settings(database_url=database_url())
    await recreate_database()
    simulator, base_url = start_simulator()
    replicas: list[Replica] = []
    try:
        started = time.monotonic()
        await seed(settings, base_url, args.services, args.interval)
        seeded_s = time.monotonic() - started
        print(f"{args.services:,} services seeded in {seeded_s:.0f} s", flush=True)
        url = database_url()
        replicas = [
            Replica(url, folder / f"replica{i}.log", free_port(), args.concurrency)
            for i in range(REPLICAS)
        ]
        for replica in replicas:
            replica.start()
        started = time.monotonic()
        async with httpx.AsyncClient() as client:
            await asyncio.gather(*(replica.ready(client) for replica in replicas))
            print(f"{REPLICAS} replicas ready in {time.monotonic() - started:.0f} s", flush=True)
            connection = await asyncpg.connect(f"{SERVER}/{DATABASE}")
            try:
                found = await observe(args, replicas, simulator.pid, connection, client)
            finally:
                await connection.close()
        found["seed_s"] = seeded_s
        return found
    finally:
        for replica in replicas:
            replica.stop()
        simulator.terminate()
        simulator.wait()
        if not args.keep_database:
            await drop_database()


def report(args: argparse.Namespace, found: dict[str, Any]) -> None:
    print(
        f"{REPLICAS} replicas on PostgreSQL, {args.services:,} services every {args.interval} s, "
        f"observed {found['observed_s']:.0f} s; load average "
        f"{found['load_at_start'][0]:.1f} at start, {found['load_at_end'][0]:.1f} at end "
        f"({os.cpu_count()} cores)"
    )
    print(
        f"probes/s {found['probes_per_s']:.0f} of {found['required_per_s']:.0f} needed; "
        f"slot windows {found['windows']:,}: skipped {found['windows_skipped']} "
        f"({found['services_skipped']} services), doubled {found['windows_doubled']} "
        f"({found['services_doubled']} services); gaps under half an interval "
        f"{found['gaps_under_half_interval']}, over 1.5 intervals "
        f"{found['gaps_over_1_5_intervals']}, gap min {found['gap_min_s']:.2f} s, "
        f"max {found['gap_max_s']:.2f} s; services never probed {found['services_never_probed']}"
    )
    for k, tally in sorted(found["per_slot"].items()):
        print(f"  slot {k}: {tally['exactly_one']:,} of {tally['complete']:,} probed exactly once")
    print(
        f"lag from the stored samples: p50 {found['lag_p50_s'] * 1000:.0f} ms, "
        f"p99 {found['lag_p99_s'] * 1000:.0f} ms, max {found['lag_max_s'] * 1000:.0f} ms; "
        f"probe latency p50 {found['probe_latency_p50_ms']:.0f} ms, "
        f"p99 {found['probe_latency_p99_ms']:.0f} ms"
    )
    total = sum(r["probes"] for r in found["replicas"]) or 1.0
    for i, r in enumerate(found["replicas"]):
        print(
            f"replica {i}: {r['probes']:,.0f} probes ({100 * r['probes'] / total:.1f} %), "
            f"{r['lease_claims']:,.0f} claims, lag p50 ≤ {r['lag_p50_bucket_s']} s, "
            f"p99 ≤ {r['lag_p99_bucket_s']} s, CPU {r['cpu_pct']:.0f} % "
            f"(waiting for a core {r['runqueue_wait_pct']:.0f} %), "
            f"RSS {r['rss_mb']:.0f} MB (peak {r['peak_rss_mb']:.0f})"
        )
    print(
        f"simulator CPU {found['simulator']['cpu_pct']:.0f} % (waiting for a core "
        f"{found['simulator']['runqueue_wait_pct']:.0f} %); PostgreSQL backends of this "
        f"database {found['postgres_backends_cpu_pct']:.0f} %, every postgres process "
        f"(other users of the server included) {found['postgres_all_cpu_pct']:.0f} %"
    )
    print(
        f"service table after the run: {found['service_dead_rows']:,} dead rows, "
        f"{100 * found['service_hot_update_share']:.0f} % of updates HOT, heap "
        f"{found['service_heap_mb']:.0f} MB; autovacuum {found['autovacuum']}"
    )
    doing = ", ".join(f"{k} {n}" for k, n in sorted(found["postgres_backend_samples"].items()))
    print(f"PostgreSQL backends sampled every {POLL_SECONDS:.0f} s: {doing}")
    ms = found["cpu_ms_per_probe"]
    print(
        f"CPU per probe: replicas {ms['replicas']:.2f} ms, simulator {ms['simulator']:.2f} ms, "
        f"PostgreSQL {ms['postgres']:.2f} ms; at {found['required_per_s']:.0f} probes/s all "
        f"three need {found['cores_needed']:.2f} cores"
    )


def shares(found: dict[str, Any]) -> list[float]:
    """Each replica's probes against an even share (1.0 = exactly a third)."""
    total = sum(r["probes"] for r in found["replicas"])
    return [REPLICAS * r["probes"] / total if total else 0.0 for r in found["replicas"]]


def verdict(ok: bool) -> str:
    return "meets" if ok else "**misses**"


def section(text: str, found: dict[str, Any] | None) -> list[str]:
    """bench/run_all.py's Markdown for this benchmark (the raw text when it gave no figures)."""
    lines = ["## (j) Three replicas sharing the services on PostgreSQL (#19 item 5)", ""]
    if found is None:
        return [*lines, "```", text, "```", ""]
    even = shares(found)
    low, high = TARGET_SHARE
    ratio = found["probes_per_s"] / found["required_per_s"]
    cpu = " / ".join(f"{r['cpu_pct']:.0f}" for r in found["replicas"])
    rss = " / ".join(f"{r['peak_rss_mb']:.0f}" for r in found["replicas"])
    ms = found["cpu_ms_per_probe"]
    waits = " / ".join(f"{r['runqueue_wait_pct']:.0f}" for r in found["replicas"])
    lines += [
        f"bench/replicas.py: {found['services']:,} healthy services every "
        f"{found['interval']} s on one PostgreSQL database, three `pantau serve` replicas "
        f"(tick {TICK} s, lease {LEASE} s, as tests/e2e/test_replicas.py; "
        f"{found['concurrency']} probes in flight each) and the loopback "
        f"simulator, observed {found['observed_s']:.0f} s (load average "
        f"{found['load_at_start'][0]:.1f} → {found['load_at_end'][0]:.1f}). From the stored "
        "probe samples, each service's complete slot windows ([slot − ½ interval, slot + ½ "
        "interval)) must each hold exactly one probe; the share per replica is its own "
        "`pantau_probes_total`. CPU % of one core from /proc (replicas; simulator "
        f"{found['simulator']['cpu_pct']:.0f} %; PostgreSQL backends of this database "
        f"{found['postgres_backends_cpu_pct']:.0f} %). Code: {found['code']}.",
        "",
        "| subject | floor | ratio | target |",
        "|---|---:|---:|---|",
        f"| probes/s {found['probes_per_s']:,.0f} | {found['required_per_s']:,.0f} needed | "
        f"**{ratio:.2f}x** | ≥ 0.99x: {verdict(ratio >= 0.99)} |",
        f"| slot windows skipped {found['windows_skipped']:,} of {found['windows']:,} "
        f"({found['services_skipped']:,} services; never probed "
        f"{found['services_never_probed']:,}, gaps over 1.5 intervals "
        f"{found['gaps_over_1_5_intervals']:,}) | 0 | | none: "
        f"{verdict(found['windows_skipped'] == 0)} |",
        f"| slot windows probed twice {found['windows_doubled']:,}; gaps < ½ interval "
        f"{found['gaps_under_half_interval']:,} | 0 | | none: "
        f"{verdict(found['windows_doubled'] == 0 and found['gaps_under_half_interval'] == 0)} |",
        f"| share per replica {' / '.join(f'{s:.2f}' for s in even)} | 1.00 (a third) | "
        f"min **{min(even):.2f}x** | each {low}–{high}x: "
        f"{verdict(all(low <= s <= high for s in even))} |",
        f"| lag p50 {found['lag_p50_s']:.2f} s, p99 {found['lag_p99_s']:.2f} s | | | "
        f"p99 < 2 s (item 3's): {verdict(found['lag_p99_s'] < 2)} |",
        f"| CPU % per replica {cpu} (runnable but waiting for a core {waits} %); peak RSS MB "
        f"{rss} | | | (reported) |",
        f"| CPU ms per probe: replicas {ms['replicas']:.2f}, simulator {ms['simulator']:.2f}, "
        f"PostgreSQL {ms['postgres']:.2f}; probe latency p50 "
        f"{found['probe_latency_p50_ms']:.0f} ms | | | all three need "
        f"{found['cores_needed']:.2f} cores at {found['required_per_s']:,.0f} probes/s "
        f"(of {os.cpu_count()}) |",
        "",
    ]
    return lines


def code_version() -> str:
    """The commit the replicas ran, and whether app/ had changes beyond it (a shared tree)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "app"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return f"{head} (app/ with uncommitted changes)" if changed else head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--intervals", type=int, default=2, help="complete slots per service")
    parser.add_argument("--concurrency", type=int, default=100, help="probes in flight each")
    parser.add_argument("--quick", action="store_true", help="10,000 services @ 20 s")
    parser.add_argument("--keep-database", action="store_true", help="leave bench_replicas")
    args = parser.parse_args()
    if args.quick:
        args.services, args.interval = 10_000, 20
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20_000), hard))
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-replicas-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    code = code_version()  # before the replicas import it
    found = asyncio.run(run(args, folder))
    found |= {"services": args.services, "interval": args.interval, "logs": str(folder)}
    found["concurrency"] = args.concurrency
    found["code"] = code
    report(args, found)
    print(json.dumps(found))


if __name__ == "__main__":
    main()
