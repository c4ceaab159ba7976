"""Agents benchmark: 2,000 vantage agents (four per region) each pushing a batch every 30 s to
`pantau serve`, beside a bare FastAPI app taking the same bodies at the same rate.

Data: 514 regencies and cities with one service each, and four agents per region registered
in bulk (each with its own `agent:push` key bound to its region, as `POST /api/v1/agents`
issues them), on a SQLite file and on PostgreSQL.

Pantau: `pantau serve` in its own process (uvicorn with Pantau's options, access log on),
checker and dispatcher off, so its CPU time is the pushes' (and the lifespan's idle work,
measured beforehand). Floor: a bare FastAPI app under uvicorn whose one route reads the same
POST body, parses its JSON and answers 200 with a receipt.

Load: a generator in its own process plays every agent as app/agent does it with its
defaults: one probe round of four targets (central, office, two public) every 30 s, pushed as
soon as the round ends, so each batch holds the round's four results with increasing seqs;
each agent on its own phase, the phases spread over the 30 s. Each push opens a fresh
connection: the agent's client keeps one, but Pantau closes it after 5 s idle. The two
servers take the load in turn, in slices (Pantau, floor, Pantau, floor …), after a warm-up
in which every agent pushes once, so both see the same machine. Figures per server: CPU from
/proc/<pid>/stat (% of one core and ms per push, which other load on the machine does not
inflate as it does wall time), push latency p50/p99/max from connecting to the whole answer,
errors. Pantau / floor is the ratio of CPU per push.

    python bench/agents.py                        # 2,000 agents, SQLite then PostgreSQL
    python bench/agents.py --quick                # 200 agents, short slices, SQLite only
    python bench/agents.py --backends sqlite --agents 2000 --rounds 1
    python bench/agents.py --before 6d41077       # also that commit's app, same database and
                                                  # load, in its own slices (before / after)
    python bench/agents.py --backends sqlite --rounds 1 --py-spy /tmp/spy.txt   # profile
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/benchkit.py
from benchkit import drop_postgres, free_port, postgres_database, wait_serving  # noqa: E402

from app.core.regions.registry import load_regions  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.agents import Agent, add_agent  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.keys import Scope, create_key  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.models import Service  # noqa: E402
from app.store.types import utcnow  # noqa: E402

PERIOD_SECONDS = 30.0  # the agent's default probe interval; it pushes after every round
PER_REGION = 4
TARGETS: tuple[tuple[str, str], ...] = (("central-1", "central"), ("office-1", "office"))
TARGETS += (("public-1", "public"), ("public-2", "public"))
TARGET_CPU_PCT = 20.0
TARGET_P99_MS = 200.0
NATIONAL_AGENTS = 2000
PUSH_TIMEOUT_SECONDS = 30.0  # the agent's own client timeout
MAX_IN_FLIGHT = 4000  # bounds the generator if a server stalls: later pushes count as errors
POSTGRES_DB = f"pantau_bench_agents_{os.getpid()}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, run_checker=False, run_dispatcher=False)


async def seed(url: str, agents: int) -> list[tuple[int, str]]:
    """514 services, and `agents` agents, PER_REGION to a region, each with its own key."""
    settings = settings_for(url)
    await import_registry(settings)
    database = Database(settings)
    codes = [r.code for r in load_regions() if r.parent_code is not None]
    now = utcnow()
    issued: list[tuple[int, str]] = []
    try:
        async with database.transaction() as session:
            session.add_all(
                Service(
                    region_code=c, name=f"SIAK {c}", url="http://127.0.0.1:9/", next_check_at=now
                )
                for c in codes
            )
            for n in range(agents):
                code = codes[(n // PER_REGION) % len(codes)]
                key, token = await create_key(
                    session,
                    name=f"agent bench-{n}",
                    scopes=[Scope.AGENT_PUSH],
                    created_by="bench",
                    region_code=code,
                )
                agent = Agent(
                    region_code=code, name=f"bench-{n}", key_id=key.id, created_by="bench"
                )
                await add_agent(session, agent)
                assert agent.id is not None
                issued.append((agent.id, token))
    finally:
        await database.dispose()
    return issued


def floor_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/agents/{agent_id}/results")
    async def results(agent_id: int, request: Request) -> dict[str, Any]:
        batch = json.loads(await request.body())
        last = batch["results"][-1]["seq"] if batch["results"] else None
        accepted = len(batch["results"])
        return {"accepted": accepted, "duplicates": 0, "clamped": 0, "last_seq": last}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve_floor(port: int) -> None:
    import uvicorn

    uvicorn.run(floor_app(), host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=5)


def checkout(ref: str, folder: Path) -> Path:
    """`ref`'s app (with its migrations), to serve as "before" beside the working tree's."""
    target = folder / "before"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "app", "migrations", "alembic.ini"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def start_pantau(
    url: str, port: int, folder: Path, code: Path | None = None
) -> subprocess.Popen[bytes]:
    """As an operator runs it: `pantau serve`, its log to a file (access log included);
    `code`: a checkout whose app to serve instead of this tree's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env |= {
        "PANTAU_DATABASE_URL": url,
        "PANTAU_HOST": "127.0.0.1",
        "PANTAU_PORT": str(port),
        "PANTAU_RUN_CHECKER": "false",
        "PANTAU_RUN_DISPATCHER": "false",
    }
    log = (folder / f"pantau-{port}.log").open("wb")
    if code is None:
        command = [str(Path(sys.executable).parent / "pantau"), "serve"]
    else:  # run from the checkout, whose app then comes first on sys.path
        command = [sys.executable, "-c", "from app.cli import main; main()", "serve"]
    return subprocess.Popen(command, env=env, cwd=code or folder, stdout=log, stderr=log)


def start_floor(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--serve-floor", "--port", str(port)])


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# The load generator (its own process) ---------------------------------------------------


def batch_body(stream: str, first_seq: int, rng: random.Random) -> bytes:
    """What app/agent/push.py sends after one probe round of TARGETS."""
    now = datetime.now(UTC)
    observed = now - timedelta(seconds=rng.uniform(0.05, 2.0))
    results = []
    for i, (name, role) in enumerate(TARGETS):
        reachable = rng.random() > 0.02
        results.append(
            {
                "seq": first_seq + i,
                "target": name,
                "role": role,
                "observed_at": observed.isoformat(),
                "reachable": reachable,
                "status_code": 200 if reachable else None,
                "latency_ms": round(rng.uniform(3, 400), 1),
                "failure": None if reachable else "timeout",
            }
        )
    body = {
        "stream": stream,
        "sent_at": now.isoformat(),
        "agent_version": "0.1.0",
        "interval_seconds": PERIOD_SECONDS,
        "results": results,
    }
    return json.dumps(body).encode()


async def push_once(port: int, agent_id: int, token: str, body: bytes) -> int:
    """One push on a fresh connection, as httpx sends it; the answer's status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (
            f"POST /api/v1/agents/{agent_id}/results HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
            f"Connection: keep-alive\r\nUser-Agent: pantau-agent\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n"
            "Content-Type: application/json\r\n\r\n"
        )
        writer.write(head.encode() + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        return status
    finally:
        writer.close()


class Generator:
    def __init__(self, agents: list[tuple[int, str]], period: float, seed: int = 19) -> None:
        self.agents = agents
        self.period = period
        self.rng = random.Random(seed)
        self.streams = [uuid.uuid4().hex for _ in agents]
        self.next_seq = [1] * len(agents)
        spread = [(i + self.rng.random()) * period / len(agents) for i in range(len(agents))]
        self.order = sorted(range(len(agents)), key=lambda i: spread[i])
        self.phase = [spread[i] for i in self.order]
        self.count = 0  # pushes scheduled so far, across slices: each agent keeps its cadence
        self.began = 0.0
        self.in_flight = 0

    def due(self, k: int) -> float:
        n = len(self.agents)
        return self.began + self.phase[k % n] + (k // n) * self.period

    async def _one(self, port: int, index: int, into: dict[str, Any]) -> None:
        agent_id, token = self.agents[index]
        seq = self.next_seq[index]
        self.next_seq[index] += len(TARGETS)
        body = batch_body(self.streams[index], seq, self.rng)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PUSH_TIMEOUT_SECONDS):
                status = await push_once(port, agent_id, token, body)
        except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError) as e:
            into["errors"][type(e).__name__] = into["errors"].get(type(e).__name__, 0) + 1
            return
        finally:
            self.in_flight -= 1
        into["latencies"].append(time.perf_counter() - started)
        if status != 200:
            into["errors"][f"HTTP {status}"] = into["errors"].get(f"HTTP {status}", 0) + 1

    async def slice(self, port: int, pid: int, seconds: float) -> dict[str, Any]:
        """Every push falling due in the next `seconds` goes to this server; its CPU is taken
        from the slice's start until its last push is answered."""
        if not self.began:
            self.began = time.perf_counter()
        got: dict[str, Any] = {"latencies": [], "errors": {}}
        tasks: list[asyncio.Task[None]] = []
        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        end = wall0 + seconds
        while (at := self.due(self.count)) < end:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            index = self.order[self.count % len(self.agents)]
            self.count += 1
            if self.in_flight >= MAX_IN_FLIGHT:
                got["errors"]["generator full"] = got["errors"].get("generator full", 0) + 1
                continue
            self.in_flight += 1
            tasks.append(asyncio.create_task(self._one(port, index, got)))
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        await asyncio.gather(*tasks)
        cpu, wall = cpu_seconds(pid) - cpu0, time.perf_counter() - wall0
        # Agents wait out a slow answer (the next slice starts after it) rather than bunching
        # up behind it: the next server gets the same steady rate, not a backlog.
        self.began += max(0.0, wall - seconds)
        return {"pushes": len(tasks), "cpu_s": cpu, "wall_s": wall, **got}


async def idle_cpu(pid: int, seconds: float) -> float:
    cpu0 = cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pid) - cpu0) / seconds


def summary(slices: list[dict[str, Any]], idle_pct: float, agents: int) -> dict[str, Any]:
    latencies = sorted(x for s in slices for x in s["latencies"])
    pushes = sum(s["pushes"] for s in slices)
    cpu, wall = sum(s["cpu_s"] for s in slices), sum(s["wall_s"] for s in slices)
    errors: dict[str, int] = {}
    for s in slices:
        for kind, n in s["errors"].items():
            errors[kind] = errors.get(kind, 0) + n
    cpu_ms = 1000 * cpu / pushes if pushes else 0.0
    return {
        "pushes": pushes,
        "pushes_per_s": pushes / wall if wall else 0.0,
        "cpu_pct": 100 * cpu / wall if wall else 0.0,
        "cpu_ms_per_push": cpu_ms,
        # The same CPU per push at NATIONAL_AGENTS agents' rate, for runs with fewer agents.
        "cpu_pct_national": cpu_ms * NATIONAL_AGENTS / PERIOD_SECONDS / 10,
        "idle_cpu_pct": idle_pct,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else 0.0,
        "max_ms": 1000 * latencies[-1] if latencies else 0.0,
        "errors": errors,
        "agents": agents,
    }


async def drive(plan: dict[str, Any]) -> dict[str, Any]:
    servers = plan["servers"]  # name → [port, pid]
    agents = [(int(a), str(t)) for a, t in plan["agents"]]
    generator = Generator(agents, plan["period"])
    pids = [pid for _, pid in servers.values()]
    idle_pcts = await asyncio.gather(*(idle_cpu(pid, plan["idle_seconds"]) for pid in pids))
    idle = dict(zip(servers, idle_pcts, strict=True))
    for name, seconds in plan["warmup"]:
        port, pid = servers[name]
        await generator.slice(port, pid, seconds)
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    for _ in range(plan["rounds"]):
        for name, (port, pid) in servers.items():
            measured[name].append(await generator.slice(port, pid, plan["slice_seconds"]))
    return {name: summary(s, idle[name], len(agents)) for name, s in measured.items()}


def loadgen(plan_file: Path) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    plan = json.loads(plan_file.read_text())
    try:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            found = runner.run(drive(plan))
    except ImportError:
        found = asyncio.run(drive(plan))
    print(json.dumps(found))


# The run -------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if backend == "sqlite":
            url: str | None = f"sqlite+aiosqlite:///{folder / 'agents.db'}"
        else:
            url = asyncio.run(postgres_database(POSTGRES_DB))
            if url is None:
                return None
        assert url is not None
        try:
            began = time.perf_counter()
            upgrade_schema(settings_for(url))
            agents = asyncio.run(seed(url, args.agents))
            seeded = time.perf_counter() - began
            print(f"{backend}: seeded 514 services and {len(agents)} agents in {seeded:.0f} s")
            found = measure(url, agents, args, folder)
            found["seed_s"] = seeded
            return found
        finally:
            if backend == "postgresql":
                asyncio.run(drop_postgres(POSTGRES_DB))


def measure(
    url: str, agents: list[tuple[int, str]], args: argparse.Namespace, folder: Path
) -> dict[str, Any]:
    """Pantau (and, with --before, the same database served by an older commit's app) and
    the floor, under the load generator."""
    ports = {"pantau": free_port(), "floor": free_port()}
    processes = {"pantau": start_pantau(url, ports["pantau"], folder)}
    if args.before:
        ports["before"] = free_port()
        code = checkout(args.before, folder)
        processes["before"] = start_pantau(url, ports["before"], folder, code)
    processes["floor"] = start_floor(ports["floor"])
    spy: subprocess.Popen[bytes] | None = None
    try:
        for name, process in processes.items():
            wait_serving(process, ports[name], "/healthz", name, tries=600)
        if args.py_spy:  # samples Pantau from the warm-up on, until it stops
            pid = str(processes["pantau"].pid)
            spy_args = ["record", "--gil", "-p", pid, "-o", str(args.py_spy), "-f", "raw"]
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), *spy_args])
        # Every agent's first push goes to each Pantau (a first push is not like the rest).
        warmup = [[name, args.warmup] for name in processes if name != "floor"]
        plan = {
            "servers": {name: [ports[name], p.pid] for name, p in processes.items()},
            "agents": agents,
            "period": PERIOD_SECONDS,
            "idle_seconds": args.idle,
            "warmup": [*warmup, ["floor", args.slice / 3]],
            "rounds": args.rounds,
            "slice_seconds": args.slice,
        }
        plan_file = folder / "plan.json"
        plan_file.write_text(json.dumps(plan))
        slices = len(processes) * args.rounds * (args.slice + 40)
        timeout = 120 + len(warmup) * args.warmup + args.idle + slices
        out = subprocess.run(
            [sys.executable, __file__, "--loadgen", str(plan_file)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if out.returncode != 0:
            raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
        found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        found["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        return found
    finally:
        for process in processes.values():
            stop(process)
        if spy is not None:
            spy.wait(30)


def report(found: dict[str, Any | None], args: argparse.Namespace) -> None:
    print(
        f"{args.agents} agents, a batch of {len(TARGETS)} results each every "
        f"{PERIOD_SECONDS:g} s ({args.agents / PERIOD_SECONDS:.1f} pushes/s); "
        f"{args.rounds} x {args.slice:g} s per server, interleaved; CPU from /proc/<pid>/stat"
    )
    print(
        f"{'database':10} {'server':6} {'pushes':>6} {'push/s':>6} {'CPU %':>6} {'idle %':>6} "
        f"{'ms/push':>7} {'@2000 %':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'vs floor':>8}  errors"
    )
    for backend, result in found.items():
        if result is None:
            print(f"{backend:10} skipped (not reachable)")
            continue
        floor_ms = result["floor"]["cpu_ms_per_push"]
        for server in ("floor", "before", "pantau"):
            if server not in result:
                continue
            r = result[server]
            ratio = r["cpu_ms_per_push"] / floor_ms if floor_ms else 0.0
            print(
                f"{backend:10} {server:6} {r['pushes']:>6} {r['pushes_per_s']:>6.1f} "
                f"{r['cpu_pct']:>6.1f} {r['idle_cpu_pct']:>6.1f} {r['cpu_ms_per_push']:>7.2f} "
                f"{r['cpu_pct_national']:>7.1f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
                f"{r['max_ms']:>7.1f} {ratio:>7.2f}x  {r['errors'] or '-'}"
            )
        print(f"{backend:10} load average at the end: {result['load']}")


def section(text: str, found: dict[str, Any] | None) -> list[str]:
    """BENCHMARKS.md's section for this benchmark, from its report and closing JSON line."""
    lines = ["## (g) Vantage agents at national scale: pushes against a bare FastAPI app", ""]
    if found is None:
        return [*lines, "```", text, "```", ""]
    backends = found.get("backends", {})
    lines += [
        f"{found.get('agents', NATIONAL_AGENTS):,} agents (four per region) each pushing a batch "
        f"of {len(TARGETS)} results every {PERIOD_SECONDS:g} s, their phases spread over the "
        "period, each push on a fresh connection (bench/agents.py), to `pantau serve` (access "
        "log on, checker and dispatcher off) and, in alternating slices of the same run, to "
        "a floor: a bare FastAPI app under uvicorn that parses the same bodies and answers "
        "200. CPU is the server process's (/proc/<pid>/stat), which other load on the machine "
        "does not inflate as it does latency; `@2,000` is the CPU per push at 2,000 agents' "
        "rate (the measured figure when 2,000 agents ran).",
        "",
        "| database | subject | CPU ms/push (floor's) | CPU vs floor | CPU % (@2,000) | "
        f"p50 / p99 / max ms | errors | target CPU < {TARGET_CPU_PCT:.0f} % | "
        f"target p99 < {TARGET_P99_MS:.0f} ms |",
        "|---|---|---:|---:|---:|---:|---|---|---|",
    ]
    for backend, result in backends.items():
        if result is None:
            lines.append(f"| {backend} | skipped | | | | | | | |")
            continue
        floor = result["floor"]
        for subject in ("before", "pantau"):
            if subject not in result:
                continue
            ours = result[subject]
            ratio = ours["cpu_ms_per_push"] / floor["cpu_ms_per_push"]
            errors = sum(ours["errors"].values())
            name = "Pantau" if subject == "pantau" else f"Pantau before ({found.get('before')})"
            lines.append(
                f"| {backend} | {name} | {ours['cpu_ms_per_push']:.2f} "
                f"({floor['cpu_ms_per_push']:.2f}) | **{ratio:.2f}x** | "
                f"{ours['cpu_pct']:.1f} ({ours['cpu_pct_national']:.1f}) | "
                f"{ours['p50_ms']:.0f} / {ours['p99_ms']:.0f} / {ours['max_ms']:.0f} | {errors} | "
                f"{verdict(ours['cpu_pct_national'] < TARGET_CPU_PCT and not errors)} | "
                f"{verdict(ours['p99_ms'] < TARGET_P99_MS and not errors)} |"
            )
        lines.append(f"| {backend} | load average at the end | {result['load']} | | | | | | |")
    return [*lines, ""]


def verdict(ok: bool) -> str:
    return "meets" if ok else "**misses**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=NATIONAL_AGENTS)
    parser.add_argument("--rounds", type=int, default=2, help="slices per server")
    parser.add_argument("--slice", type=float, default=PERIOD_SECONDS, help="seconds a slice")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU first")
    parser.add_argument("--warmup", type=float, default=PERIOD_SECONDS, help="seconds, Pantau")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="200 agents, 2 x 10 s, SQLite")
    parser.add_argument("--py-spy", type=Path, help="py-spy record Pantau into this file")
    parser.add_argument("--before", help="also serve this commit's app (git ref), as before")
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--loadgen", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.port)
        return
    if args.loadgen:
        loadgen(args.loadgen)
        return
    if args.quick:
        args.agents, args.rounds, args.slice, args.backends = 200, 2, 5, "sqlite"
        args.idle, args.warmup = 2, 8
    found = {b: run_backend(b, args) for b in args.backends.split(",")}
    report(found, args)
    print(json.dumps({"agents": args.agents, "before": args.before, "backends": found}))


if __name__ == "__main__":
    main()
