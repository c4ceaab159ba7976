"""Read-API benchmark: Pantau's routes beside a bare FastAPI app that serves the same JSON
documents with a declared response_model, both under uvicorn on 127.0.0.1 in their own
processes, measured in one run. The bare app has two floors per document: returning it as a
model (FastAPI validates and serialises it per request) and returning its bytes.

Data: 514 monitored regencies/cities (one service each) and ~50,000 transitions over 90 days:
the newest 2,000 through the real `append_transition` (incidents and outbox rows included),
the older ones as batched rows of the same shape (the real path would take minutes).
Load: N concurrent clients (asyncio + httpx, one keep-alive connection each), a warm-up,
then a fixed duration per route; requests/s and p99 latency, and Pantau / floor as ratios.

    python bench/api.py                                 # SQLite, 50,000 transitions, 5 s each
    python bench/api.py --transitions 5000 --duration 2
    python bench/api.py --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Response
from sqlalchemy import bindparam, insert, update
from sqlmodel import col

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/benchkit.py
import httpload  # noqa: E402  (bench/, beside this script)
from benchkit import free_port, wait_serving  # noqa: E402

from app.core.domain import Reason, State, TransitionSource  # noqa: E402
from app.core.regions.registry import load_regions  # noqa: E402
from app.core.state_machine import Change  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.models import Service, Transition  # noqa: E402
from app.store.types import utcnow  # noqa: E402
from app.usecases.transitions import append_transition  # noqa: E402

ROUTES = {  # name → (path, response model as "module:Class")
    "status": ("/api/v1/status", "app.api.schemas.status:StatusSummary"),
    "summary": ("/api/v2/summary.json", "app.reads.statuspage_shapes:SummaryDocument"),
    "history": ("/api/v1/regions/73.73/history?limit=50", "app.api.schemas.history:HistoryPage"),
}
FAILURES = [Reason.NETWORK_TIMEOUT, Reason.UPSTREAM_ERROR, Reason.POLICY_CUTOFF]
FAILURES += [Reason.MAINTENANCE_ANNOUNCED, Reason.PERFORMANCE_SLOW, Reason.NETWORK_REFUSED]
ROUNDS = 5
STILL_DOWN = 25  # regions left not operational at the end, as on a bad day
REAL_TRANSITIONS = 2000
RNG = random.Random(7)


def bench_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, run_checker=False, run_dispatcher=False)


async def _transition(session: Any, service: Service, reason: Reason, at: Any) -> None:
    assert service.id is not None and reason.state is not None
    change = Change(State(service.state), reason.state, reason)
    values = {"state": reason.state, "reason": reason, "state_changed_at": at}
    await (await session.connection()).execute(
        update(Service).where(col(Service.id) == service.id).values(**values)
    )
    service.state, service.reason = reason.state, reason
    await append_transition(
        session,
        service_id=service.id,
        region_code=service.region_code,
        change=change,
        source=TransitionSource.PROBE,
        at=at,
        evidence={"rule": "bench"},
    )


def _row(service: Service, reason: Reason, at: datetime) -> dict[str, Any]:
    """A transition row as append_transition writes it (before incident bookkeeping)."""
    return {
        "service_id": service.id,
        "region_code": service.region_code,
        "from_state": str(service.state),
        "to_state": str(reason.state),
        "reason": str(reason),
        "source": str(TransitionSource.PROBE),
        "at": at,
        "evidence": {"rule": "bench"},
    }


async def _bulk(database: Database, services: list[Service], plan: list[Any]) -> None:
    """The older history as batched rows of the same shape, and the services' states after."""
    rows = []
    for service, at in plan:
        reason = RNG.choice(FAILURES) if service.state == State.OPERATIONAL else Reason.OK
        rows.append(_row(service, reason, at))
        service.state, service.reason, service.state_changed_at = reason.state, reason, at
    async with database.transaction() as session:
        connection = await session.connection()
        for start in range(0, len(rows), 1000):
            await connection.execute(insert(Transition), rows[start : start + 1000])
        states = [
            {
                "b_id": s.id,
                "b_state": str(s.state),
                "b_reason": s.reason,
                "b_at": s.state_changed_at,
            }
            for s in services
        ]
        by_id = col(Service.id) == bindparam("b_id")
        values: dict[str, Any] = {"state": bindparam("b_state"), "reason": bindparam("b_reason")}
        statement = update(Service).where(by_id).values(state_changed_at=bindparam("b_at"))
        await connection.execute(statement.values(**values), states)


async def seed(settings: Settings, count: int) -> None:
    """514 services; `count` transitions over 90 days, the newest REAL_TRANSITIONS of them
    through append_transition (incidents and outbox rows too), the older ones batched."""
    await import_registry(settings)
    database = Database(settings)
    now = utcnow()
    codes = [r.code for r in load_regions() if r.parent_code is not None]
    async with database.transaction() as session:
        services = [
            Service(region_code=c, name=f"SIAK {c}", url="http://127.0.0.1:9/", next_check_at=now)
            for c in codes
        ]
        session.add_all(services)
    step, first = timedelta(days=90) / count, now - timedelta(days=90)
    order = services + [RNG.choice(services) for _ in range(count - len(services))]
    plan = [(service, first + step * i) for i, service in enumerate(order)]
    cut = max(0, len(plan) - REAL_TRANSITIONS)
    await _bulk(database, services, plan[:cut])
    for start in range(cut, len(plan), 500):
        async with database.transaction() as session:
            for service, at in plan[start : start + 500]:
                up = service.state == State.OPERATIONAL
                await _transition(session, service, RNG.choice(FAILURES) if up else Reason.OK, at)
    async with database.transaction() as session:  # a bad day, not a disaster
        down = [s for s in services if s.state != State.OPERATIONAL][STILL_DOWN:]
        for i, service in enumerate(down, start=1):
            await _transition(session, service, Reason.OK, now - step * (1 - i / (len(down) + 1)))
    await database.dispose()


def _returning(document: Any) -> Callable[[], Awaitable[Any]]:
    async def endpoint() -> Any:
        return document

    return endpoint


def _returning_bytes(body: bytes) -> Callable[[], Awaitable[Response]]:
    async def endpoint() -> Response:
        return Response(body, media_type="application/json")

    return endpoint


def bare_app(folder: Path) -> FastAPI:
    """Each document twice: `/model/...` returns it as a model through its response_model
    (FastAPI validates and serialises it per request); `/bytes/...` returns its bytes."""
    app = FastAPI()
    for name, (path, model_ref) in ROUTES.items():
        module, cls = model_ref.split(":")
        model = getattr(importlib.import_module(module), cls)
        body = (folder / f"{name}.json").read_bytes()
        document = model.model_validate_json(body)
        route = path.split("?")[0]
        app.add_api_route(f"/model{route}", _returning(document), response_model=model)
        app.add_api_route(f"/bytes{route}", _returning_bytes(body), response_model=model)
    return app


def serve(kind: str, target: str, port: int) -> None:
    """Runs in a child process: Pantau on the database, or the bare app on saved documents."""
    import uvicorn

    from app.main import create_app

    app = create_app(bench_settings(target)) if kind == "pantau" else bare_app(Path(target))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(kind: str, target: str, port: int, probe_path: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, __file__, "--serve", kind, "--target", target, "--port", str(port)]
    return wait_serving(subprocess.Popen(args), port, probe_path, f"{kind} server")


def save_documents(base_url: str, folder: Path) -> dict[str, int]:
    sizes = {}
    for name, (path, _) in ROUTES.items():
        body = httpx.get(base_url + path, headers={"Accept-Encoding": "identity"}).content
        (folder / f"{name}.json").write_bytes(body)
        sizes[name] = len(body)
    return sizes


def same_json(a: str, b: str) -> bool:
    return bool(json.loads(httpx.get(a).content) == json.loads(httpx.get(b).content))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transitions", type=int, default=50_000)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--gzip", action="store_true", help="ask for gzip (default: identity)")
    parser.add_argument("--serve", choices=["pantau", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.target, args.port)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        began = time.perf_counter()
        upgrade_schema(bench_settings(url))
        asyncio.run(seed(bench_settings(url), args.transitions))
        seeded = time.perf_counter() - began
        print(f"seeded 514 regions, {args.transitions} transitions in {seeded:.0f} s")
        pantau_port, bare_port = free_port(), free_port()
        pantau = start("pantau", url, pantau_port, "/healthz")
        try:
            pantau_url = f"http://127.0.0.1:{pantau_port}"
            sizes = save_documents(pantau_url, folder)
            bare = start("bare", str(folder), bare_port, "/bytes" + ROUTES["status"][0])
            try:
                report(args, pantau_url, f"http://127.0.0.1:{bare_port}", sizes)
            finally:
                bare.terminate()
                bare.wait()
        finally:
            pantau.terminate()
            pantau.wait()


def report(args: argparse.Namespace, pantau: str, bare: str, sizes: dict[str, int]) -> None:
    encoding = "gzip" if args.gzip else "identity"
    print(
        f"{args.concurrency} concurrent clients, {args.duration:g} s per route and app "
        f"in {ROUNDS} interleaved slices, Accept-Encoding: {encoding}"
    )
    print(
        f"{'route':40} {'bytes':>7} | {'pantau rps':>10} {'p99 ms':>7} | {'model rps':>9} "
        f"{'p99 ms':>7} {'ratio':>6} | {'bytes rps':>9} {'p99 ms':>7} {'ratio':>6}"
    )
    for name, (path, _) in ROUTES.items():
        route = path.split("?")[0]
        urls = {"pantau": pantau + path}
        urls |= {floor: f"{bare}/{floor}{route}" for floor in ("model", "bytes")}
        for floor in ("model", "bytes"):
            assert same_json(urls["pantau"], urls[floor]), f"{path}: documents differ"
        got = httpload.run(
            httpload.measure(
                urls,
                duration=args.duration,
                concurrency=args.concurrency,
                rounds=ROUNDS,
                headers={"Accept-Encoding": encoding},
            )
        )
        ours = got["pantau"]
        line = f"{path:40} {sizes[name]:>7} | {ours['rps']:>10.0f} {ours['p99_ms']:>7.1f}"
        for floor in ("model", "bytes"):
            ratio = ours["rps"] / got[floor]["rps"]
            line += f" | {got[floor]['rps']:>9.0f} {got[floor]['p99_ms']:>7.1f} {ratio:>5.2f}x"
        print(line)


if __name__ == "__main__":
    main()
