"""/staff/reports: the monthly report of the participants service: the figures as tables, its
chart (an SVG the service renders, passed through this origin so the page loads nothing from
elsewhere) and its CSV for spreadsheets, downloaded with a name that says which month it is."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from voimala_kit.clock import HELSINKI

from ...repository.sessions import SessionUser
from ...web.deps import PortalDep
from ...web.i18n import Translator
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import staff

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]
MONTH = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")
#: How many months back the month list offers.
MONTHS_OFFERED = 24


def _months(t: Translator, today: date) -> list[tuple[str, str]]:
    found, year, month = [], today.year, today.month
    for _ in range(MONTHS_OFFERED):
        first = date(year, month, 1)
        found.append((first.strftime("%Y-%m"), format_date(first, "LLLL y", locale=t.language)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found


def _labels(t: Translator) -> dict[str, str]:
    """A name for every figure and category of the report (the service's keys)."""
    return {
        "total": t.gettext("Total"),
        "new_participants": t.gettext("New participants"),
        "returning": t.gettext("Returning participants"),
        "youth": t.gettext("Young people (under 30)"),
        "youth_share": t.gettext("Share of young people"),
        "by_gender": t.gettext("By gender"),
        "by_age_group": t.gettext("By age group"),
        "by_education": t.gettext("By education"),
        "by_target_group": t.gettext("By target group"),
        "by_outcome": t.gettext("By outcome"),
        "by_purpose": t.gettext("By purpose of the visit"),
        "visits": t.gettext("Visits"),
        "identified": t.gettext("Visits of known participants"),
        "anonymous": t.gettext("Anonymous visits"),
        "registration_to_first_activity": t.gettext("From registration to the first activity"),
        "registration_to_first_proposal": t.gettext("From registration to the first proposal"),
        "registration_to_outcome": t.gettext("From registration to an outcome"),
        "count": t.gettext("People"),
        "median": t.gettext("Median, days"),
        "mean": t.gettext("Mean, days"),
        "female": t.gettext("Women"),
        "male": t.gettext("Men"),
        "other": t.gettext("Other"),
        "unknown": t.gettext("Not known"),
        "under_30": t.gettext("Under 30"),
        "30_54": t.gettext("30-54"),
        "55_plus": t.gettext("55 or over"),
        "isced_0_2": t.gettext("Basic education at most (ISCED 0-2)"),
        "isced_3_4": t.gettext("Upper secondary (ISCED 3-4)"),
        "isced_5_8": t.gettext("Higher education (ISCED 5-8)"),
        "subsidy_500_plus": t.gettext("Labour-market subsidy 500 days or more"),
        "subsidy_300_499": t.gettext("Labour-market subsidy 300-499 days"),
        "referred_by_staff": t.gettext("Referred by staff"),
        "none": t.gettext("No target group"),
        "employed": t.gettext("Employed"),
        "pay_subsidised_job": t.gettext("Pay-subsidised job"),
        "work_trial": t.gettext("Work trial"),
        "apprenticeship": t.gettext("Apprenticeship"),
        "education": t.gettext("Education"),
        "job_search": t.gettext("Job search"),
        "counselling": t.gettext("Counselling"),
        "language_cafe": t.gettext("Language café"),
        "workshop": t.gettext("Workshop"),
        "digital_help": t.gettext("Digital help"),
        "information": t.gettext("Information"),
    }


def _value(t: Translator, key: str, value: Any) -> str:
    if value is None:
        return "\N{EN DASH}"
    if key.endswith("_share"):
        return f"{t.number(round(float(value) * 100, 1))} %"
    return t.number(value)


def _tables(t: Translator, report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each section of the report as a table: plain figures first, then one table per
    breakdown (a caption and its rows)."""
    labels = _labels(t)
    sections = [
        ("entries", t.gettext("Participants who started")),
        ("exits", t.gettext("Participants who left")),
        ("follow_ups", t.gettext("Follow-ups")),
        ("service_point", t.gettext("Voimala service point")),
    ]
    tables = []
    for key, title in sections:
        data = report.get(key) or {}
        rows = [
            (labels.get(k, k), _value(t, k, v)) for k, v in data.items() if not isinstance(v, dict)
        ]
        tables.append({"caption": title, "rows": rows})
        for k, v in data.items():
            if isinstance(v, dict):
                tables.append(
                    {
                        "caption": f"{title}: {labels.get(k, k).lower()}",
                        "rows": [(labels.get(c, c), _value(t, c, n)) for c, n in v.items()],
                    }
                )
    lead = report.get("lead_times_days") or {}
    lead_rows = [
        (labels.get(k, k), [_value(t, c, v.get(c)) for c in ("count", "median", "mean")])
        for k, v in lead.items()
    ]
    return [*tables, {"caption": t.gettext("Lead times"), "lead": lead_rows}]


def _month_of(request: Request) -> str | None:
    month = request.query_params.get("month", "")
    return month if MONTH.match(month) else None


@router.get("/staff/reports")
async def reports(request: Request, portal: PortalDep, user: Staff) -> Response:
    t = translator(request)
    months = _months(t, portal.clock.now().astimezone(HELSINKI).date())
    asked = request.query_params.get("month")
    month = _month_of(request)
    context: dict[str, Any] = {
        "months": months,
        "month": month,
        "values": {"month": month},
        "report": None,
    }
    if asked is not None and month is None:
        context["errors"] = {"month": t.gettext("Choose a month from the list")}
        context["values"] = {"month": months[1][0]}
        return render(request, "staff_programme/reports.html", context, status_code=400)
    if month is None:
        # The month that has just ended is the one reported on.
        context["values"] = {"month": months[1][0]}
        return render(request, "staff_programme/reports.html", context)
    report = await portal.services.as_user(user).get(
        "participants", "/reports/programme", month=month
    )
    first = date.fromisoformat(f"{month}-01")
    context |= {
        "report": report,
        "tables": _tables(t, report),
        "month_name": format_date(first, "LLLL y", locale=t.language),
        "report_as_of": datetime.fromisoformat(report["as_of"]),
    }
    return render(request, "staff_programme/reports.html", context)


async def _report_file(request: Request, portal: PortalDep, user: SessionUser, fmt: str) -> bytes:
    month = _month_of(request)
    if month is None:
        raise HTTPException(404)
    response = await portal.services.as_user(user).request(
        "GET", "participants", "/reports/programme", params={"month": month, "format": fmt}
    )
    return response.content


@router.get("/staff/reports/chart.svg")
async def chart(request: Request, portal: PortalDep, user: Staff) -> Response:
    body = await _report_file(request, portal, user, "svg")
    return Response(body, media_type="image/svg+xml")


@router.get("/staff/reports/report.csv")
async def csv_file(request: Request, portal: PortalDep, user: Staff) -> Response:
    body = await _report_file(request, portal, user, "csv")
    # The month in the name: a folder of downloads stays in order and says what each is.
    name = f"voimala-monthly-report-{_month_of(request)}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
