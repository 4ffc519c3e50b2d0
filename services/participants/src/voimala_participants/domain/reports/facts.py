"""The stored facts a report counts, one small record each, as the repository reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Entry:
    """An episode started: the facts of the entry as they were on the day."""

    number: int
    gender: str | None
    age_group: str
    youth: bool
    education_level: int | None
    target_group: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """An exit's outcome, or a follow-up's."""

    outcome: str


@dataclass(frozen=True, slots=True)
class VisitFact:
    purpose: str
    age_group: str
    count: int
    identified: bool


@dataclass(frozen=True, slots=True)
class Milestone:
    """An episode's first activity, first proposal and outcome (each a Helsinki day, if any)."""

    started_on: date
    first_activity: date | None
    first_proposal: date | None
    outcome_on: date | None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything one report counts, read in one snapshot."""

    entries: list[Entry]
    exits: list[Outcome]
    follow_ups: list[Outcome]
    visits: list[VisitFact]
    milestones: list[Milestone]
