"""Everything the `/reports` page shows, as plain values for its template: the form as the
reader filled it, the national ranking by policy downtime, each region's summary with its
coverage, and the episodes with times in their region's zone, in one language. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from app.core.domain import Category
from app.core.local_format import percent_text
from app.core.regions.zones import Zone, zone_of
from app.reads.outage_report import Letter, OutageReport, ReportEpisode, ReportRegion
from app.web.format import duration, iso, local_date, local_time, web_link
from app.web.i18n import Lang, category_label, other, reason_label, words

CSV_ROUTE = "/api/v1/reports/outages.csv"
JSON_ROUTE = "/api/v1/reports/outages"
# Causes a reader may filter on (`ok` is no outage's cause).
CATEGORIES = [c for c in Category if c != Category.OK]


@dataclass(frozen=True, slots=True)
class ReportForm:
    """The form's fields as given (blank when not), so a rejected value is shown back."""

    first: str = ""
    last: str = ""
    region: str = ""
    category: str = ""

    def query(self, lang: Lang | None = None) -> str:
        fields = {"from": self.first, "to": self.last, "region": self.region}
        fields |= {"category": self.category, "lang": lang or ""}
        return urlencode({k: v for k, v in fields.items() if v})


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class LetterLine:
    reference: str
    issuer: str
    issued: str
    url: str | None
    download: str | None = None  # the letter itself, when attached and public


@dataclass(frozen=True, slots=True)
class EpisodeLine:
    id: int
    region_code: str
    region_name: str
    province: str
    category: str
    cause: str
    reason: str
    started: str
    started_iso: str
    ended: str  # or "ongoing"
    ended_iso: str
    duration: str
    in_range: str  # the part within the range, when it is not the whole
    letter: LetterLine | None


@dataclass(frozen=True, slots=True)
class RankLine:
    rank: int
    region_code: str
    region_name: str
    province: str
    downtime: str
    cutoffs: int


@dataclass(frozen=True, slots=True)
class RegionLine:
    region_code: str
    region_name: str
    province: str
    downtime: str
    by_cause: list[tuple[str, str, str]]  # (category, label, time)
    cutoffs: int
    coverage: str
    monitored_since: str


@dataclass(frozen=True, slots=True)
class ReportPage:
    lang: Lang
    other_lang: Lang
    words: dict[str, str]
    title_other: str
    form: ReportForm
    categories: list[Option]
    error: str
    lang_href: str
    range_text: str
    csv_url: str
    json_url: str
    ranking: list[RankLine]
    regions: list[RegionLine]
    episodes: list[EpisodeLine]
    shown: bool  # a report was made (no error)


def report_page(
    report: OutageReport | None, form: ReportForm, lang: Lang, *, error_field: str | None = None
) -> ReportPage:
    """The page for `report`; without one (the query was refused), the form and the error."""
    vocabulary = words(lang)
    if report is not None:  # show the range and filters as they were read
        form = ReportForm(
            report.range.first.isoformat(),
            report.range.last.isoformat(),
            report.region or "",
            str(report.category or ""),
        )
    return ReportPage(
        lang=lang,
        other_lang=other(lang),
        words=vocabulary,
        title_other=words(other(lang))["reports"],
        form=form,
        categories=[
            Option(str(c), category_label(c, lang), str(c) == form.category) for c in CATEGORIES
        ],
        error=_error(error_field, vocabulary),
        lang_href=f"?{form.query(other(lang))}",
        range_text=_range_text(report, lang),
        csv_url=f"{CSV_ROUTE}?{form.query()}",
        json_url=f"{JSON_ROUTE}?{form.query()}",
        ranking=_ranking(report, lang),
        regions=[_region_line(r, lang) for r in report.regions] if report else [],
        episodes=[_episode_line(e, lang) for e in report.episodes] if report else [],
        shown=report is not None,
    )


def _error(field: str | None, vocabulary: dict[str, str]) -> str:
    """What is wrong, by the field at fault (`too_many`: the range holds too many episodes)."""
    if field is None:
        return ""
    key = "report_too_many" if field == "too_many" else f"report_bad_{field}"
    return vocabulary.get(key, vocabulary["report_bad_from"])


def _range_text(report: OutageReport | None, lang: Lang) -> str:
    if report is None:
        return ""
    first, last = report.range.first, report.range.last
    return f"{local_date(first, lang)} – {local_date(last, lang)} (WIB)"


def _ranking(report: OutageReport | None, lang: Lang) -> list[RankLine]:
    if report is None:
        return []
    places = {r.place.code: r.place for r in report.regions}
    return [
        RankLine(
            rank=r.rank,
            region_code=r.region_code,
            region_name=places[r.region_code].name,
            province=places[r.region_code].province_name or "",
            downtime=duration(r.policy_seconds, lang),
            cutoffs=r.policy_cutoffs,
        )
        for r in report.ranking
    ]


def _region_line(region: ReportRegion, lang: Lang) -> RegionLine:
    totals, cover = region.totals, region.coverage
    # Causes that held under a second (a letter declared as the outage ended) are left out.
    held = [(c, s) for c, s in totals.downtime_by_category.items() if s >= 1]
    by_cause = sorted(held, key=lambda item: -item[1])
    observed, window = duration(cover.observed_seconds, lang), duration(cover.window_seconds, lang)
    of = words(lang)["of"]
    return RegionLine(
        region_code=region.place.code,
        region_name=region.place.name,
        province=region.place.province_name or "",
        downtime=duration(totals.downtime_seconds, lang),
        by_cause=[(str(c), category_label(c, lang), duration(s, lang)) for c, s in by_cause],
        cutoffs=totals.policy_cutoffs,
        coverage=f"{percent_text(cover.ratio * 100, lang, places=0)} ({observed} {of} {window})",
        monitored_since=local_time(region.monitored_since, zone_of(region.place.code), lang),
    )


def _episode_line(episode: ReportEpisode, lang: Lang) -> EpisodeLine:
    facts, zone = episode.facts, episode.zone
    whole = duration(episode.seconds, lang)
    part = duration(episode.seconds_in_range, lang)
    return EpisodeLine(
        id=facts.id,
        region_code=episode.place.code,
        region_name=episode.place.name,
        province=episode.place.province_name or "",
        category=str(facts.category),
        cause=category_label(facts.category, lang),
        reason=reason_label(facts.reason, lang),
        started=local_time(facts.started_at, zone, lang),
        started_iso=iso(facts.started_at),
        ended=local_time(facts.ended_at, zone, lang) or words(lang)["ongoing"],
        ended_iso=iso(facts.ended_at),
        duration=whole,
        in_range=part if part != whole else "",
        letter=None if episode.letter is None else _letter_line(episode.letter, zone, lang),
    )


def _letter_line(letter: Letter, zone: Zone, lang: Lang) -> LetterLine:
    issued = letter.issued_at
    return LetterLine(
        reference=letter.reference,
        issuer=letter.issuer,
        issued="" if issued is None else local_date(issued.astimezone(zone.tz).date(), lang),
        url=web_link(letter.url),
        download=letter.letter_path,
    )
