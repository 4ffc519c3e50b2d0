"""Turn stored facts into a report's figures. Pure: the same facts give the same report."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import TypedDict, get_args

from voimala_contracts.participants import ExitOutcome, TargetGroup

from ..age import AgeGroup
from ..participant import Gender
from ..visits import VisitPurpose
from .facts import Entry, Facts, Milestone, Outcome, VisitFact

#: Timeline kinds that are a participant's activity (from the events service).
ACTIVITY_KINDS = ("activity.registered", "activity.attended")  # a seat held, or attended
#: Timeline kinds that are a proposal to an opening or a mentor (from matching).
PROPOSAL_KINDS = ("match.proposed",)

# Every category appears, zero or not, so that month after month has the same columns.
GENDERS = get_args(Gender)
AGE_GROUPS = get_args(AgeGroup)
EDUCATION = ("isced_0_2", "isced_3_4", "isced_5_8", "unknown")
TARGET_GROUPS = (*get_args(TargetGroup), "none")
OUTCOMES = get_args(ExitOutcome)
PURPOSES = get_args(VisitPurpose)


class Period(TypedDict):
    start: str
    end: str


class Entries(TypedDict):
    total: int
    new_participants: int
    returning: int
    youth: int
    youth_share: float | None
    by_gender: dict[str, int]
    by_age_group: dict[str, int]
    by_education: dict[str, int]
    by_target_group: dict[str, int]


class Outcomes(TypedDict):
    total: int
    by_outcome: dict[str, int]


class ServicePoint(TypedDict):
    visits: int
    identified: int
    anonymous: int
    by_purpose: dict[str, int]
    by_age_group: dict[str, int]
    new_participants: int
    youth_share: float | None


class LeadTime(TypedDict):
    count: int
    median: float | None
    mean: float | None


class LeadTimes(TypedDict):
    registration_to_first_activity: LeadTime
    registration_to_first_proposal: LeadTime
    registration_to_outcome: LeadTime


class Report(TypedDict):
    """A report as the API answers it in JSON (and CSV and SVG are made from)."""

    period: Period
    as_of: str
    entries: Entries
    exits: Outcomes
    follow_ups: Outcomes
    service_point: ServicePoint
    lead_times_days: LeadTimes


def education(level: int | None) -> str:
    """ISCED 2011 levels in the ESF bands."""
    if level is None:
        return "unknown"
    if level <= 2:
        return "isced_0_2"
    return "isced_3_4" if level <= 4 else "isced_5_8"


def _count(values: Iterable[str], categories: Iterable[str]) -> dict[str, int]:
    counts = Counter(values)
    return {c: counts.get(c, 0) for c in categories}


def _weighted(pairs: Iterable[tuple[str, int]], categories: Iterable[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for key, n in pairs:
        counts[key] += n
    return {c: counts.get(c, 0) for c in categories}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _lead(days: list[int]) -> LeadTime:
    return {
        "count": len(days),
        "median": float(statistics.median(days)) if days else None,
        "mean": round(statistics.fmean(days), 1) if days else None,
    }


def _days_in(spans: Iterable[tuple[date, date | None]], start: date, end: date) -> list[int]:
    """Days from each entry to its milestone, for the milestones reached in the period."""
    return sorted((on - began).days for began, on in spans if on is not None and start <= on <= end)


def _entries(entries: list[Entry]) -> Entries:
    youth = sum(1 for e in entries if e.youth)
    new = sum(1 for e in entries if e.number == 1)
    return {
        "total": len(entries),
        "new_participants": new,
        "returning": len(entries) - new,
        "youth": youth,
        "youth_share": _share(youth, len(entries)),
        "by_gender": _count((e.gender or "unknown" for e in entries), GENDERS),
        "by_age_group": _count((e.age_group for e in entries), AGE_GROUPS),
        "by_education": _count((education(e.education_level) for e in entries), EDUCATION),
        "by_target_group": _count((e.target_group or "none" for e in entries), TARGET_GROUPS),
    }


def _outcomes(outcomes: list[Outcome]) -> Outcomes:
    return {
        "total": len(outcomes),
        "by_outcome": _count((x.outcome for x in outcomes), OUTCOMES),
    }


def _service_point(visits: list[VisitFact], entries: Entries) -> ServicePoint:
    visitors = sum(v.count for v in visits)
    identified = sum(v.count for v in visits if v.identified)
    return {
        "visits": visitors,
        "identified": identified,
        "anonymous": visitors - identified,
        "by_purpose": _weighted(((v.purpose, v.count) for v in visits), PURPOSES),
        "by_age_group": _weighted(((v.age_group, v.count) for v in visits), AGE_GROUPS),
        "new_participants": entries["new_participants"],
        "youth_share": entries["youth_share"],
    }


def _lead_times(milestones: list[Milestone], start: date, end: date) -> LeadTimes:
    activity = ((m.started_on, m.first_activity) for m in milestones)
    proposal = ((m.started_on, m.first_proposal) for m in milestones)
    outcome = ((m.started_on, m.outcome_on) for m in milestones)
    return {
        "registration_to_first_activity": _lead(_days_in(activity, start, end)),
        "registration_to_first_proposal": _lead(_days_in(proposal, start, end)),
        "registration_to_outcome": _lead(_days_in(outcome, start, end)),
    }


def build(start: date, end: date, as_of: datetime, facts: Facts) -> Report:
    entries = _entries(facts.entries)
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "entries": entries,
        "exits": _outcomes(facts.exits),
        "follow_ups": _outcomes(facts.follow_ups),
        "service_point": _service_point(facts.visits, entries),
        "lead_times_days": _lead_times(facts.milestones, start, end),
    }
