"""Turn stored facts into a report's figures. Pure: the same facts give the same report."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, get_args

from voimala_contracts.participants import ExitOutcome
from voimala_contracts.participants import TargetGroup as _TargetGroup

from ..schemas import AgeGroup, Gender, VisitPurpose

#: Timeline kinds that are a participant's activity (from the events service).
ACTIVITY_KINDS = ("activity.registered", "activity.attended")  # a seat held, or attended
#: Timeline kinds that are a proposal to an opening or a mentor (from matching).
PROPOSAL_KINDS = ("match.proposed",)

# Every category appears, zero or not, so that month after month has the same columns.
GENDERS = get_args(Gender)
AGE_GROUPS = get_args(AgeGroup)
EDUCATION = ("isced_0_2", "isced_3_4", "isced_5_8", "unknown")
TARGET_GROUPS = (*get_args(_TargetGroup), "none")
OUTCOMES = get_args(ExitOutcome)
PURPOSES = get_args(VisitPurpose)


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


def _lead(days: list[int]) -> dict[str, Any]:
    return {
        "count": len(days),
        "median": float(statistics.median(days)) if days else None,
        "mean": round(statistics.fmean(days), 1) if days else None,
    }


def _days_in(rows: Sequence[Mapping[str, Any]], field: str, start: date, end: date) -> list[int]:
    return sorted(
        (r[field] - r["started_on"]).days
        for r in rows
        if r[field] is not None and start <= r[field] <= end
    )


def build(
    *,
    start: date,
    end: date,
    as_of: datetime,
    entries: Sequence[Mapping[str, Any]],
    exits: Sequence[Mapping[str, Any]],
    follow_ups: Sequence[Mapping[str, Any]],
    visits: Sequence[Mapping[str, Any]],
    milestones: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    youth = sum(1 for e in entries if e["youth"])
    new = sum(1 for e in entries if e["number"] == 1)
    visitors = sum(v["count"] for v in visits)
    identified = sum(v["count"] for v in visits if v["identified"])
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "entries": {
            "total": len(entries),
            "new_participants": new,
            "returning": len(entries) - new,
            "youth": youth,
            "youth_share": _share(youth, len(entries)),
            "by_gender": _count((e["gender"] for e in entries), GENDERS),
            "by_age_group": _count((e["age_group"] for e in entries), AGE_GROUPS),
            "by_education": _count((e["education"] for e in entries), EDUCATION),
            "by_target_group": _count((e["target_group"] for e in entries), TARGET_GROUPS),
        },
        "exits": {
            "total": len(exits),
            "by_outcome": _count((x["outcome"] for x in exits), OUTCOMES),
        },
        "follow_ups": {
            "total": len(follow_ups),
            "by_outcome": _count((x["outcome"] for x in follow_ups), OUTCOMES),
        },
        "service_point": {
            "visits": visitors,
            "identified": identified,
            "anonymous": visitors - identified,
            "by_purpose": _weighted(((v["purpose"], v["count"]) for v in visits), PURPOSES),
            "by_age_group": _weighted(((v["age_group"], v["count"]) for v in visits), AGE_GROUPS),
            "new_participants": new,
            "youth_share": _share(youth, len(entries)),
        },
        "lead_times_days": {
            "registration_to_first_activity": _lead(
                _days_in(milestones, "first_activity", start, end)
            ),
            "registration_to_first_proposal": _lead(
                _days_in(milestones, "first_proposal", start, end)
            ),
            "registration_to_outcome": _lead(_days_in(milestones, "outcome_on", start, end)),
        },
    }
