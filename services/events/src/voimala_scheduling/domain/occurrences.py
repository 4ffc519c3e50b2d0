"""Rules of one occurrence: its public description, bookable slots, registration window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from voimala_contracts.scheduling import Audience, Category, OccurrenceInfo
from voimala_kit.clock import HELSINKI, local_minute
from voimala_kit.refusals import conflict

from .texts import TextsByLanguage, texts

#: Check-in is open from this long before the start.
CHECK_IN_EARLY = timedelta(hours=2)


@dataclass(frozen=True)
class Occurrence:
    """An occurrence as read with its series: the occurrence's own title, location and
    capacity override the series'; the rest (hours of the slots, window) is the series'.

    No `__slots__`: the repository restores the many rows of a month or a feed straight into
    the instance's `__dict__`, as pickle does, which is four times cheaper than `__init__`."""

    id: uuid.UUID
    series_id: uuid.UUID
    rule_date: date
    starts_at: datetime
    ends_at: datetime
    status: str
    cancel_reason: str | None
    overridden: bool
    confirmed: int
    attendance_closed_at: datetime | None
    sequence: int
    updated_at: datetime
    capacity: int | None
    title: TextsByLanguage
    location: TextsByLanguage
    description: TextsByLanguage
    category: Category
    profession: str | None
    audience: Audience
    host_organisation: str | None
    start_time: time
    slot_minutes: int | None
    slots_from: time | None
    slots_until: time | None
    opens_days_before: int
    closes_minutes_before: int

    @property
    def drop_in(self) -> bool:
        return self.capacity is None and self.slot_minutes is None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


def in_helsinki(at: datetime) -> datetime:
    """A time as sent: one without a zone is Helsinki wall-clock time."""
    return at.replace(tzinfo=HELSINKI) if at.tzinfo is None else at


def info(occ: Occurrence) -> OccurrenceInfo:
    return OccurrenceInfo(
        occurrence_id=occ.id,
        series_id=occ.series_id,
        category=occ.category,
        title=texts(occ.title),
        location=texts(occ.location),
        starts_at=occ.starts_at,
        ends_at=occ.ends_at,
        local_start=local_minute(occ.starts_at),
        local_end=local_minute(occ.ends_at),
    )


def slots(occ: Occurrence) -> list[datetime]:
    """Start times (UTC) of the bookable slots, relative to where the occurrence now starts."""
    minutes = occ.slot_minutes
    if minutes is None or occ.slots_from is None or occ.slots_until is None:
        return []
    day = occ.starts_at.astimezone(HELSINKI).date()
    offset = datetime.combine(day, occ.slots_from) - datetime.combine(day, occ.start_time)
    last = datetime.combine(day, occ.slots_until) - datetime.combine(day, occ.start_time)
    found, at = [], offset
    while at + timedelta(minutes=minutes) <= last:
        found.append(occ.starts_at + at)
        at += timedelta(minutes=minutes)
    return found


def window(occ: Occurrence) -> tuple[datetime, datetime]:
    """When registration opens and closes."""
    opens = occ.starts_at - timedelta(days=occ.opens_days_before)
    closes = occ.starts_at - timedelta(minutes=occ.closes_minutes_before)
    return opens, closes


def check_open(occ: Occurrence, now: datetime) -> None:
    """An occurrence that can take registrations now, or a conflict saying why not."""
    if occ.cancelled:
        raise conflict("the occurrence is cancelled", "Occurrence cancelled")
    if occ.starts_at <= now:
        raise conflict("the occurrence has already started", "Occurrence past")
    if occ.drop_in:
        raise conflict("the occurrence is drop-in: no registration needed", "Drop-in")
    opens, closes = window(occ)
    if now < opens:
        raise conflict(f"registration opens at {local_minute(opens)}", "Registration not open")
    if now >= closes:
        raise conflict("registration for the occurrence has closed", "Registration closed")


def check_in_open(occ: Occurrence, now: datetime) -> None:
    """Staff may check people in from two hours before the start until no-shows are recorded."""
    if occ.cancelled:
        raise conflict("the occurrence is cancelled", "Occurrence cancelled")
    if now < occ.starts_at - CHECK_IN_EARLY:
        raise conflict("check-in opens two hours before the start", "Too early")
    if occ.attendance_closed_at is not None:
        raise conflict("no-shows were already recorded", "Attendance closed")
