"""Schemathesis against the app's own OpenAPI document, in process: every operation, each
generated request sent without a token and with the admin token, on SQLite (a fresh database
per operation) and on PostgreSQL (one database per run, which the requests fill). No 5xx,
no undocumented status code, no body, header or content type outside the schema. Positive
and negative (schema-violating) inputs both run."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.conftest import (
    ADMIN_TOKEN,
    BACKENDS,
    make_settings,
    run_admin,
    sqlalchemy_postgres_url,
)

# An endless Server-Sent Events stream: a request never completes, so it is tested on its own
# (tests/api/test_events.py), not by generated requests.
STREAMS = ["/api/v1/events"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    response_headers_conformance,
    content_type_conformance,
]
AS_ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# 3 examples x 2 callers x ~60 operations x 2 backends: about 25 s on two cores (most of it
# is per-request cost; more examples add about 2 s each).
EXAMPLES = 3


def _document_app() -> FastAPI:
    """Only to read the OpenAPI document: no lifespan runs, nothing touches this database."""
    return create_app(make_settings("sqlite+aiosqlite:///:memory:"))


# The coverage phase adds some fifty boundary cases per operation: over the time budget.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(_document_app().openapi(), config=CONFIG).exclude(
    path=STREAMS
)


@pytest.fixture(scope="module")
def shared_postgres_url(postgres_template: str) -> Iterator[str]:
    """One PostgreSQL database for the module: a database per operation would cost more
    than the fuzzing itself; SQLite gets the fresh one."""
    name = f"pantau_fuzz_{uuid.uuid4().hex[:10]}"
    run_admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield sqlalchemy_postgres_url(name)
    run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def fuzzed_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[asgi.ASGIClient]:
    """A client of a new app, for one operation's examples."""
    if request.param == "sqlite":
        path = tmp_path / "fuzz.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        database_url = f"sqlite+aiosqlite:///{path}"
    else:
        database_url = request.getfixturevalue("shared_postgres_url")
    # No dispatcher: generated subscriptions must not be delivered anywhere.
    app = create_app(make_settings(database_url, run_dispatcher=False))
    with asgi.get_client(app) as client:  # type: ignore[arg-type]
        yield client
    # Schemathesis started the app's lifespan in its own event loop: end it with the test.
    asgi.shutdown_lifespans()


def test_every_documented_route_is_fuzzed() -> None:
    documented = {
        (method, route.path)
        for route in iter_route_contexts(_document_app().routes)
        if getattr(route, "include_in_schema", False) and route.path not in STREAMS
        for method in route.methods or ()
    }
    fuzzed = {
        (operation.method.upper(), operation.path)
        for operation in (result.ok() for result in schema.get_all_operations())  # type: ignore[union-attr]
    }
    assert len(documented) > 50
    assert fuzzed == documented


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_answer_outside_the_schema(
    case: schemathesis.Case, fuzzed_app: asgi.ASGIClient
) -> None:
    case.call_and_validate(checks=CHECKS, session=fuzzed_app)
    case.call_and_validate(checks=CHECKS, session=fuzzed_app, headers=AS_ADMIN)
