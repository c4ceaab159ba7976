"""The checker in-process against the simulator and a real database: every probe it makes is
written (also when stopped mid-run), nothing stays leased, results wait at most about a
second, and a batch of healthy answers skips the cross-region query."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import col, select

import app.usecases.recognise_waves as recognise_waves
from app.checks.probe import make_probe_client
from app.checks.scheduler import Checker
from app.settings import Settings
from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.failures import StoredFailure
from app.store.models import Service
from app.store.probes import ProbeSample
from tests.conftest import make_settings
from tests.factories import add_simulated_services
from tests.support.waiting import wait_for


async def written(database: Database) -> tuple[int, int]:
    """Samples written, services still leased."""
    async with database.read() as session:
        samples = (await session.exec(select(func.count()).select_from(ProbeSample))).one()
        leased = select(func.count()).where(col(Service.lease_expires_at).is_not(None))
        return int(samples), int((await session.exec(leased)).one())


@pytest.fixture
def checker_settings(database_url: str) -> Settings:
    return make_settings(database_url, checker_tick_seconds=0.1)


async def test_every_probe_is_written_and_nothing_stays_leased(
    checker_settings: Settings, database: Database
) -> None:
    codes = ["73.71", "73.72", "73.73", "73.01", "73.02"]
    async with Simulator() as sim, make_probe_client() as client:
        await add_simulated_services(database, sim, codes, interval=1)
        checker = Checker(database, checker_settings, client)
        checker.start()
        await wait_for(lambda: checker.probes_done >= 2 * len(codes), within=30)
        await checker.stop()  # mid-run: results in hand must still be written
    samples, leased = await written(database)
    assert checker.probes_done >= 2 * len(codes)
    assert samples == checker.probes_done
    assert leased == 0
    probes = checker.metrics.probes.labels("answered", "ok")._value.get()
    assert probes == checker.probes_done


async def test_results_are_written_within_about_a_second(
    checker_settings: Settings, database: Database
) -> None:
    async with Simulator() as sim, make_probe_client() as client:
        await add_simulated_services(database, sim, ["73.73"], interval=60)
        checker = Checker(database, checker_settings, client)
        checker.start()

        async def sampled() -> int:
            return (await written(database))[0]

        try:
            # The bound is the behaviour under test: a lone result waits for no batch to fill.
            await wait_for(sampled, within=3)
        finally:
            await checker.stop()
    assert checker.probes_done == 1
    assert (await written(database)) == (1, 0)


async def test_healthy_batches_skip_the_cross_region_query(
    checker_settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real = recognise_waves.recent_failures

    async def counting(*args: object, **kwargs: object) -> list[StoredFailure]:
        calls.append(kwargs)
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recognise_waves, "recent_failures", counting)
    async with Simulator() as sim, make_probe_client() as client:
        await add_simulated_services(database, sim, ["73.71", "73.73"], interval=1)
        checker = Checker(database, checker_settings, client)
        checker.start()
        await wait_for(lambda: checker.probes_done >= 4, within=30)  # two healthy rounds
        healthy_calls = len(calls)
        sim.set("73.71", Behaviour(Mode.ERROR, status=502))
        await wait_for(lambda: calls, within=30)
        await checker.stop()
    assert healthy_calls == 0
    assert len(calls) > 0
