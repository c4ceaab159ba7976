"""`pantau check URL` against a real simulator process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PANTAU = str(Path(sys.executable).with_name("pantau"))


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.simulator", "--port", "0", "--set", "73.73=policy_marker"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    yield process.stdout.readline().strip().rsplit(" ", 1)[-1]
    process.terminate()
    process.wait(10)


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PANTAU, "check", *args], capture_output=True, text=True, timeout=30)


def test_healthy_endpoint_exits_zero(simulator_url: str) -> None:
    result = check(f"{simulator_url}/r/73.71")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok  Normal")
    assert "status 200" in result.stdout


def test_policy_marker_is_a_suspected_cutoff_with_evidence(simulator_url: str) -> None:
    result = check(f"{simulator_url}/r/73.73")
    assert result.returncode == 2
    assert result.stdout.startswith("policy.suspected  Dugaan pemutusan akses / Suspected cutoff")
    assert '"matched": "dicabut"' in result.stdout


def test_body_assertion_option(simulator_url: str) -> None:
    result = check(f"{simulator_url}/r/73.71", "--body-contains", "siak-v2")
    assert result.returncode == 2
    assert result.stdout.startswith("upstream.unexpected")
