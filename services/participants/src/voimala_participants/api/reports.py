"""Reports for a period, as JSON, CSV or an SVG chart (staff and ops: aggregates only)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from voimala_kit import Problem

from ..domain.reports import to_csv, to_svg
from ..handlers.reports import ProgrammeReport
from ..handlers.reports import programme_report as report_for
from .deps import PlatformDep, StaffOrOps

router = APIRouter(prefix="/reports", tags=["reports"])


def _period(month: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    if month is not None:
        first = date.fromisoformat(f"{month}-01")
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    if start is None or end is None:
        raise Problem(
            422,
            "Invalid request",
            "give month, or start and end",
            errors=[
                {"loc": ["query", "month"], "type": "missing", "msg": "month or start and end"}
            ],
        )
    if end < start or (end - start).days > 366:
        raise Problem(
            422,
            "Invalid request",
            "the period is not 1-367 days",
            errors=[
                {
                    "loc": ["query", "end"],
                    "type": "value_error",
                    "msg": "after start, within a year",
                }
            ],
        )
    return start, end


@router.get("/programme", response_model=None)
async def programme_report(
    who: StaffOrOps,
    platform: PlatformDep,
    month: Annotated[str | None, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")] = None,
    start: date | None = None,
    end: date | None = None,
    as_of: Annotated[
        AwareDatetime | None,
        Query(
            description="count only facts recorded by then (default: now); same as_of, same report"
        ),
    ] = None,
    format: Literal["json", "csv", "svg"] = "json",  # noqa: A002 - the API's word
) -> Response:
    """ESF entry/exit indicators, the service point's figures and the lead times along the
    service path, for a month or a period (days in Europe/Helsinki, both ends included)."""
    first, last = _period(month, start, end)
    # One snapshot for every query: the figures agree with each other.
    async with (
        platform.db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        report = await report_for(platform.deps, conn, ProgrammeReport(first, last, as_of))
    name = f"voitto-{first.isoformat()}-{last.isoformat()}"
    if format == "csv":
        return Response(
            to_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "svg":
        return Response(
            await asyncio.to_thread(to_svg, report),
            media_type="image/svg+xml",
            headers={"Content-Disposition": f'inline; filename="{name}.svg"'},
        )
    return JSONResponse(report)
