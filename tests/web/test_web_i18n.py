"""Language negotiation and the pages' vocabulary: pure."""

from __future__ import annotations

import pytest

from app.core.domain import Reason, State
from app.web.i18n import WORDS, negotiate, other, reason_label, state_label, words


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, "id"),
        (None, "", "id"),
        (None, "en", "en"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "id-ID,id;q=0.9,en;q=0.8", "id"),
        (None, "en-GB;q=0.5, id;q=0.8", "id"),
        (None, "fr, en;q=0.5", "en"),  # the best *supported* language
        (None, "fr, de", "id"),
        (None, "in", "id"),  # the withdrawn code some browsers still send
        (None, "en;q=0, id;q=0.1", "id"),  # q=0 means "not acceptable"
        (None, "en;q=abc, id;q=0.1", "id"),  # an unreadable weight counts as 0
        (None, "*", "id"),
        ("en", "id", "en"),  # the query wins
        ("id", "en-US", "id"),
    ],
)
def test_negotiate(query: str | None, header: str | None, expected: str) -> None:
    assert negotiate(query, header) == expected  # type: ignore[arg-type]


def test_other_language() -> None:
    assert (other("id"), other("en")) == ("en", "id")


def test_labels_come_from_the_domain_vocabulary() -> None:
    assert state_label(State.OUTAGE, "id") == State.OUTAGE.label_id == "Terputus"
    assert state_label(State.OUTAGE, "en") == "Outage"
    assert reason_label(Reason.POLICY_CUTOFF, "id") == "Pemutusan akses oleh pusat"
    assert reason_label(Reason.POLICY_CUTOFF, "en") == "Access cut off by central authority"
    assert reason_label(None, "en") == ""


def test_every_word_exists_in_both_languages() -> None:
    indonesian, english = words("id"), words("en")
    assert set(indonesian) == set(english) == set(WORDS)
    assert all(indonesian[k] and english[k] for k in WORDS)
    assert indonesian["incidents"] == "Insiden aktif" and english["incidents"] == "Active incidents"
