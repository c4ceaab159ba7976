"""Fixtures for the webhook tests: settings with loopback allowed and a shortened schedule, a
loopback receiver, and a dispatcher the tests drive themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.notify.dispatcher import Dispatcher
from app.notify.ssrf import make_webhook_client, parse_networks
from app.settings import Settings
from app.store.db import Database
from tests.conftest import make_settings
from tests.support.receiver import Receiver

LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Overrides the root fixture: no background dispatcher (tests drive it), loopback allowed."""
    return make_settings(
        database_url,
        run_dispatcher=False,
        webhook_allowed_networks=LOOPBACK,
        webhook_retry_schedule="0.2,0.2,0.2",
        webhook_retry_jitter=0,
        webhook_timeout_seconds=2,
        dispatcher_tick_seconds=0.05,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
async def dispatcher(database: Database, settings: Settings) -> AsyncIterator[Dispatcher]:
    client = make_webhook_client(parse_networks(settings.webhook_allowed_networks))
    worker = Dispatcher(database, settings, client)
    try:
        yield worker
    finally:
        await worker.stop()
        await client.aclose()
