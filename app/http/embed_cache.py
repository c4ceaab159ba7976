"""Whole answers for what municipal portals embed — the badges, the widget and its scripts —
sent again without the layers below, routing or a render while they hold: the same data
version (app.reads.freshness) and at most the read cache's `max_age` since their oldest
cached input was built, the freshness every cached read already promises (an answer whose
route reads no clock, `reads.cache.reads_no_clock` as the state badge's, until the version
changes). When a cutoff makes the news these few URLs per region are asked for many times a
second, and a stored answer costs a dictionary lookup where the stack costs a render.

An answer is kept per path and query, language (`Accept-Language` negotiated) and gzip, with
the 304 the stack gave for it. A request with anything else that could change its answer —
credentials, an `Origin` (CORS), a range, a body, a bare `If-Modified-Since` — goes through
the stack as before, and so does HEAD. Installed just inside RequestId, so every answer
still carries its own request id; everything else is in what was stored."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.language import negotiate
from app.http.etags import etag_matches
from app.reads.cache import ReadCache, watching_inputs

PREFIXES = ("/badge/", "/widget/", "/static/")
ANSWERED_ELSEWHERE = frozenset(
    {b"authorization", b"origin", b"range", b"if-range", b"content-length", b"transfer-encoding"}
)
RawHeaders = list[tuple[bytes, bytes]]


@lru_cache(maxsize=1024)
def _language(accept_language: bytes) -> str:
    return negotiate(None, accept_language.decode("latin-1"))


@dataclass(slots=True)
class _Asked:
    """What of a request decides its answer here, or None: the stack must answer it."""

    language: str
    gzip: bool
    if_none_match: str | None

    @classmethod
    def of(cls, headers: RawHeaders) -> _Asked | None:
        language, gzip, if_none_match, if_modified_since = b"", False, None, False
        for name, value in headers:
            if name in ANSWERED_ELSEWHERE:
                return None
            if name == b"accept-language":
                language = value
            elif name == b"accept-encoding":
                gzip = b"gzip" in value  # as GZipMiddleware decides
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"if-modified-since":
                if_modified_since = True
        if if_modified_since and if_none_match is None:
            return None  # the static files' date rule, left to them
        return cls(_language(language), gzip, if_none_match)


@dataclass(slots=True)
class _Answer:
    """A 200 and its 304, as the stack sent them; either may not have been asked for yet."""

    version: Hashable
    expires: float  # monotonic
    etag: str
    headers: RawHeaders | None
    body: bytes | None
    not_modified: RawHeaders | None = None


def _etag(headers: RawHeaders) -> str:
    return next((v.decode("latin-1") for n, v in headers if n.lower() == b"etag"), "")


def _keepable(status: int, headers: RawHeaders) -> bool:
    if status != 200:
        return False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"set-cookie":
            return False
        if lowered == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True


class EmbedCache:
    def __init__(self, app: ASGIApp, *, size: int = 4096) -> None:
        self.app = app
        self.size = size
        self._answers: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._cache: ReadCache | None = None  # the lifespan's: a new one starts afresh

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        embedded = scope["type"] == "http" and scope["path"].startswith(PREFIXES)
        asked = _Asked.of(scope["headers"]) if embedded and scope["method"] == "GET" else None
        cache: ReadCache | None = None
        if asked is not None:
            cache = getattr(scope["app"].state, "read_cache", None)
        if asked is None or cache is None:
            await self.app(scope, receive, send)
            return
        if cache is not self._cache:
            self._answers.clear()
            self._cache = cache
        try:
            version = (await cache.version()).key
        except Exception:  # the database is away: the stack answers as it does then
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], asked.language, asked.gzip)
        answer = self._answers.get(key)
        if answer is not None and (answer.version != version or time.monotonic() >= answer.expires):
            answer = None
        if answer is not None:
            self._answers.move_to_end(key)
            matches = asked.if_none_match is not None and etag_matches(
                asked.if_none_match, answer.etag
            )
            if matches and answer.not_modified is not None:
                start = {"type": "http.response.start", "status": 304}
                await send(start | {"headers": answer.not_modified})
                await send({"type": "http.response.body", "body": b""})
                return
            if not matches and answer.body is not None:
                start = {"type": "http.response.start", "status": 200}
                await send(start | {"headers": answer.headers})
                await send({"type": "http.response.body", "body": answer.body})
                return
        await self._through(scope, receive, send, key, version, answer)

    async def _through(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: Hashable,
        version: Hashable,
        answer: _Answer | None,
    ) -> None:
        """The stack answers; a whole 200 is kept, and a 304 beside it."""
        started = time.monotonic()
        start: Message | None = None
        parts = 0
        with watching_inputs() as inputs:

            async def keeping(message: Message) -> None:
                nonlocal start, parts
                if message["type"] == "http.response.start":
                    # A copy: the layers outside add their own headers to the message.
                    start = {**message, "headers": list(message.get("headers", []))}
                elif message["type"] == "http.response.body" and start is not None:
                    parts += 1
                    if parts == 1 and not message.get("more_body", False):
                        expires = math.inf  # until the data version changes
                        if inputs.clock:
                            assert self._cache is not None
                            expires = min([started, *inputs.times]) + self._cache.max_age
                        self._keep(key, version, expires, start, message.get("body", b""), answer)
                await send(message)

            await self.app(scope, receive, keeping)

    def _keep(
        self,
        key: Hashable,
        version: Hashable,
        expires: float,
        start: Message,
        body: bytes,
        answer: _Answer | None,
    ) -> None:
        status, headers = start["status"], start["headers"]
        etag = _etag(headers)
        if status == 304:
            if not etag or body:
                return
            if answer is not None and answer.etag == etag:
                answer.not_modified = headers
                return
            body_headers, body_bytes = None, None
        elif _keepable(status, headers):
            body_headers, body_bytes = headers, body
        else:
            return
        kept = _Answer(version, expires, etag, body_headers, body_bytes)
        if answer is not None and answer.etag == etag:
            kept.not_modified = answer.not_modified
        self._answers[key] = kept
        self._answers.move_to_end(key)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
