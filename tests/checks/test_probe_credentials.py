"""The prober sends a service's basic-auth credentials on both of its paths (straight to the
transport, and through httpx when following redirects), and never to another origin."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from app.checks.probe import ProbeSpec, make_probe_client, probe
from tests.support.receiver import Received, Receiver, Reply

CREDENTIALS = ("probe@pantau", "pa:ss wörd")
EXPECTED = "Basic " + base64.b64encode("probe@pantau:pa:ss wörd".encode()).decode()


def gate(request: Received) -> Reply:
    if request.headers.get("authorization") == EXPECTED:
        return Reply(200, body=b"ok")
    return Reply(401, body=b"login required")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_probe_client(4) as c:
        yield c


@pytest.mark.parametrize("follow_redirects", [False, True])
async def test_basic_auth_is_sent_and_the_query_kept(
    client: httpx.AsyncClient, follow_redirects: bool
) -> None:
    async with Receiver() as endpoint:
        endpoint.responder = gate
        spec = ProbeSpec(
            endpoint.url("/health?api_key=k"),
            timeout_seconds=2,
            follow_redirects=follow_redirects,
            basic_auth=CREDENTIALS,
        )
        assert (await probe(client, spec)).status_code == 200
        without = ProbeSpec(spec.url, timeout_seconds=2, follow_redirects=follow_redirects)
        assert (await probe(client, without)).status_code == 401
    assert [r.path for r in endpoint.received] == ["/health?api_key=k"] * 2
    assert "pa:ss" not in repr(spec)


async def test_credentials_do_not_follow_a_redirect_to_another_origin(
    client: httpx.AsyncClient,
) -> None:
    async with Receiver() as elsewhere, Receiver() as endpoint:
        endpoint.responder = lambda _: Reply(302, headers={"Location": elsewhere.url("/x")})
        spec = ProbeSpec(
            endpoint.url("/h"), timeout_seconds=2, follow_redirects=True, basic_auth=CREDENTIALS
        )
        await probe(client, spec)
    assert endpoint.received[0].headers["authorization"] == EXPECTED
    assert [r.path for r in elsewhere.received] == ["/x"]
    assert "authorization" not in elsewhere.received[0].headers
