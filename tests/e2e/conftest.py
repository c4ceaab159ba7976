from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from app.simulator import Simulator
from tests.e2e.harness import PantauProcess


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator() as sim:
        yield sim


@pytest.fixture
async def start_pantau(
    database_url: str, tmp_path: Path
) -> AsyncIterator[Callable[..., PantauProcess]]:
    """Builds `pantau serve` processes on this test's database; all are stopped at the end."""
    started: list[PantauProcess] = []

    def build(**settings: str) -> PantauProcess:
        process = PantauProcess(database_url, tmp_path / f"pantau-{len(started)}.log", **settings)
        started.append(process)
        return process

    yield build
    for process in started:
        await process.stop()
