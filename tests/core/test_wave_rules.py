"""waves: one scenario per row — which regions fail how, which waves that makes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from app.core.domain import Category, Reason, State
from app.core.regions.registry import load_regions
from app.core.waves import (
    FailureSignature,
    IslandGroup,
    RegionFailure,
    WaveRules,
    WaveScope,
    body_fingerprint,
    find_waves,
    island_group_of,
    membership_changed,
    signature_of,
    wave_reason_for,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
RULES = WaveRules()

# Real registry codes, a few cities and regencies per island group: 47 monitored regions.
SUMATERA = ("11.01", "11.02", "11.03", "12.71", "13.71", "14.71", "16.71", "18.71", "21.71")
JAWA = ("31.71", "31.72", "31.73", "31.74", "31.75", "32.73", "33.74", "34.71", "35.78", "36.71")
BALI_NT = ("51.03", "51.71", "52.71", "53.71")
KALIMANTAN = ("61.71", "62.71", "63.71", "64.71", "64.72", "65.71")
SULAWESI = ("71.71", "72.71", "73.71", "73.73", "74.71", "75.71", "76.01")
MALUKU = ("81.01", "81.71", "81.72", "82.71", "82.72")
PAPUA = ("91.03", "91.71", "92.02", "93.01", "94.04", "96.71")  # 91.71 Kota Jayapura
NATIONWIDE = SUMATERA + JAWA + BALI_NT + KALIMANTAN + SULAWESI + MALUKU + PAPUA
# A 13-region pilot; Papua's two are Kota Jayapura and Mimika.
PILOT: tuple[str, ...] = ("12.71", "13.71", "31.71", "32.73", "35.78", "51.71", "61.71")
PILOT += ("64.72", "73.71", "73.73", "81.71", "91.71", "94.04")

# 22 regions in six island groups, none of the groups fully.
SPREAD = (
    SUMATERA[:5] + JAWA[:7] + KALIMANTAN[:3] + SULAWESI[:3] + ("74.71", "81.71", "82.71", "91.71")
)

GATEWAY_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
OTHER_502 = '{"error": "bad gateway", "upstream": "siak-pusat-2"}'


@dataclass(frozen=True)
class Seen:
    """What the checker saw in one region: the classifier's reason and the answer's parts."""

    code: str
    reason: Reason
    status: int | None = None
    body: str = ""
    rule: str | None = None
    minutes: int = 0  # failing since T0 + minutes


def seen(
    codes: tuple[str, ...],
    reason: Reason,
    *,
    status: int | None = None,
    body: str = "",
    rule: str | None = None,
) -> list[Seen]:
    """The same observation in each region, their failures starting a minute apart."""
    return [Seen(code, reason, status, body, rule, minutes=i) for i, code in enumerate(codes)]


def gateway_502(codes: tuple[str, ...]) -> list[Seen]:
    return seen(codes, Reason.UPSTREAM_ERROR, status=502, body=GATEWAY_502, rule="status_5xx")


def failures_of(observations: list[Seen]) -> list[RegionFailure]:
    failures = []
    for o in observations:
        fingerprint = body_fingerprint(o.body)
        signature = signature_of(
            o.reason, rule=o.rule, status_code=o.status, body_fingerprint=fingerprint
        )
        if signature is not None:
            failures.append(RegionFailure(o.code, signature, T0 + timedelta(minutes=o.minutes)))
    return failures


NATIONAL, GROUP = WaveScope.NATIONAL, WaveScope.ISLAND_GROUP
CENTRAL, BACKBONE = Reason.UPSTREAM_CENTRAL, Reason.NETWORK_BACKBONE

SCENARIOS = {
    "seven regions failing seven unrelated ways is no wave": (
        PILOT,
        [
            Seen(
                "12.71", Reason.UPSTREAM_ERROR, 500, "<h1>Internal Server Error</h1>", "status_5xx"
            ),
            Seen("31.71", Reason.UPSTREAM_ERROR, 502, GATEWAY_502, "status_5xx"),
            Seen("35.78", Reason.NETWORK_TIMEOUT, rule="transport_read_timeout"),
            Seen("51.71", Reason.NETWORK_REFUSED, rule="transport_refused"),  # a reset
            Seen(
                "73.73", Reason.UPSTREAM_UNEXPECTED, 200, "<p>Silakan login</p>", "body_assertion"
            ),
            Seen("81.71", Reason.NETWORK_REFUSED, rule="transport_refused"),  # alike, but two
            Seen("91.71", Reason.NETWORK_DNS, rule="transport_dns"),
        ],
        [],
    ),
    "one 502 page in 22 regions across six groups is a national wave": (
        NATIONWIDE,
        gateway_502(SPREAD),
        [(NATIONAL, "national", CENTRAL, tuple(sorted(SPREAD)))],
    ),
    "regions already failing their own way stay out of the national wave": (
        NATIONWIDE,
        [
            *gateway_502(SPREAD),
            Seen("73.73", Reason.NETWORK_REFUSED, rule="transport_refused", minutes=-600),
            Seen("92.02", Reason.UPSTREAM_ERROR, 500, "Internal Server Error", "status_5xx"),
        ],
        [(NATIONAL, "national", CENTRAL, tuple(sorted(SPREAD)))],
    ),
    "only Papua timing out is a Papua backbone wave": (
        NATIONWIDE,
        seen(PAPUA, Reason.NETWORK_TIMEOUT, rule="transport_connect_timeout"),
        [(GROUP, "9", BACKBONE, PAPUA)],
    ),
    "a stray timeout elsewhere leaves the Papua cut a Papua cut": (
        NATIONWIDE,
        seen((*PAPUA, "31.74"), Reason.NETWORK_TIMEOUT),
        [(GROUP, "9", BACKBONE, PAPUA)],
    ),
    "timeouts spreading beyond Papua are local until they turn national": (
        NATIONWIDE,
        seen((*PAPUA, "12.71", "31.74", "64.72", "73.71"), Reason.NETWORK_TIMEOUT),
        [],
    ),
    "a cut spanning Maluku and Papua is two island-group waves": (
        NATIONWIDE,
        seen(("81.01", "81.71", "82.71", "82.72", *PAPUA), Reason.NETWORK_TIMEOUT),
        [
            (GROUP, "8", BACKBONE, ("81.01", "81.71", "82.71", "82.72")),
            (GROUP, "9", BACKBONE, PAPUA),
        ],
    ),
    "two regions are never a wave, even all of a group's": (
        PILOT,
        seen(("91.71", "94.04"), Reason.NETWORK_TIMEOUT),
        [],
    ),
    "under half a group failing is no backbone wave": (
        NATIONWIDE,
        seen(("91.03", "91.71"), Reason.NETWORK_TIMEOUT),
        [],
    ),
    "one status code with two different bodies is no national wave": (
        NATIONWIDE,
        [
            Seen(code, Reason.UPSTREAM_ERROR, 502, (GATEWAY_502, OTHER_502)[i % 2], "status_5xx")
            for i, code in enumerate(SPREAD)
        ],
        [],
    ),
    "a Papua failing three different ways is no wave": (
        NATIONWIDE,
        [
            *seen(PAPUA[:2], Reason.NETWORK_TIMEOUT),
            *seen(PAPUA[2:4], Reason.NETWORK_DNS),
            *seen(PAPUA[4:], Reason.NETWORK_REFUSED),
        ],
        [],
    ),
    "a national signature gives no group waves, even where whole groups fail": (
        NATIONWIDE,
        seen(SULAWESI + MALUKU + PAPUA, Reason.NETWORK_TIMEOUT),
        [(NATIONAL, "national", CENTRAL, tuple(sorted(SULAWESI + MALUKU + PAPUA)))],
    ),
    "two groups are never national, whatever the share": (
        (*SULAWESI, *PAPUA, "31.71"),
        seen(SULAWESI + PAPUA, Reason.NETWORK_TIMEOUT),
        [(GROUP, "7", BACKBONE, SULAWESI), (GROUP, "9", BACKBONE, PAPUA)],
    ),
    "a policy cutoff in every region is no wave": (
        NATIONWIDE,
        seen(NATIONWIDE, Reason.POLICY_CUTOFF, status=451, rule="status_451"),
        [],
    ),
    "announced maintenance everywhere is no wave": (
        NATIONWIDE,
        seen(NATIONWIDE, Reason.MAINTENANCE_ANNOUNCED, status=503, body="Sedang pemeliharaan"),
        [],
    ),
    "the wave reasons do not feed on themselves": (
        NATIONWIDE,
        [*seen(NATIONWIDE, Reason.UPSTREAM_CENTRAL), *seen(PAPUA, Reason.NETWORK_BACKBONE)],
        [],
    ),
}


@pytest.mark.parametrize(("monitored", "observed", "expected"), SCENARIOS.values(), ids=SCENARIOS)
def test_scenarios(
    monitored: tuple[str, ...],
    observed: list[Seen],
    expected: list[tuple[WaveScope, str, Reason, tuple[str, ...]]],
) -> None:
    findings = find_waves(failures_of(observed), monitored, RULES)
    assert [(f.scope, f.area, f.reason, f.regions) for f in findings] == expected


def test_national_wave_starts_with_its_earliest_member_and_names_its_area() -> None:
    observed = gateway_502(SPREAD)
    [wave] = find_waves(failures_of(observed), NATIONWIDE, RULES)
    assert wave.since == T0
    assert wave.signature == FailureSignature(
        Reason.UPSTREAM_ERROR, 502, body_fingerprint(GATEWAY_502)
    )
    assert (wave.group, wave.area_label_id, wave.area_label_en) == (None, "Nasional", "National")


def test_island_group_wave_names_its_group() -> None:
    [wave] = find_waves(failures_of(seen(PAPUA, Reason.NETWORK_TIMEOUT)), NATIONWIDE, RULES)
    assert (wave.group, wave.area_label_id, wave.area_label_en) == (
        IslandGroup.PAPUA,
        "Papua",
        "Papua",
    )


def test_a_region_failing_twice_the_same_way_counts_once_from_its_earliest() -> None:
    timeout = FailureSignature(Reason.NETWORK_TIMEOUT)
    failures = [RegionFailure(code, timeout, T0) for code in PAPUA[:2]]
    failures += [RegionFailure(PAPUA[0], timeout, T0 - timedelta(hours=1))]  # its second service
    assert find_waves(failures, PILOT, RULES) == []
    failures += [RegionFailure("94.04", timeout, T0)]
    [wave] = find_waves(failures, PAPUA, RULES)
    assert wave.regions == ("91.03", "91.71", "94.04")
    assert wave.since == T0 - timedelta(hours=1)


def test_failures_of_unmonitored_regions_are_ignored() -> None:
    failures = failures_of(seen(PAPUA, Reason.NETWORK_TIMEOUT))
    assert find_waves(failures, NATIONWIDE[:-6], RULES) == []


def test_a_papua_cut_over_the_whole_registry() -> None:
    cities_and_regencies = [r.code for r in load_regions() if r.parent_code is not None]
    papua = tuple(code for code in cities_and_regencies if code.startswith("9"))
    failures = failures_of(seen(papua, Reason.NETWORK_TIMEOUT))
    [wave] = find_waves(failures, cities_and_regencies, RULES)
    assert (wave.scope, wave.area, wave.regions) == (GROUP, "9", papua)


def test_a_standing_group_wave_holds_while_its_neighbour_goes_down_region_by_region() -> None:
    """Maluku cut, then Papua's regions one by one: while Papua's failures are too few to be a
    wave of their own they count as outside Maluku's; that keeps a wave from starting, not a
    standing one from holding (it used to end, and start again as a second wave)."""
    maluku = seen(MALUKU, Reason.NETWORK_TIMEOUT)
    timeout = FailureSignature(Reason.NETWORK_TIMEOUT)
    [alone] = find_waves(failures_of(maluku), NATIONWIDE, RULES)
    assert (alone.area, alone.regions) == ("8", MALUKU)
    spreading = failures_of(maluku + seen(PAPUA[:2], Reason.NETWORK_TIMEOUT))
    assert find_waves(spreading, NATIONWIDE, RULES) == []  # 2 of 7 outside: not a new wave
    [held] = find_waves(spreading, NATIONWIDE, RULES, standing=[(timeout.key, "8")])
    assert (held.area, held.regions) == ("8", MALUKU)
    other = FailureSignature(Reason.NETWORK_REFUSED).key
    assert find_waves(spreading, NATIONWIDE, RULES, standing=[(other, "8")]) == []
    both = failures_of(maluku + seen(PAPUA, Reason.NETWORK_TIMEOUT))
    found = find_waves(both, NATIONWIDE, RULES, standing=[(timeout.key, "8")])
    assert [(wave.area, wave.regions) for wave in found] == [("8", MALUKU), ("9", PAPUA)]


def test_a_standing_group_wave_gives_way_to_a_national_one() -> None:
    maluku = seen(MALUKU, Reason.NETWORK_TIMEOUT)
    national = failures_of(maluku + seen(SUMATERA + JAWA, Reason.NETWORK_TIMEOUT))
    timeout = FailureSignature(Reason.NETWORK_TIMEOUT)
    [wave] = find_waves(national, NATIONWIDE, RULES, standing=[(timeout.key, "8")])
    assert wave.scope is WaveScope.NATIONAL


def test_wave_reason_for_a_region_reads_its_own_signature() -> None:
    observed = gateway_502(SPREAD)
    observed += [Seen("73.73", Reason.NETWORK_REFUSED)]
    findings = find_waves(failures_of(observed), NATIONWIDE, RULES)
    wave_502 = findings[0].signature
    refused = FailureSignature(Reason.NETWORK_REFUSED)
    assert wave_reason_for("31.71", wave_502, findings) is Reason.UPSTREAM_CENTRAL
    assert wave_reason_for("31.71", refused, findings) is None  # its other service, other fault
    assert wave_reason_for("73.73", refused, findings) is None
    assert wave_reason_for("73.73", wave_502, findings) is None  # not a member
    assert wave_reason_for("31.71", None, findings) is None
    [papua] = find_waves(failures_of(seen(PAPUA, Reason.NETWORK_TIMEOUT)), NATIONWIDE, RULES)
    timeout = FailureSignature(Reason.NETWORK_TIMEOUT)
    assert wave_reason_for("94.04", timeout, [papua]) is Reason.NETWORK_BACKBONE


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("11", IslandGroup.SUMATERA),
        ("12.71", IslandGroup.SUMATERA),
        ("21.71", IslandGroup.SUMATERA),  # Kepulauan Riau: code 21, island group Sumatera
        ("31.71", IslandGroup.JAWA),
        ("53.71", IslandGroup.BALI_NUSA_TENGGARA),
        ("64.72", IslandGroup.KALIMANTAN),
        ("73.73", IslandGroup.SULAWESI),
        ("82.71", IslandGroup.MALUKU),
        ("91.71", IslandGroup.PAPUA),
        ("96", IslandGroup.PAPUA),
    ],
)
def test_island_group_of(code: str, group: IslandGroup) -> None:
    assert island_group_of(code) is group


@pytest.mark.parametrize("code", ["", "41.01", "01"])
def test_island_group_of_a_code_outside_the_registry_raises(code: str) -> None:
    with pytest.raises(ValueError, match="island group"):
        island_group_of(code)


def test_every_registry_code_has_an_island_group() -> None:
    groups = {island_group_of(region.code) for region in load_regions()}
    assert groups == set(IslandGroup)


def test_island_groups_are_their_digits_with_both_names() -> None:
    assert [g.value for g in IslandGroup] == ["1", "3", "5", "6", "7", "8", "9"]
    assert (IslandGroup.BALI_NUSA_TENGGARA.label_id, IslandGroup.BALI_NUSA_TENGGARA.label_en) == (
        "Bali dan Nusa Tenggara",
        "Bali and Nusa Tenggara",
    )


def test_network_signature_is_the_reason_alone() -> None:
    one = signature_of(
        Reason.NETWORK_TIMEOUT, rule="transport_deadline", status_code=None, body_fingerprint=""
    )
    other = signature_of(
        Reason.NETWORK_TIMEOUT,
        rule="transport_connect_timeout",
        status_code=None,
        body_fingerprint=None,
    )
    assert one == other == FailureSignature(Reason.NETWORK_TIMEOUT)
    assert len({one, other}) == 1  # hashable: waves group by it


def test_upstream_signature_is_status_and_body_or_else_rule() -> None:
    fingerprint = body_fingerprint(GATEWAY_502)
    with_body = signature_of(
        Reason.UPSTREAM_ERROR, rule="status_5xx", status_code=502, body_fingerprint=fingerprint
    )
    assert with_body == FailureSignature(Reason.UPSTREAM_ERROR, 502, body=fingerprint)
    no_body = signature_of(
        Reason.UPSTREAM_UNEXPECTED, rule="status_mismatch", status_code=404, body_fingerprint=""
    )
    assert no_body == FailureSignature(Reason.UPSTREAM_UNEXPECTED, 404, rule="status_mismatch")
    other_status = signature_of(
        Reason.UPSTREAM_ERROR, rule="status_5xx", status_code=504, body_fingerprint=fingerprint
    )
    assert other_status != with_body


@pytest.mark.parametrize(
    "reason",
    [
        Reason.OK,
        Reason.PERFORMANCE_SLOW,
        Reason.MAINTENANCE_SCHEDULED,
        Reason.MAINTENANCE_ANNOUNCED,
        Reason.POLICY_CUTOFF,
        Reason.POLICY_SUSPECTED,
        Reason.LOCAL_INFRASTRUCTURE,
        Reason.PROBE_UNHEALTHY,
        Reason.UPSTREAM_CENTRAL,
        Reason.NETWORK_BACKBONE,
    ],
)
def test_reasons_that_never_correlate_have_no_signature(reason: Reason) -> None:
    assert (
        signature_of(reason, rule="any", status_code=503, body_fingerprint="abc123abc123") is None
    )


def test_body_fingerprint_ignores_whitespace_and_is_stable() -> None:
    spaced = "<html>\n  <body>\t<h1>502   Bad Gateway</h1>\r\n</body></html>  "
    assert body_fingerprint(spaced) == body_fingerprint(
        "<html> <body> <h1>502 Bad Gateway</h1> </body></html>"
    )
    # sha256 of the normalised text, first 12 hex: the same in every process and release.
    assert body_fingerprint("  Bad\n Gateway ") == "8bc36331ef8b"
    assert hashlib.sha256(b"Bad Gateway").hexdigest().startswith("8bc36331ef8b")
    assert body_fingerprint(GATEWAY_502) != body_fingerprint(OTHER_502)
    assert body_fingerprint("") == body_fingerprint(" \n\t ") == ""


@pytest.mark.parametrize(
    ("previous", "current", "fraction", "expected"),
    [
        (PAPUA, PAPUA, 0.2, False),
        (PAPUA, PAPUA, 0.0, False),  # nothing moved is never a change
        ((*SUMATERA, "31.71"), SUMATERA, 0.2, False),  # 1 of 10 left
        ((*SUMATERA, "31.71"), SUMATERA[:-1], 0.2, True),  # 2 of 10 left
        ((*SUMATERA, "31.71"), (*SUMATERA, "31.72"), 0.2, True),  # one left, one joined
        (PAPUA, PAPUA[:-1], 0.0, True),
        ((), PAPUA[:1], 0.5, True),
        (PAPUA, (), 0.5, True),
    ],
)
def test_membership_changed(
    previous: tuple[str, ...], current: tuple[str, ...], fraction: float, expected: bool
) -> None:
    assert membership_changed(previous, current, fraction=fraction) is expected


@pytest.mark.parametrize(
    "overrides",
    [
        {"group_min_regions": 2},
        {"national_min_regions": 2},
        {"national_min_groups": 1},
        {"national_share": 0.0},
        {"group_share": 1.5},
        {"outside_share": 1.0},
    ],
)
def test_rules_refuse_settings_that_make_coincidences_waves(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        WaveRules(**overrides)  # type: ignore[arg-type]


def test_network_backbone_is_a_network_outage_with_both_labels() -> None:
    reason = Reason("network.backbone")
    assert (reason.category, reason.state) == (Category.NETWORK, State.OUTAGE)
    assert (reason.label_id, reason.label_en) == (
        "Gangguan jaringan antarwilayah",
        "Regional backbone outage",
    )
