"""Rules of the operators' console (`/console`): when a session has expired, how a session's
CSRF token is derived, and whether a form post comes from the console's own origin. Pure:
callers pass the time and the request's headers.

A session ends `idle` after a stretch without requests, and `absolute`ly some hours after
sign-in however busy it is. Its CSRF token is a keyed hash of the session id, which only the
browser holding the cookie knows; the database keeps a different hash of it (`session_digest`),
so a copy of the table yields neither cookies nor tokens. Failed sign-ins are limited per
client with the mail rules' sliding window (`app/core/mail_rules.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

SESSION_ID_BYTES = 32
SIGN_IN_WINDOW_SECONDS = 15 * 60.0


class Expiry(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def session_digest(session_id: str) -> str:
    """What the database keeps of a session id (its primary key)."""
    return hashlib.sha256(b"pantau-console-session:" + session_id.encode()).hexdigest()


def csrf_token(session_id: str) -> str:
    """The session's CSRF token: the same for the session's whole life, never stored."""
    return hmac.new(session_id.encode(), b"pantau-console-csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_id: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token(session_id), sent.strip())


def expiry(
    *, created_at: datetime, last_seen_at: datetime, now: datetime, limits: SessionLimits
) -> Expiry | None:
    """Why a session has ended at `now`, or None while it lives. The absolute limit wins."""
    if now >= created_at + limits.absolute:
        return Expiry.ABSOLUTE
    if now >= last_seen_at + limits.idle:
        return Expiry.IDLE
    return None


def expires_at(*, last_seen_at: datetime, created_at: datetime, limits: SessionLimits) -> datetime:
    """When the session ends if no request comes before."""
    return min(last_seen_at + limits.idle, created_at + limits.absolute)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, lower-cased; None otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(origin: str | None, referer: str | None, own: Collection[str]) -> bool:
    """Whether a form post comes from one of the console's `own` origins: its `Origin` header
    names one, or, without an Origin, its `Referer` does. Neither (or `Origin: null`, sent
    from a page whose referrer policy hides it) is refused: a browser always sends one of
    them for the console's own forms (its pages set `Referrer-Policy: same-origin`)."""
    wanted = {o.lower() for o in own}
    if origin is not None:
        return origin_of(origin) in wanted
    if referer is not None:
        return origin_of(referer) in wanted
    return False
