"""The console's pure rules: session expiry, the CSRF token, the origin check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.console_rules import (
    Expiry,
    SessionLimits,
    csrf_matches,
    csrf_token,
    expires_at,
    expiry,
    new_session_id,
    same_origin,
    session_digest,
)

T0 = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
LIMITS = SessionLimits(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
OWN = {"https://pantau.example.go.id", "http://127.0.0.1:8000"}


def test_idle_and_absolute_expiry() -> None:
    def ended(seen_after: timedelta, now_after: timedelta) -> Expiry | None:
        return expiry(
            created_at=T0, last_seen_at=T0 + seen_after, now=T0 + now_after, limits=LIMITS
        )

    minute = timedelta(minutes=1)
    assert ended(timedelta(0), 29 * minute) is None
    assert ended(timedelta(0), 30 * minute) == Expiry.IDLE
    assert ended(timedelta(hours=11, minutes=50), timedelta(hours=11, minutes=59)) is None
    assert ended(timedelta(hours=11, minutes=50), timedelta(hours=12)) == Expiry.ABSOLUTE
    late = expires_at(
        last_seen_at=T0 + timedelta(hours=11, minutes=50), created_at=T0, limits=LIMITS
    )
    assert late == T0 + timedelta(hours=12)
    assert expires_at(last_seen_at=T0, created_at=T0, limits=LIMITS) == T0 + 30 * minute


def test_session_ids_are_random_and_stored_only_as_a_digest() -> None:
    first, second = new_session_id(), new_session_id()
    assert first != second and len(first) >= 43
    assert session_digest(first) != session_digest(second)
    assert first not in session_digest(first) and len(session_digest(first)) == 64


def test_the_csrf_token_belongs_to_its_session() -> None:
    session = new_session_id()
    token = csrf_token(session)
    assert token == csrf_token(session) and token != session_digest(session)
    assert csrf_matches(session, token)
    assert not csrf_matches(new_session_id(), token)
    assert not csrf_matches(session, None) and not csrf_matches(session, "")


def test_a_post_comes_from_the_console_only_by_its_origin_or_referer() -> None:
    assert same_origin("https://pantau.example.go.id", None, OWN)
    assert same_origin("HTTPS://Pantau.Example.go.id", "https://evil.example/", OWN)
    assert same_origin(None, "http://127.0.0.1:8000/console/regions/73.73", OWN)
    assert not same_origin("https://evil.example", "https://pantau.example.go.id/x", OWN)
    assert not same_origin("null", None, OWN)
    assert not same_origin(None, None, OWN)
    assert not same_origin(None, "https://pantau.example.go.id.evil.example/", OWN)
    assert not same_origin("http://pantau.example.go.id", None, OWN)  # another scheme
