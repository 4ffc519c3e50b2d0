"""Age as the programme counts it: the youth target group and the ESF age bands.

The youth rule lives here and only here: the list's `youth` filter compares stored birth data
with the `YouthLimit` of the day rather than saying the rule again in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

#: Under 30 is the programme's youth target group.
YOUTH_UNDER = 30
#: The ESF age bands: under 30 (the youth group), 30-54, 55 and over.
AgeGroup = Literal["under_30", "30_54", "55_plus", "unknown"]


@dataclass(frozen=True)
class YouthLimit:
    """Who is youth on a given day: someone born after `born_after` when the birth date is
    known; with only the year known (the age reached this year), born after `year_after`."""

    born_after: date
    year_after: int


@lru_cache(maxsize=8)
def youth_limit(today: date) -> YouthLimit:
    year = today.year - YOUTH_UNDER
    try:
        thirtieth = today.replace(year=year)
    except ValueError:  # 29 February, in a year without one: 30 once the 28th has passed
        thirtieth = date(year, 2, 28)
    return YouthLimit(born_after=thirtieth, year_after=year)


def age_on(birth_year: int | None, today: date, birth_date: date | None = None) -> int | None:
    """Age in whole years; with only a year known, the age reached this year."""
    if birth_date is not None:
        before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
        return today.year - birth_date.year - before_birthday
    if birth_year is not None:
        return today.year - birth_year
    return None


def is_youth(birth_year: int | None, today: date, birth_date: date | None = None) -> bool:
    limit = youth_limit(today)
    if birth_date is not None:
        return birth_date > limit.born_after
    return birth_year is not None and birth_year > limit.year_after


def age_group(birth_year: int | None, today: date, birth_date: date | None = None) -> AgeGroup:
    if is_youth(birth_year, today, birth_date):
        return "under_30"
    age = age_on(birth_year, today, birth_date)
    if age is None:
        return "unknown"
    return "30_54" if age < 55 else "55_plus"
