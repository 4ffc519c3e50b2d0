"""Next steps (issue 14): for each skill an explanation says is missing, the upcoming
occurrences of the programme that teach it ("missing: Finnish → language café, Wed 14:00").

An occurrence addresses a missing skill if its series teaches that skill or a narrower one
(teaching the forklift licence is warehouse work too, as `vocabulary.held` says). Only the
participant and staff see next steps; an employer's or a mentor's view has none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .vocabulary import held

#: How many occurrences are named for one missing skill.
PER_SKILL = 2


@dataclass(frozen=True)
class Upcoming:
    """One upcoming occurrence of the programme as matching keeps it (public, no person)."""

    occurrence_id: uuid.UUID
    series_id: uuid.UUID
    category: str
    title: dict[str, str | None]
    location: dict[str, str | None]
    starts_at: datetime
    local_start: str
    teaches: list[str]


@dataclass(frozen=True)
class NextStep:
    """A missing skill and one occurrence that teaches it."""

    skill: str
    occurrence: Upcoming


def next_steps(
    missing: Iterable[str], upcoming: Sequence[Upcoming], per_skill: int = PER_SKILL
) -> list[NextStep]:
    """For each missing skill (in order) its first `per_skill` occurrences by start."""
    by_start = sorted(upcoming, key=lambda u: (u.starts_at, str(u.occurrence_id)))
    covers = [(u, held(u.teaches)) for u in by_start]
    steps: list[NextStep] = []
    for skill in missing:
        found = [u for u, keys in covers if skill in keys][:per_skill]
        steps.extend(NextStep(skill, u) for u in found)
    return steps
