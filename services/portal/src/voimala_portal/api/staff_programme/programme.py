"""/staff/programme: the series of the programme; create a series; move or cancel one
occurrence; cancel a series from a date on. Every cancellation first says how many registered
people the events service will tell."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...repository.sessions import SessionUser
from ...services import Caller, ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean, errors_from_problem
from ...web.i18n import Translator
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import parse_date, pick, staff, uuid_or_404
from .recurrence import REPEATS, describe, to_rule

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]

CATEGORIES = (
    "workshop",
    "language_cafe",
    "counselling_hours",
    "info_session",
    "office_hours",
    "other",
)
AUDIENCES = ("everyone", "participants", "youth")
#: The events API's field names → this form's (for a 422 shown next to the fields).
API_FIELDS = {
    "category": "category",
    "audience": "audience",
    "rrule": "repeat",
    "first_date": "first_date",
    "start_time": "start_time",
    "end_time": "end_time",
    "capacity": "capacity",
    "registration_opens_days_before": "opens_days_before",
    "registration_closes_minutes_before": "closes_hours_before",
    "starts_at": "date",
    "ends_at": "end_time",
    "from_date": "from_date",
    "reason": "reason",
}


def category_name(t: Translator, code: str) -> str:
    names = {
        "workshop": t.gettext("Workshop"),
        "language_cafe": t.gettext("Language café"),
        "counselling_hours": t.gettext("Counselling hours"),
        "info_session": t.gettext("Info session"),
        "office_hours": t.gettext("Professionals' office hours"),
        "other": t.gettext("Other"),
    }
    return names.get(code, code)


def audience_name(t: Translator, code: str) -> str:
    names = {
        "everyone": t.gettext("Everyone"),
        "participants": t.gettext("Programme participants"),
        "youth": t.gettext("Young people"),
    }
    return names.get(code, code)


def repeat_options(t: Translator) -> list[tuple[str, str, str]]:
    hints = {
        "once": (t.gettext("Once"), t.gettext("Only on the first date.")),
        "weekly": (
            t.gettext("Every week"),
            t.gettext("On the weekday of the first date, e.g. every Wednesday."),
        ),
        "fortnightly": (
            t.gettext("Every other week"),
            t.gettext("On the weekday of the first date, e.g. every other Tuesday."),
        ),
        "monthly": (
            t.gettext("Once a month"),
            t.gettext("On the same weekday of the month as the first date, e.g. the 2nd Tuesday."),
        ),
    }
    return [(code, *hints[code]) for code in REPEATS]


def _time(value: str) -> time | None:
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def _whole(value: str, low: int, high: int) -> int | None:
    return int(value) if value.isdigit() and low <= int(value) <= high else None


def _texts(form: FormData, prefix: str, max_length: int) -> dict[str, str] | None:
    found = {lang: clean(form, f"{prefix}_{lang}", max_length) for lang in ("fi", "sv", "en")}
    if not found["fi"]:
        return None
    return {k: v for k, v in found.items() if v}


def _what(t: Translator, form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": _texts(form, "title", 200),
        "category": clean(form, "category", 40),
        "audience": clean(form, "audience", 40),
    }
    if body["title"] is None:
        errors["title_fi"] = t.gettext("Enter the title in Finnish")
    if body["category"] not in CATEGORIES:
        errors["category"] = t.gettext("Choose what kind of event this is")
    if body["audience"] not in AUDIENCES:
        errors["audience"] = t.gettext("Choose whom the event is for")
    for key, limit in (("description", 2000), ("location", 2000)):
        if texts := _texts(form, key, limit):
            body[key] = texts
    if host := clean(form, "host_organisation", 200):
        body["host_organisation"] = host
    return body


def _when(t: Translator, form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    first = parse_date(clean(form, "first_date", 20))
    if first is None:
        errors["first_date"] = t.gettext("Enter the first date as a real date, e.g. 2027-01-13")
    repeat = clean(form, "repeat", 20)
    if repeat not in REPEATS:
        errors["repeat"] = t.gettext("Choose how often the event is held")
    until = parse_date(clean(form, "until", 20)) if clean(form, "until", 20) else None
    if clean(form, "until", 20) and (until is None or (first is not None and until < first)):
        errors["until"] = t.gettext("Enter a last date on or after the first date")
    start, end = _time(clean(form, "start_time", 10)), _time(clean(form, "end_time", 10))
    if start is None:
        errors["start_time"] = t.gettext("Enter the start time, e.g. 13:00")
    if end is None or (start is not None and end <= start):
        errors["end_time"] = t.gettext("Enter an end time after the start time")
    if first is None or start is None or end is None or repeat not in REPEATS or "until" in errors:
        return {}
    return {
        "rrule": to_rule(repeat, first, until),
        "first_date": first.isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "skip_holidays": form.get("skip_holidays") == "yes",
    }


def _registration(t: Translator, form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    capacity = None
    registration = clean(form, "registration", 20)
    if registration == "seats":
        capacity = _whole(clean(form, "capacity", 10), 1, 10000)
        if capacity is None:
            errors["capacity"] = t.gettext("Enter the number of seats, 1 to 10000")
    elif registration != "drop_in":
        errors["registration"] = t.gettext("Choose whether people register or just drop in")
    opens = _whole(clean(form, "opens_days_before", 10) or "30", 0, 365)
    if opens is None:
        errors["opens_days_before"] = t.gettext("Enter a number of days from 0 to 365")
    closes = _whole(clean(form, "closes_hours_before", 10) or "0", 0, 168)
    if closes is None:
        errors["closes_hours_before"] = t.gettext("Enter a number of hours from 0 to 168")
    return {
        "capacity": capacity,
        "registration_opens_days_before": opens,
        "registration_closes_minutes_before": None if closes is None else closes * 60,
    }


def series_body(t: Translator, form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The events API's body from the form, or the form's errors (field → message)."""
    errors: dict[str, str] = {}
    body = _what(t, form, errors) | _when(t, form, errors) | _registration(t, form, errors)
    return ({}, errors) if errors else (body, errors)


def _series_view(t: Translator, s: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": s["id"],
        "title": pick(s["title"], t.language),
        "category": category_name(t, s["category"]),
        "audience": audience_name(t, s["audience"]),
        "repeats": describe(t, s["rrule"]),
        "hours": f"{s['start_time']}\N{EN DASH}{s['end_time']}",
        "capacity": s["capacity"],
        "drop_in": s["drop_in"],
        "slot_minutes": (s.get("slots") or {}).get("minutes"),
        "first_date": date.fromisoformat(s["first_date"]),
        "ended_from": date.fromisoformat(s["ended_from"]) if s["ended_from"] else None,
        "location": pick(s["location"], t.language),
    }


@router.get("/staff/programme")
async def programme(request: Request, portal: PortalDep, user: Staff) -> Response:
    found = await portal.services.as_user(user).get("events", "/series", limit=200)
    t = translator(request)
    items = sorted(
        (_series_view(t, s) for s in found["items"]),
        key=lambda s: (s["ended_from"] is not None, s["title"].lower()),
    )
    return render(request, "staff_programme/programme.html", {"series": items})


def _form_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    t = translator(request)
    return render(
        request,
        "staff_programme/series_new.html",
        {
            "categories": [(c, category_name(t, c)) for c in CATEGORIES],
            "audiences": [(a, audience_name(t, a), None) for a in AUDIENCES],
            "repeats": repeat_options(t),
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/staff/programme/new")
async def new_series(request: Request, portal: PortalDep, user: Staff) -> Response:
    defaults = {
        "audience": "everyone",
        "repeat": "weekly",
        "registration": "seats",
        "capacity": "12",
        "opens_days_before": "30",
        "closes_hours_before": "0",
        "skip_holidays": "yes",
        "start_time": "13:00",
        "end_time": "15:00",
    }
    return _form_page(request, defaults, {})


@router.post("/staff/programme/new")
async def create_series(request: Request, portal: PortalDep, user: Staff) -> Response:
    form = await request.form()
    values = {k: clean(form, k, 2000) for k in form if k != "csrf_token"}
    body, errors = series_body(translator(request), form)
    if errors:
        return _form_page(request, values, errors, 400)
    try:
        made = await portal.services.as_user(user).post("events", "/series", body)
    except ServiceError as exc:
        if exc.status != 422:
            raise
        return _form_page(request, values, errors_from_problem(exc.problem, API_FIELDS), 400)
    return RedirectResponse(
        f"/staff/programme/series/{made['id']}?created={made.get('occurrences_generated', 0)}",
        303,
    )


def _occurrence_view(t: Translator, o: dict[str, Any], now: datetime) -> dict[str, Any]:
    starts = datetime.fromisoformat(o["starts_at"])
    return {
        "id": o["occurrence_id"],
        "series_id": o["series_id"],
        "title": pick(o["title"], t.language),
        "starts_at": starts,
        "date": o["date"],
        "local_start": o["local_start"],
        "local_end": o["local_end"],
        "status": o["status"],
        "capacity": o["capacity"],
        "seats_left": o["seats_left"],
        "slots": o.get("slots"),
        "slots_left": o.get("slots_left"),
        "drop_in": o["drop_in"],
        "past": starts <= now,
    }


@router.get("/staff/programme/series/{series_id}")
async def series_page(request: Request, series_id: str, portal: PortalDep, user: Staff) -> Response:
    sid = uuid_or_404(series_id)
    caller = portal.services.as_user(user)
    found = await caller.get("events", f"/series/{sid}")
    occurrences = await caller.get("events", f"/series/{sid}/occurrences")
    t = translator(request)
    now = portal.clock.now()
    done = {k: request.query_params.get(k, "")[:10] for k in ("created", "moved", "cancelled")}
    return render(
        request,
        "staff_programme/series.html",
        {
            "s": _series_view(t, found),
            "occurrences": [_occurrence_view(t, o, now) for o in occurrences["items"]],
            "done": done,
        },
    )


async def _told(caller: Caller, occurrence_ids: list[str]) -> int:
    """How many registered people (confirmed and waitlisted) the events service will tell."""

    async def live(oid: str) -> int:
        found = await caller.get("events", f"/occurrences/{oid}/registrations")
        return sum(1 for r in found["items"] if r["status"] in ("confirmed", "waitlisted"))

    return sum(await asyncio.gather(*(live(o) for o in occurrence_ids)))


async def _occurrence(
    caller: Caller, t: Translator, occurrence_id: str, now: datetime
) -> dict[str, Any]:
    oid = uuid_or_404(occurrence_id)
    return _occurrence_view(t, await caller.get("events", f"/occurrences/{oid}"), now)


def _move_page(
    request: Request,
    occ: dict[str, Any],
    told: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "staff_programme/move.html",
        {"o": occ, "told": told, "values": values, "errors": errors},
        status_code=status,
    )


@router.get("/staff/programme/occurrences/{occurrence_id}/move")
async def move_form(
    request: Request, occurrence_id: str, portal: PortalDep, user: Staff
) -> Response:
    caller = portal.services.as_user(user)
    occ = await _occurrence(caller, translator(request), occurrence_id, portal.clock.now())
    told = await _told(caller, [occ["id"]])
    values = {"date": occ["date"], "start_time": occ["local_start"], "end_time": occ["local_end"]}
    return _move_page(request, occ, told, values, {})


@router.post("/staff/programme/occurrences/{occurrence_id}/move")
async def move(request: Request, occurrence_id: str, portal: PortalDep, user: Staff) -> Response:
    t = translator(request)
    caller = portal.services.as_user(user)
    occ = await _occurrence(caller, t, occurrence_id, portal.clock.now())
    form = await request.form()
    values = {k: clean(form, k, 20) for k in ("date", "start_time", "end_time")}
    errors: dict[str, str] = {}
    day = parse_date(values["date"])
    start, end = _time(values["start_time"]), _time(values["end_time"])
    if day is None:
        errors["date"] = t.gettext("Enter the new date as a real date, e.g. 2027-01-13")
    if start is None:
        errors["start_time"] = t.gettext("Enter the start time, e.g. 13:00")
    if end is None or (start is not None and end <= start):
        errors["end_time"] = t.gettext("Enter an end time after the start time")
    if not errors:
        assert day is not None
        assert start is not None
        assert end is not None
        # Naive times: the events service reads them as Helsinki wall-clock time.
        body = {
            "starts_at": datetime.combine(day, start).isoformat(timespec="minutes"),
            "ends_at": datetime.combine(day, end).isoformat(timespec="minutes"),
        }
        try:
            await caller.patch("events", f"/occurrences/{occ['id']}", body)
        except ServiceError as exc:
            if exc.status not in (409, 422):
                raise
            errors = errors_from_problem(exc.problem, API_FIELDS)
            if "" in errors:
                errors = {
                    "date": t.gettext(
                        "The occurrence cannot be moved there: %(why)s", why=errors[""]
                    )
                }
        else:
            return RedirectResponse(f"/staff/programme/series/{occ['series_id']}?moved=1", 303)
    return _move_page(request, occ, await _told(caller, [occ["id"]]), values, errors, 400)


@router.get("/staff/programme/occurrences/{occurrence_id}/cancel")
async def cancel_occurrence_confirm(
    request: Request, occurrence_id: str, portal: PortalDep, user: Staff
) -> Response:
    caller = portal.services.as_user(user)
    occ = await _occurrence(caller, translator(request), occurrence_id, portal.clock.now())
    told = await _told(caller, [occ["id"]])
    return render(request, "staff_programme/cancel_occurrence.html", {"o": occ, "told": told})


@router.post("/staff/programme/occurrences/{occurrence_id}/cancel")
async def cancel_occurrence(
    request: Request, occurrence_id: str, portal: PortalDep, user: Staff
) -> Response:
    caller = portal.services.as_user(user)
    occ = await _occurrence(caller, translator(request), occurrence_id, portal.clock.now())
    form = await request.form()
    reason = clean(form, "reason", 500) or None
    try:
        await caller.post("events", f"/occurrences/{occ['id']}/cancel", {"reason": reason})
    except ServiceError as exc:
        if exc.status != 409:  # already cancelled: the series page shows it so
            raise
    return RedirectResponse(f"/staff/programme/series/{occ['series_id']}?cancelled=1", 303)


@router.get("/staff/programme/series/{series_id}/cancel")
async def cancel_series_form(
    request: Request, series_id: str, portal: PortalDep, user: Staff
) -> Response:
    """The form asks from which date; sent (a GET), it becomes the confirmation page that
    says how many occurrences end and how many registered people are told."""
    sid = uuid_or_404(series_id)
    t = translator(request)
    caller = portal.services.as_user(user)
    s = _series_view(t, await caller.get("events", f"/series/{sid}"))
    asked = request.query_params.get("from_date")
    values = {
        "from_date": (asked or "")[:20],
        "reason": clean(request.query_params, "reason", 500),  # type: ignore[arg-type]
    }
    context: dict[str, Any] = {"s": s, "values": values, "errors": {}, "confirm": False}
    if asked is not None:
        first = parse_date(values["from_date"])
        if first is None:
            context["errors"] = {
                "from_date": t.gettext("Enter the date as a real date, e.g. 2027-01-13")
            }
            return render(request, "staff_programme/cancel_series.html", context, status_code=400)
        found = await caller.get(
            "events",
            f"/series/{sid}/occurrences",
            start=first.isoformat(),
            end=(first + timedelta(days=399)).isoformat(),
        )
        live = [o for o in found["items"] if o["status"] != "cancelled"]
        context |= {
            "confirm": True,
            "from_date": first,
            "count": len(live),
            "told": await _told(caller, [o["occurrence_id"] for o in live]),
        }
    return render(request, "staff_programme/cancel_series.html", context)


@router.post("/staff/programme/series/{series_id}/cancel")
async def cancel_series(
    request: Request, series_id: str, portal: PortalDep, user: Staff
) -> Response:
    sid = uuid_or_404(series_id)
    form = await request.form()
    first = parse_date(clean(form, "from_date", 20))
    if first is None:
        return RedirectResponse(f"/staff/programme/series/{sid}/cancel", 303)
    body = {"from_date": first.isoformat(), "reason": clean(form, "reason", 500) or None}
    done = await portal.services.as_user(user).post("events", f"/series/{sid}/cancel", body)
    return RedirectResponse(
        f"/staff/programme/series/{sid}?cancelled={int(done['cancelled_occurrences'])}", 303
    )
