"""The agent, for its tests: registering one and building its result batches through the API,
the agent as a real subprocess, and an uplink relay in front of Pantau that a test can cut, or
make lose every reply."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx

from app.store.types import utcnow
from tests.support.harness import PANTAU

ROLES = ("central", "office", "public")


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], region: str = "73.73", name: str = "a"
) -> dict[str, Any]:
    body = {"region_code": region, "name": name}
    response = await client.post("/api/v1/agents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    agent: dict[str, Any] = response.json()
    return agent


def result(
    seq: int, *, role: str = "central", reachable: bool = True, at: datetime | None = None
) -> dict[str, Any]:
    return {
        "seq": seq,
        "target": f"{role}-1",
        "role": role,
        "observed_at": (at or utcnow() - timedelta(seconds=1)).isoformat(),
        "reachable": reachable,
        "status_code": 200 if reachable else None,
        "latency_ms": 4.0,
        "failure": None if reachable else "timeout",
    }


def round_of(first_seq: int, **reachable: bool) -> list[dict[str, Any]]:
    """One probe round: a result per role given, e.g. round_of(1, central=False, public=True)."""
    return [
        result(first_seq + i, role=role, reachable=reachable[role])
        for i, role in enumerate(r for r in ROLES if r in reachable)
    ]


def batch(
    results: list[dict[str, Any]], *, stream: str = "s1", sent_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "stream": stream,
        "sent_at": (sent_at or utcnow()).isoformat(),
        "agent_version": "0.1.0",
        "interval_seconds": 1,
        "results": results,
    }


async def push(
    client: httpx.AsyncClient, agent: dict[str, Any], body: dict[str, Any], token: str = ""
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or agent['token']}"}
    return await client.post(f"/api/v1/agents/{agent['id']}/results", json=body, headers=headers)


UplinkMode = Literal["up", "down", "lose_replies"]


class Uplink:
    """A TCP relay to 127.0.0.1:`target_port`. `down` refuses every connection at once;
    `lose_replies` forwards requests (the server acts on them) but drops the answers."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode: UplinkMode = "up"
        self.replies_lost = 0
        self._live: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Uplink:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.set("down")
        assert self._server is not None
        self._server.close()

    def set(self, mode: UplinkMode) -> None:
        self.mode = mode
        if mode != "up":  # kept-alive connections must not slip past the change
            for writer in list(self._live):
                writer.transport.abort()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "down":
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        pair = (writer, up_writer)
        self._live.update(pair)
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, is_reply=False),
                self._pipe(up_reader, writer, is_reply=True),
            )
        finally:
            for end in pair:
                end.transport.abort()
                self._live.discard(end)

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, is_reply: bool
    ) -> None:
        try:
            while data := await source.read(65536):
                if is_reply and self.mode == "lose_replies":
                    self.replies_lost += 1
                    break
                if self.mode == "down":
                    break
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.transport.abort()  # which ends the other direction too


class AgentProcess:
    """`pantau agent` with a one-second interval, its log in `log_path`."""

    def __init__(
        self,
        *,
        server_url: str,
        agent_id: int,
        token: str,
        state_dir: Path,
        log_path: Path,
        targets: dict[str, list[str]],
    ) -> None:
        self.args = [
            "agent",
            f"--server={server_url}",
            f"--agent-id={agent_id}",
            f"--state-dir={state_dir}",
            "--interval=1",
            "--timeout=0.5",
            "--max-backoff=0.5",
            "--log-level=warning",
        ]
        self.args += [f"--{role}={url}" for role, urls in targets.items() for url in urls]
        self.env = os.environ | {"PANTAU_AGENT_TOKEN": token}
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                PANTAU, *self.args, env=self.env, stdout=log, stderr=log
            )

    async def stop(self) -> int:
        """SIGTERM: the agent pushes what it can, then exits 0."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
            raise
