"""A series: the rule that makes the programme's occurrences, as stored."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time

from voimala_contracts.scheduling import Audience, Category, OccurrenceInfo, SeriesScheduled

from .texts import TextsByLanguage, texts

#: Where a series takes place unless it says otherwise.
DEFAULT_LOCATION: TextsByLanguage = {
    "fi": "Palvelupiste Voimala, pääkirjaston kahvila, Salo",
    "sv": "Servicepunkten Voimala, huvudbibliotekets café, Salo",
    "en": "Voimala service point, main library café, Salo",
}


@dataclass(frozen=True)
class Series:
    """A row of `series`: its columns, named once. (No `__slots__`: the repository restores
    rows into `__dict__`, as pickle does; a frozen `__init__` costs 0.3 µs a field.)"""

    id: uuid.UUID
    category: Category
    profession: str | None
    title: TextsByLanguage
    description: TextsByLanguage
    location: TextsByLanguage
    host_organisation: str | None
    audience: Audience
    capacity: int | None
    rrule: str
    first_date: date
    start_time: time
    end_time: time
    skip_holidays: bool
    exdates: list[date]
    opens_days_before: int
    closes_minutes_before: int
    slot_minutes: int | None
    slots_from: time | None
    slots_until: time | None
    ended_from: date | None
    created_by: str
    #: skills and topics it teaches (vocabulary ids or free text; issue 14)
    teaches: list[str] = field(default_factory=list)

    @property
    def drop_in(self) -> bool:
        return self.capacity is None and self.slot_minutes is None


def scheduled(s: Series, count: int, upcoming: Sequence[OccurrenceInfo] = ()) -> SeriesScheduled:
    """`series.scheduled.v1`: the series as it now stands, `count` occurrences added, what it
    teaches and its next occurrences."""
    return SeriesScheduled(
        series_id=s.id,
        category=s.category,
        profession=s.profession,
        title=texts(s.title),
        location=texts(s.location),
        audience=s.audience,
        capacity=s.capacity,
        rrule=s.rrule,
        first_date=s.first_date,
        local_start_time=s.start_time.strftime("%H:%M"),
        local_end_time=s.end_time.strftime("%H:%M"),
        occurrences=count,
        teaches=list(s.teaches),
        upcoming=list(upcoming),
    )
