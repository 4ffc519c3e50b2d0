"""Event series: staff schedule, change and cancel them; anyone may read them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from voimala_kit import PlatformDep

from .. import clock
from ..handlers.ideas import LinkIdeas, link_ideas
from ..handlers.series import (
    CancelSeries,
    ChangeSeries,
    ScheduleSeries,
    cancel_series,
    change_series,
    schedule_series,
)
from ..problems import invalid, not_found
from ..repository import occurrences, series
from ..schemas import IdeaLinkIn, SeriesCancelIn, SeriesChangeIn, SeriesIn
from ..views.programme import public_item
from .deps import PolicyDep, Staff

router = APIRouter(tags=["series"])


def series_out(s: dict[str, Any], generated: int | None = None) -> dict[str, Any]:
    out = {
        "id": str(s["id"]),
        "category": s["category"],
        "profession": s["profession"],
        "title": s["title"],
        "description": s["description"],
        "location": s["location"],
        "host_organisation": s["host_organisation"],
        "audience": s["audience"],
        "capacity": s["capacity"],
        "drop_in": s["capacity"] is None and s["slot_minutes"] is None,
        "rrule": s["rrule"],
        "first_date": s["first_date"].isoformat(),
        "start_time": s["start_time"].strftime("%H:%M"),
        "end_time": s["end_time"].strftime("%H:%M"),
        "time_zone": "Europe/Helsinki",
        "skip_holidays": s["skip_holidays"],
        "except_dates": [d.isoformat() for d in s["exdates"]],
        "registration_opens_days_before": s["opens_days_before"],
        "registration_closes_minutes_before": s["closes_minutes_before"],
        "slots": None
        if s["slot_minutes"] is None
        else {
            "minutes": s["slot_minutes"],
            "start": s["slots_from"].strftime("%H:%M"),
            "end": s["slots_until"].strftime("%H:%M"),
        },
        "ended_from": s["ended_from"].isoformat() if s["ended_from"] else None,
    }
    if generated is not None:
        out["occurrences_generated"] = generated
    return out


@router.post("/series", status_code=201)
async def schedule(body: SeriesIn, who: Staff, platform: PlatformDep, policy: PolicyDep) -> Any:
    """Schedule a series; its occurrences are generated for the horizon. Emits
    `series.scheduled.v1`."""
    async with platform.db.transaction() as conn:
        created, count = await schedule_series(
            ScheduleSeries(body, who.subject), conn, platform.outbox, policy
        )
    return series_out(created, count)


@router.get("/series")
async def list_series(
    platform: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=100000)] = 0,
) -> Any:
    """Every series (public: the programme's building blocks, no personal data)."""
    async with platform.db.connection() as conn:
        rows = await series.page(conn, limit, offset)
    return {"items": [series_out(s) for s in rows]}


@router.get("/series/{series_id}")
async def get_series(series_id: uuid.UUID, platform: PlatformDep) -> Any:
    async with platform.db.connection() as conn:
        found = await series.get(conn, series_id)
    if found is None:
        raise not_found("series")
    return series_out(found)


@router.get("/series/{series_id}/occurrences")
async def series_occurrences(
    series_id: uuid.UUID,
    platform: PlatformDep,
    start: date | None = None,
    end: date | None = None,
) -> Any:
    """The series' occurrences for days start..end (default: from today for 90 days)."""
    first = start or clock.today()
    last = end or first + timedelta(days=90)
    if last < first or (last - first).days > 400:
        raise invalid("end", "must be on or after start, at most 400 days")
    since = datetime.combine(first, time(), clock.HELSINKI)
    until = datetime.combine(last + timedelta(days=1), time(), clock.HELSINKI)
    async with platform.db.connection() as conn:
        if await series.get(conn, series_id) is None:
            raise not_found("series")
        rows = await occurrences.between(conn, since, until, series_id)
    return {"items": [public_item(r) for r in rows]}


@router.patch("/series/{series_id}")
async def change(
    series_id: uuid.UUID, body: SeriesChangeIn, who: Staff, platform: PlatformDep, policy: PolicyDep
) -> Any:
    """Change title, description, location, capacity or hours from a date on; registrants of
    each changed occurrence are told (`occurrence.changed.v1`)."""
    async with platform.db.transaction() as conn:
        updated = await change_series(ChangeSeries(series_id, body), conn, platform.outbox, policy)
    return series_out(updated)


@router.post("/series/{series_id}/cancel")
async def cancel(
    series_id: uuid.UUID,
    body: SeriesCancelIn,
    who: Staff,
    platform: PlatformDep,
    policy: PolicyDep,
) -> Any:
    """Cancel the series from a date on: every occurrence from then is cancelled (each
    `occurrence.cancelled.v1` names its registrants) and no more are generated."""
    async with platform.db.transaction() as conn:
        count = await cancel_series(CancelSeries(series_id, body), conn, platform.outbox, policy)
    return {"series_id": str(series_id), "cancelled_occurrences": count}


@router.post("/series/{series_id}/ideas")
async def link(series_id: uuid.UUID, body: IdeaLinkIn, who: Staff, platform: PlatformDep) -> Any:
    """Link programme ideas to the series that realises them. Emits `idea.realised.v1` so that
    their authors can be told."""
    async with platform.db.transaction() as conn:
        event = await link_ideas(LinkIdeas(series_id, body.idea_ids), conn, platform.outbox)
    return event.model_dump(mode="json")
