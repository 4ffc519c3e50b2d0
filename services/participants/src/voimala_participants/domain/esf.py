"""ESF+ common indicators for participants (Annex I of Regulation (EU) 2021/1057): the entry
and exit facts, their rules, and the report that counts them (docs/reporting.md).

A person is counted once per project: their situation at their first entry, their results at
their last exit. Every fact counted is the newest recorded by the report's `as_of`.
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from voimala_kit.refusals import invalid

LabourMarketStatus = Literal[
    "employed", "self_employed", "unemployed", "inactive_in_education", "inactive_not_in_education"
]
EsfResult = Literal[
    "employed", "self_employed", "in_education_or_training", "job_searching", "qualification_gained"
]
Improvement = Literal[
    "precarious_to_stable", "underemployment_to_full_employment", "higher_skilled_job", "promotion"
]
IMPROVEMENTS: tuple[Improvement, ...] = (
    "precarious_to_stable",
    "underemployment_to_full_employment",
    "higher_skilled_job",
    "promotion",
)
Stage = Literal["leaving", "six_months"]
STAGES: tuple[Stage, ...] = ("leaving", "six_months")

#: Recorded only with the participant's consent of this purpose; shown to staff only.
SENSITIVE_PURPOSE = "sensitive_characteristics"
SENSITIVE = ("disability", "third_country_national", "foreign_background", "minority", "homeless")
#: "Upon leaving": observed within four weeks of the exit.
LEAVING_WINDOW = timedelta(days=28)
#: Long-term unemployed: continuously unemployed this many months on entry (under 25: fewer).
LONG_TERM_MONTHS = 12
LONG_TERM_MONTHS_YOUNG = 6
YOUNG_UNDER = 25
FOLLOW_UP_MONTHS = 6

COLUMNS = ("women", "men", "non_binary", "unknown")
_GENDER_COLUMN = {"female": "women", "male": "men", "other": "non_binary"}
_AGE_GROUP_RANGE = {"under_30": (0, 29), "30_54": (30, 54), "55_plus": (55, 150)}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_range(birth_year: int | None, birth_date: date | None, on: date) -> tuple[int, int] | None:
    """The age on a day; with only the birth year, the two ages it can be."""
    if birth_date is not None:
        age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
        return age, age
    if birth_year is not None:
        reached = on.year - birth_year
        return max(reached - 1, 0), max(reached, 0)
    return None


def _within(ages: tuple[int, int] | None, low: int, high: int) -> bool | None:
    """Whether the age is in low..high: None when the range says both."""
    if ages is None:
        return None
    if low <= ages[0] and ages[1] <= high:
        return True
    if ages[1] < low or ages[0] > high:
        return False
    return None


def long_term_unemployed(
    status: str | None, since: date | None, entered: date, ages: tuple[int, int] | None
) -> bool | None:
    """12 months of continuous unemployment on entry, 6 under the age of 25."""
    if status is None:
        return None
    if status != "unemployed" or since is None:
        return False
    if add_months(since, LONG_TERM_MONTHS) <= entered:
        return True
    if add_months(since, LONG_TERM_MONTHS_YOUNG) > entered:
        return False
    return _within(ages, 0, YOUNG_UNDER - 1)


def result_window(
    stage: str, result: str, started_on: date, exit_date: date
) -> tuple[date, date | None]:
    """The days on which a result counts: upon leaving, the exit day to four weeks after (a
    qualification also while taking part); six months on, from six months after the exit."""
    if stage == "six_months":
        return add_months(exit_date, FOLLOW_UP_MONTHS), None
    first = started_on if result == "qualification_gained" else exit_date
    return first, exit_date + LEAVING_WINDOW


def check_results(
    stage: str, results: Mapping[str, date], started_on: date, exit_date: date, today: date
) -> None:
    """Refuse a result observed outside its window or in the future (422 naming it)."""
    for result, on in results.items():
        first, last = result_window(stage, result, started_on, exit_date)
        if on > today:
            raise invalid("results", f"{result}: observed_on is in the future")
        if on < first or (last is not None and on > last):
            until = f" to {last.isoformat()}" if last else " or later"
            raise invalid("results", f"{result}: observed_on must be {first.isoformat()}{until}")


def check_improvements(
    improvements: Mapping[str, date] | None,
    results: Mapping[str, date],
    started_on: date,
    exit_date: date,
    today: date,
) -> None:
    """The six-month improvements: only with employment (or self-employment) in the same set,
    each observed in the six-month window (422 naming it)."""
    if not improvements:
        return
    if not {"employed", "self_employed"} & results.keys():
        raise invalid(
            "improvements",
            "an improved situation is in work: the set must hold employed or self_employed",
        )
    for name, on in improvements.items():
        first, _ = result_window("six_months", name, started_on, exit_date)
        if on > today:
            raise invalid("improvements", f"{name}: observed_on is in the future")
        if on < first:
            raise invalid(
                "improvements", f"{name}: observed_on must be {first.isoformat()} or later"
            )


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """The ESF+ entry facts of an episode as last recorded (a row of `esf_entry`)."""

    labour_market_status: str
    unemployed_since: date | None
    gender: str | None
    age_from: int | None
    age_to: int | None
    education_level: int | None
    municipality_code: str | None
    rural: bool | None
    disability: bool | None = None
    third_country_national: bool | None = None
    foreign_background: bool | None = None
    minority: bool | None = None
    homeless: bool | None = None
    #: When the sensitive values were erased (the consent withdrawn); None: never.
    sensitive_erased_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EpisodeFact:
    """An episode as recorded by `as_of` (the exit only if recorded by then)."""

    participant_id: uuid.UUID
    number: int
    started_on: date
    exit_date: date | None
    gender: str | None
    age_group: str
    education_level: int | None


@dataclass(frozen=True)
class EsfFacts:
    episodes: list[EpisodeFact]
    #: (participant, episode) -> the entry facts in force.
    entries: dict[tuple[uuid.UUID, int], EntryFacts]
    #: (participant, episode, stage) -> result -> the day observed.
    results: dict[tuple[uuid.UUID, int, str], dict[str, date]]
    #: (participant, episode) -> the six-month set's improvements (None: not asked).
    improvements: dict[tuple[uuid.UUID, int], dict[str, date] | None] = field(default_factory=dict)


@dataclass
class Person:
    """One person, once per project: first entry's situation, last exit's results."""

    column: str
    entered: date
    entry: EntryFacts | None
    ages: tuple[int, int] | None
    education_level: int | None
    left: date | None = None
    last_started: date | None = None
    leaving: dict[str, date] | None = None
    six_months: dict[str, date] | None = None
    improvements: dict[str, date] | None = None


def _person(eps: list[EpisodeFact], facts: EsfFacts) -> Person:
    first, last = eps[0], eps[-1]
    entry = facts.entries.get((first.participant_id, first.number))
    if entry is not None:
        gender, education = entry.gender, entry.education_level
        ages = None if entry.age_from is None else (entry.age_from, entry.age_to or entry.age_from)
    else:
        gender, education = first.gender, first.education_level
        ages = _AGE_GROUP_RANGE.get(first.age_group)
    p = Person(
        _GENDER_COLUMN.get(gender or "", "unknown"), first.started_on, entry, ages, education
    )
    if last.exit_date is not None:
        p.left, p.last_started = last.exit_date, last.started_on
        key = (last.participant_id, last.number)
        p.leaving = facts.results.get((*key, "leaving"))
        p.six_months = facts.results.get((*key, "six_months"))
        p.improvements = facts.improvements.get(key)
    return p


def people(facts: EsfFacts) -> list[Person]:
    by_person: dict[uuid.UUID, list[EpisodeFact]] = {}
    for e in sorted(facts.episodes, key=lambda e: (e.participant_id, e.number)):
        by_person.setdefault(e.participant_id, []).append(e)
    return [_person(eps, facts) for eps in by_person.values()]


Test = Callable[[Person], bool | None]


def _status(p: Person, *statuses: str) -> bool | None:
    return None if p.entry is None else p.entry.labour_market_status in statuses


def _education(p: Person, low: int, high: int) -> bool | None:
    return None if p.education_level is None else low <= p.education_level <= high


def _entry_flag(name: str) -> Test:
    return lambda p: None if p.entry is None else getattr(p.entry, name)


def _ltu(p: Person) -> bool | None:
    e = p.entry
    if e is None:
        return None
    return long_term_unemployed(e.labour_market_status, e.unemployed_since, p.entered, p.ages)


def _leaving(*results: str) -> Test:
    def test(p: Person) -> bool | None:
        if p.leaving is None or p.left is None or p.last_started is None:
            return None
        return any(r in p.leaving and _in_window("leaving", r, p.leaving[r], p) for r in results)

    return test


def _six_months(p: Person) -> bool | None:
    if p.six_months is None:
        return None
    found = [r for r in ("employed", "self_employed") if r in p.six_months]
    return any(_in_window("six_months", r, p.six_months[r], p) for r in found)


def _improved(p: Person) -> bool | None:
    """Employed on first entry and, six months after the last exit, in work with at least one
    improvement of the situation; not employed on entry: no."""
    if p.entry is None:
        return None
    if p.entry.labour_market_status not in ("employed", "self_employed"):
        return False
    in_work = _six_months(p)
    if not in_work:
        return in_work
    if p.improvements is None:
        return None
    return any(_in_window("six_months", k, on, p) for k, on in p.improvements.items())


def _in_window(stage: str, result: str, on: date, p: Person) -> bool:
    assert p.last_started is not None
    assert p.left is not None
    first, last = result_window(stage, result, p.last_started, p.left)
    return first <= on and (last is None or on <= last)


@dataclass(frozen=True)
class Indicator:
    code: str
    key: str
    #: outputs (first entry in the period), immediate (last exit in the period), longer_term
    #: (six months after the last exit in the period).
    section: str
    test: Test
    definition: str
    nimike: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "EECO01",
        "participants",
        "outputs",
        lambda p: True,
        "people whose first entry to the project is in the period",
        "Osallistujat yhteensä",
    ),
    Indicator(
        "EECO02",
        "unemployed",
        "outputs",
        lambda p: _status(p, "unemployed"),
        "unemployed on first entry, including long-term unemployed",
        "Työttömät (ml. pitkäaikaistyöttömät)",
    ),
    Indicator(
        "EECO03",
        "long_term_unemployed",
        "outputs",
        _ltu,
        "unemployed on first entry continuously 12 months, or 6 months if under 25",
        "Pitkäaikaistyöttömät",
    ),
    Indicator(
        "EECO04",
        "inactive",
        "outputs",
        lambda p: _status(p, "inactive_in_education", "inactive_not_in_education"),
        "inactive (not in the labour force) on first entry",
        "Työvoiman ulkopuolella",
    ),
    Indicator(
        "EECO05",
        "employed",
        "outputs",
        lambda p: _status(p, "employed", "self_employed"),
        "employed on first entry, including self-employed",
        "Työlliset (ml. itsensä työllistäjät)",
    ),
    Indicator(
        "EECO06",
        "below_18",
        "outputs",
        lambda p: _within(p.ages, 0, 17),
        "under 18 years of age on first entry",
        "Alle 18-vuotiaat",
    ),
    Indicator(
        "EECO07",
        "age_18_29",
        "outputs",
        lambda p: _within(p.ages, 18, 29),
        "18-29 years of age on first entry",
        "18-29-vuotiaat",
    ),
    Indicator(
        "EECO08",
        "age_55_plus",
        "outputs",
        lambda p: _within(p.ages, 55, 150),
        "55 years of age or more on first entry",
        "55 vuotta täyttäneet",
    ),
    Indicator(
        "EECO09",
        "isced_0_2",
        "outputs",
        lambda p: _education(p, 0, 2),
        "lower secondary education or less (ISCED 0-2) on first entry",
        "Enintään perusaste (ISCED 0-2)",
    ),
    Indicator(
        "EECO10",
        "isced_3_4",
        "outputs",
        lambda p: _education(p, 3, 4),
        "upper secondary or post-secondary non-tertiary (ISCED 3-4) on first entry",
        "Toinen aste (ISCED 3-4)",
    ),
    Indicator(
        "EECO11",
        "isced_5_8",
        "outputs",
        lambda p: _education(p, 5, 8),
        "tertiary education (ISCED 5-8) on first entry",
        "Korkea-aste (ISCED 5-8)",
    ),
    Indicator(
        "EECO12",
        "disability",
        "outputs",
        _entry_flag("disability"),
        "participants with disabilities (with consent)",
        "Vammaiset osallistujat",
    ),
    Indicator(
        "EECO13",
        "third_country_national",
        "outputs",
        _entry_flag("third_country_national"),
        "third-country nationals (with consent)",
        "Kolmansien maiden kansalaiset",
    ),
    Indicator(
        "EECO14",
        "foreign_background",
        "outputs",
        _entry_flag("foreign_background"),
        "participants with a foreign background (with consent)",
        "Ulkomaalaistaustaiset",
    ),
    Indicator(
        "EECO15",
        "minority",
        "outputs",
        _entry_flag("minority"),
        "minorities, including marginalised communities such as the Roma (with consent)",
        "Vähemmistöt (ml. romanit)",
    ),
    Indicator(
        "EECO16",
        "homeless",
        "outputs",
        _entry_flag("homeless"),
        "homeless or affected by housing exclusion (with consent)",
        "Asunnottomat tai asuntomarkkinoilta syrjäytyneet",
    ),
    Indicator(
        "EECO17",
        "rural",
        "outputs",
        _entry_flag("rural"),
        "living in a rural area, by the municipality code on first entry",
        "Maaseutualueilta",
    ),
    Indicator(
        "EECR01",
        "job_searching",
        "immediate",
        _leaving("job_searching"),
        "job searching upon leaving (within four weeks of the last exit)",
        "Työnhaussa osallistumisen päättyessä",
    ),
    Indicator(
        "EECR02",
        "in_education_or_training",
        "immediate",
        _leaving("in_education_or_training"),
        "in education or training upon leaving",
        "Koulutuksessa päättyessä",
    ),
    Indicator(
        "EECR03",
        "qualification_gained",
        "immediate",
        _leaving("qualification_gained"),
        "gaining a qualification while taking part or within four weeks of leaving",
        "Tutkinnon tai pätevyyden saaneet",
    ),
    Indicator(
        "EECR04",
        "employed_upon_leaving",
        "immediate",
        _leaving("employed", "self_employed"),
        "in employment, including self-employment, upon leaving",
        "Työllistyneet päättyessä (ml. yrittäjät)",
    ),
    Indicator(
        "EECR05",
        "employed_six_months",
        "longer_term",
        _six_months,
        "in employment, including self-employment, six months after leaving (by exit "
        "cohort: those whose six months after the last exit end in the period)",
        "Työllisinä kuusi kuukautta päättymisen jälkeen",
    ),
    Indicator(
        "EECR06",
        "improved_situation_six_months",
        "longer_term",
        _improved,
        "employed (incl. self-employed) on first entry and, six months after leaving, in work "
        "having moved from precarious to stable employment, from underemployment to full "
        "employment, to a job requiring higher competences, skills or qualifications with more "
        "responsibility, or promoted (same exit cohort as EECR05)",
        "Työmarkkinatilanne parantunut kuusi kuukautta päättymisen jälkeen",
    ),
)


def _population(section: str, p: Person, start: date, end: date, today: date) -> bool:
    if section == "outputs":
        return start <= p.entered <= end
    if p.left is None:
        return False
    if section == "immediate":
        return start <= p.left <= end
    due = add_months(p.left, FOLLOW_UP_MONTHS)
    return start <= due <= end and due <= today


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _row(indicator: Indicator, members: list[Person]) -> dict[str, Any]:
    cells = dict.fromkeys(COLUMNS, 0)
    not_known = 0
    for p in members:
        found = indicator.test(p)
        if found is None:
            not_known += 1
        elif found:
            cells[p.column] += 1
    return {
        "code": indicator.code,
        "indicator": indicator.key,
        "section": indicator.section,
        **cells,
        "total": sum(cells.values()),
        "population": len(members),
        "not_known": not_known,
        "not_known_share": _share(not_known, len(members)),
        "definition": indicator.definition,
        "definition_ref": f"docs/reporting.md#{indicator.code.lower()}",
        "nimike": indicator.nimike,
    }


@dataclass(frozen=True)
class EsfPeriod:
    start: date
    end: date
    cumulative: bool
    project_start: date
    #: The Helsinki day of `as_of`: six-month cohorts are counted only once due by then.
    today: date
    as_of: str
    #: Whether PARTICIPANTS_ESF_RURAL_MUNICIPALITIES holds a list (EECO17 needs it).
    rural_configured: bool = True


SENSITIVE_CODES = ("EECO12", "EECO13", "EECO14", "EECO15", "EECO16")
RURAL_CAVEAT = (
    "EECO17 needs the list of rural municipalities (Eurostat degree of urbanisation 3, "
    "setting PARTICIPANTS_ESF_RURAL_MUNICIPALITIES), which is not configured: a person "
    "without a rural flag is counted as not known (docs/reporting.md#eeco17)"
)
RURAL_CAVEAT_FI = (
    "EECO17 (maaseutualueilta) tarvitsee luettelon maaseutukunnista (Eurostatin "
    "kaupungistumisaste 3, asetus PARTICIPANTS_ESF_RURAL_MUNICIPALITIES), eikä sitä ole "
    "asetettu: henkilö, jonka maaseututieto puuttuu, lasketaan sarakkeeseen tieto puuttuu."
)


def _erased_since(everyone: list[Person], period: EsfPeriod) -> int:
    """People of the outputs population whose sensitive values counted at `as_of` were erased
    later (their consent withdrawn): now not known, so the figures differ from then."""
    as_of = datetime.fromisoformat(period.as_of)
    return sum(
        1
        for p in everyone
        if period.start <= p.entered <= period.end
        and p.entry is not None
        and p.entry.sensitive_erased_at is not None
        and p.entry.sensitive_erased_at > as_of
    )


def _caveats(everyone: list[Person], period: EsfPeriod) -> list[dict[str, Any]]:
    caveats: list[dict[str, Any]] = []
    if not period.rural_configured:
        caveats.append({"codes": ["EECO17"], "text": RURAL_CAVEAT, "teksti": RURAL_CAVEAT_FI})
    erased = _erased_since(everyone, period)
    if erased:
        caveats.append(
            {
                "codes": list(SENSITIVE_CODES),
                "text": f"{erased} people's sensitive characteristics counted at as_of were "
                "erased later, when they withdrew their consent: they are counted as not "
                "known here, so these rows may be lower than the report made then "
                "(docs/reporting.md#withdrawn-consent)",
                "teksti": f"{erased} henkilön arkaluonteiset tiedot, jotka laskettiin as_of-"
                "hetkellä, on sittemmin poistettu suostumuksen peruuttamisen vuoksi: heidät "
                "lasketaan sarakkeeseen tieto puuttuu, joten nämä rivit voivat olla pienempiä "
                "kuin silloin tehdyssä raportissa.",
            }
        )
    return caveats


def esf_report(facts: EsfFacts, period: EsfPeriod) -> dict[str, Any]:
    """One row per Annex I indicator, by gender, unique people per project."""
    everyone = people(facts)
    rows = []
    for indicator in INDICATORS:
        members = [
            p
            for p in everyone
            if _population(indicator.section, p, period.start, period.end, period.today)
        ]
        rows.append(_row(indicator, members))
    return {
        "report": "esf_plus_common_indicators",
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "cumulative": period.cumulative,
        },
        "project_start": period.project_start.isoformat(),
        "as_of": period.as_of,
        "counting": (
            "unique people per project: outputs by the situation at the first entry (first "
            "entry in the period), results by the last exit (in the period; six-month results "
            "by the cohort whose six months after the last exit end in the period and by as_of)"
        ),
        "columns": [*COLUMNS, "total"],
        "indicators": rows,
        "caveats": _caveats(everyone, period),
    }


_CSV_COLUMNS = (
    "code",
    "indicator",
    "section",
    *COLUMNS,
    "total",
    "population",
    "not_known",
    "not_known_share",
    "definition",
    "nimike",
)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",") or "0"
    return "" if value is None else str(value)


def esf_csv(report: Mapping[str, Any]) -> str:
    """For Finnish Excel: UTF-8 with a BOM, `;` between columns, a decimal comma."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    period = report["period"]
    for key, value in (
        ("from", period["from"]),
        ("to", period["to"]),
        ("as_of", report["as_of"]),
    ):
        writer.writerow(["period", key, "", *[""] * (len(COLUMNS) + 4), value, ""])
    for row in report["indicators"]:
        writer.writerow([_cell(row[c]) for c in _CSV_COLUMNS])
    for caveat in report.get("caveats", []):
        codes = ",".join(caveat["codes"])
        writer.writerow(["caveat", codes, "", *[""] * (len(COLUMNS) + 4), caveat["text"], ""])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class QualityFact:
    """An episode of a participant still in the registry, with what is known of it."""

    participant_id: uuid.UUID
    episode: int
    started_on: date
    exit_date: date | None
    no_birth_date: bool
    no_gender: bool
    no_education: bool
    no_status: bool
    no_municipality_code: bool
    no_leaving: bool
    no_six_months: bool
    #: Employed on (first) entry, in work at six months, improvements not asked (EECR06).
    no_improvements: bool = False


def _item(f: QualityFact, problem: str, missing: list[str], since: date) -> dict[str, Any]:
    return {
        "participant_id": str(f.participant_id),
        "episode": f.episode,
        "problem": problem,
        "missing": missing,
        "since": since.isoformat(),
    }


def _entry_gaps(f: QualityFact) -> list[dict[str, Any]]:
    missing = [
        name
        for name, gap in (
            ("birth_date", f.no_birth_date),
            ("gender", f.no_gender),
            ("education_level", f.no_education),
            ("labour_market_status", f.no_status),
            ("municipality_code", f.no_municipality_code),
        )
        if gap
    ]
    return [_item(f, "entry_facts_missing", missing, f.started_on)] if missing else []


def _exit_gaps(f: QualityFact, exit_date: date, today: date) -> list[dict[str, Any]]:
    items = []
    if f.no_leaving and exit_date + LEAVING_WINDOW <= today:
        items.append(_item(f, "exit_without_results", ["leaving"], exit_date + LEAVING_WINDOW))
    due = add_months(exit_date, FOLLOW_UP_MONTHS)
    if f.no_six_months and due <= today:
        items.append(_item(f, "follow_up_missing", ["six_months"], due))
    if f.no_improvements:
        items.append(_item(f, "improvements_not_asked", ["improvements"], due))
    return items


def quality_items(facts: list[QualityFact], today: date) -> list[dict[str, Any]]:
    """What is missing, per participant and episode: open episodes' entry facts, exits four
    weeks old without results, six-month follow-ups due and missing, and the improvements not
    asked of a person employed on entry and in work at six months."""
    items: list[dict[str, Any]] = []
    for f in facts:
        if f.exit_date is None:
            items.extend(_entry_gaps(f))
        else:
            items.extend(_exit_gaps(f, f.exit_date, today))
    return items


def configuration_items(*, rural_configured: bool) -> list[dict[str, Any]]:
    """What the deployment has not supplied and which figures it leaves not known."""
    if rural_configured:
        return []
    return [
        {
            "problem": "rural_municipalities_not_configured",
            "setting": "PARTICIPANTS_ESF_RURAL_MUNICIPALITIES",
            "affects": ["EECO17"],
            "text": "The rural figure (EECO17) needs the list of municipality codes that "
            "Eurostat's degree of urbanisation classes as rural areas (class 3); until it is "
            "set, no one is counted as rural or not rural (docs/reporting.md#eeco17).",
        }
    ]


_HTML_SECTIONS = {
    "outputs": "Osallistujat aloittaessaan (ensimmäinen aloitus)",
    "immediate": "Välittömät tulokset (viimeinen päättyminen)",
    "longer_term": "Pidemmän aikavälin tulokset (kuusi kuukautta päättymisestä)",
}
_HTML_HEAD = (
    "Tunnus",
    "Indikaattori",
    "Naiset",
    "Miehet",
    "Muunsukupuoliset",
    "Sukupuoli ei tiedossa",
    "Yhteensä",
    "Tieto puuttuu",
    "Määritelmä",
)


def _fi_date(iso: str) -> str:
    day = date.fromisoformat(iso[:10])
    return f"{day.day}.{day.month}.{day.year}"


def _html_row(row: Mapping[str, Any]) -> str:
    share = f"{row['not_known']} ({_cell(round(row['not_known_share'] * 100, 1))} %)"
    cells = [
        row["code"],
        row["nimike"],
        *(row[c] for c in (*COLUMNS, "total")),
        share,
        row["definition"],
    ]
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"


def esf_html(report: Mapping[str, Any]) -> str:
    """A printable page (Finnish): one table per section, every figure with its definition."""
    period = report["period"]
    title = f"ESF+-indikaattorit {_fi_date(period['from'])}-{_fi_date(period['to'])}"
    parts = [
        '<!doctype html><html lang="fi"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}"
        "td,th{border:1px solid #555;padding:.2em .4em}td:nth-child(n+3){text-align:right}"
        "td:last-child{text-align:left}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Tilanne {html.escape(_fi_date(report['as_of']))} (as_of "
        f"{html.escape(report['as_of'])}). Kukin henkilö lasketaan kerran hankkeessa: "
        "aloitustiedot ensimmäisestä aloituksesta, tulokset viimeisestä päättymisestä.</p>",
    ]
    caveats = report.get("caveats", [])
    if caveats:
        items = "".join(
            f"<li>{html.escape(', '.join(c['codes']))}: {html.escape(c['teksti'])}</li>"
            for c in caveats
        )
        parts.append(f"<h2>Huomautukset</h2><ul>{items}</ul>")
    head = "".join(f'<th scope="col">{h}</th>' for h in _HTML_HEAD)
    for section, caption in _HTML_SECTIONS.items():
        rows = [r for r in report["indicators"] if r["section"] == section]
        parts.append(f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>")
        parts.extend(_html_row(r) for r in rows)
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
