"""Request dependencies: what the lifespan built and keeps on app.state (database, settings,
metrics, read cache, live feed, clock), as typed aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.metrics import Metrics
from app.reads.cache import ReadCache
from app.settings import Settings
from app.store.db import Database
from app.stream.live_feed import LiveFeed
from app.workers.clock import Clock


# async, these: FastAPI runs a plain-def dependency in a worker thread, a hop per request
# (two on every write, which asks for both).
async def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def app_settings(request: Request) -> Settings:
    return get_app_settings(request)


async def read_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    async with database.read() as session:
        yield session


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_read_cache(request: Request) -> ReadCache:
    cache: ReadCache = request.app.state.read_cache
    return cache


async def get_live_feed(request: Request) -> LiveFeed:
    feed: LiveFeed = request.app.state.live
    return feed


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ReadCacheDep = Annotated[ReadCache, Depends(get_read_cache)]
LiveFeedDep = Annotated[LiveFeed, Depends(get_live_feed)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ReadSession = Annotated[AsyncSession, Depends(read_session)]
