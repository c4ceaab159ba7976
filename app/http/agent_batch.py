"""Reading an agent's batch by hand: the body's size is capped before it is parsed, it must
be strict JSON text sent as JSON (the rule every other route follows), and a malformed entry
is named in FastAPI's own 422 shape (`["body", "results", 3, "seq"]`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import Headers

from app.core.agent_protocol import (
    MAX_BATCH_BYTES,
    MAX_RESULT_AGE,
    MAX_RESULTS_PER_BATCH,
    ResultBatch,
    is_too_old,
)
from app.core.errors import InvalidInput, PantauError
from app.http.json_text import json_text_fault


class PayloadTooLarge(PantauError):
    status_code = 413


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = PayloadTooLarge(
        f"a batch may be at most {MAX_BATCH_BYTES} bytes and {MAX_RESULTS_PER_BATCH} results;"
        " send the rest in further batches"
    )
    if declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BATCH_BYTES:
            raise too_large
    _require_json(request.headers)
    return bytes(body)


def _require_json(headers: Headers) -> None:
    # As FastAPI's strict content type for every other route: a browser may send a text/plain
    # POST to any origin without asking first.
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise InvalidInput(
            ("body",), "send the batch as application/json", media_type or None, kind="json_type"
        )


def parse_batch(body: bytes) -> ResultBatch:
    """The batch, or a 422 naming the entry at fault (`["body", "results", 3, "seq"]`)."""
    if (fault := json_text_fault(body)) is not None:
        raise fault
    try:
        batch = ResultBatch.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        raise RequestValidationError(
            [error | {"loc": ("body", *error["loc"])} for error in errors]
        ) from exc
    previous = 0
    for index, result in enumerate(batch.results):
        if result.seq <= previous:
            raise InvalidInput(
                ("body", "results", index, "seq"),
                f"must be greater than the previous result's seq ({previous}): send in order",
                result.seq,
            )
        if is_too_old(result.observed_at, sent_at=batch.sent_at):
            raise InvalidInput(
                ("body", "results", index, "observed_at"),
                f"observed more than {MAX_RESULT_AGE.days} days before sent_at: a broken clock",
                result.observed_at.isoformat(),
            )
        previous = result.seq
    return batch


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """The body's JSON schema with its `$defs` inlined, to sit inside the OpenAPI document."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {k: _inlined(v, definitions) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def batch_schema() -> dict[str, Any]:
    """For the OpenAPI document: the route reads its body itself."""
    schema = ResultBatch.model_json_schema()
    inlined: dict[str, Any] = _inlined(schema, schema.get("$defs", {}))
    return inlined
