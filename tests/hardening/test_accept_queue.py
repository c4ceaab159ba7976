"""A crowd opening the live stream at once (issue #19): `pantau serve`'s accept queue holds
as many connections as PANTAU_MAX_CONNECTIONS lets in, never fewer than uvicorn's default,
so a burst is not dropped to SYN retries."""

from __future__ import annotations

import pytest
import uvicorn
from fastapi import FastAPI

from app.http.serving import connection_limits
from app.settings import Settings


@pytest.mark.parametrize("max_connections", [100, 1000, 2048, 5000, 20_000])
def test_the_accept_queue_holds_everyone_the_server_lets_in(max_connections: int) -> None:
    settings = Settings(
        database_url="sqlite+aiosqlite:///unused.db", max_connections=max_connections
    )
    config = uvicorn.Config(FastAPI(), **connection_limits(settings))  # uvicorn's own options
    assert config.backlog >= max_connections
    assert config.backlog >= 2048  # uvicorn's default, for a small PANTAU_MAX_CONNECTIONS
    assert config.limit_concurrency == max_connections
