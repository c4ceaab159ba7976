"""The application: `create_app(settings)` and a lifespan that owns every long-lived object
(database, probe client, scheduler) on `app.state`. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api import health, regions
from app.api.services import router as services_router
from app.checks.probe import make_probe_client
from app.checks.scheduler import Checker
from app.db import Database
from app.errors import install_error_handler
from app.services_file import sync_services_file
from app.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(settings)
        app.state.probe_client = make_probe_client(settings.checker_concurrency)
        app.state.checker = None
        try:
            if settings.services_file:
                report = await sync_services_file(app.state.db, settings.services_file)
                report.raise_for_errors()
            if settings.run_checker:
                app.state.checker = Checker(app.state.db, settings, app.state.probe_client)
                app.state.checker.start()
            yield
        finally:
            if app.state.checker is not None:
                await app.state.checker.stop()
            await app.state.probe_client.aclose()
            await app.state.db.dispose()

    app = FastAPI(
        title="Pantau",
        version=__version__,
        summary="Status layanan e-KTP daerah / Regional e-KTP service status — and why",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handler(app)
    app.include_router(health.router)
    app.include_router(regions.router)
    app.include_router(services_router)
    return app
