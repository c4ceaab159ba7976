"""When a crowd of viewers is set aside from the collector's full passes and handed back: a
scenario table of crowd sizes, poll after poll, against recorded collector calls."""

from __future__ import annotations

import pytest

from app.stream.crowd_heap import CrowdHeap

SETTLE = ["young", "freeze"]
HAND_BACK = ["unfreeze", "collect", "freeze"]


def recording() -> tuple[CrowdHeap, list[str]]:
    calls: list[str] = []
    heap = CrowdHeap(
        collect_young=lambda: calls.append("young"),
        freeze=lambda: calls.append("freeze"),
        unfreeze=lambda: calls.append("unfreeze"),
        collect=lambda: calls.append("collect"),
    )
    return heap, calls


@pytest.mark.parametrize(
    "crowd, expected",
    [
        ([10, 200, 499, 0], [[], [], [], []]),  # a small crowd: the collector as it is
        ([500, 540, 550, 600, 605], [SETTLE, [], SETTLE, [], SETTLE]),  # each tenth of growth
        # Below a tenth: all handed back and collected, then who is still here set aside.
        ([10_000, 9_000, 1_000, 999, 999], [SETTLE, [], [], HAND_BACK, SETTLE]),
        ([600, 59, 70], [SETTLE, HAND_BACK, []]),
        ([800, 0, 800], [SETTLE, HAND_BACK, SETTLE]),  # everyone left, then a new crowd
    ],
)
def test_a_growing_crowd_is_set_aside_and_handed_back_once_it_has_gone(
    crowd: list[int], expected: list[list[str]]
) -> None:
    heap, calls = recording()
    for viewers, wanted in zip(crowd, expected, strict=True):
        calls.clear()
        heap.settle(viewers)
        assert calls == wanted, viewers
