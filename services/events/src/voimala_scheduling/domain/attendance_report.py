"""Attendance in the programme as totals for the city board and the funder: per month, for the
period and per series, with no person in it (counts only: no names, no ids of people).

Counting rules (docs/services/events.md, "Attendance report"):
- An occurrence belongs to the month (Europe/Helsinki) in which it starts.
- Held: not cancelled and ended by the time of the report. Cancelled: cancelled, whenever.
  Upcoming: not cancelled and not yet ended (its figures are not counted anywhere else).
- Places offered, on dates held: the capacity (the occurrence's own, else its series'); on a
  date booked by slots, the number of slots; drop-in dates without a limit count no places
  and are counted apart (`held_without_place_limit`).
- Registrations: confirmed registrations on dates held (cancelled ones and those still on the
  waiting list are not; the waiting list is `waitlisted`).
- Attended: people checked in on dates held, walk-ins included (`walk_ins` of them);
  `attended_registered`: those who came on a registration. No-shows: registered, not come.
- Attendance rate: attended_registered / (attended_registered + no_shows), three decimals;
  none when no registered person's attendance is recorded.
- Unique attendees: different people among those attended (a participant, a guest by their
  contact, an anonymous walk-in each once), in the month, the period, the series.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time

from .texts import LANGUAGES, TextsByLanguage

#: The longest period one report covers (a year and a month, and some).
MAX_DAYS = 400


@dataclass(frozen=True, slots=True)
class OccurrenceCounts:
    """One occurrence of the period, with its registrations and attendance counted."""

    series_id: uuid.UUID
    series_title: TextsByLanguage
    month: str
    status: str
    ended: bool
    capacity: int | None
    slot_minutes: int | None
    slots_from: time | None
    slots_until: time | None
    registrations: int
    waitlisted: int
    attended: int
    attended_registered: int
    walk_ins: int
    no_shows: int


@dataclass(slots=True)
class Totals:
    occurrences_held: int = 0
    occurrences_cancelled: int = 0
    occurrences_upcoming: int = 0
    places_offered: int = 0
    held_without_place_limit: int = 0
    registrations: int = 0
    waitlisted: int = 0
    attended: int = 0
    attended_registered: int = 0
    walk_ins: int = 0
    no_shows: int = 0
    unique_attendees: int = 0

    @property
    def attendance_rate(self) -> float | None:
        recorded = self.attended_registered + self.no_shows
        return round(self.attended_registered / recorded, 3) if recorded else None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        return found | {"attendance_rate": self.attendance_rate}


def places(occ: OccurrenceCounts) -> int | None:
    """The places a date offered: its capacity, else its number of slots; None: no limit."""
    if occ.capacity is not None:
        return occ.capacity
    if occ.slot_minutes and occ.slots_from is not None and occ.slots_until is not None:
        day = date(2000, 1, 1)
        span = datetime.combine(day, occ.slots_until) - datetime.combine(day, occ.slots_from)
        return max(int(span.total_seconds() // 60) // occ.slot_minutes, 0)
    return None


def add(totals: Totals, occ: OccurrenceCounts) -> None:
    """Count one occurrence in (unique attendees are counted apart, across occurrences)."""
    if occ.status == "cancelled":
        totals.occurrences_cancelled += 1
        return
    if not occ.ended:
        totals.occurrences_upcoming += 1
        return
    totals.occurrences_held += 1
    offered = places(occ)
    if offered is None:
        totals.held_without_place_limit += 1
    else:
        totals.places_offered += offered
    totals.registrations += occ.registrations
    totals.waitlisted += occ.waitlisted
    totals.attended += occ.attended
    totals.attended_registered += occ.attended_registered
    totals.walk_ins += occ.walk_ins
    totals.no_shows += occ.no_shows


@dataclass(frozen=True, slots=True)
class UniqueCount:
    """Different people attended in a month and/or a series (None: all of them)."""

    month: str | None
    series_id: uuid.UUID | None
    people: int


@dataclass(slots=True)
class Group:
    totals: Totals = field(default_factory=Totals)
    series: dict[uuid.UUID, Totals] = field(default_factory=dict)


def months_between(start: date, end: date) -> list[str]:
    """Every month (yyyy-mm) the period touches, first to last."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _group(
    rows: Iterable[OccurrenceCounts], months: list[str]
) -> tuple[dict[str, Group], Group, dict[uuid.UUID, TextsByLanguage]]:
    by_month = {m: Group() for m in months}
    whole = Group()
    titles: dict[uuid.UUID, TextsByLanguage] = {}
    for occ in rows:
        titles.setdefault(occ.series_id, occ.series_title)
        for group in (by_month[occ.month], whole):
            add(group.totals, occ)
            add(group.series.setdefault(occ.series_id, Totals()), occ)
    return by_month, whole, titles


def _with_unique(
    by_month: Mapping[str, Group], whole: Group, unique: Iterable[UniqueCount]
) -> None:
    for u in unique:
        group = whole if u.month is None else by_month.get(u.month)
        if group is None:
            continue
        target = group.totals if u.series_id is None else group.series.get(u.series_id)
        if target is not None:
            target.unique_attendees = u.people


def _out(group: Group, titles: Mapping[uuid.UUID, TextsByLanguage]) -> dict[str, object]:
    def key(series_id: uuid.UUID) -> tuple[str, str]:
        return (str(titles[series_id].get("fi") or "").casefold(), str(series_id))

    series = [
        {
            "series_id": str(sid),
            "title": {lang: titles[sid].get(lang) for lang in LANGUAGES},
            **group.series[sid].as_dict(),
        }
        for sid in sorted(group.series, key=key)
    ]
    return group.totals.as_dict() | {"series": series}


def report(
    start: date,
    end: date,
    rows: Iterable[OccurrenceCounts],
    unique: Iterable[UniqueCount],
) -> dict[str, object]:
    """The period's report: every month of it (empty ones too) and the whole period."""
    months = months_between(start, end)
    by_month, whole, titles = _group(rows, months)
    _with_unique(by_month, whole, unique)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "time_zone": "Europe/Helsinki",
        "total": _out(whole, titles),
        "months": [{"month": m, **_out(by_month[m], titles)} for m in months],
    }
