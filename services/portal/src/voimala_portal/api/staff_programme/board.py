"""/staff/reports/board: the city board's report for a month and the year so far, a printable
page (A4) in the page's language (Finnish first): entries, exits and their outcomes, the
service point's visits, the programme's dates and attendance, lead times along the service
path and the ideas received and realised, each chart with its figures in a table beside it.
/staff/reports/board.pdf: the same report as a PDF made here (A4, Finnish unless `lang` asks
for another), its charts as bars with their figures written as text.

The figures come from the participants service's report (the same figures as the monthly
report, one call per month of the year and one for the year so far), the events service's
attendance report (counts only: dates held and cancelled, places, registrations, attended,
no-shows, different people; per month and by series) and the ideas list.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from voimala_kit.clock import HELSINKI

from ...repository.sessions import SessionUser
from ...services import Caller
from ...web.deps import PortalDep
from ...web.i18n import Translator
from ...web.pages import render, translator
from ...web.routing import page_router
from .board_content import Figures, content
from .board_pdf import render_pdf
from .common import staff
from .reports import MONTH, _months

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]
#: Pages of ideas read at most (200 each): the year's ideas, newest first.
IDEA_PAGES = 20


def _last_day(month: str) -> date:
    first = date.fromisoformat(f"{month}-01")
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


async def _ideas(caller: Caller, since: date) -> list[dict[str, Any]]:
    """The ideas submitted since the day (newest first, paged)."""
    found: list[dict[str, Any]] = []
    cursor = None
    for _ in range(IDEA_PAGES):
        page = await caller.get("participants", "/ideas", limit=200, cursor=cursor)
        for idea in page["items"]:
            if datetime.fromisoformat(idea["submitted_at"]).astimezone(HELSINKI).date() < since:
                return found
            found.append(idea)
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found


async def _gather(portal: Any, user: SessionUser, month: str) -> Figures:
    caller = portal.services.as_user(user)
    year = int(month[:4])
    months = [f"{year}-{m:02d}" for m in range(1, int(month[5:]) + 1)]
    last = _last_day(month).isoformat()
    monthly, attendance, year_report, ideas = await asyncio.gather(
        asyncio.gather(
            *(caller.get("participants", "/reports/programme", month=m) for m in months)
        ),
        caller.get("events", "/reports/attendance", **{"from": f"{year}-01-01", "to": last}),
        caller.get("participants", "/reports/programme", start=f"{year}-01-01", end=last),
        _ideas(caller, date(year, 1, 1)),
    )
    return Figures(month, months, list(monthly), year_report, attendance, ideas)


def _month_asked(request: Request, t: Translator, portal: Any) -> tuple[list[Any], str | None]:
    """The months offered, and the month asked (None: one not offered); by default the month
    that has just ended."""
    months = _months(t, portal.clock.now().astimezone(HELSINKI).date())
    asked = request.query_params.get("month")
    if asked is None:
        return months, months[1][0]
    return months, asked if MONTH.match(asked) and asked in dict(months) else None


@router.get("/staff/reports/board")
async def board(request: Request, portal: PortalDep, user: Staff) -> Response:
    t = translator(request)
    months, month = _month_asked(request, t, portal)
    context: dict[str, Any] = {
        "months": months,
        "values": {"month": month or months[1][0]},
        "month_name": None,
        "blocks": None,
    }
    if month is None:
        context["errors"] = {"month": t.gettext("Choose a month from the list")}
        return render(request, "staff_programme/board.html", context, status_code=400)
    report = content(t, await _gather(portal, user, month))
    context |= {
        "month": month,
        "month_name": report.month_name,
        "year": report.year,
        "key_rows": report.key_rows,
        "blocks": report.blocks,
        "report": report,
        "report_as_of": report.as_of,
    }
    return render(request, "staff_programme/board.html", context)


@router.get("/staff/reports/board.pdf")
async def board_pdf(request: Request, portal: PortalDep, user: Staff) -> Response:
    """The report as an A4 PDF, in Finnish unless the address asks for another language."""
    t = translator(request) if "lang" in request.query_params else Translator("fi")
    _, month = _month_asked(request, t, portal)
    if month is None:
        return Response(
            t.gettext("Choose a month from the list"),
            status_code=400,
            media_type="text/plain; charset=utf-8",
        )
    report = content(t, await _gather(portal, user, month))
    body = render_pdf(t, report, portal.clock.now())
    name = f"kaupunginhallitus-{month}.pdf" if t.language == "fi" else f"board-{month}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
