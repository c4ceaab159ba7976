"""The services file's mass-delete rule: more than half of the keyed services is too many."""

from __future__ import annotations

import pytest

from app.core.probe_urls import check_probe_url
from app.core.sync_guard import is_mass_delete, mass_delete_refusal


@pytest.mark.parametrize(
    ("keyed", "removing", "expected"),
    [
        (0, 0, False),
        (10, 0, False),
        (10, 5, False),  # half is not more than half
        (10, 6, True),
        (1, 1, True),  # `services: []` against one keyed service
        (514, 514, True),  # `services: []` against a full country
        (3, 1, False),
        (3, 2, True),
    ],
)
def test_more_than_half_is_a_mass_delete(keyed: int, removing: int, expected: bool) -> None:
    assert is_mass_delete(keyed, removing) is expected


def test_the_refusal_names_the_count_and_the_flag() -> None:
    assert mass_delete_refusal(4, 3) == (
        "refusing to remove 3 of 4 keyed services (more than half) without "
        "--allow-mass-delete; nothing written"
    )


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("127.0.0.1:9100/r/7373", "URL scheme must be http or https"),
        ("ftp://x/", "URL scheme must be http or https"),
        ("http:///r/73.73", "URL has no host"),
        ("http://x:99999/", "URL port is invalid"),
        ("http://x/a b", "URL contains whitespace or control characters"),
    ],
)
def test_a_probe_url_is_absolute_http_or_https(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        check_probe_url(url)
    assert check_probe_url("HTTPS://siak.palopokota.go.id:8443/h?x=1") == (
        "HTTPS://siak.palopokota.go.id:8443/h?x=1"
    )
