"""Drop-in visits to the service point: a participant's, or an anonymous group's."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from voimala_kit.refusals import invalid

from .age import AgeGroup

VisitPurpose = Literal[
    "job_search",
    "counselling",
    "language_cafe",
    "workshop",
    "digital_help",
    "information",
    "other",
]


def check_visit(
    visited_at: datetime, now: datetime, identified: bool, age_group: AgeGroup | None, count: int
) -> None:
    """A visit happened (not in the future, at a known offset); an identified one is one
    person whose age group is computed, not given."""
    if visited_at.tzinfo is None:
        raise invalid("visited_at", "needs a time zone")
    if visited_at > now:
        raise invalid("visited_at", "is in the future")
    if identified:
        if age_group is not None:
            raise invalid("age_group", "is computed for a participant, not given")
        if count != 1:
            raise invalid("count", "an identified visit is one person")
