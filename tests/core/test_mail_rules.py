"""The citizens' mail rules, pure: SMTP URLs, addresses, rate limits, SMTP outcomes, and
the settings refusing a bad mail configuration in one line."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.config_errors import describe_settings_error
from app.core.delivery_policy import RetryPolicy
from app.core.email_address import normalise_address, parse_sender
from app.core.mail_rules import (
    Limit,
    MailOutcome,
    SendResult,
    SmtpStage,
    client_key,
    decide_mail,
    wait_seconds,
)
from app.core.smtp_url import SmtpSecurity, SmtpTarget, parse_smtp_url
from app.settings import Settings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", SmtpTarget("127.0.0.1", 2525, SmtpSecurity.PLAIN)),
        ("smtp://relay.local", SmtpTarget("relay.local", 25, SmtpSecurity.PLAIN)),
        (
            "smtps://pantau%40kemendagri.go.id:p%3Ass%2Fw@mail.example.go.id",
            SmtpTarget(
                "mail.example.go.id", 465, SmtpSecurity.TLS, "pantau@kemendagri.go.id", "p:ss/w"
            ),
        ),
        (
            "smtp+starttls://user:secret@mail.example.go.id:2587/",
            SmtpTarget("mail.example.go.id", 2587, SmtpSecurity.STARTTLS, "user", "secret"),
        ),
        ("SMTP+STARTTLS://user:@[::1]", SmtpTarget("::1", 587, SmtpSecurity.STARTTLS, "user", "")),
    ],
)
def test_smtp_urls(url: str, expected: SmtpTarget) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://mail.example.go.id", "unknown scheme 'http'"),
        ("mail.example.go.id:25", "unknown scheme"),
        ("smtps://", "no host"),
        ("smtp://host:99999", "valid port"),
        ("smtp://host/inbox", "nothing may follow"),
        ("smtp://host?tls=1", "nothing may follow"),
        ("smtps://:secret@host", "a password without a user name"),
    ],
)
def test_bad_smtp_urls_say_why_without_the_password(url: str, words: str) -> None:
    with pytest.raises(ValueError, match="expected smtp://") as raised:
        parse_smtp_url(url)
    assert words in str(raised.value)
    assert "secret" not in str(raised.value)


def test_a_target_never_shows_its_password() -> None:
    target = parse_smtp_url("smtps://pantau:hunter2@mail.example.go.id")
    assert "hunter2" not in repr(target) and "pantau" in repr(target)


def test_addresses_are_normalised_and_checked() -> None:
    assert normalise_address("Warga@BÜCHER.Example") == "Warga@xn--bcher-kva.example"
    assert normalise_address("warga@PALOPO.example.org") == "warga@palopo.example.org"
    for bad in ("warga", "warga@", "@example.org", "a b@example.org", "w@localhost", "x" * 300):
        with pytest.raises(ValueError):
            normalise_address(bad)
    sender = parse_sender("Pantau Palopo <Pantau@Example.GO.id>")
    assert str(sender) == "Pantau Palopo <Pantau@example.go.id>"
    assert sender.domain == "example.go.id"


def test_settings_refuse_a_bad_mail_configuration_in_one_line() -> None:
    env = {"PANTAU_SMTP_URL": "smtps://u:hunter2@mail.example.go.id"}
    with pytest.raises(ValidationError) as raised:
        Settings(smtp_url=env["PANTAU_SMTP_URL"])
    line = describe_settings_error(raised.value, env)
    assert line.startswith("bad configuration: PANTAU_SMTP_URL='smtps://u:***@")
    assert "needs PANTAU_MAIL_FROM" in line and "hunter2" not in line
    with pytest.raises(ValidationError, match="expected an address"):
        Settings(mail_from="pantau")
    good = Settings(mail_from="pantau@example.go.id", smtp_url="smtp+starttls://mail.example.go.id")
    assert good.smtp_target == SmtpTarget("mail.example.go.id", 587, SmtpSecurity.STARTTLS)
    assert Settings().smtp_target is None


def test_sliding_window_limits_say_when_one_more_fits() -> None:
    hour = Limit(3, 3600)
    assert wait_seconds([], hour, NOW) is None
    times = [NOW - timedelta(minutes=m) for m in (50, 20, 5)]
    assert wait_seconds(times[1:], hour, NOW) is None
    assert wait_seconds(times, hour, NOW) == 600  # the one 50 minutes ago leaves in 10
    old = [NOW - timedelta(hours=2)] * 5
    assert wait_seconds(old + times[1:], hour, NOW) is None
    assert wait_seconds([NOW] * 4, Limit(3, 60), NOW) == 60


def test_clients_are_counted_by_address_or_ipv6_64() -> None:
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key("testclient") == "testclient"


POLICY = RetryPolicy((60.0, 300.0), jitter=0)


@pytest.mark.parametrize(
    ("result", "attempt", "outcome"),
    [
        (SendResult(NOW), 1, MailOutcome.SENT),
        (SendResult(NOW, 550, SmtpStage.ENVELOPE, "550 no such user"), 1, MailOutcome.FAILED),
        (SendResult(NOW, 554, SmtpStage.DATA, "554 spam"), 1, MailOutcome.FAILED),
        (SendResult(NOW, 451, SmtpStage.ENVELOPE, "451 try later"), 1, MailOutcome.RETRY),
        (SendResult(NOW, 535, SmtpStage.AUTH, "535 bad login"), 1, MailOutcome.RETRY),
        (SendResult(NOW, 554, SmtpStage.CONNECT, "554 go away"), 2, MailOutcome.RETRY),
        (SendResult(NOW, None, SmtpStage.CONNECT, "ConnectionRefusedError"), 3, MailOutcome.FAILED),
    ],
)
def test_smtp_outcomes(result: SendResult, attempt: int, outcome: MailOutcome) -> None:
    decision = decide_mail(
        result, attempt_number=attempt, policy=POLICY, now=NOW, rng=random.Random(1)
    )
    assert decision.outcome == outcome
    if outcome == MailOutcome.RETRY:
        assert decision.next_attempt_at == NOW + timedelta(seconds=POLICY.schedule[attempt - 1])
    else:
        assert decision.next_attempt_at is None
