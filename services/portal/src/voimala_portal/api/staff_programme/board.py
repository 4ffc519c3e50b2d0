"""/staff/reports/board: the city board's report for a month and the year so far, a printable
page (A4) in the page's language (Finnish first): entries, exits and their outcomes, the
service point's visits, the programme's events and seats taken, lead times along the service
path and the ideas received and realised, each chart with its figures in a table beside it.

The figures come from the participants service's report (the same figures as the monthly
report, one call per month of the year and one for the year so far), the events service's
monthly programme (public: dates held, cancelled, seats taken) and the ideas list. A PDF is
the browser's "print to PDF": no PDF library is among the portal's dependencies.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import Depends, Request
from fastapi.responses import Response
from voimala_kit.clock import HELSINKI

from ...repository.sessions import SessionUser
from ...services import Caller
from ...web.deps import PortalDep
from ...web.i18n import Translator
from ...web.pages import render, translator
from ...web.routing import page_router
from .board_charts import Chart, Series, bar_chart
from .common import staff
from .reports import MONTH, _months

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]
OUTCOMES = (
    "employed",
    "pay_subsidised_job",
    "work_trial",
    "apprenticeship",
    "education",
    "other",
    "unknown",
)
LEADS = (
    "registration_to_first_activity",
    "registration_to_first_proposal",
    "registration_to_outcome",
)
#: Pages of ideas read at most (200 each): the year's ideas, newest first.
IDEA_PAGES = 20


@dataclass(frozen=True)
class Events:
    held: int = 0
    cancelled: int = 0
    seats_taken: int = 0


def _last_day(month: str) -> date:
    first = date.fromisoformat(f"{month}-01")
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _events(document: dict[str, Any], now: datetime) -> Events:
    """A month of the programme: dates held (begun by now), cancelled, and the seats taken on
    dates held (where seats are counted: not drop-ins without a capacity)."""
    held = cancelled = seats = 0
    for item in document.get("occurrences", []):
        if item["status"] == "cancelled":
            cancelled += 1
        elif datetime.fromisoformat(item["starts_at"]) <= now:
            held += 1
            if item.get("capacity") is not None and item.get("seats_left") is not None:
                seats += item["capacity"] - item["seats_left"]
    return Events(held, cancelled, seats)


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


@dataclass(frozen=True)
class Figures:
    month: str
    months: list[str]
    #: The participants service's report per month of the year so far, and for the year.
    monthly: list[dict[str, Any]]
    year: dict[str, Any]
    events: list[Events]
    ideas: list[dict[str, Any]]


async def _gather(portal: Any, user: SessionUser, month: str) -> Figures:
    caller = portal.services.as_user(user)
    public = portal.services.public()
    year = int(month[:4])
    months = [f"{year}-{m:02d}" for m in range(1, int(month[5:]) + 1)]
    now = portal.clock.now()
    monthly, programmes, year_report, ideas = await asyncio.gather(
        asyncio.gather(
            *(caller.get("participants", "/reports/programme", month=m) for m in months)
        ),
        asyncio.gather(*(public.get("events", f"/programme/{m}") for m in months)),
        caller.get(
            "participants",
            "/reports/programme",
            start=f"{year}-01-01",
            end=_last_day(month).isoformat(),
        ),
        _ideas(caller, date(year, 1, 1)),
    )
    events = [_events(p, now) for p in programmes]
    return Figures(month, months, list(monthly), year_report, events, ideas)


def _in_month(idea: dict[str, Any], month: str) -> bool:
    local = datetime.fromisoformat(idea["submitted_at"]).astimezone(HELSINKI)
    return local.strftime("%Y-%m") == month


def _labels(t: Translator) -> dict[str, str]:
    return {
        "employed": t.gettext("Employed"),
        "pay_subsidised_job": t.gettext("Pay-subsidised job"),
        "work_trial": t.gettext("Work trial"),
        "apprenticeship": t.gettext("Apprenticeship"),
        "education": t.gettext("Education"),
        "other": t.gettext("Other"),
        "unknown": t.gettext("Not known"),
        "registration_to_first_activity": t.gettext("To the first activity"),
        "registration_to_first_proposal": t.gettext("To the first job proposal"),
        "registration_to_outcome": t.gettext("To an outcome"),
    }


def _key_rows(t: Translator, f: Figures) -> list[tuple[str, int, int]]:
    """The headline figures: the month and the year so far."""
    m, y = f.monthly[-1], f.year
    ideas_month = [i for i in f.ideas if _in_month(i, f.month)]
    ev_m, ev_y = f.events[-1], f.events
    return [
        (t.gettext("Participants who started"), m["entries"]["total"], y["entries"]["total"]),
        (
            t.gettext("of them young people (under 30)"),
            m["entries"]["youth"],
            y["entries"]["youth"],
        ),
        (t.gettext("Participants who left"), m["exits"]["total"], y["exits"]["total"]),
        (
            t.gettext("of them employed"),
            m["exits"]["by_outcome"]["employed"],
            y["exits"]["by_outcome"]["employed"],
        ),
        (
            t.gettext("Visits to the service point"),
            m["service_point"]["visits"],
            y["service_point"]["visits"],
        ),
        (t.gettext("Programme dates held"), ev_m.held, sum(e.held for e in ev_y)),
        (t.gettext("Programme dates cancelled"), ev_m.cancelled, sum(e.cancelled for e in ev_y)),
        (
            t.gettext("Seats taken on dates held"),
            ev_m.seats_taken,
            sum(e.seats_taken for e in ev_y),
        ),
        (t.gettext("Ideas and wishes received"), len(ideas_month), len(f.ideas)),
        (
            t.gettext("of them realised"),
            sum(1 for i in ideas_month if i["status"] == "realised"),
            sum(1 for i in f.ideas if i["status"] == "realised"),
        ),
    ]


def _text(t: Translator, value: float | None) -> str:
    return t.gettext("no one in the period") if value is None else t.number(value)


def _desc(t: Translator, categories: list[str], series: list[Series]) -> str:
    parts = []
    for i, c in enumerate(categories):
        values = ", ".join(f"{s.name} {_text(t, s.values[i])}" for s in series)
        parts.append(f"{c}: {values}")
    return "; ".join(parts) + "."


@dataclass(frozen=True)
class Block:
    """A chart and its table: the same figures twice, for the eye and for the ear."""

    chart: Any
    caption: str
    head: list[str]
    rows: list[tuple[str, list[str]]]


def _block(t: Translator, cid: str, title: str, cats: list[str], series: list[Series]) -> Block:
    chart = Chart(cid, title, _desc(t, cats, series), cats, series, fmt=t.number)
    rows = [
        (c, ["\N{EN DASH}" if s.values[i] is None else t.number(s.values[i]) for s in series])  # type: ignore[arg-type]
        for i, c in enumerate(cats)
    ]
    return Block(bar_chart(chart), title, [s.name for s in series], rows)


def _month_names(t: Translator, months: list[str]) -> list[str]:
    return [format_date(date.fromisoformat(f"{m}-01"), "LLL", locale=t.locale) for m in months]


def _blocks(t: Translator, f: Figures, month_name: str) -> list[Block]:
    names = _month_names(t, f.months)
    labels = _labels(t)
    this, year = month_name, t.gettext("Year so far")
    entries = Series(t.gettext("Started, people"), [r["entries"]["total"] for r in f.monthly])
    exits = Series(t.gettext("Left"), [r["exits"]["total"] for r in f.monthly])
    outcomes = [labels[o] for o in OUTCOMES]
    by_outcome = [
        Series(name, [r["exits"]["by_outcome"][o] for o in OUTCOMES])
        for name, r in ((this, f.monthly[-1]), (year, f.year))
    ]
    visits = Series(t.gettext("Visits"), [r["service_point"]["visits"] for r in f.monthly])
    held = Series(t.gettext("Dates held"), [e.held for e in f.events])
    seats = Series(t.gettext("Seats taken"), [e.seats_taken for e in f.events])
    leads = [
        Series(name, [r["lead_times_days"][k]["median"] for k in LEADS])
        for name, r in ((this, f.monthly[-1]), (year, f.year))
    ]
    return [
        _block(
            t,
            "entries",
            t.gettext("Participants who started and left, by month"),
            names,
            [entries, exits],
        ),
        _block(t, "outcomes", t.gettext("Participants who left, by outcome"), outcomes, by_outcome),
        _block(t, "visits", t.gettext("Visits to the service point, by month"), names, [visits]),
        _block(
            t,
            "events",
            t.gettext("The programme's dates held and seats taken, by month"),
            names,
            [held, seats],
        ),
        _block(
            t,
            "leads",
            t.gettext("Lead times from registration, median days"),
            [labels[k] for k in LEADS],
            leads,
        ),
    ]


@router.get("/staff/reports/board")
async def board(request: Request, portal: PortalDep, user: Staff) -> Response:
    t = translator(request)
    months = _months(t, portal.clock.now().astimezone(HELSINKI).date())
    asked = request.query_params.get("month")
    month = asked if asked and MONTH.match(asked) and asked in dict(months) else None
    context: dict[str, Any] = {
        "months": months,
        "values": {"month": month or months[1][0]},
        "month_name": None,
        "blocks": None,
    }
    if asked is not None and month is None:
        context["errors"] = {"month": t.gettext("Choose a month from the list")}
        return render(request, "staff_programme/board.html", context, status_code=400)
    # The month that has just ended is the one reported on.
    month = month or months[1][0]
    figures = await _gather(portal, user, month)
    month_name = format_date(date.fromisoformat(f"{month}-01"), "LLLL y", locale=t.locale)
    context |= {
        "month": month,
        "month_name": month_name,
        "year": month[:4],
        "key_rows": [(label, t.number(a), t.number(b)) for label, a, b in _key_rows(t, figures)],
        "blocks": _blocks(t, figures, month_name),
        "report_as_of": datetime.fromisoformat(figures.year["as_of"]),
    }
    return render(request, "staff_programme/board.html", context)
