"""`make run` as a newcomer tries it: `pantau db upgrade`, then `pantau serve` with the demo
on, for real in a subprocess (a temporary SQLite file, a free port). Within a minute the API
and the status page show a network outage, Palopo's cutoff with its letter, maintenance, a
slow region and a central wave; the console shows verified webhook deliveries and the demo
citizen's mails (the confirmation, then Palopo's cutoff); Ctrl-C stops everything within
seconds. One process serves every test here, in order."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.core.domain import Reason
from app.demo.regions import PALOPO, WARNED
from tests.support.harness import PANTAU, free_port

pytestmark = pytest.mark.slow

LAUNCH_WITHIN = 60.0  # seconds from `make run` until every cause shows
STOP_WITHIN = 8.0
CUTOFF_LETTER = "400.8/1520/Dukcapil"
CAUSES = ("network", "cutoff", "maintenance", "degraded", "central")


def cause_of(region: dict[str, Any]) -> str | None:
    reason, state = region["reason"], region["state"]
    if reason == "policy.cutoff" and (region["declaration"] or {}).get("reference"):
        return "cutoff"
    if reason == "upstream.central":
        return "central"
    if state == "outage" and region["category"] == "network":
        return "network"
    return state if state in ("maintenance", "degraded") else None


class LiveDemo:
    """The demo process, its console, and what the API and the page showed over time."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database = workdir / "pantau.db"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
        self.env = clean | {
            "PANTAU_DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "PANTAU_PORT": str(self.port),
            "PANTAU_DEMO": "true",
        }
        self.workdir = workdir
        self.lines: list[str] = []
        self.seen: dict[str, dict[str, Any]] = {}
        self.page: tuple[str, list[dict[str, Any]]] | None = None  # HTML, regions shown then
        self.launched_at = 0.0
        self.process: subprocess.Popen[str] | None = None

    def launch(self) -> None:
        self.launched_at = time.monotonic()
        subprocess.run(
            [PANTAU, "db", "upgrade"], env=self.env, cwd=self.workdir, check=True, timeout=60
        )
        self.process = subprocess.Popen(
            [PANTAU, "serve"],
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=(self.workdir / "stderr.log").open("w"),
            text=True,
        )
        threading.Thread(target=self._read_console, daemon=True).start()

    def _read_console(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def watch(self, done: Callable[[], bool]) -> None:
        """Polls the status API (and the page, once everything shows at once) until `done`."""
        deadline = self.launched_at + LAUNCH_WITHIN
        with httpx.Client(base_url=self.base_url, timeout=5) as client:
            while not done():
                assert self.process is not None and self.process.poll() is None, self.console()
                if time.monotonic() > deadline:
                    raise AssertionError(f"within {LAUNCH_WITHIN}s saw only {sorted(self.seen)}")
                self._look(client)
                time.sleep(0.5)

    def _look(self, client: httpx.Client) -> None:
        try:
            shown = client.get("/api/v1/status").json()["not_operational"]
        except httpx.TransportError:
            return  # not listening yet
        causes = {cause_of(region): region for region in shown}
        for cause, region in causes.items():
            if cause is not None:
                self.seen.setdefault(cause, region)
        if self.page is None and {"network", "cutoff", "maintenance", "degraded"} <= set(causes):
            self.page = (client.get("/").text, shown)

    def console(self) -> str:
        return "\n".join(self.lines[-40:]) + (self.workdir / "stderr.log").read_text()[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    live = LiveDemo(tmp_path_factory.mktemp("demo"))
    live.launch()
    yield live
    live.stop()


def test_within_a_minute_the_api_shows_every_cause(demo: LiveDemo) -> None:
    demo.watch(lambda: set(CAUSES) <= set(demo.seen) and demo.page is not None)
    assert demo.seen["cutoff"]["code"] == PALOPO
    assert demo.seen["cutoff"]["declaration"]["reference"] == CUTOFF_LETTER
    with httpx.Client(base_url=demo.base_url) as client:
        palopo = client.get(f"/api/v1/regions/{PALOPO}").json()
        warned = client.get(f"/api/v1/regions/{WARNED}").json()
    assert palopo["declaration"]["reference"] == CUTOFF_LETTER
    assert palopo["declaration"]["issuer"].startswith("Ditjen Dukcapil")
    assert warned["warning"]["kind"] == "warning" and warned["warning"]["deadline"]


def test_the_status_page_shows_them_with_the_letter(demo: LiveDemo) -> None:
    demo.watch(lambda: demo.page is not None)
    assert demo.page is not None
    html, shown = demo.page
    assert CUTOFF_LETTER in html
    for region in shown:
        assert region["name"] in html
        assert Reason(region["reason"]).label_id in html  # Indonesian first


def test_the_console_prints_the_urls_and_verified_deliveries(demo: LiveDemo) -> None:
    demo.watch(lambda: any("policy.cutoff" in line for line in verified(demo)))
    console = "\n".join(demo.lines)
    for path in ("/", f"/regions/{PALOPO}", "/api/v1/status", "/docs"):
        assert f"{demo.base_url}{path} " in console
    kinds = {line.split()[2] for line in verified(demo)}
    assert {"policy.warning", "service.outage"} <= kinds
    assert "[webhook REJECTED]" not in console


def test_the_console_shows_the_citizens_mail(demo: LiveDemo) -> None:
    """The demo citizen confirmed through the mailbox, then heard of Palopo's cutoff."""
    cutoff = (
        f"Subjek / Subject: [Pantau] Kota Palopo: layanan e-KTP diputus (surat {CUTOFF_LETTER})"
    )
    demo.watch(lambda: any(cutoff in line for line in demo.lines))
    console = "\n".join(demo.lines)
    assert "[demo] warga@example.org berlangganan / subscribed" in console
    assert console.index("Konfirmasi langganan email") < console.index(cutoff)
    assert f"{demo.base_url}/subscribers/unsubscribe?token=" in console


def verified(demo: LiveDemo) -> list[str]:
    return [line for line in demo.lines if line.startswith("[webhook verified]")]


def test_ctrl_c_stops_service_simulator_and_receiver_within_seconds(demo: LiveDemo) -> None:
    token = re.search(r"admin token for this run: (\S+)", "\n".join(demo.lines))
    assert token is not None
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    with httpx.Client(base_url=demo.base_url, headers=headers) as client:
        (subscription,) = client.get("/api/v1/subscriptions").json()["items"]
        service = client.get("/api/v1/services", params={"region": PALOPO}).json()["items"][0]
    ports = [demo.port, port_of(subscription["url"]), port_of(service["url"])]
    assert all(is_listening(port) for port in ports)
    assert demo.process is not None
    started = time.monotonic()
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(timeout=STOP_WITHIN) == 0
    assert time.monotonic() - started < STOP_WITHIN
    assert not any(is_listening(port) for port in ports)
    with sqlite3.connect(demo.database) as db:
        running = db.execute("SELECT count(*) FROM service WHERE is_paused = 0").fetchone()
    assert running == (0,)  # a later run without the demo probes no vanished simulator


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def is_listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0
