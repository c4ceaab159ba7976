"""`pantau check URL` against a real simulator process: exit 0 operational, 1 not operational
(outage, maintenance, degraded), 2 a usage error, when no probe is made."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PANTAU = str(Path(sys.executable).with_name("pantau"))


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    presets = ["--set", "73.73=policy_marker", "--set", "73.72=slow:300"]
    process = subprocess.Popen(
        [sys.executable, "-m", "app.simulator", "--port", "0", *presets],
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
    assert result.returncode == 1
    assert result.stdout.startswith("policy.suspected  Dugaan pemutusan akses / Suspected cutoff")
    assert '"matched": "dicabut"' in result.stdout


def test_body_assertion_option(simulator_url: str) -> None:
    result = check(f"{simulator_url}/r/73.71", "--body-contains", "siak-v2")
    assert result.returncode == 1
    assert result.stdout.startswith("upstream.unexpected")


def test_degraded_is_not_operational(simulator_url: str) -> None:
    result = check(f"{simulator_url}/r/73.72", "--degraded-latency-ms", "100")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("performance.slow")


def hits(simulator_url: str, code: str) -> int:
    with urllib.request.urlopen(f"{simulator_url}/_sim/hits/{code}", timeout=10) as response:
        count: int = json.load(response)["count"]
    return count


def test_a_url_without_http_or_https_is_a_usage_error_and_probes_nothing(
    simulator_url: str,
) -> None:
    host_and_port = simulator_url.removeprefix("http://")
    for url in (f"{host_and_port}/r/73.74", f"ftp://{host_and_port}/r/73.74"):
        result = check(url)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr
        message = " ".join(result.stderr.replace("│", " ").split())
        assert "Invalid value for 'url': expected an absolute http:// or https:// URL" in message
        assert repr(url) in message
    assert hits(simulator_url, "73.74") == 0
    assert check(f"{simulator_url}/r/73.74").returncode == 0
    assert hits(simulator_url, "73.74") == 1


def test_exit_codes_are_in_the_help() -> None:
    result = subprocess.run([PANTAU, "check", "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "0  the service is operational" in result.stdout
    assert "1  the probe found it not operational" in result.stdout
    assert "2  usage error (a URL without http:// or https://" in result.stdout
