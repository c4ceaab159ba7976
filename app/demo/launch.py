"""`pantau serve` with PANTAU_DEMO on: the service, the endpoint simulator, the webhook
receiver and the scenario in one process and one event loop, so Ctrl-C stops them all.

Shutdown order matters: the service (and so the checker) stops first, while the simulator
still answers, so no probe in flight records a false failure; the demo's services are then
paused, so a later run without the demo does not probe a simulator that is gone.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from app.core.regions.registry import load_regions
from app.demo.api import api_client
from app.demo.mailbox import SENDER as MAIL_SENDER
from app.demo.mailbox import Mailbox, subscribe_citizen
from app.demo.provision import (
    open_subscription,
    pause_demo_services,
    pause_subscription,
    sync_services,
    wait_until_operational,
    wanted_services,
)
from app.demo.receiver import Receiver
from app.demo.regions import PALOPO, pick_regions
from app.demo.runner import StepRunner, play
from app.demo.scenario import build_timeline
from app.http.serving import connection_limits
from app.logs import logging_config
from app.main import create_app
from app.settings import Settings
from app.simulator import Simulator

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1/32"  # the receiver's address: allowed past the SSRF guard in the demo only
SHUTDOWN_GRACE_SECONDS = 3  # open browser streams (SSE) must not hold Ctrl-C up
FIRST_CHECKS_SECONDS = 15.0


def say(line: str) -> None:
    print(line, flush=True)


def demo_settings(settings: Settings, admin_token: str, *, smtp_url: str | None = None) -> Settings:
    """The settings the demo runs with: an admin token for its operator calls, the loopback
    receiver reachable by webhooks, and citizens' mail sent to the demo's own mailbox
    (`smtp_url`). Nothing else is loosened."""
    allowed = list(dict.fromkeys([*settings.webhook_allowed_networks, LOOPBACK]))
    update: dict[str, Any] = {
        "admin_token": SecretStr(admin_token),
        "webhook_allowed_networks": allowed,
    }
    if smtp_url is not None:
        update |= {"smtp_url": smtp_url, "mail_from": settings.mail_from or MAIL_SENDER}
    return settings.model_copy(update=update)


def display_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches a server bound to `host`."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def welcome(base: str, admin_token: str | None) -> list[str]:
    pages = [
        ("/", "halaman status / status page"),
        (f"/regions/{PALOPO}", "Kota Palopo"),
        ("/api/v1/status", "JSON"),
        ("/docs", "OpenAPI"),
    ]
    width = len(base) + max(len(path) for path, _ in pages)
    lines = ["", "Pantau demo berjalan / Pantau demo running — buka / open:"]
    lines += [f"  {base + path:<{width}}  {label}" for path, label in pages]
    if admin_token is not None:
        lines.append(f"  admin token for this run: {admin_token}")
    lines += [
        "  Ctrl-C berhenti / stops; PANTAU_DEMO=false menjalankan tanpa demo / runs without it",
        "",
    ]
    return lines


@dataclass
class Story:
    """Sets the demo up through the API, then plays the scenario until cancelled."""

    app: FastAPI
    token: str
    simulator: Simulator
    receiver: Receiver
    show_token: bool
    provisioned: bool = False
    mailbox: Mailbox | None = None

    async def tell(self, server: uvicorn.Server, serving: asyncio.Task[bool]) -> None:
        await _wait_started(server, serving)
        say("[demo] menyiapkan / setting up: simulator, 60 daerah / regions, webhook receiver …")
        records = load_regions()
        regions = pick_regions(records)
        names = {r.code: r.name for r in records}
        async with api_client(self.app, self.token) as api:
            subscription = await pause_subscription(api, self.receiver.url)
            wanted = wanted_services(regions, names, self.simulator.url_for)
            self.provisioned = True  # from here on, demo services may be probing
            await sync_services(api, wanted)
            await wait_until_operational(api, list(wanted), within=FIRST_CHECKS_SECONDS)
            self.receiver.secret = await open_subscription(api, subscription, self.receiver.url)
            base = display_url(server.config.host, server.config.port)
            for line in welcome(base, self.token if self.show_token else None):
                say(line)
            if self.mailbox is not None:
                await subscribe_citizen(api, self.mailbox, say)
            runner = StepRunner(self.simulator, api, names, say)
            await play(build_timeline(regions), runner.run)


async def run_demo(settings: Settings, *, host: str, port: int) -> int:
    """Serves until Ctrl-C; the exit status is 1 if the demo could not be set up."""
    given = settings.admin_token.get_secret_value() if settings.admin_token else None
    token = given or secrets.token_urlsafe(24)
    mailbox = Mailbox(say)  # its loopback port is bound now, served with the others below
    settings = demo_settings(settings, token, smtp_url=mailbox.url)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=logging_config(settings.log_format, settings.log_level),
        access_log=False,  # the console is for the story and the deliveries
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        **connection_limits(settings),
    )
    server = uvicorn.Server(config)
    with _exit_on_signals(server):
        async with Simulator() as simulator, Receiver(say) as receiver, mailbox:
            story = Story(
                app, token, simulator, receiver, show_token=given is None, mailbox=mailbox
            )
            serving = asyncio.create_task(_serve(server))
            told = asyncio.create_task(story.tell(server, serving))
            failed = await _until_exit(server, serving, told)
            told.cancel()
            await asyncio.gather(told, return_exceptions=True)
            served = await serving
    if story.provisioned:
        await pause_demo_services(settings)
    return 0 if served and not failed else 1


async def _serve(server: uvicorn.Server) -> bool:
    """uvicorn reports a failed start (a port in use) by logging why and calling sys.exit;
    raised inside a task, that would tear the event loop down mid-cleanup."""
    try:
        await server.serve()
    except SystemExit:
        return False
    return True


async def _wait_started(server: uvicorn.Server, serving: asyncio.Task[bool]) -> None:
    while not server.started:
        if serving.done():
            raise RuntimeError("the server did not start")
        await asyncio.sleep(0.05)


async def _until_exit(
    server: uvicorn.Server, serving: asyncio.Task[bool], told: asyncio.Task[None]
) -> bool:
    """Waits for Ctrl-C (or the server ending); True if the set-up failed, which stops the
    server too."""
    while not (server.should_exit or serving.done()):
        if told.done() and not told.cancelled() and told.exception() is not None:
            log.error(
                "demo set-up failed (has `pantau db upgrade` run?)", exc_info=told.exception()
            )
            server.should_exit = True
            return True
        await asyncio.sleep(0.1)
    return False


@contextmanager
def _exit_on_signals(server: uvicorn.Server) -> Iterator[None]:
    """uvicorn handles SIGINT/SIGTERM while it serves, then re-raises them to the handlers
    it found: these end the demo in order instead of with a KeyboardInterrupt mid-cleanup."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler: Callable[[int, Any], None] = lambda *_: setattr(server, "should_exit", True)  # noqa: E731
    originals = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, original in originals.items():
            signal.signal(sig, original)
