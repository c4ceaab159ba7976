"""The application: `create_app(settings)` and a lifespan that owns every long-lived object
(database, probe client, scheduler) on `app.state`. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api import health, regions
from app.db import Database
from app.errors import install_error_handler
from app.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(settings)
        try:
            yield
        finally:
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
    return app
