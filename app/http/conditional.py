"""HTTP behaviour of every route, installed once from `create_app`: weak ETags with 304 on
conditional GETs, a short Cache-Control, CORS for public reads from configurable origins
(never for writes or admin reads), gzip, body limits, security headers and a request id."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.letters import CONSOLE_DECLARE_PATH, DECLARE_PATH, UPLOAD_PATH
from app.http.auth_gate import AuthBeforeBody
from app.http.body_deadline import BodyDeadline
from app.http.body_limit import LargerBodies, install_body_rules
from app.http.embed_cache import EmbedCache
from app.http.etags import etag_matches
from app.http.head import HeadAsGet
from app.http.request_id import RequestId
from app.http.security_headers import SecurityHeaders, is_console
from app.http.slash_redirect import install_slash_redirect
from app.reads.cache import weak_etag
from app.settings import Settings

# Status pages poll; a few seconds of shared caching absorbs a crowd without hiding a cutoff.
PUBLIC_CACHE = "public, max-age=5"
PRIVATE_CACHE = "private, no-store"
KEPT_ON_304 = {b"etag", b"cache-control", b"vary", b"content-location", b"expires"}


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


READ_METHODS = frozenset({"GET", "HEAD"})
# What CORS ever acts on: reads, and preflights (OPTIONS) asking about them.
CORS_METHODS = READ_METHODS | {"OPTIONS"}


def needs_credentials(dependant: Dependant) -> bool:
    """Whether a route asks for a token: some dependency is a `require_scope(...)`."""
    return any(
        getattr(sub.call, "required_scope", None) is not None or needs_credentials(sub)
        for sub in dependant.dependencies
    )


def guarded_read_paths(routes: Iterable[object]) -> list[re.Pattern[str]]:
    """Path patterns of the GET routes that need a token (keys, audit, deliveries, ...)."""
    patterns = []
    for route in iter_route_contexts(routes):  # type: ignore[arg-type]
        dependant = getattr(route, "dependant", None)
        is_read = bool(route.path) and "GET" in (route.methods or ())
        if is_read and dependant is not None and needs_credentials(dependant):
            patterns.append(compile_path(route.path or "")[0])
    return patterns


def is_public_read(method: str, path: str, guarded: Iterable[re.Pattern[str]]) -> bool:
    """A read anyone may make from another origin: not a route needing a token, nor the
    operators' console (its pages are a signed-in operator's)."""
    if is_console(path):
        return False
    return method in READ_METHODS and not any(p.match(path) for p in guarded)


class PublicReadCors:
    """CORS for public reads only. A browser on another origin may GET the status API, but a
    write or an admin read gets no CORS headers and no preflight approval, so a page
    elsewhere can never drive them with a user's token."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["If-None-Match", "Last-Event-ID", "Cache-Control"],
            expose_headers=["ETag", "Cache-Control", "X-Request-ID"],
            max_age=600,
        )
        self.guarded: list[re.Pattern[str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A write is never a public read nor a preflight: straight through, headers unread
        # (every agent push comes this way).
        if scope["type"] != "http" or scope["method"] not in CORS_METHODS:
            await self.app(scope, receive, send)
            return
        if self.guarded is None:  # routes are all included by the first request
            self.guarded = guarded_read_paths(scope["app"].routes)
        headers = Headers(scope=scope)
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        method = headers["access-control-request-method"] if preflight else scope["method"]
        if is_public_read(method.upper(), scope["path"], self.guarded):
            await self.cors(scope, receive, send)
        elif preflight:
            refusal = PlainTextResponse("Disallowed CORS method: only public reads", 400)
            await refusal(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class GZipReads(GZipMiddleware):
    """Gzip for everything but writes to the JSON API. Their answers are receipts, ids and
    errors, almost all under the 1,000 bytes worth compressing, yet every one paid for the
    compressor's set-up (each agent push, thousands a minute)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_write = scope["type"] == "http" and scope["method"] not in READ_METHODS
        if is_write and scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def letter_uploads(settings: Settings) -> LargerBodies:
    """A declaration's letter, with the form's other fields (at most an ordinary body)."""
    return LargerBodies(
        paths=(DECLARE_PATH, UPLOAD_PATH, CONSOLE_DECLARE_PATH),
        max_bytes=settings.letter_max_bytes + settings.max_body_bytes,
        setting="PANTAU_LETTER_MAX_BYTES + PANTAU_MAX_BODY_BYTES",
    )


def install_http(app: FastAPI, settings: Settings) -> None:
    """Innermost first: ETag/304 sees the plain body; gzip compresses what is sent; CORS wraps
    everything, preflights included; body limits before any route reads, inside the body's
    deadline, inside authentication, so no body is read for a caller who may not write; HEAD
    runs as GET outside all of it; security headers on every answer, a 413 included; the
    embed cache outside all that, answering again what it kept of it; the request id
    outermost, so every log line has it."""
    app.add_middleware(ConditionalGet)
    app.add_middleware(GZipReads, minimum_size=1000, compresslevel=6)
    app.add_middleware(PublicReadCors, origins=settings.cors_origins)
    install_body_rules(app, settings.max_body_bytes, letter_uploads(settings))
    app.add_middleware(BodyDeadline, seconds=settings.body_timeout_seconds)
    app.add_middleware(AuthBeforeBody)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(EmbedCache)
    app.add_middleware(RequestId)
    install_slash_redirect(app, settings.public_url)
