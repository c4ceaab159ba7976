"""The prober and the webhook sender share one verified TLS context (app/outbound/tls.py):
loaded once, it still checks certificates and host names for both."""

from __future__ import annotations

import ssl

import httpx
import pytest
import trustme

from app.checks.probe import ProbeSpec, make_probe_client, probe
from app.core.domain import FailureKind
from app.notify.ssrf import make_webhook_client, parse_networks
from app.outbound.tls import verified_tls
from tests.support.servers import respond, serve


def test_one_context_that_checks_certificates_and_host_names() -> None:
    context = verified_tls()
    assert context is verified_tls()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


async def test_both_clients_use_it_and_refuse_an_untrusted_certificate() -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    prober = make_probe_client()
    sender = make_webhook_client(parse_networks(["127.0.0.0/8"]))
    async with prober, sender, serve(respond(200), ssl_context=server_ctx) as server:
        assert prober.probe_transport._ssl_context is verified_tls()  # type: ignore[attr-defined]
        assert sender._transport._pool._ssl_context is verified_tls()  # type: ignore[attr-defined]

        result = await probe(prober, ProbeSpec(server.url("https")))
        assert result.failure is FailureKind.TLS, result.error
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await sender.post(server.url("https"), content=b"{}")
