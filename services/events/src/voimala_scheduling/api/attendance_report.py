"""GET /reports/attendance: the programme's dates and attendance as totals, for staff reporting
to the city board and the funder. Counts only: no names, no ids of people (so no audit row:
no participant's data is read out)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from voimala_kit.clock import HELSINKI
from voimala_kit.refusals import invalid

from ..domain.attendance_report import MAX_DAYS, report
from ..repository import attendance_report
from .deps import PlatformDep, Staff

router = APIRouter(tags=["reports"])
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _period(month: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    """The first and last day (Helsinki) asked: a month, or from and to (both included)."""
    if month is not None:
        if start is not None or end is not None:
            raise invalid("month", "give either month or from and to, not both")
        if not 2000 <= int(month[:4]) <= 2100:
            raise invalid("month", "year must be 2000-2100")
        first = date.fromisoformat(f"{month}-01")
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return first, last
    if start is None or end is None:
        raise invalid("from", "give month, or both from and to")
    if end < start:
        raise invalid("to", "is before from")
    if (end - start).days >= MAX_DAYS:
        raise invalid("to", f"a report covers at most {MAX_DAYS} days")
    if not 2000 <= start.year <= 2100 or not 2000 <= end.year <= 2100:
        raise invalid("from", "years 2000-2100")
    return start, end


@router.get("/reports/attendance", response_model=Any)
async def attendance(
    who: Staff,
    platform: PlatformDep,
    month: Annotated[str | None, Query(pattern=MONTH, description="yyyy-mm")] = None,
    start: Annotated[
        date | None, Query(alias="from", description="first day (Helsinki), included")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="last day (Helsinki), included")
    ] = None,
) -> Response:
    """Dates held, cancelled and upcoming, places offered, registrations, waiting list,
    attended (walk-ins among them), no-shows, the attendance rate and unique attendees: per
    month of the period (by the month a date starts in, Europe/Helsinki), for the whole
    period, and each per series. A date is held once it has ended without being cancelled;
    a past period's report is the same whenever asked (unless attendance is still recorded
    late, or a person's erasure makes their dates count as different people). The counting
    rules: docs/services/events.md."""
    first, last = _period(month, start, end)
    since = datetime.combine(first, time(), HELSINKI)
    until = datetime.combine(last + timedelta(days=1), time(), HELSINKI)
    now = platform.deps.clock.now()
    async with (
        platform.db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        rows = await attendance_report.per_occurrence(conn, since, until, now)
        unique = await attendance_report.unique_attendees(conn, since, until, now)
    body = json.dumps(report(first, last, rows, unique), ensure_ascii=False)
    return Response(body.encode(), media_type="application/json")
