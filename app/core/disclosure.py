"""What the public may see of a check. Pure.

A probe's evidence may hold what the endpoint sent (a body excerpt, headers such as
`Location`, an error message quoting the URL): pointed at an internal page, that would publish
its secrets. The public sees the rule that matched, the status code and the causes beneath a
declaration or an attribution, picked by name, so a key added to the evidence later stays
private until it is listed here. A service URL is shown without its credentials, query string
or fragment, where probe secrets live.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from app.core.domain import Reason

_NUMBERS: dict[str, tuple[type, ...]] = {
    "status_code": (int,),
    "latency_ms": (int, float),
    "expected_status": (int,),
    "threshold_ms": (int,),
}
_REASONS = ("observed_reason", "local_reason", "central_reason")
# Public records cited in the evidence: the declaration's letter, the maintenance window.
_CITATIONS: dict[str, tuple[str, ...]] = {
    "declaration": ("id", "kind", "reference", "issuer", "issued_at", "url"),
    "lifts": ("id", "kind", "reference", "issuer", "issued_at", "url"),
    "maintenance": ("id", "title", "starts_at", "ends_at"),
}
_REASON_VALUES = frozenset(str(reason) for reason in Reason)


def public_evidence(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The part of stored `evidence` anyone may read, whatever else is stored beside it."""
    shown: dict[str, Any] = {}
    if isinstance(evidence.get("rule"), str):
        shown["rule"] = evidence["rule"]
    for key, kinds in _NUMBERS.items():
        value = evidence.get(key)
        if isinstance(value, kinds) and not isinstance(value, bool):
            shown[key] = value
    for key in _REASONS:
        if evidence.get(key) in _REASON_VALUES:
            shown[key] = evidence[key]
    for key, fields in _CITATIONS.items():
        cited = evidence.get(key)
        if isinstance(cited, Mapping):
            kept = (name for name in fields if name in cited and _is_scalar(cited[name]))
            shown[key] = {name: cited[name] for name in kept}
    return shown


def _is_scalar(value: object) -> bool:
    return value is None or (isinstance(value, str | int) and not isinstance(value, bool))


def public_url(url: str) -> str:
    """`url` as the public may see it: scheme, host, port and path only."""
    try:
        parts = urlsplit(url)
    except ValueError:  # never stored by the API; a row written otherwise shows nothing
        return ""
    return urlunsplit((parts.scheme, _host_port(parts.netloc), parts.path, "", ""))


def without_userinfo(url: str) -> str:
    """`url` without `user:password@`, otherwise untouched."""
    return split_userinfo(url)[0]


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """`url` without its userinfo, and the (username, password) it carried, percent-decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    userinfo, at, host_port = parts.netloc.rpartition("@")
    if not at:
        return url, None
    username, _, password = userinfo.partition(":")
    stripped = urlunsplit(parts._replace(netloc=host_port))
    return stripped, (unquote(username), unquote(password))


def _host_port(netloc: str) -> str:
    return netloc.rpartition("@")[2]
