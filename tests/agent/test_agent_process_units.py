"""The agent's pure parts and its buffer: clock correction, configuration layers, backoff,
batch building, and the on-disk buffer's order and durability."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.agent.buffer import Buffer
from app.agent.config import ConfigError, build_config, from_env, parse_file
from app.agent.observe import Observation
from app.agent.push import Outcome, batch_body, next_backoff, outcome_of
from app.core.agent_protocol import correct, is_too_old
from app.core.vantage import Role, VantageRules
from app.settings import Settings
from app.usecases.record_checks import vantage_rules_of

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("observed", "offset", "expected", "clamped"),
    [
        # the agent's clock is an hour behind: its timestamps move forward by an hour
        (NOW - timedelta(hours=1, seconds=5), timedelta(hours=1), NOW - timedelta(seconds=5), 0),
        # an hour ahead: moved back
        (NOW + timedelta(hours=1, seconds=-5), -timedelta(hours=1), NOW - timedelta(seconds=5), 0),
        # stamped after it was sent (the agent's clock jumped back): clamped to arrival
        (NOW + timedelta(seconds=30), timedelta(0), NOW, 1),
    ],
)
def test_server_time_wins(
    observed: datetime, offset: timedelta, expected: datetime, clamped: int
) -> None:
    corrected = correct(observed, offset=offset, received_at=NOW)
    assert corrected.observed_at == expected
    assert corrected.is_clamped is bool(clamped)


def test_a_result_older_than_a_week_before_sending_is_absurd() -> None:
    assert is_too_old(NOW - timedelta(days=8), sent_at=NOW)
    assert not is_too_old(NOW - timedelta(days=6), sent_at=NOW)


def test_flags_override_the_environment_which_overrides_the_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("pantau_abc_secret\n")
    file_layer = parse_file(
        f"""
        server_url = "http://127.0.0.1:1"
        id = 3
        token_file = "{token_file}"
        interval_seconds = 60
        [[targets]]
        role = "central"
        name = "siak-pusat"
        url = "http://10.0.0.1/"
        """
    )
    env = from_env(
        {
            "PANTAU_AGENT_SERVER_URL": "http://127.0.0.1:2",
            "PANTAU_AGENT_INTERVAL_SECONDS": "10",
            "PANTAU_AGENT_PUBLIC_URLS": "http://127.0.0.1:5/, http://127.0.0.1:6/",
        }
    )
    config = build_config(file_layer, env, {"interval_seconds": 1.5, "targets": []})
    assert config.server_url == "http://127.0.0.1:2"
    assert config.interval_seconds == 1.5
    assert config.id == 3 and config.token == "pantau_abc_secret"
    assert [(t.role, t.name) for t in config.targets] == [
        (Role.PUBLIC, "public-1"),
        (Role.PUBLIC, "public-2"),
    ]


def test_a_bad_configuration_names_every_setting_at_fault() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"server_url": "ftp://x", "id": 0, "token": "t", "targets": []})
    message = str(caught.value)
    assert "server_url" in message and "id" in message and "targets" in message
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_file("id = ")


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = [next_backoff(None, 4.0)]
    for _ in range(5):
        delays.append(next_backoff(delays[-1], 4.0))
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SENT),
        (422, Outcome.REFUSED),
        (413, Outcome.REFUSED),
        (403, Outcome.FAILED),
        (503, Outcome.FAILED),
    ],
)
def test_what_an_answer_means_for_the_batch(status: int, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome


def observation(minute: int, *, reachable: bool = True) -> Observation:
    return Observation(
        "central-1",
        Role.CENTRAL,
        NOW + timedelta(minutes=minute),
        reachable,
        200 if reachable else None,
        12.5,
        None if reachable else "timeout",
    )


def test_the_buffer_keeps_order_across_restarts_and_never_reuses_a_seq(tmp_path: Path) -> None:
    path = tmp_path / "state" / "buffer.sqlite3"
    buffer = Buffer(path)
    stream = buffer.stream
    buffer.append([observation(0), observation(1, reachable=False)])
    buffer.append([observation(2)])
    pending = buffer.oldest(10)
    assert [seq for seq, _ in pending] == [1, 2, 3]
    assert pending[1][1]["reachable"] is False and pending[1][1]["failure"] == "timeout"
    buffer.acknowledge(2)
    buffer.close()

    reopened = Buffer(path)
    assert reopened.stream == stream
    reopened.append([observation(3)])
    assert [seq for seq, _ in reopened.oldest(10)] == [3, 4]
    reopened.acknowledge(4)
    reopened.append([observation(4)])
    assert [seq for seq, _ in reopened.oldest(10)] == [5]  # AUTOINCREMENT: 4 is never reused
    reopened.reject(5, "HTTP 422")
    assert reopened.pending_count() == 0
    reopened.close()


def test_a_batch_carries_reachability_and_nothing_else(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path / "buffer.sqlite3")
    buffer.append([observation(0, reachable=False)])
    body = batch_body(buffer.oldest(10), stream=buffer.stream, interval_seconds=1, sent_at=NOW)
    buffer.close()
    assert body["stream"] == buffer.stream and body["sent_at"] == NOW.isoformat()
    assert body["results"] == [
        {
            "seq": 1,
            "target": "central-1",
            "role": "central",
            "observed_at": NOW.isoformat(),
            "reachable": False,
            "status_code": None,
            "latency_ms": 12.5,
            "failure": "timeout",
        }
    ]


def test_the_servers_vantage_settings_read_durations_and_a_quorum() -> None:
    settings = Settings(agent_stale_after="5m", vantage_quorum=2)  # type: ignore[arg-type]
    assert vantage_rules_of(settings) == VantageRules(quorum=2, stale_after_seconds=300.0)
    with pytest.raises(ValueError, match="vantage_quorum"):
        Settings(vantage_quorum=0)
