"""Before a command works: a bad setting is one line naming the variable (exit 2), an unknown
`PANTAU_*` variable a warning, and `serve` on an un-migrated database one line (exit 3)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.agent.config import ENV_VARIABLES as AGENT_VARIABLES
from app.config_errors import BadConfiguration, unknown_variable_warnings
from app.preflight import load_settings
from app.settings import Settings, get_settings, known_variables

PANTAU = str(Path(sys.executable).with_name("pantau"))
SCHEMA_BEHIND = "pantau: schema not at head: run `pantau db upgrade`"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PANTAU_")}
    return subprocess.run(
        [PANTAU, *args],
        env=clean | env,
        cwd=tmp_path,  # the default database, ./pantau.db, lands here if anything opens it
        capture_output=True,
        text=True,
        timeout=60,
    )


def single_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("command", "variable", "value", "expected"),
    [
        ("serve", "PANTAU_PORT", "abc", "expected a valid integer"),
        ("db upgrade", "PANTAU_DATABASE_URL", "nonsense", "Could not parse SQLAlchemy URL"),
        ("serve", "PANTAU_DATABASE_URL", "postgresql://", "expected sqlite+aiosqlite:///PATH"),
        ("regions import", "PANTAU_DATABASE_URL", "sqlite:///x.db", "not async"),
        ("services sync f.yaml", "PANTAU_CHECKER_CONCURRENCY", "0", "greater than or equal to 1"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_status_2(
    tmp_path: Path, command: str, variable: str, value: str, expected: str
) -> None:
    result = run(tmp_path, *command.split(), **{variable: value})
    assert result.returncode == 2, result.stderr
    line = single_line(result)
    assert line.startswith(f"pantau: bad configuration: {variable}={value!r}: "), line
    assert expected in line
    assert not (tmp_path / "pantau.db").exists()


def test_a_database_urls_password_is_masked(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://pantau:hunter2@db:notaport/pantau"
    line = single_line(run(tmp_path, "serve", PANTAU_DATABASE_URL=url))
    assert "PANTAU_DATABASE_URL='postgresql+asyncpg://pantau:***@db:notaport/pantau'" in line
    assert "hunter2" not in line


def test_an_unknown_variable_is_a_warning_naming_the_closest(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "db",
        "upgrade",
        PANTAU_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        PANTAU_DATABSE_URL="sqlite+aiosqlite:///elsewhere.db",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "pantau: warning: PANTAU_DATABSE_URL is not a Pantau setting and is ignored; "
        "did you mean PANTAU_DATABASE_URL?"
    ]


def test_serve_on_an_unmigrated_database_says_so_in_one_line(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    result = run(tmp_path, "serve", PANTAU_DATABASE_URL="sqlite+aiosqlite:///empty.db")
    assert result.returncode == 3
    assert single_line(result) == SCHEMA_BEHIND
    # A file that does not exist is not created on the way.
    result = run(tmp_path, "serve", PANTAU_DATABASE_URL="sqlite+aiosqlite:///missing.db")
    assert (result.returncode, single_line(result)) == (3, SCHEMA_BEHIND)
    assert not (tmp_path / "missing.db").exists()


def test_the_agents_variables_are_named_with_their_value(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "agent",
        PANTAU_AGENT_SERVER_URL="http://127.0.0.1:9",
        PANTAU_AGENT_ID="abc",
        PANTAU_AGENT_TOKEN="pantau_secret_token",
        PANTAU_AGENT_CENTRAL_URLS="ftp://10.0.0.1/",
        PANTAU_AGENT_INTERVL_SECONDS="5",
    )
    assert result.returncode == 2
    warning, error = result.stderr.splitlines()
    assert warning.endswith("did you mean PANTAU_AGENT_INTERVAL_SECONDS?")
    assert "PANTAU_AGENT_ID='abc': expected a valid integer" in error
    assert "PANTAU_AGENT_CENTRAL_URLS='ftp://10.0.0.1/': must be an http" in error
    assert "pantau_secret_token" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def no_pantau_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in os.environ:
        if name.upper().startswith("PANTAU_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PANTAU_PORT", "70000", "expected less than or equal to 65535"),
        ("PANTAU_LOG_LEVEL", "loud", "expected 'debug', 'info', 'warning' or 'error'"),
        ("PANTAU_RUN_CHECKER", "maybe", "expected a valid boolean"),
        ("PANTAU_AGENT_STALE_AFTER", "soon", "expected a duration such as 90s, 5m, 2h, 1d"),
        ("PANTAU_WEBHOOK_RETRY_SCHEDULE", "5s,-1m", "expected a duration such as 90s"),
        ("PANTAU_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8,nowhere", "'nowhere' does not appear"),
        ("PANTAU_DATABASE_URL", "mysql+aiomysql://h/db", "Pantau runs on SQLite or PostgreSQL"),
        ("PANTAU_DATABASE_URL", "postgresql+asyncpg://h:port/db", "invalid literal for int()"),
    ],
)
def test_what_a_setting_expected_is_said(
    no_pantau_env: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    no_pantau_env.setenv(variable, value)
    with pytest.raises(BadConfiguration) as caught:
        load_settings(os.environ)
    assert str(caught.value).startswith(f"bad configuration: {variable}={value!r}: ")
    assert expected in str(caught.value)


def test_every_setting_that_refuses_a_value_names_its_variable(
    no_pantau_env: pytest.MonkeyPatch,
) -> None:
    refused = 0
    for name in Settings.model_fields:
        variable = f"PANTAU_{name.upper()}"
        no_pantau_env.setenv(variable, "bogus\nvalue")
        get_settings.cache_clear()
        try:
            load_settings(os.environ)
        except BadConfiguration as exc:
            refused += 1
            assert str(exc).startswith(f"bad configuration: {variable}='bogus\\nvalue': ")
            assert "\n" not in str(exc)
        no_pantau_env.delenv(variable)
    assert refused >= 20  # the free-text settings (host, tokens, file paths…) accept anything


def test_unknown_variables_get_the_closest_known_name_or_none() -> None:
    known = known_variables(AGENT_VARIABLES)
    env = {
        "PANTAU_PORT": "1",
        "pantau_port": "1",  # read case-insensitively, so known
        "PANTAU_TEST_SKIP_POSTGRES": "1",  # the test suite's own
        "PANTAU_VANTAGE_QUORUN": "2",
        "PANTAU_AGENT_SERVERURL": "http://x",
        "PANTAU_NOTHING_LIKE_IT": "1",
        "HOME": "/root",
    }
    assert unknown_variable_warnings(env, known) == [
        "warning: PANTAU_AGENT_SERVERURL is not a Pantau setting and is ignored; "
        "did you mean PANTAU_AGENT_SERVER_URL?",
        "warning: PANTAU_NOTHING_LIKE_IT is not a Pantau setting and is ignored",
        "warning: PANTAU_VANTAGE_QUORUN is not a Pantau setting and is ignored; "
        "did you mean PANTAU_VANTAGE_QUORUM?",
    ]
