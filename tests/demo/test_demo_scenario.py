"""The demo's pure parts: which regions, the story as data, and what the runner sends."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from app.api.schemas.declarations import DeclarationCreate
from app.api.schemas.maintenance import MaintenanceCreate
from app.core.domain import Category, Reason, RegionLevel
from app.core.regions.registry import RegionRecord, load_regions
from app.core.waves import FailureSignature, RegionFailure, WaveScope, find_waves
from app.demo.launch import LOOPBACK, demo_settings, display_url
from app.demo.regions import FEATURED, PALOPO, REGION_COUNT, pick_regions, wave_regions
from app.demo.runner import declaration_body, is_declared, maintenance_body
from app.demo.scenario import (
    Behave,
    Declare,
    Maintain,
    Step,
    Timeline,
    build_timeline,
    schedule,
)
from app.settings import Settings
from app.store.declarations import DeclarationKind

# The first minute of the demo, less the time a change takes to show: two probes at a 2 s
# interval, a 1.5 s timeout, and the checker's one-second write batching.
FIRST_MINUTE = 60
SETTLE = 8


@pytest.fixture(scope="module")
def regions() -> tuple[str, ...]:
    return pick_regions(load_regions())


@pytest.fixture(scope="module")
def timeline(regions: tuple[str, ...]) -> Timeline:
    return build_timeline(regions)


def steps_until(timeline: Timeline, seconds: float) -> list[tuple[float, Step]]:
    return list(itertools.takewhile(lambda item: item[0] <= seconds, schedule(timeline)))


def test_about_sixty_regions_from_every_province_always_palopo(regions: tuple[str, ...]) -> None:
    registry = {r.code: r for r in load_regions()}
    assert len(regions) == REGION_COUNT == len(set(regions))
    assert PALOPO in regions
    assert all(registry[code].level != RegionLevel.PROVINCE for code in regions)
    provinces = {r.code for r in registry.values() if r.level == RegionLevel.PROVINCE}
    assert {registry[code].parent_code for code in regions} == provinces


def test_pick_regions_refuses_a_featured_code_missing_from_the_registry() -> None:
    records = [RegionRecord("73.71", "Kota Makassar", RegionLevel.CITY, "73")]
    with pytest.raises(ValueError, match=r"73\.73"):
        pick_regions(records, featured=("73.73",))


def test_pick_regions_takes_one_per_province_before_a_second() -> None:
    records = [
        RegionRecord(code, f"R {code}", level, code[:2])
        for code, level in [
            ("11.01", RegionLevel.REGENCY),
            ("11.71", RegionLevel.CITY),
            ("12.01", RegionLevel.REGENCY),
            ("13.01", RegionLevel.REGENCY),
        ]
    ]
    assert pick_regions(records, count=3, featured=()) == ("11.71", "12.01", "13.01")


def test_every_step_targets_a_monitored_region(
    regions: tuple[str, ...], timeline: Timeline
) -> None:
    for _, step in steps_until(timeline, 3 * timeline.cycle_seconds):
        codes = step.codes if isinstance(step, Behave) else (step.code,)
        assert codes, step
        assert set(codes) <= set(regions), step


def test_the_wave_is_large_enough_to_read_as_central_and_spares_the_story_regions(
    regions: tuple[str, ...],
) -> None:
    wave = wave_regions(regions)
    assert not set(wave) & set(FEATURED)
    assert len({code[:2] for code in wave}) >= 10  # many provinces
    assert reads_as_national_wave(wave, regions)


def test_schedule_plays_the_opening_once_then_repeats_the_cycle(timeline: Timeline) -> None:
    times = [at for at, _ in steps_until(timeline, 3 * timeline.cycle_seconds)]
    assert times == sorted(times)
    cycle_times = [at for at in times if at >= timeline.cycle_starts_at]
    per_cycle = len(timeline.cycle)
    first, second = cycle_times[:per_cycle], cycle_times[per_cycle : 2 * per_cycle]
    assert [b - a for a, b in zip(first, second, strict=True)] == [
        timeline.cycle_seconds
    ] * per_cycle


def reads_as_national_wave(codes: Sequence[str], regions: Sequence[str]) -> bool:
    """One step gives its regions one behaviour, hence one failure signature."""
    signature = FailureSignature(Reason.UPSTREAM_ERROR, status_code=502, body="0123456789ab")
    failures = [RegionFailure(code, signature, datetime.now(UTC)) for code in codes]
    found = find_waves(failures, regions, Settings().wave_rules())
    return [finding.scope for finding in found] == [WaveScope.NATIONAL]


def causes_shown(steps: list[tuple[float, Step]], regions: tuple[str, ...]) -> set[str]:
    """What the steps make a viewer see, read from the steps themselves."""
    shown: set[str] = set()
    failing: set[str] = set()
    timed_out: set[str] = set()
    for _, step in steps:
        match step:
            case Behave(codes=codes, reads=reads):
                if reads.category == Category.NETWORK:
                    shown.add("network")
                if reads == Reason.NETWORK_TIMEOUT:
                    timed_out.update(codes)
                if reads == Reason.PERFORMANCE_SLOW:
                    shown.add("slow")
                if reads.category == Category.UPSTREAM and reads_as_national_wave(codes, regions):
                    shown.add("central")
                if reads == Reason.OK and failing & set(codes):
                    shown.add("recovery")
                failing = failing - set(codes) if reads == Reason.OK else failing | set(codes)
            case Declare(kind=DeclarationKind.CUTOFF, code=code) if code in timed_out:
                shown.add("cutoff after timeouts")
            case Declare(kind=DeclarationKind.WARNING, deadline_days=days) if days:
                shown.add("warning with deadline")
            case Maintain(code=code):
                shown.add(f"maintenance:{code}")
    for cause in [c for c in shown if c.startswith("maintenance:")]:
        shown.discard(cause)
        if cause.split(":")[1] in failing:  # a window shows only on a failing service
            shown.add("maintenance")
    return shown


def test_the_first_minute_shows_every_cause(regions: tuple[str, ...], timeline: Timeline) -> None:
    steps = steps_until(timeline, FIRST_MINUTE - SETTLE)
    assert causes_shown(steps, regions) == {
        "network",
        "cutoff after timeouts",
        "warning with deadline",
        "maintenance",
        "slow",
        "central",
        "recovery",
    }


def test_a_late_newcomer_still_sees_the_lasting_causes_and_the_wave_again(
    regions: tuple[str, ...], timeline: Timeline
) -> None:
    later = [
        item
        for item in steps_until(timeline, 10 * timeline.cycle_seconds)
        if item[0] > 9 * timeline.cycle_seconds
    ]
    assert {"central", "recovery", "network"} <= causes_shown(later, regions)


def test_declaration_bodies_pass_the_real_api_validation(timeline: Timeline) -> None:
    now = datetime.now(UTC)
    declares = [s for s in timeline.opening if isinstance(s, Declare)]
    assert {s.kind for s in declares} == {DeclarationKind.CUTOFF, DeclarationKind.WARNING}
    for step in declares:
        body = DeclarationCreate.model_validate(declaration_body(step, now))
        assert body.reference == step.reference
        assert body.issued_at <= now
        if step.kind == DeclarationKind.WARNING:
            assert body.deadline is not None
            assert body.deadline - now >= timedelta(days=1)


def test_maintenance_body_passes_the_real_api_validation(timeline: Timeline) -> None:
    now = datetime.now(UTC)
    (step,) = [s for s in timeline.opening if isinstance(s, Maintain)]
    body = MaintenanceCreate.model_validate(maintenance_body(step, now))
    assert body.regions == [step.code]
    assert body.starts_at <= now < body.ends_at


def test_a_declaration_already_on_record_is_not_made_again() -> None:
    now = datetime.now(UTC)
    cutoff = Declare(0, PALOPO, DeclarationKind.CUTOFF, "400.8/1520/Dukcapil", 0)
    warning = Declare(0, "73.17", DeclarationKind.WARNING, "W/1", 0, deadline_days=7)
    recorded = {"kind": "cutoff", "reference": "400.8/1520/Dukcapil", "deadline": None}
    assert is_declared([recorded], cutoff, now)
    assert not is_declared([], cutoff, now)
    assert not is_declared([{**recorded, "kind": "lifted"}, recorded], cutoff, now)
    ahead = {
        "kind": "warning",
        "reference": "W/1",
        "deadline": (now + timedelta(days=1)).isoformat(),
    }
    passed = {**ahead, "deadline": (now - timedelta(days=1)).isoformat()}
    assert is_declared([ahead], warning, now)
    assert not is_declared([passed], warning, now)


def test_demo_settings_allow_only_the_loopback_receiver_and_keep_the_default_guard() -> None:
    base = Settings(webhook_allowed_networks=["10.1.0.0/16"])
    demo = demo_settings(base, "tok")
    assert demo.webhook_allowed_networks == ["10.1.0.0/16", LOOPBACK]
    assert demo.admin_token is not None and demo.admin_token.get_secret_value() == "tok"
    assert Settings().webhook_allowed_networks == []
    assert Settings().demo is False
    assert base.webhook_allowed_networks == ["10.1.0.0/16"]


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
    ],
)
def test_display_url_is_reachable_from_this_machine(host: str, url: str) -> None:
    assert display_url(host, 8000) == url
