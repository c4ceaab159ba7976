"""Standard Webhooks signing: secrets (`whsec_` + base64 key) and the three headers.

Pure: the caller passes the time. Several secrets give several space-separated signatures, so a
receiver holding either the old or the new secret verifies during a rotation's grace period.
"""

from __future__ import annotations

import base64
import secrets as random_source
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the issue allows 24–64


def new_secret(nbytes: int = SECRET_BYTES) -> str:
    if not 24 <= nbytes <= 64:
        raise ValueError("a webhook secret has 24 to 64 random bytes")
    return SECRET_PREFIX + base64.b64encode(random_source.token_bytes(nbytes)).decode()


def signed_headers(
    *, event_id: str, body: str, secrets: Sequence[str], at: datetime
) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` (unix seconds of `at`) and `webhook-signature`,
    one `v1,…` per secret, over `{id}.{timestamp}.{body}`."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    # Whole seconds, in UTC: the header and the signed string must name the same instant.
    timestamp = int(at.timestamp())
    instant = datetime.fromtimestamp(timestamp, UTC)
    signatures = " ".join(Webhook(s).sign(event_id, instant, body) for s in secrets)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
