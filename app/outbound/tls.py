"""The one verified TLS context the prober and the webhook sender share. Loading the CA bundle
costs about 20 ms of CPU, and each app used to load it three times (the probe transport, the
webhook pool, and the pool httpx builds before the guarded one replaces it). One context is
safe to share: both clients speak HTTP/1.1 only, so the ALPN list httpcore sets on it for each
connection is always the same, and Python resumes no TLS session unless asked to, so every
probe still measures a full handshake."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def verified_tls() -> ssl.SSLContext:
    """Certificates checked against certifi's bundle; no SSL_CERT_FILE from the environment."""
    return httpx.create_ssl_context(trust_env=False)
