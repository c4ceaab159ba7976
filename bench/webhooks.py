"""Webhook fan-out benchmark: 1,000 subscriptions and one policy cutoff → how long until every
subscriber has it, on loopback, against the floor (plain httpx posting the same signed bodies
to the same receiver at the same concurrency).

The real service (`pantau serve`, checker and dispatcher) probes the real simulator; the
simulator's endpoint then answers 451, the checker commits the cutoff and its 1,000 outbox
rows, and the dispatcher delivers them. Latency is measured from the event row's creation
(the commit) to each request's arrival at the receiver, which verifies every signature.

    python bench/webhooks.py                       # SQLite, default dispatcher settings
    python bench/webhooks.py --subscriptions 5000 --concurrency 100 --tick 0.2
    python bench/webhooks.py --database-url postgresql+asyncpg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/benchkit.py
from benchkit import free_port, percentile  # noqa: E402

from app.core.signing import signed_headers  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.simulator import Behaviour, Mode, Simulator  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.subscriptions import create_subscription  # noqa: E402
from app.store.types import utcnow  # noqa: E402
from app.store.webhooks import Delivery, DeliveryStatus, WebhookEvent  # noqa: E402

PANTAU = str(Path(sys.executable).with_name("pantau"))
TOKEN = "bench-admin-token"
REGION = "73.73"


@dataclass
class Receiver:
    """A keep-alive HTTP/1.1 receiver that records (arrival time, path, headers, body)."""

    arrivals: list[tuple[float, str, dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=2048)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = dict(
                    (k.strip().lower(), v.strip())
                    for k, v in (line.split(":", 1) for line in head[1:] if ":" in line)
                )
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.arrivals.append((time.time(), head[0].split(" ")[1], headers, body))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # a closed connection, or the benchmark shutting the server down
        finally:
            writer.close()


async def wait_until(check: Any, *, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while not (value := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {within} s")
        await asyncio.sleep(0.05)
    return value


async def create_subscriptions(database: Database, receiver: Receiver, count: int) -> list[str]:
    async with database.transaction() as session:
        rows = [
            await create_subscription(session, url=f"http://127.0.0.1:{receiver.port}/s/{i}")
            for i in range(count)
        ]
    return [row.secret for row in rows]


async def outage_event(database: Database) -> WebhookEvent | None:
    async with database.read() as session:
        query = select(WebhookEvent).where(col(WebhookEvent.type) == "service.outage")
        return (await session.exec(query)).first()


async def delivered(database: Database, count: int) -> bool:
    async with database.read() as session:
        query = select(Delivery).where(col(Delivery.status) == str(DeliveryStatus.SUCCEEDED))
        return len((await session.exec(query)).all()) >= count


def start_pantau(args: argparse.Namespace, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "PANTAU_DATABASE_URL": database_url,
        "PANTAU_ADMIN_TOKEN": TOKEN,
        "PANTAU_PORT": str(args.port),
        "PANTAU_LOG_LEVEL": "warning",
        "PANTAU_CHECKER_TICK_SECONDS": "0.2",
        "PANTAU_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "PANTAU_DISPATCHER_CONCURRENCY": str(args.concurrency),
        "PANTAU_DISPATCHER_TICK_SECONDS": str(args.tick),
    }
    with log.open("ab") as out:
        return subprocess.Popen([PANTAU, "serve"], env=env, stdout=out, stderr=out)


async def pantau_run(args: argparse.Namespace, database_url: str, tmp: Path) -> dict[str, Any]:
    database = Database(Settings(database_url=database_url))
    receiver = Receiver()
    server = await receiver.start()
    process = start_pantau(args, database_url, tmp / "pantau.log")
    try:
        async with Simulator() as sim:
            base = f"http://127.0.0.1:{args.port}"
            auth = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=base, headers=auth, timeout=10) as client:
                await wait_until(lambda: _ready(client), within=30, what="pantau ready")
                service = {
                    "region_code": REGION,
                    "name": "SIAK Palopo",
                    "url": sim.url_for(REGION),
                    "interval_seconds": 1,
                    "timeout_seconds": 0.8,
                    "failure_threshold": 1,
                    "success_threshold": 1,
                }
                response = await client.post("/api/v1/services", json=service)
                response.raise_for_status()
                sid = response.json()["id"]
                await wait_until(lambda: _operational(client, sid), within=20, what="operational")
            secrets = await create_subscriptions(database, receiver, args.subscriptions)
            sim.set(REGION, Behaviour(Mode.LEGAL))  # 451: an automatic policy cutoff
            event = await wait_until(lambda: outage_event(database), within=20, what="cutoff")
            await wait_until(
                lambda: _all_arrived(receiver, event.id, args.subscriptions),
                within=120,
                what="every delivery",
            )
            await wait_until(
                lambda: delivered(database, args.subscriptions),
                within=60,
                what="every delivery recorded",
            )
    finally:
        process.terminate()
        process.wait(15)
        server.close()
        await database.dispose()
    return _figures(receiver, event, secrets, args.subscriptions)


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _operational(client: httpx.AsyncClient, sid: int) -> bool:
    return (await client.get(f"/api/v1/services/{sid}")).json()["state"] == "operational"


async def _all_arrived(receiver: Receiver, event_id: str, count: int) -> bool:
    return len({a[1] for a in receiver.arrivals if a[2]["webhook-id"] == event_id}) >= count


def _figures(
    receiver: Receiver, event: WebhookEvent, secrets: list[str], count: int
) -> dict[str, Any]:
    t0 = event.created_at.timestamp()
    first: dict[str, float] = {}
    for at, path, headers, body in receiver.arrivals:
        if headers["webhook-id"] != event.id or path in first:
            continue
        index = int(path.rsplit("/", 1)[1])
        Webhook(secrets[index]).verify(body, headers)  # every one signed with its own secret
        first[path] = at - t0
    latencies = list(first.values())
    return _spread(latencies) | {
        "subscriptions": count,
        "delivered": len(latencies),
        "duplicates": sum(1 for a in receiver.arrivals if a[2]["webhook-id"] == event.id) - count,
    }


async def floor_send(url: str, count: int, concurrency: int) -> None:
    """The floor's sender (run in its own process, as the dispatcher is): plain httpx posting
    `count` signed bodies of a cutoff's size, `concurrency` at a time."""
    body = json.dumps({"type": "service.outage", "data": {"pad": "x" * 1500}})
    secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    # Keep-alive off, as in the dispatcher: httpx's pool is slower with it on loopback.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    semaphore = asyncio.Semaphore(concurrency)

    async def send(client: httpx.AsyncClient, i: int) -> None:
        async with semaphore:
            headers = signed_headers(event_id="msg_floor", body=body, secrets=[secret], at=utcnow())
            response = await client.post(f"{url}/s/{i}", content=body.encode(), headers=headers)
            response.raise_for_status()

    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        print(time.time(), flush=True)  # the start, after imports: the parent's t0
        await asyncio.gather(*(send(client, i) for i in range(count)))


async def floor_run(args: argparse.Namespace) -> dict[str, Any]:
    receiver = Receiver()
    server = await receiver.start()
    url = f"http://127.0.0.1:{receiver.port}"
    sender = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--floor-sender",
        url,
        "--subscriptions",
        str(args.subscriptions),
        "--concurrency",
        str(args.concurrency),
        stdout=asyncio.subprocess.PIPE,
    )
    assert sender.stdout is not None
    t0 = float((await sender.stdout.readline()).decode())
    await sender.wait()
    server.close()
    return _spread([at - t0 for at, *_ in receiver.arrivals])


def _spread(latencies: list[float]) -> dict[str, Any]:
    return {
        "first_s": round(min(latencies), 3),
        "p50_s": round(percentile(latencies, 0.50), 3),
        "p99_s": round(percentile(latencies, 0.99), 3),
        "all_s": round(max(latencies), 3),
    }


def _line(figures: dict[str, Any]) -> str:
    names = ("first", "p50", "p99", "all")
    return "  ".join(f"{name} {figures[name + '_s']:.3f} s" for name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=Settings().dispatcher_concurrency)
    parser.add_argument("--tick", type=float, default=Settings().dispatcher_tick_seconds)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--floor-sender", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_sender:
        asyncio.run(floor_send(args.floor_sender, args.subscriptions, args.concurrency))
        return
    args.port = free_port()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        database_url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        settings = Settings(database_url=database_url)
        upgrade_schema(settings)
        asyncio.run(import_registry(settings))
        pantau = asyncio.run(pantau_run(args, database_url, tmp))
    floor = asyncio.run(floor_run(args))
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    print(
        f"webhooks: {args.subscriptions} subscriptions, one cutoff, {engine}, "
        f"dispatcher concurrency {args.concurrency}, tick {args.tick} s"
    )
    print(f"  pantau, commit → arrival:       {_line(pantau)}")
    print(
        f"    {pantau['delivered']} delivered, every signature verified, "
        f"{pantau['duplicates']} duplicates"
    )
    print(f"  floor, raw httpx, same receiver: {_line(floor)}")
    print(f"  all delivered: {pantau['all_s'] / floor['all_s']:.1f}× the floor's time")
    print(json.dumps({"pantau": pantau, "floor": floor, "engine": engine}))


if __name__ == "__main__":
    main()
