"""Schemathesis against the app's own OpenAPI document, in process: every operation, each
generated request sent without a token and with the admin token, on SQLite and on PostgreSQL
(one database and one app each for the module, which the requests fill). No 5xx,
no undocumented status code, no body, header or content type outside the schema. Positive
and negative (schema-violating) inputs both run, and on SQLite the coverage phase's boundary
and type-confusion cases too. Schemathesis never sends what its own JSON encoder refuses, so
each JSON body is also sent as a hostile twin (NaN, a lone surrogate, NUL, UTF-16, UTF-32,
undecodable bytes), one kind per case in turn."""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.generation.meta import TestPhase
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
    SKIP_POSTGRES,
    make_settings,
    run_admin,
    sqlalchemy_postgres_url,
)
from tests.hardening.write_routes import MAIL_SETTINGS, hostile_twins

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
# Generated examples per operation, on each backend. The cost is per request: the coverage
# phase's ~2,300 cases (SQLite, as admin) are most of this module's time.
EXAMPLES = 5


def _document_app() -> FastAPI:
    """Only to read the OpenAPI document: no lifespan runs, nothing touches this database."""
    return create_app(make_settings("sqlite+aiosqlite:///:memory:"))


DOCUMENT = _document_app().openapi()


def _schema(*, coverage: bool) -> schemathesis.schemas.BaseSchema:
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": coverage}}})
    return schemathesis.openapi.from_dict(DOCUMENT, config=config).exclude(path=STREAMS)


# The coverage phase (up to ~230 cases an operation) runs once, on SQLite: on both backends
# it would double the module's time. PostgreSQL, where storage differs, gets the examples.
schema = _schema(coverage=True)
postgres_schema = _schema(coverage=False)


@pytest.fixture(scope="module")
def shared_postgres_url(postgres_template: str) -> Iterator[str]:
    """One PostgreSQL database for the module: a database per operation would cost more
    than the fuzzing itself."""
    name = f"pantau_fuzz_{uuid.uuid4().hex[:10]}"
    run_admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield sqlalchemy_postgres_url(name)
    run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _client(database_url: str) -> Iterator[asgi.ASGIClient]:
    # No dispatcher (nor mailer): generated subscriptions must not be delivered anywhere.
    app = create_app(make_settings(database_url, run_dispatcher=False, **MAIL_SETTINGS))
    with asgi.get_client(app) as client:  # type: ignore[arg-type]
        yield client
    # Schemathesis started the app's lifespan in its own event loop: end it with the test.
    asgi.shutdown_lifespans()


# One app per backend for the module: starting one per operation cost more than its cases.
@pytest.fixture(scope="module")
def sqlite_app(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[asgi.ASGIClient]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(sqlite_template, path)
    with _client(f"sqlite+aiosqlite:///{path}") as client:
        yield client


@pytest.fixture(scope="module")
def postgres_app(shared_postgres_url: str) -> Iterator[asgi.ASGIClient]:
    with _client(shared_postgres_url) as client:
        yield client


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


# Which hostile twin an operation's next JSON body gets: every kind in turn, each twice.
TWIN_TURNS: defaultdict[str, itertools.count[int]] = defaultdict(itertools.count)
TWIN_ROUNDS = 2


def exercise(case: schemathesis.Case, client: asgi.ASGIClient, backend: str) -> None:
    """Anonymous and admin (the coverage phase's cases only as admin: anonymous, a write stops
    at 401 and a read answers the same), then a JSON body's hostile twin as admin."""
    if case.meta is None or case.meta.phase.name != TestPhase.COVERAGE:
        case.call_and_validate(checks=CHECKS, session=client)
    case.call_and_validate(checks=CHECKS, session=client, headers=AS_ADMIN)
    if case.media_type == "application/json" and not isinstance(case.body, bytes | NotSet):
        twins = hostile_twins(case.body)
        turn = next(TWIN_TURNS[f"{backend} {case.operation.label}"])
        if turn < TWIN_ROUNDS * len(twins):
            case.body = twins[turn % len(twins)]
            case.call_and_validate(checks=CHECKS, session=client, headers=AS_ADMIN)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_answer_outside_the_schema(
    case: schemathesis.Case, sqlite_app: asgi.ASGIClient
) -> None:
    exercise(case, sqlite_app, "sqlite")


@postgres_schema.parametrize()
@pytest.mark.skipif(SKIP_POSTGRES, reason="PANTAU_TEST_SKIP_POSTGRES=1")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_answer_outside_the_schema_on_postgresql(
    case: schemathesis.Case, postgres_app: asgi.ASGIClient
) -> None:
    exercise(case, postgres_app, "postgresql")
