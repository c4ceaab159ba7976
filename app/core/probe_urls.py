"""What an endpoint URL to probe must look like: absolute http(s) with a host, one line, at
most 2,048 characters. One rule for the API, the services file and `pantau check`. Pure."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

URL_MAX_CHARS = 2048
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def check_probe_url(value: str) -> str:
    """`value` unchanged, or ValueError saying what is wrong with it."""
    if len(value) > URL_MAX_CHARS:
        raise ValueError(f"URL longer than {URL_MAX_CHARS} characters")
    if _CONTROL_OR_SPACE.search(value):
        raise ValueError("URL contains whitespace or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("URL scheme must be http or https")
    if not parts.hostname:
        raise ValueError("URL has no host")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"URL port is invalid: {exc}") from exc
    return value
