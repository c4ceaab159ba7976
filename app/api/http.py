"""HTTP behaviour of every route, installed once from `create_app`: weak ETags with 304 on
conditional GETs, a short Cache-Control, CORS for reads from configurable origins, gzip."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.cache import weak_etag
from app.settings import Settings

# Status pages poll; a few seconds of shared caching absorbs a crowd without hiding a cutoff.
PUBLIC_CACHE = "public, max-age=5"
PRIVATE_CACHE = "private, no-store"
KEPT_ON_304 = {b"etag", b"cache-control", b"vary", b"content-location", b"expires"}


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides; `*` matches."""
    wanted = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or wanted in tags


class ConditionalGet:
    """For GET: tags a complete 200 body with an ETag (unless the route did), answers a
    matching If-None-Match with 304, and sets Cache-Control unless the route did: public
    and short, or `no-store` when the request carried credentials. Streams pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        if_none_match = request_headers.get("if-none-match")
        cache_control = PRIVATE_CACHE if "authorization" in request_headers else PUBLIC_CACHE
        held: list[Message] = []

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                held.append(message)
                return
            if not held or message["type"] != "http.response.body":
                await send(message)
                return
            start = held.pop()
            if start["status"] == 200 and not message.get("more_body", False):
                start = _tag(start, message.get("body", b""), cache_control)
                if if_none_match and etag_matches(if_none_match, _etag(start)):
                    await send(_not_modified(start))
                    await send({"type": "http.response.body", "body": b""})
                    return
            await send(start)
            await send(message)

        await self.app(scope, receive, send_tagged)


def _tag(start: Message, body: bytes, cache_control: str) -> Message:
    headers = MutableHeaders(raw=list(start["headers"]))
    if "etag" not in headers:
        headers["ETag"] = weak_etag(body)
    if "cache-control" not in headers:
        headers["Cache-Control"] = cache_control
    return {**start, "headers": headers.raw}


def _etag(start: Message) -> str:
    return Headers(raw=start["headers"]).get("etag", "")


def _not_modified(start: Message) -> Message:
    kept = [(k, v) for k, v in start["headers"] if k.lower() in KEPT_ON_304]
    return {"type": "http.response.start", "status": 304, "headers": kept}


def install_http(app: FastAPI, settings: Settings) -> None:
    """Innermost first: ETag/304 sees the plain body; gzip compresses what is sent; CORS wraps
    everything, preflights included."""
    app.add_middleware(ConditionalGet)
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "Last-Event-ID", "Cache-Control"],
        expose_headers=["ETag", "Cache-Control"],
        max_age=600,
    )
