"""The SSRF guard: literal spellings, blocked ranges, the allow-list, and the connect-time
check of every resolved address (DNS rebinding) through the real transport on loopback.
Names other than `localhost` never reach DNS here: the resolver is replaced."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from app.core.signing import new_secret, signed_headers
from app.notify.send import post
from app.notify.ssrf import (
    AddressGuard,
    BlockedAddress,
    GuardedTransport,
    Resolver,
    is_blocked,
    literal_address,
    make_webhook_client,
    parse_networks,
    url_problem,
)
from app.outbound.failures import exception_chain
from app.store.types import utcnow
from tests.factories import REFUSED_URLS
from tests.support.receiver import Receiver, Reply

LOOPBACK = parse_networks(["127.0.0.0/8"])


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("fe80::1%eth0", "fe80::1"),
        ("8.8.8.8", "8.8.8.8"),
        ("example.org", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
    ],
)
def test_literal_spellings(host: str, address: str | None) -> None:
    expected = ipaddress.ip_address(address) if address else None
    assert literal_address(host) == expected


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("0.1.2.3", True),
        ("224.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("2002:7f00:1::", True),  # 6to4 around 127.0.0.1
        ("64:ff9b::7f00:1", True),  # NAT64
        ("fd12::1", True),
        ("ff02::1", True),
        ("8.8.8.8", False),
        ("::ffff:8.8.8.8", False),
        ("2606:4700::1111", False),
    ],
)
def test_blocked_ranges(address: str, blocked: bool) -> None:
    assert is_blocked(ipaddress.ip_address(address)) is blocked


def test_allow_list_opens_only_its_networks() -> None:
    assert not is_blocked(ipaddress.ip_address("127.0.0.1"), LOOPBACK)
    assert not is_blocked(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK)
    assert is_blocked(ipaddress.ip_address("10.0.0.1"), LOOPBACK)
    assert is_blocked(ipaddress.ip_address("169.254.169.254"), LOOPBACK)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_matrix_refused_at_creation_without_allow_list(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None and "address" in problem


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.org/", "scheme"),
        ("http://user:pw@example.org/", "credentials"),
        ("http:///nohost", "no host"),
        ("http://example.org:99999/", "port"),
    ],
)
def test_malformed_urls(url: str, fragment: str) -> None:
    problem = url_problem(url)
    assert problem is not None and fragment in problem


def test_names_and_public_addresses_pass_creation() -> None:
    assert url_problem("https://hooks.example.org/pantau") is None  # checked at connect time
    assert url_problem("http://8.8.8.8/hook") is None
    assert url_problem("http://127.0.0.1:8080/hook", LOOPBACK) is None


def _resolver(answers: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    return resolve


async def _fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
    async with client:
        return await client.post(url, content=b"{}")


def _blocked(exc: BaseException) -> BlockedAddress | None:
    return next((e for e in exception_chain(exc) if isinstance(e, BlockedAddress)), None)


@pytest.mark.parametrize(
    "host", ["127.1", "2130706433", "[::ffff:127.0.0.1]", "127.0.0.1", "localhost", "rebind.test"]
)
async def test_connect_time_check_refuses_loopback_in_any_spelling(
    receiver: Receiver, host: str
) -> None:
    resolver = _resolver({"rebind.test": ["93.184.216.34", "127.0.0.1"]})
    client = make_webhook_client(resolver=None if host == "localhost" else resolver)
    with pytest.raises(httpx.ConnectError) as caught:
        await _fetch(client, f"http://{host}:{receiver.port}/hook")
    assert _blocked(caught.value) is not None
    assert receiver.received == []


@pytest.mark.parametrize("host", ["127.1", "2130706433", "[::ffff:127.0.0.1]", "rebind.test"])
async def test_allow_list_lets_the_same_spellings_through(receiver: Receiver, host: str) -> None:
    client = make_webhook_client(LOOPBACK, resolver=_resolver({"rebind.test": ["127.0.0.1"]}))
    response = await _fetch(client, f"http://{host}:{receiver.port}/hook")
    assert response.status_code == 200
    assert len(receiver.received) == 1


async def test_rebinding_is_caught_on_the_second_resolution(receiver: Receiver) -> None:
    """Public when first asked, loopback the next time: each connection is checked anew."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    guard = AddressGuard((), rebinding)
    assert await guard.vet("rebind.test", 80) == ["93.184.216.34"]
    with pytest.raises(BlockedAddress):
        await guard.vet("rebind.test", 80)


async def test_redirect_to_a_private_address_is_not_followed(receiver: Receiver) -> None:
    receiver.script["/hook"] = [Reply(302, {"Location": "http://169.254.169.254/latest/"})]
    vetted: list[str] = []

    class Recording(AddressGuard):
        async def vet(self, host: str, port: int) -> list[str]:
            vetted.append(host)
            return await super().vet(host, port)

    limits = httpx.Limits(max_connections=5)
    client = httpx.AsyncClient(transport=GuardedTransport(Recording(LOOPBACK), limits))
    headers = signed_headers(event_id="msg_x", body="{}", secrets=[new_secret()], at=utcnow())
    async with client:
        result = await post(client, url=receiver.url(), body="{}", headers=headers, seconds=2)
    assert result.status_code == 302
    assert vetted == ["127.0.0.1"]  # never even resolved the metadata address


async def test_blocked_attempt_is_recorded_as_blocked_address(receiver: Receiver) -> None:
    client = make_webhook_client()
    headers = signed_headers(event_id="msg_x", body="{}", secrets=[new_secret()], at=utcnow())
    async with client:
        result = await post(client, url=receiver.url(), body="{}", headers=headers, seconds=2)
    assert (result.status_code, result.error_class) == (None, "blocked_address")
    assert result.error is not None and "127.0.0.1" in result.error
