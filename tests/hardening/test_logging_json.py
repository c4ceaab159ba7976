"""Structured logs: with PANTAU_LOG_FORMAT=json every line the real service writes, uvicorn's
access and error logs included, is one JSON object with time, level, logger, message and
request_id; each HTTP request has an id (a sane incoming X-Request-ID, else a new one) that
is echoed in the response and carried into the records logged while it runs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.http.request_id import RequestId, choose_request_id
from app.logs import RequestIdFilter, configure_logging
from tests.support.harness import PantauProcess

GENERATED = re.compile(r"[0-9a-f]{32}")
FIELDS = {"time", "level", "logger", "message", "request_id"}


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("req-42", True),
        ("5f0c2a8e-1b7d-4c39-9f0e-2d1e0c7b9a11", True),
        ("lb:7f3a.1", True),
        (None, False),
        ("", False),
        ("has space", False),
        ('quote"', False),
        ("-leading-dash", False),
        ("x" * 129, False),
        ("ünicode", False),
    ],
)
def test_an_incoming_id_is_kept_only_when_sane(incoming: str | None, kept: bool) -> None:
    chosen = choose_request_id(incoming)
    assert (chosen == incoming) is kept
    if not kept:
        assert GENERATED.fullmatch(chosen)


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Pantau's JSON logging into a buffer; the previous logging set-up restored after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("uvicorn").handlers[:])
    stream = io.StringIO()
    configure_logging("json", "debug", stream)
    yield stream
    root.handlers[:], root.level = saved[0], saved[1]
    logging.getLogger("uvicorn").handlers[:] = saved[2]
    for name in ("uvicorn", "uvicorn.access"):
        logging.getLogger(name).propagate = True


async def test_records_logged_inside_a_request_carry_its_id(json_logs: io.StringIO) -> None:
    app = FastAPI()

    @app.get("/work")
    async def work() -> dict[str, bool]:
        logging.getLogger("app.checks.example").info("checking %s", "73.73")
        return {"ok": True}

    transport = httpx.ASGITransport(app=RequestId(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        given = await client.get("/work", headers={"X-Request-ID": "portal-7"})
        fresh = await client.get("/work")
    logging.getLogger("app.after").warning("outside any request")

    assert given.headers["X-Request-ID"] == "portal-7"
    assert GENERATED.fullmatch(fresh.headers["X-Request-ID"])
    records = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    work_records = [r for r in records if r["logger"] == "app.checks.example"]
    assert [r["request_id"] for r in work_records] == ["portal-7", fresh.headers["X-Request-ID"]]
    assert work_records[0]["message"] == "checking 73.73"
    assert work_records[0]["level"] == "INFO"
    assert records[-1]["request_id"] is None


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_real_service_writes_json_lines_with_request_ids(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "pantau.log"
    pantau = PantauProcess(database_url, log, log_format="json", log_level="info")
    await pantau.start()
    try:
        async with httpx.AsyncClient(base_url=pantau.base_url) as client:
            given = await client.get("/api/v1/status", headers={"X-Request-ID": "portal-7"})
            replaced = await client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
            missing = await client.get("/api/v1/regions/99.99")
    finally:
        await pantau.stop()

    assert given.headers["X-Request-ID"] == "portal-7"
    new_id = replaced.headers["X-Request-ID"]
    assert GENERATED.fullmatch(new_id)
    assert missing.status_code == 404
    lines = log.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON, or this fails
    assert all(record.keys() >= FIELDS for record in records)
    access = {r["request_id"]: r["message"] for r in records if r["logger"] == "uvicorn.access"}
    assert "GET /api/v1/status" in access["portal-7"]
    assert "GET /healthz" in access[new_id]
    assert "404" in access[missing.headers["X-Request-ID"]]
    errors = [r for r in records if r["logger"] == "uvicorn.error"]
    assert any("Application startup complete" in r["message"] for r in errors)
    assert all(r["request_id"] is None for r in errors)
    assert "bad id" not in log.read_text()


async def test_an_unhandled_error_is_logged_and_answered_with_the_request_id(
    json_logs: io.StringIO,
) -> None:
    app = FastAPI()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_middleware(RequestId)  # as `install_http` does: inside Starlette's error handler
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "report-9"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "report-9"
    assert response.json() == {"detail": "internal server error", "request_id": "report-9"}
    records = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    [error] = [r for r in records if r["level"] == "ERROR"]
    assert error["request_id"] == "report-9"
    assert "GET /boom" in error["message"]
    assert "RuntimeError: kaboom" in error["exception"]


def test_text_is_the_default_format_and_carries_the_request_id() -> None:
    from app.logs import TEXT_FORMAT, logging_config, request_id_var
    from app.settings import Settings

    assert Settings().log_format == "text"
    config = logging_config("text", "info")
    assert config["formatters"]["pantau"] == {"format": TEXT_FORMAT}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    record = logging.LogRecord("app.x", logging.INFO, __file__, 1, "hello %s", ("Palopo",), None)
    token = request_id_var.set("portal-7")
    try:
        handler.handle(record)
    finally:
        request_id_var.reset(token)
    assert stream.getvalue().rstrip().endswith("INFO app.x [portal-7] hello Palopo")


def test_libraries_that_log_urls_or_sql_at_info_are_held_at_warning() -> None:
    from app.logs import logging_config

    loggers = logging_config("json", "debug")["loggers"]
    for name in ("httpx", "httpcore", "sqlalchemy", "aiosqlite", "asyncpg", "apscheduler"):
        assert loggers[name]["level"] == "WARNING", name
