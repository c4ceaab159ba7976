"""The application: `create_app(settings)` and a lifespan that owns every long-lived object
(database, clients, workers, metrics, read cache, live feed, clock) on `app.state`, where
the workers and the request dependencies find them. Nothing is built at import time."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api import health, letters, regions
from app.api.agents import region_router as region_agents_router
from app.api.agents import router as agents_router
from app.api.audit import router as audit_router
from app.api.declaration_list import router as declaration_list_router
from app.api.declarations import router as declarations_router
from app.api.deliveries import router as deliveries_router
from app.api.events import encode_transition
from app.api.events import router as events_router
from app.api.history import router as history_router
from app.api.incident_updates import router as incident_updates_router
from app.api.incidents import router as incidents_router
from app.api.keys import router as keys_router
from app.api.maintenance import router as maintenance_router
from app.api.metrics import router as metrics_router
from app.api.reports import router as reports_router
from app.api.services import router as services_router
from app.api.status import router as status_router
from app.api.statuspage import router as statuspage_router
from app.api.statuspage_maintenance import router as statuspage_maintenance_router
from app.api.subscribers import router as subscribers_router
from app.api.subscriptions import router as subscriptions_router
from app.api.uptime import router as uptime_router
from app.api.waves import router as waves_router
from app.api.waves import webhooks as wave_webhooks
from app.api.webhook_events import install_webhook_docs
from app.checks.probe import make_probe_client
from app.checks.scheduler import Checker
from app.console import install_console
from app.http.api_docs import install_api_docs
from app.http.conditional import install_http
from app.http.errors import install_error_handler
from app.http.event_stream import server_exiting
from app.metrics import Metrics
from app.notify.dispatcher import Dispatcher
from app.notify.mailer import Mailer
from app.notify.ssrf import make_webhook_client, parse_networks
from app.reads.cache import ReadCache
from app.settings import Settings, get_settings
from app.store.db import Database
from app.store.migrate import SchemaCheck
from app.stream.crowd_heap import CrowdHeap
from app.stream.live_feed import LiveFeed
from app.usecases.services_file import sync_at_start_up
from app.web.bars_cache import BarsCache
from app.web.bars_warmer import keep_warm
from app.web.routes import install_web
from app.web.warm import warm_pages
from app.workers.clock import SystemClock


def _start_workers(app: FastAPI, settings: Settings) -> None:
    """The checker, the dispatcher and the mailer (with PANTAU_SMTP_URL), where this process
    runs them, on the app's database, clients, metrics and clock."""
    state = app.state
    if settings.run_checker:
        state.checker = Checker(
            state.db, settings, state.probe_client, metrics=state.metrics, clock=state.clock
        )
        state.checker.start()
    if settings.run_dispatcher:
        state.dispatcher = Dispatcher(
            state.db, settings, state.webhook_client, metrics=state.metrics, clock=state.clock
        )
        state.dispatcher.start()
    target = settings.smtp_target
    if settings.run_dispatcher and target is not None:
        state.mailer = Mailer(state.db, settings, target, clock=state.clock)
        state.mailer.start()


_settled = False


def settle_heap() -> None:
    """Once per process, after start-up: load what every page needs, collect, and freeze
    what is alive (`gc.freeze`), so the collector's full passes no longer walk the
    libraries, the map and the templates. Without it a full pass came every other uncached
    status page, about 140 ms each (bench/page.py, BENCHMARKS.md)."""
    global _settled
    if _settled:
        return
    _settled = True
    warm_pages()
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(settings)
        app.state.clock = SystemClock()
        app.state.metrics = Metrics()
        app.state.read_cache = ReadCache(app.state.db)
        app.state.bars_cache = BarsCache()  # the status page's, beside the read cache
        # Polls only while listened to; ends the open streams when the server shuts down.
        app.state.live = LiveFeed(
            app.state.db, encode_transition, exiting=server_exiting, heap=CrowdHeap()
        )
        app.state.probe_client = make_probe_client(settings.checker_concurrency)
        app.state.checker = None
        app.state.webhook_client = make_webhook_client(
            parse_networks(settings.webhook_allowed_networks),
            max_connections=settings.dispatcher_concurrency,
        )
        app.state.dispatcher = None
        app.state.mailer = None
        app.state.bars_warmer = None
        try:
            if settings.services_file:
                await sync_at_start_up(app.state.db, settings.services_file)
            _start_workers(app, settings)
            settle_heap()
            if settings.warm_status_page:
                # Beside the server, not before it: start-up and readiness never wait for it.
                app.state.bars_warmer = asyncio.create_task(
                    keep_warm(app.state.bars_cache, app.state.db, lambda: app.state.clock)
                )
            yield
        finally:
            warmer: asyncio.Task[None] | None = app.state.bars_warmer
            if warmer is not None:
                warmer.cancel()
                await asyncio.gather(warmer, return_exceptions=True)
            # All finish their work in flight side by side, within one grace.
            running = (app.state.checker, app.state.dispatcher, app.state.mailer)
            workers = [w for w in running if w is not None]
            await asyncio.gather(*(w.stop(settings.shutdown_grace_seconds) for w in workers))
            await app.state.webhook_client.aclose()
            await app.state.probe_client.aclose()
            await app.state.db.dispose()

    app = FastAPI(
        title="Pantau",
        version=__version__,
        summary="Status layanan e-KTP daerah / Regional e-KTP service status — and why",
        lifespan=lifespan,
        docs_url=None,  # served from the service itself, not a CDN: install_api_docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.schema_check = SchemaCheck()
    install_error_handler(app)
    install_http(app, settings)
    # The public read routes first: routes are matched in order, and these are the hot ones.
    app.include_router(status_router)
    # A crowd of status pages opens the live stream at once: it is matched second.
    app.include_router(events_router)
    app.include_router(statuspage_router)
    app.include_router(history_router)
    app.include_router(health.router)
    app.include_router(metrics_router)
    app.include_router(regions.router)
    app.include_router(services_router)
    app.include_router(keys_router)
    app.include_router(agents_router)
    app.include_router(region_agents_router)
    app.include_router(maintenance_router)
    # Before the JSON route of the same path: it answers multipart declarations only.
    app.include_router(letters.multipart_router)
    app.include_router(declarations_router)
    app.include_router(declaration_list_router)
    app.include_router(letters.router)
    app.include_router(incident_updates_router)
    app.include_router(audit_router)
    app.include_router(statuspage_maintenance_router)
    app.include_router(subscriptions_router)
    app.include_router(subscribers_router)
    app.include_router(deliveries_router)
    app.include_router(uptime_router)
    app.include_router(incidents_router)
    app.include_router(reports_router)
    app.include_router(waves_router)
    install_webhook_docs(app)
    app.webhooks.include_router(wave_webhooks)
    install_web(app)
    install_console(app)
    install_api_docs(app)
    return app
