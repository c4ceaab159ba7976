"""What the API's `POST /api/v1/subscribers` and the region page's form share: the checks
around the double opt-in request (mail configured, regions known, rate limits), and refusing
a form posted from another site."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from fastapi import Request

from app.core.errors import InvalidInput, TooManyRequests, Unavailable
from app.core.mail_text import Lang
from app.settings import Settings
from app.store.db import Database
from app.store.regions import places
from app.usecases.subscribers import SubscriptionRequest, request_subscription
from app.workers.clock import Clock

MAIL_NOT_CONFIGURED = "email is not configured on this server (PANTAU_SMTP_URL is not set)"
RATE_LIMITED = "too many subscription requests; try again later"


def client_address(request: Request) -> str:
    """The client's IP as the server saw it (behind a proxy on 127.0.0.1, uvicorn's
    X-Forwarded-For handling puts the real client here)."""
    return request.client.host if request.client is not None else "unknown"


async def accept_subscription(
    database: Database,
    settings: Settings,
    clock: Clock,
    *,
    email: str,
    regions: Sequence[str],
    lang: Lang,
    client: str,
    regions_at: tuple[str, ...] = ("body", "regions"),
) -> None:
    """Queue the confirmation mail of a request, or raise: Unavailable (no SMTP server),
    InvalidInput naming an unknown region, TooManyRequests with the seconds to wait."""
    if not settings.smtp_url:
        raise Unavailable(MAIL_NOT_CONFIGURED)
    async with database.transaction() as session:
        known = await places(session, regions)
        for index, code in enumerate(regions):
            if code not in known:
                raise InvalidInput((*regions_at, index), f"unknown region code {code!r}", code)
        request = SubscriptionRequest(email=email, regions=regions, lang=lang, client=client)
        wait = await request_subscription(session, request, settings=settings, now=clock.now())
    if wait is not None:
        raise TooManyRequests(RATE_LIMITED, wait)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_site(request: Request, settings: Settings) -> bool:
    """Whether a browser says this form post comes from another site: its `Origin` is
    neither PANTAU_PUBLIC_URL's nor the origin it was sent to, or `Sec-Fetch-Site` says
    cross-site. A client that sends neither (curl) is not a browser on another site."""
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site", "").lower()
    if origin == "null":
        # Pages say `Referrer-Policy: no-referrer`, under which a browser posts a form with
        # `Origin: null` even to its own origin; Sec-Fetch-Site then tells the two apart.
        return fetch_site != "same-origin"
    if origin is not None:
        own = {_origin(settings.public_base_url)}
        host = request.headers.get("host")
        if host:
            own.add(f"{request.url.scheme}://{host}".lower())
        return origin.lower() not in own
    return fetch_site == "cross-site"
