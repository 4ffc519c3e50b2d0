"""Series: schedule, change from a date on, cancel from a date on, keep the horizon filled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from voimala_contracts.scheduling import Audience, Category
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.occurrences import Occurrence
from ..domain.recurrence import RuleError, at_local, expand, parse_rule
from ..domain.series import DEFAULT_LOCATION, Series
from ..domain.texts import TextsByLanguage
from ..repository import occurrences, series
from .deps import Deps
from .occurrences import cancel_one, tell_changed
from .teaching import announce


@dataclass(frozen=True)
class Slots:
    """Bookable slots of `minutes` within the hours, from `start` until `end` (local)."""

    minutes: int
    start: time
    end: time


@dataclass(frozen=True)
class ScheduleSeries:
    category: Category
    title: TextsByLanguage
    rrule: str
    first_date: date
    start_time: time
    end_time: time
    profession: str | None = None
    description: TextsByLanguage | None = None
    location: TextsByLanguage | None = None
    host_organisation: str | None = None
    audience: Audience = "everyone"
    capacity: int | None = None
    skip_holidays: bool = True
    except_dates: list[date] = field(default_factory=list)
    registration_opens_days_before: int = 30
    registration_closes_minutes_before: int = 0
    slots: Slots | None = None
    teaches: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeSeries:
    """From `from_date` on; None leaves a value as it is, but for `capacity` when
    `capacity_given` (None then makes the series drop-in)."""

    series_id: uuid.UUID
    from_date: date
    title: TextsByLanguage | None = None
    description: TextsByLanguage | None = None
    location: TextsByLanguage | None = None
    capacity: int | None = None
    capacity_given: bool = False
    start_time: time | None = None
    end_time: time | None = None
    teaches: list[str] | None = None


@dataclass(frozen=True)
class CancelSeries:
    series_id: uuid.UUID
    from_date: date
    reason: str | None = None


async def fill_horizon(deps: Deps, conn: Connection, s: Series) -> int:
    """Generate the series' missing occurrences from today (or its start) to the horizon."""
    rule = parse_rule(s.rrule, s.first_date)
    today = deps.clock.today()
    since = max(s.first_date, today - timedelta(days=1))
    until = today + deps.horizon
    if s.ended_from is not None:
        until = min(until, s.ended_from)
    if until <= since:
        return 0
    found = expand(
        rule,
        s.start_time,
        s.end_time,
        since=since,
        until=until,
        skip_holidays=s.skip_holidays,
        exdates=frozenset(s.exdates),
    )
    return await occurrences.add_many(conn, s.id, found)


def _new_series(cmd: ScheduleSeries, by: str) -> Series:
    slots = cmd.slots
    return Series(
        id=uuid.uuid4(),
        category=cmd.category,
        profession=cmd.profession,
        title=cmd.title,
        description=cmd.description or {"fi": ""},
        location=cmd.location or dict(DEFAULT_LOCATION),
        host_organisation=cmd.host_organisation,
        audience=cmd.audience,
        capacity=cmd.capacity,
        rrule=cmd.rrule,
        first_date=cmd.first_date,
        start_time=cmd.start_time,
        end_time=cmd.end_time,
        skip_holidays=cmd.skip_holidays,
        exdates=sorted(set(cmd.except_dates)),
        opens_days_before=cmd.registration_opens_days_before,
        closes_minutes_before=cmd.registration_closes_minutes_before,
        slot_minutes=slots.minutes if slots else None,
        slots_from=slots.start if slots else None,
        slots_until=slots.end if slots else None,
        ended_from=None,
        created_by=by,
        teaches=_teaches(cmd.teaches),
    )


def _teaches(given: list[str]) -> list[str]:
    """Each once, spaces collapsed, in the order given."""
    return list(dict.fromkeys(t for t in (" ".join(x.split()) for x in given) if t))


async def schedule_series(
    deps: Deps, conn: Connection, cmd: ScheduleSeries, who: Principal
) -> tuple[Series, int]:
    """The series and how many occurrences were generated for it."""
    try:
        parse_rule(cmd.rrule, cmd.first_date)
    except RuleError as exc:
        raise invalid("rrule", str(exc)) from None
    if cmd.first_date < deps.clock.today() - timedelta(days=366):
        raise invalid("first_date", "is more than a year in the past")
    created = await series.add(conn, _new_series(cmd, who.subject))
    count = await fill_horizon(deps, conn, created)
    await announce(deps, conn, created, count)
    return created, count


def _check_change(s: Series, cmd: ChangeSeries) -> tuple[time, time]:
    """The hours from the date on, if the change keeps the series whole."""
    start = cmd.start_time or s.start_time
    end = cmd.end_time or s.end_time
    if end <= start:
        raise invalid("end_time", "must be after start_time")
    if (
        s.slots_from is not None
        and s.slots_until is not None
        and (start > s.slots_from or end < s.slots_until)
    ):
        raise invalid("start_time", "the bookable slots must stay within the hours")
    if s.ended_from is not None and cmd.from_date >= s.ended_from:
        raise conflict("the series is cancelled from that date on", title="Series ended")
    return start, end


def _series_changes(cmd: ChangeSeries) -> dict[str, object]:
    texts = {"title": cmd.title, "description": cmd.description, "location": cmd.location}
    changes: dict[str, object] = {k: v for k, v in texts.items() if v is not None}
    if cmd.capacity_given:
        changes["capacity"] = cmd.capacity
    if cmd.start_time is not None:
        changes["start_time"] = cmd.start_time
    if cmd.end_time is not None:
        changes["end_time"] = cmd.end_time
    if cmd.teaches is not None:
        changes["teaches"] = _teaches(cmd.teaches)
    return changes


async def _retime(
    conn: Connection, occ: Occurrence, cmd: ChangeSeries, hours: tuple[time, time]
) -> bool:
    """Move an occurrence that keeps the series' hours to the new ones; whether it moved."""
    if occ.overridden or not (cmd.start_time or cmd.end_time):
        return False
    start, end = hours
    moved = {"starts_at": at_local(occ.rule_date, start), "ends_at": at_local(occ.rule_date, end)}
    await occurrences.set_fields(conn, occ.id, moved)
    return True


async def change_series(deps: Deps, conn: Connection, cmd: ChangeSeries) -> Series:
    """Earlier occurrences keep what they had; each changed one tells its registrants."""
    s = await series.get(conn, cmd.series_id, lock=True)
    if s is None:
        raise not_found("series")
    hours = _check_change(s, cmd)
    # Occurrences before the date keep what they had: copy it onto them first.
    await occurrences.freeze_before(conn, s.id, cmd.from_date)
    changes = _series_changes(cmd)
    if changes:
        await series.update(conn, s.id, changes)
    updated = await series.get(conn, s.id)
    if updated is None:
        raise RuntimeError("a changed series is gone")
    for occ in await occurrences.of_series_from(conn, s.id, cmd.from_date, lock=True):
        moved = await _retime(conn, occ, cmd, hours)
        if moved or {"title", "location", "capacity"} & changes.keys():
            await tell_changed(deps, conn, occ.id, occ)
    added = await fill_horizon(deps, conn, updated)
    await announce(deps, conn, updated, added)
    return updated


async def cancel_series(deps: Deps, conn: Connection, cmd: CancelSeries) -> int:
    """Cancel every occurrence from the date on and generate no more; registrants are told."""
    s = await series.get(conn, cmd.series_id, lock=True)
    if s is None:
        raise not_found("series")
    await series.end_from(conn, s.id, cmd.from_date)
    cancelled = 0
    for occ in await occurrences.of_series_from(conn, s.id, cmd.from_date, lock=True):
        await cancel_one(deps, conn, occ, cmd.reason)
        cancelled += 1
    if s.teaches:  # matching's next steps end with it
        await announce(deps, conn, s, 0)
    return cancelled


async def extend_horizon(deps: Deps, conn: Connection, today: date | None = None) -> int:
    """The daily job: every series that has not ended gets its horizon filled."""
    added = 0
    for s in await series.active(conn):
        if s.ended_from is not None and s.ended_from <= (today or deps.clock.today()):
            continue
        count = await fill_horizon(deps, conn, s)
        added += count
        if s.teaches:  # matching's next steps move on with the days
            await announce(deps, conn, s, count)
    return added
