"""Event series: staff schedule, change and cancel them; anyone may read them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from voimala_kit.clock import HELSINKI
from voimala_kit.refusals import invalid, not_found

from ..domain.programme import PublicItem, public_item
from ..domain.series import Series
from ..handlers.ideas import LinkIdeas, link_ideas
from ..handlers.series import (
    CancelSeries,
    ChangeSeries,
    ScheduleSeries,
    Slots,
    cancel_series,
    change_series,
    schedule_series,
)
from ..repository import occurrences, registrations, series
from .deps import PlatformDep, Staff, audited
from .schemas import IdeaLinkIn, SeriesCancelIn, SeriesChangeIn, SeriesIn

router = APIRouter(tags=["series"])

#: A series as answered (JSON).
SeriesDocument = dict[str, Any]


def series_out(s: Series, generated: int | None = None) -> SeriesDocument:
    out: SeriesDocument = {
        "id": str(s.id),
        "category": s.category,
        "profession": s.profession,
        "title": s.title,
        "description": s.description,
        "location": s.location,
        "host_organisation": s.host_organisation,
        "audience": s.audience,
        "capacity": s.capacity,
        "drop_in": s.drop_in,
        "rrule": s.rrule,
        "first_date": s.first_date.isoformat(),
        "start_time": s.start_time.strftime("%H:%M"),
        "end_time": s.end_time.strftime("%H:%M"),
        "time_zone": "Europe/Helsinki",
        "skip_holidays": s.skip_holidays,
        "except_dates": [d.isoformat() for d in s.exdates],
        "registration_opens_days_before": s.opens_days_before,
        "registration_closes_minutes_before": s.closes_minutes_before,
        "slots": _slots_out(s),
        "ended_from": s.ended_from.isoformat() if s.ended_from else None,
        "teaches": list(s.teaches),
    }
    if generated is not None:
        out["occurrences_generated"] = generated
    return out


def _slots_out(s: Series) -> dict[str, object] | None:
    if s.slot_minutes is None or s.slots_from is None or s.slots_until is None:
        return None
    return {
        "minutes": s.slot_minutes,
        "start": s.slots_from.strftime("%H:%M"),
        "end": s.slots_until.strftime("%H:%M"),
    }


@router.post("/series", status_code=201, response_model=Any)
async def schedule(body: SeriesIn, who: Staff, platform: PlatformDep) -> SeriesDocument:
    """Schedule a series; its occurrences are generated for the horizon. Emits
    `series.scheduled.v1`."""
    slots = Slots(**body.slots.model_dump()) if body.slots else None
    cmd = ScheduleSeries(**body.model_dump(exclude={"slots"}), slots=slots)
    async with platform.db.transaction() as conn:
        created, count = await schedule_series(platform.deps, conn, cmd, who)
    return series_out(created, count)


@router.get("/series", response_model=Any)
async def list_series(
    platform: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=100000)] = 0,
) -> dict[str, list[SeriesDocument]]:
    """Every series (public: the programme's building blocks, no personal data)."""
    async with platform.db.connection() as conn:
        rows = await series.page(conn, limit, offset)
    return {"items": [series_out(s) for s in rows]}


@router.get("/series/{series_id}", response_model=Any)
async def get_series(series_id: uuid.UUID, platform: PlatformDep) -> SeriesDocument:
    async with platform.db.connection() as conn:
        found = await series.get(conn, series_id)
    if found is None:
        raise not_found("series")
    return series_out(found)


@router.get("/series/{series_id}/occurrences", response_model=Any)
async def series_occurrences(
    series_id: uuid.UUID,
    platform: PlatformDep,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, list[PublicItem]]:
    """The series' occurrences for days start..end (default: from today for 90 days)."""
    first = start or platform.deps.clock.today()
    last = end or first + timedelta(days=90)
    if last < first or (last - first).days > 400:
        raise invalid("end", "must be on or after start, at most 400 days")
    since = datetime.combine(first, time(), HELSINKI)
    until = datetime.combine(last + timedelta(days=1), time(), HELSINKI)
    async with platform.db.connection() as conn:
        if await series.get(conn, series_id) is None:
            raise not_found("series")
        rows = await occurrences.between(conn, since, until, series_id)
    return {"items": [public_item(r) for r in rows]}


@router.patch("/series/{series_id}", response_model=Any)
async def change(
    series_id: uuid.UUID, body: SeriesChangeIn, who: Staff, platform: PlatformDep
) -> SeriesDocument:
    """Change title, description, location, capacity or hours from a date on; registrants of
    each changed occurrence are told (`occurrence.changed.v1`)."""
    cmd = ChangeSeries(
        series_id,
        **body.model_dump(),
        capacity_given="capacity" in body.model_fields_set,
    )
    async with platform.db.transaction() as conn:
        updated = await change_series(platform.deps, conn, cmd)
    return series_out(updated)


@router.post("/series/{series_id}/cancel", response_model=Any)
async def cancel(
    series_id: uuid.UUID, body: SeriesCancelIn, who: Staff, platform: PlatformDep
) -> dict[str, str | int]:
    """Cancel the series from a date on: every occurrence from then is cancelled (each
    `occurrence.cancelled.v1` names its registrants) and no more are generated."""
    cmd = CancelSeries(series_id, body.from_date, body.reason)
    async with platform.db.transaction() as conn:
        count = await cancel_series(platform.deps, conn, cmd)
        named = await registrations.cancelled_in_this_transaction(conn, series_id=series_id)
        await audited(conn, who, named, "registration.cancelled")
    return {"series_id": str(series_id), "cancelled_occurrences": count}


@router.post("/series/{series_id}/ideas", response_model=Any)
async def link(
    series_id: uuid.UUID, body: IdeaLinkIn, who: Staff, platform: PlatformDep
) -> dict[str, Any]:
    """Link programme ideas to the series that realises them. Emits `idea.realised.v1` so that
    their authors can be told."""
    async with platform.db.transaction() as conn:
        event = await link_ideas(platform.deps, conn, LinkIdeas(series_id, body.idea_ids))
    return event.model_dump(mode="json")
