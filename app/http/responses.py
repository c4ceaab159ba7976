"""OpenAPI documentation of the read API's answers other than 200 (the bodies are made by
`app/http/errors.py` and `app/http/conditional.py`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

Responses = dict[int | str, dict[str, Any]]


class NotFoundBody(BaseModel):
    detail: str = Field(examples=["region '99.99' not found"])
    resource: str = Field(examples=["region"])
    key: str = Field(examples=["99.99"])


NOT_MODIFIED: Responses = {
    304: {"description": "Not Modified: the `If-None-Match` ETag still matches; no body"}
}


def not_found(what: str) -> Responses:
    """A 404 naming the resource, plus the 304 every cached read may answer."""
    return {404: {"model": NotFoundBody, "description": f"No {what}"}, **NOT_MODIFIED}
