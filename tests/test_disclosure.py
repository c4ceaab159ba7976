"""What the public may see of a check: evidence picked by name, URLs without secrets."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.disclosure import public_evidence, public_url, split_userinfo, without_userinfo

CITATION = {
    "id": 7,
    "kind": "cutoff",
    "reference": "470/1234/Dukcapil",
    "issuer": "Ditjen Dukcapil Kemendagri",
    "issued_at": "2026-11-28T01:00:00+00:00",
    "url": None,
}


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # what the classifier records beside the rule: all of it came from the endpoint
        (
            {
                "rule": "status_5xx",
                "status_code": 500,
                "latency_ms": 12.5,
                "excerpt": "token=SECRET",
                "error": "ConnectError: http://u:p@host/?k=SECRET",
                "location": "https://sso/?ticket=SECRET",
                "retry_after": "600",
                "matched": "dicabut",
                "expected_body": '"ok"',
            },
            {"rule": "status_5xx", "status_code": 500, "latency_ms": 12.5},
        ),
        (
            {"rule": "status_mismatch", "status_code": 302, "expected_status": 200},
            {"rule": "status_mismatch", "status_code": 302, "expected_status": 200},
        ),
        (
            {"rule": "latency_over_threshold", "threshold_ms": 2000, "streak": 3},
            {"rule": "latency_over_threshold", "threshold_ms": 2000},
        ),
        # a declaration over what the probes saw: the letter is public record
        (
            {"rule": "declaration", "observed_reason": "network.timeout", "declaration": CITATION},
            {"rule": "declaration", "observed_reason": "network.timeout", "declaration": CITATION},
        ),
        (
            {
                "rule": "maintenance_window",
                "maintenance": {"id": 3, "title": "Migrasi", "starts_at": "x", "note": "SECRET"},
            },
            {
                "rule": "maintenance_window",
                "maintenance": {"id": 3, "title": "Migrasi", "starts_at": "x"},
            },
        ),
        (
            {"rule": "central_wave", "local_reason": "upstream.error", "central_reason": "ok"},
            {"rule": "central_wave", "local_reason": "upstream.error", "central_reason": "ok"},
        ),
        # the agents' view names agents and hosts: operators only
        ({"rule": "two_path_link_cut", "vantage": {"points": []}}, {"rule": "two_path_link_cut"}),
    ],
)
def test_public_evidence_keeps_only_named_keys(
    stored: dict[str, Any], shown: dict[str, Any]
) -> None:
    assert public_evidence(stored) == shown


def test_public_evidence_drops_values_of_the_wrong_shape() -> None:
    stored = {
        "rule": ["status_5xx"],
        "status_code": True,
        "latency_ms": "12",
        "observed_reason": "SECRET-not-a-reason",
        "declaration": "SECRET",
        "lifts": {"reference": {"nested": "SECRET"}, "id": False},
    }
    assert public_evidence(stored) == {"lifts": {}}


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://user:pass@host.example/health?api_key=xyz#frag", "https://host.example/health"),
        ("http://127.0.0.1:8080/r/73.73?x=1", "http://127.0.0.1:8080/r/73.73"),
        ("http://u:p%40ss@[::1]:9/a/b", "http://[::1]:9/a/b"),
        ("https://a@b@host/", "https://host/"),
        ("https://host", "https://host"),
        ("http://[::1", ""),  # unparsable: shows nothing rather than everything
    ],
)
def test_public_url_has_no_credentials_query_or_fragment(url: str, public: str) -> None:
    assert public_url(url) == public


@pytest.mark.parametrize(
    ("url", "probed", "credentials"),
    [
        ("https://host/h?k=1", "https://host/h?k=1", None),
        ("https://us%40er:p%3Ass@host:8443/h?k=1", "https://host:8443/h?k=1", ("us@er", "p:ss")),
        ("https://token@host/", "https://host/", ("token", "")),
        ("https://:secret@host/", "https://host/", ("", "secret")),
        ("https://host/path@with-at", "https://host/path@with-at", None),
    ],
)
def test_split_userinfo_keeps_the_query_for_probing(
    url: str, probed: str, credentials: tuple[str, str] | None
) -> None:
    assert split_userinfo(url) == (probed, credentials)
    assert without_userinfo(url) == probed
