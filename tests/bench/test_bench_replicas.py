"""bench/replicas.py judges the replicas from the stored probe times: each complete slot window
holds exactly one probe, and its Markdown says which targets were missed."""

from __future__ import annotations

from typing import Any

from bench.replicas import bucket_quantile, judge, section

INTERVAL = 60.0
SLOTS = {1: 1000.0, 2: 1030.0}
END = 1000.0 + 2.5 * INTERVAL - 1  # two complete slot windows for each service


def probes(slot: float, lags: list[float]) -> list[float]:
    return [slot + k * INTERVAL + lag for k, lag in enumerate(lags)]


def test_one_probe_per_slot_is_neither_skipped_nor_doubled() -> None:
    found = judge(
        SLOTS, {1: probes(1000, [0.1, 0.3, 0.2]), 2: probes(1030, [0.2, 0.4])}, INTERVAL, END
    )
    assert found["windows"] == 4
    assert (found["windows_skipped"], found["windows_doubled"]) == (0, 0)
    assert found["gaps_under_half_interval"] == found["gaps_over_1_5_intervals"] == 0
    assert abs(found["lag_max_s"] - 0.4) < 1e-9


def test_a_second_probe_in_a_slot_is_a_double_and_a_missing_one_a_skip() -> None:
    doubled = [*probes(1000, [0.1, 0.3]), 1000 + INTERVAL + 5]
    missing = [1030.2]  # probed at its first slot, never at its second
    found = judge(SLOTS, {1: sorted(doubled), 2: missing}, INTERVAL, END)
    assert (found["windows_doubled"], found["services_doubled"]) == (1, 1)
    assert found["gaps_under_half_interval"] == 1
    assert (found["windows_skipped"], found["services_skipped"]) == (1, 1)
    assert found["services_never_probed"] == 0


def test_probes_after_the_end_and_incomplete_windows_are_not_judged() -> None:
    found = judge({1: 1000.0}, {1: probes(1000, [0.1, 0.1, 0.1, 0.1])}, INTERVAL, 1000 + 100)
    assert found["windows"] == 2  # [940, 1000+30) and [1030, 1090); the third ends past 1100
    assert found["windows_skipped"] == found["windows_doubled"] == 0


def test_a_late_probe_restarting_its_phase_reads_as_a_skip_not_a_double() -> None:
    # More than half an interval late, the checker starts the service again from the claim.
    late = [1000.1, 1000 + INTERVAL + 40, 1000 + 2 * INTERVAL + 40]
    found = judge({1: 1000.0}, {1: late}, INTERVAL, END)
    assert found["windows_skipped"] == 1
    assert found["windows_doubled"] == 0


def test_lag_quantile_reads_the_bucket_that_holds_it() -> None:
    buckets = {"0.1": 50.0, "0.5": 98.0, "1.0": 99.0, "+Inf": 100.0}
    assert bucket_quantile(buckets, 0.5) == 0.1
    assert bucket_quantile(buckets, 0.99) == 1.0


def figures(**changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "services": 100_000,
        "interval": 60,
        "observed_s": 152.0,
        "load_at_start": [1.0, 1.0, 1.0],
        "load_at_end": [1.0, 1.0, 1.0],
        "probes_per_s": 1666.0,
        "required_per_s": 1666.7,
        "windows": 200_000,
        "windows_skipped": 0,
        "services_skipped": 0,
        "windows_doubled": 0,
        "gaps_under_half_interval": 0,
        "gaps_over_1_5_intervals": 0,
        "services_never_probed": 0,
        "probe_latency_p50_ms": 7.0,
        "cpu_ms_per_probe": {"replicas": 0.4, "simulator": 0.1, "postgres": 0.1},
        "cores_needed": 1.0,
        "code": "abc1234",
        "concurrency": 100,
        "lag_p50_s": 0.1,
        "lag_p99_s": 0.5,
        "simulator": {"cpu_pct": 10.0},
        "postgres_backends_cpu_pct": 10.0,
        "replicas": [
            {"probes": 33_000.0, "cpu_pct": 20.0, "peak_rss_mb": 140.0, "runqueue_wait_pct": 5.0}
            for _ in range(3)
        ],
    }
    return found | changes


def test_section_says_meets_only_when_every_target_is_met() -> None:
    assert not any("misses" in line for line in section("", figures()))
    uneven = figures(
        replicas=[
            {"probes": n, "cpu_pct": 20.0, "peak_rss_mb": 140.0, "runqueue_wait_pct": 5.0}
            for n in (60_000, 20_000, 20_000)
        ]
    )
    lines = section("", uneven)
    assert [line for line in lines if "misses" in line] == [
        line for line in lines if line.startswith("| share per replica")
    ]
    skipped = section("", figures(windows_skipped=3, services_skipped=3))
    assert any("skipped 3" in line and "misses" in line for line in skipped)
