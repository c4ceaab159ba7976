"""Comparing an `If-None-Match` header with an entity tag, shared by the ETag layer and the
embed cache in front of it."""

from __future__ import annotations


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides; `*` matches."""
    wanted = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or wanted in tags
