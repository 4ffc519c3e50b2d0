"""Series: schedule, change from a date on, cancel from a date on, keep the horizon filled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from voimala_contracts.scheduling import SeriesScheduled
from voimala_kit import Connection, Outbox

from .. import clock
from ..domain.occurrences import texts
from ..domain.recurrence import RuleError, at_local, expand, parse_rule
from ..problems import conflict, invalid, not_found
from ..repository import occurrences, series
from ..schemas import DEFAULT_LOCATION, SeriesCancelIn, SeriesChangeIn, SeriesIn
from . import Policy
from .occurrences import cancel_one, tell_changed


@dataclass(frozen=True)
class ScheduleSeries:
    series: SeriesIn
    by: str


@dataclass(frozen=True)
class ChangeSeries:
    series_id: uuid.UUID
    change: SeriesChangeIn


@dataclass(frozen=True)
class CancelSeries:
    series_id: uuid.UUID
    cancel: SeriesCancelIn


async def fill_horizon(conn: Connection, s: dict[str, Any], policy: Policy) -> int:
    """Generate the series' missing occurrences from today (or its start) to the horizon."""
    rule = parse_rule(s["rrule"], s["first_date"])
    since = max(s["first_date"], clock.today() - timedelta(days=1))
    until = clock.today() + policy.horizon
    if s["ended_from"] is not None:
        until = min(until, s["ended_from"])
    if until <= since:
        return 0
    found = expand(
        rule,
        s["start_time"],
        s["end_time"],
        since=since,
        until=until,
        skip_holidays=s["skip_holidays"],
        exdates=frozenset(s["exdates"]),
    )
    return await occurrences.add_many(conn, s["id"], found)


def _scheduled(s: dict[str, Any], count: int) -> SeriesScheduled:
    return SeriesScheduled(
        series_id=s["id"],
        category=s["category"],
        profession=s["profession"],
        title=texts(s["title"]),
        location=texts(s["location"]),
        audience=s["audience"],
        capacity=s["capacity"],
        rrule=s["rrule"],
        first_date=s["first_date"],
        local_start_time=s["start_time"].strftime("%H:%M"),
        local_end_time=s["end_time"].strftime("%H:%M"),
        occurrences=count,
    )


async def schedule_series(
    cmd: ScheduleSeries, conn: Connection, outbox: Outbox, policy: Policy
) -> tuple[dict[str, Any], int]:
    body = cmd.series
    try:
        parse_rule(body.rrule, body.first_date)
    except RuleError as exc:
        raise invalid("rrule", str(exc)) from None
    if body.first_date < clock.today() - timedelta(days=366):
        raise invalid("first_date", "is more than a year in the past")
    location = body.location.model_dump() if body.location else DEFAULT_LOCATION.model_dump()
    created = await series.add(conn, uuid.uuid4(), body, location, cmd.by)
    count = await fill_horizon(conn, created, policy)
    await outbox.add(conn, _scheduled(created, count), subject=str(created["id"]))
    return created, count


async def change_series(  # noqa: PLR0912 - one check per rule
    cmd: ChangeSeries, conn: Connection, outbox: Outbox, policy: Policy
) -> dict[str, Any]:
    s = await series.get(conn, cmd.series_id, lock=True)
    if s is None:
        raise not_found("series")
    c = cmd.change
    start = c.start_time or s["start_time"]
    end = c.end_time or s["end_time"]
    if end <= start:
        raise invalid("end_time", "must be after start_time")
    if s["slot_minutes"] is not None and (start > s["slots_from"] or end < s["slots_until"]):
        raise invalid("start_time", "the bookable slots must stay within the hours")
    if s["ended_from"] is not None and c.from_date >= s["ended_from"]:
        raise conflict("Series ended", "the series is cancelled from that date on")
    # Occurrences before the date keep what they had: copy it onto them first.
    await occurrences.freeze_before(conn, s["id"], c.from_date)
    changes: dict[str, Any] = {}
    for key in ("title", "description", "location"):
        value = getattr(c, key)
        if value is not None:
            changes[key] = value.model_dump()
    if "capacity" in c.model_fields_set:
        changes["capacity"] = c.capacity
    if c.start_time is not None:
        changes["start_time"] = c.start_time
    if c.end_time is not None:
        changes["end_time"] = c.end_time
    if changes:
        await series.update(conn, s["id"], changes)
    updated = await series.get(conn, s["id"])
    assert updated is not None
    for occ in await occurrences.of_series_from(conn, s["id"], c.from_date, lock=True):
        moved: dict[str, Any] = {}
        if not occ["overridden"] and (c.start_time or c.end_time):
            moved = {
                "starts_at": at_local(occ["rule_date"], start),
                "ends_at": at_local(occ["rule_date"], end),
            }
            await occurrences.set_fields(conn, occ["id"], moved)
        if moved or {"title", "location", "capacity"} & changes.keys():
            await tell_changed(conn, outbox, policy, occ["id"], occ)
    added = await fill_horizon(conn, updated, policy)
    await outbox.add(conn, _scheduled(updated, added), subject=str(s["id"]))
    return updated


async def cancel_series(cmd: CancelSeries, conn: Connection, outbox: Outbox, policy: Policy) -> int:
    """Cancel every occurrence from the date on and generate no more; registrants are told."""
    s = await series.get(conn, cmd.series_id, lock=True)
    if s is None:
        raise not_found("series")
    await series.end_from(conn, s["id"], cmd.cancel.from_date)
    cancelled = 0
    for occ in await occurrences.of_series_from(conn, s["id"], cmd.cancel.from_date, lock=True):
        await cancel_one(conn, outbox, occ, cmd.cancel.reason)
        cancelled += 1
    return cancelled


async def extend_horizon(conn: Connection, policy: Policy, today: date | None = None) -> int:
    """The daily job: every series that has not ended gets its horizon filled."""
    added = 0
    for s in await series.active(conn):
        if s["ended_from"] is not None and s["ended_from"] <= (today or clock.today()):
            continue
        added += await fill_horizon(conn, s, policy)
    return added
