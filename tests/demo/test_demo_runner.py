"""The runner plays timed steps in order at their times, keeps going past a failed step, and
`pantau serve` picks the demo from PANTAU_DEMO unless `--demo/--no-demo` says otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from app import cli
from app.core.domain import Reason
from app.demo import launch
from app.demo.api import ApiError
from app.demo.runner import play
from app.demo.scenario import Behave, Step, Timeline
from app.settings import get_settings
from app.simulator import HEALTHY


def behave(at: float, code: str) -> Behave:
    return Behave(at, (code,), HEALTHY, Reason.OK, code)


async def test_play_runs_each_step_at_its_time_and_survives_failed_ones() -> None:
    timeline = Timeline(
        opening=(behave(5, "b"), behave(0, "a")),
        cycle=(behave(1, "c"),),
        cycle_starts_at=10,
        cycle_seconds=20,
    )
    now = [100.0]
    played: list[tuple[float, str]] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def run(step: Step) -> None:
        assert isinstance(step, Behave)
        played.append((now[0] - 100, step.label))
        if step.label == "a":
            raise RuntimeError("an error inside the app, raised in-process")
        if step.label == "b":
            response = httpx.Response(409, request=httpx.Request("POST", "http://demo/x"))
            raise ApiError(response)

    await play(timeline, run, clock=lambda: now[0], sleep=sleep, until=60)
    assert played == [(0, "a"), (5, "b"), (11, "c"), (31, "c"), (51, "c")]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records which server `pantau serve` would start, without starting one."""
    seen: list[str] = []

    async def fake_demo(_settings: Any, *, host: str, port: int) -> int:
        seen.append(f"demo {host}:{port}")
        return 0

    monkeypatch.setattr(launch, "run_demo", fake_demo)
    # No database behind these calls: the schema check at start has its own tests.
    monkeypatch.setattr(cli, "require_schema_at_head", lambda _settings: None)
    monkeypatch.setattr(cli.uvicorn, "run", lambda *_a, **k: seen.append(f"plain :{k['port']}"))
    get_settings.cache_clear()
    yield seen
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, [], "plain :8000"),
        ({"PANTAU_DEMO": "true"}, [], "demo 127.0.0.1:8000"),
        ({"PANTAU_DEMO": "true"}, ["--no-demo"], "plain :8000"),
        ({"PANTAU_DEMO": "false"}, ["--demo", "--port", "9123"], "demo 127.0.0.1:9123"),
    ],
)
def test_serve_runs_the_demo_when_asked(
    calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    expected: str,
) -> None:
    monkeypatch.delenv("PANTAU_DEMO", raising=False)
    monkeypatch.delenv("PANTAU_PORT", raising=False)
    monkeypatch.delenv("PANTAU_HOST", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli.cli, ["serve", *args])
    assert result.exit_code == 0, result.output
    assert calls == [expected]
