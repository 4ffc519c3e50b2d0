"""The public pages: the month's programme, an event with registration, ideas, the poster.

Nobody signs in here: the events service's public API gives the programme (no token), a
resident registers as a guest (no token), and an idea goes to the participants service's
public, rate-limited endpoint. Nothing personal is logged or put in a URL.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import segno
from babel.dates import format_date
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from voimala_kit.clock import HELSINKI

from ..services import ServiceError
from ..web.deps import PortalDep
from ..web.forms import clean
from ..web.pages import language_of, render, translator
from ..web.routing import page_router
from ..web.session import UserDep

router = page_router()

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
CATEGORIES = ("workshop", "language_cafe", "counselling_hours", "info_session", "office_hours")
AUDIENCES = ("everyone", "participants", "youth")
#: What a person may type in the name field: no control characters (a NUL is refused with a
#: message, not silently dropped, so that the registration holds the name as it was meant).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")


def category_names(_: Callable[..., str]) -> dict[str, str]:
    return {
        "workshop": _("Job-search workshop"),
        "language_cafe": _("Language café"),
        "counselling_hours": _("Counselling hours"),
        "info_session": _("Info session"),
        "office_hours": _("Office hours"),
        "other": _("Other"),
    }


def audience_names(_: Callable[..., str]) -> dict[str, str]:
    return {
        "everyone": _("Everyone"),
        "participants": _("VOITTO participants"),
        "youth": _("Young people"),
    }


def audience_notes(_: Callable[..., str]) -> dict[str, str]:
    """Said beside an event that is not for everyone (whole phrases: Finnish inflects)."""
    return {
        "participants": _("For VOITTO participants"),
        "youth": _("For young people"),
    }


def pick(texts: Mapping[str, Any] | None, lang: str) -> str:
    """A text of the series in the page's language, else in Finnish (always written)."""
    texts = texts or {}
    return str(texts.get(lang) or texts.get("fi") or "")


#: A date as people of each language write it in Finland: "tiistai 1.12.2026",
#: "tisdag 1.12.2026", "Tuesday 1 December 2026".
LONG_DATE = {"fi": "cccc d.M.yyyy", "sv": "cccc d.M.yyyy", "en": "EEEE d MMMM yyyy"}


def long_date(value: datetime, lang: str) -> str:
    text = format_date(value.astimezone(HELSINKI), LONG_DATE[lang], locale=lang)
    return text[:1].upper() + text[1:]


def today(portal: Any) -> date:
    now: datetime = portal.clock.now()
    return now.astimezone(HELSINKI).date()


def parse_month(value: str) -> tuple[int, int] | None:
    found = MONTH.match(value)
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        return None
    return int(found.group(1)), int(found.group(2))


def shift(year: int, month: int, by: int) -> str:
    index = year * 12 + month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def occurrence_id_of(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _not_found(request: Request) -> Response:
    return render(request, "errors/not_found.html", status_code=404)


# --- the month's programme -----------------------------------------------------------------


@router.get("/")
async def home(request: Request, user: UserDep, portal: PortalDep) -> Response:
    return await _month_page(request, portal, today(portal).strftime("%Y-%m"), home=True)


@router.get("/programme")
async def this_month(request: Request, portal: PortalDep) -> Response:
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/programme/{today(portal).strftime('%Y-%m')}{query}", 303)


@router.api_route("/programme.ics", methods=["GET", "HEAD"])
async def calendar_feed(request: Request, portal: PortalDep) -> Response:
    """The events service's feed through the portal, so that people never meet its port."""
    lang = language_of(request)
    headers = {}
    if etag := request.headers.get("if-none-match"):
        headers["If-None-Match"] = etag[:200]
    answer = await portal.services.public().request(
        "GET", "events", "/programme.ics", params={"lang": lang}, headers=headers
    )
    passed = {
        k: v
        for k, v in answer.headers.items()
        if k.lower() in ("etag", "content-disposition", "last-modified")
    }
    passed["Cache-Control"] = "public, max-age=900"
    if answer.status_code == 304:
        return Response(status_code=304, headers=passed)
    return Response(answer.content, media_type="text/calendar; charset=utf-8", headers=passed)


@router.get("/programme/{month}")
async def month_page(request: Request, user: UserDep, portal: PortalDep, month: str) -> Response:
    return await _month_page(request, portal, month)


async def _month_items(portal: Any, month: str) -> list[dict[str, Any]]:
    document = await portal.services.public().get("events", f"/programme/{month}", format="json")
    items: list[dict[str, Any]] = document.get("occurrences", [])
    return items


def _days(items: list[dict[str, Any]]) -> list[tuple[date, list[dict[str, Any]]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item["date"], []).append(item)
    return [(date.fromisoformat(d), grouped[d]) for d in sorted(grouped)]


async def _month_page(request: Request, portal: Any, month: str, home: bool = False) -> Response:
    parsed = parse_month(month)
    if parsed is None:
        return _not_found(request)
    year, mon = parsed
    category = request.query_params.get("category", "")
    audience = request.query_params.get("audience", "")
    category = category if category in CATEGORIES else ""
    audience = audience if audience in AUDIENCES else ""
    items = await _month_items(portal, month)
    shown = [
        i
        for i in items
        if (not category or i["category"] == category)
        and (not audience or i["audience"] == audience)
    ]
    filters = {k: v for k, v in (("category", category), ("audience", audience)) if v}
    query = f"?{urlencode(filters)}" if filters else ""
    _ = translator(request).gettext
    return render(
        request,
        "public/programme.html",
        {
            "month": month,
            "first_day": date(year, mon, 1),
            "days": _days(shown),
            "count": len(shown),
            "today": today(portal).isoformat(),
            "previous": f"/programme/{shift(year, mon, -1)}{query}",
            "next": f"/programme/{shift(year, mon, 1)}{query}",
            "categories": category_names(_),
            "audiences": audience_names(_),
            "notes": audience_notes(_),
            "category": category,
            "audience": audience,
            "filtered": bool(filters),
            "pick": pick,
            "home": home,
        },
    )


@router.get("/programme/{month}/poster")
async def poster(request: Request, user: UserDep, portal: PortalDep, month: str) -> Response:
    """A4 poster of the month with a QR code to the month's page (inline SVG: no requests)."""
    parsed = parse_month(month)
    if parsed is None:
        return _not_found(request)
    year, mon = parsed
    items = await _month_items(portal, month)
    lang = language_of(request)
    page_url = f"{portal.settings.public_url.rstrip('/')}/programme/{month}?lang={lang}"
    svg = segno.make(page_url, error="m").svg_inline(
        scale=4, dark="#000000", light="#ffffff", omitsize=True
    )
    _ = translator(request).gettext
    return render(
        request,
        "public/poster.html",
        {
            "month": month,
            "first_day": date(year, mon, 1),
            "days": _days(items),
            "qr": Markup(svg),  # noqa: S704 - segno's own SVG of our own URL, nothing sent
            "page_url": page_url,
            "categories": category_names(_),
            "notes": audience_notes(_),
            "pick": pick,
        },
    )


# --- one event and registration without an account ---------------------------------------


async def _occurrence(portal: Any, occurrence_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await portal.services.public().get(
        "events", f"/occurrences/{occurrence_id}"
    )
    return found


def _state(occ: dict[str, Any], now: datetime) -> str:
    """What the event page offers: the first of cancelled, past, drop_in, not_open, closed,
    full_slots, full that holds; else open."""

    def at(key: str) -> datetime | None:
        return datetime.fromisoformat(occ[key]) if occ.get(key) else None

    opens, closes = at("registration_opens_at"), at("registration_closes_at")
    checks = [
        ("cancelled", occ["status"] == "cancelled"),
        ("past", datetime.fromisoformat(occ["starts_at"]) <= now),
        ("drop_in", bool(occ["drop_in"])),
        ("not_open", opens is not None and opens > now),
        ("closed", closes is not None and closes <= now),
        ("full_slots", bool(occ.get("slots")) and not occ.get("free_slots")),
        ("full", not occ.get("slots") and (occ.get("seats_left") or 0) <= 0),
    ]
    return next((state for state, holds in checks if holds), "open")


def _event_context(request: Request, portal: Any, occ: dict[str, Any]) -> dict[str, Any]:
    _ = translator(request).gettext
    return {
        "occ": occ,
        "long_date": long_date(datetime.fromisoformat(occ["starts_at"]), language_of(request)),
        "state": _state(occ, portal.clock.now()),
        "starts": datetime.fromisoformat(occ["starts_at"]),
        "ends": datetime.fromisoformat(occ["ends_at"]),
        "opens": (
            datetime.fromisoformat(occ["registration_opens_at"])
            if occ.get("registration_opens_at")
            else None
        ),
        "categories": category_names(_),
        "audiences": audience_names(_),
        "pick": pick,
        "is_today": datetime.fromisoformat(occ["starts_at"]).astimezone(HELSINKI).date()
        == today(portal),
    }


@router.get("/events/{occurrence_id}")
async def event_page(
    request: Request, user: UserDep, portal: PortalDep, occurrence_id: str
) -> Response:
    known = occurrence_id_of(occurrence_id)
    if known is None:
        return _not_found(request)
    occ = await _occurrence(portal, known)
    return render(request, "public/event.html", _event_context(request, portal, occ))


def _check(
    form: Any, _: Callable[..., str], has_slots: bool
) -> tuple[dict[str, str], dict[str, Any]]:
    """The form's own checks; returns (errors by field, the guest to send)."""
    errors: dict[str, str] = {}
    raw_name = form.get("name")
    raw_name = raw_name if isinstance(raw_name, str) else ""
    name = raw_name.strip()
    email = clean(form, "email", 254)
    phone = clean(form, "phone", 40)
    if _CONTROL.search(raw_name):
        errors["name"] = _("Your name can only contain letters, spaces and punctuation")
    elif not name:
        errors["name"] = _("Enter your name")
    elif len(name) > 200:
        errors["name"] = _("Your name must be 200 characters or fewer")
    if email and not _EMAIL.match(email):
        errors["email"] = _("Enter an e-mail address in the correct format, like name@example.fi")
    if phone and not _PHONE.match(phone):
        errors["phone"] = _("Enter a phone number, like 040 123 4567 or +358 40 123 4567")
    if not email and not phone:
        errors["email"] = _("Enter an e-mail address or a phone number")
    slot = clean(form, "slot", 40)
    if has_slots and not slot:
        errors["slot"] = _("Choose a time")
    guest: dict[str, Any] = {"name": name}
    if email:
        guest["email"] = email
    if phone:
        guest["phone"] = phone
    return errors, {"guest": guest, **({"slot_start": slot} if has_slots and slot else {})}


def _refusal(exc: ServiceError, _: Callable[..., str]) -> dict[str, str]:
    """A service's answer as errors next to the fields, in the person's language."""
    if exc.status == 422:
        found: dict[str, str] = {}
        for error in exc.problem.get("errors") or []:
            where = [str(p) for p in error.get("loc", [])]
            if "phone" in where:
                found.setdefault(
                    "phone", _("Enter a phone number, like 040 123 4567 or +358 40 123 4567")
                )
            elif "email" in where:
                found.setdefault(
                    "email",
                    _("Enter an e-mail address in the correct format, like name@example.fi"),
                )
            elif "name" in where:
                found.setdefault("name", _("Enter your name"))
            elif "slot_start" in where:
                found.setdefault("slot", _("Choose one of the free times"))
        return found or {"": _("The registration could not be saved. Check the details.")}
    titles = {
        "Already registered": _(
            "You are already registered for this event with this e-mail address or phone number."
        ),
        "Slot taken": _("Someone booked that time a moment ago. Choose another time."),
        "Registration closed": _("Registration for this event has closed."),
        "Registration not open": _("Registration for this event has not opened yet."),
        "Occurrence past": _("This event has already started."),
        "Occurrence cancelled": _("This event has been cancelled."),
        "Drop-in": _("This is a drop-in event: no registration is needed."),
        "For participants": _(
            "This event is for participants of the VOITTO programme. Ask the staff at Voimala."
        ),
    }
    return {"": titles.get(str(exc.problem.get("title")), _("Registration did not succeed."))}


@router.post("/events/{occurrence_id}")
async def register(
    request: Request, user: UserDep, portal: PortalDep, occurrence_id: str
) -> Response:
    known = occurrence_id_of(occurrence_id)
    if known is None:
        return _not_found(request)
    occ = await _occurrence(portal, known)
    _ = translator(request).gettext
    form = await request.form()
    errors, body = _check(form, _, bool(occ.get("slots")))
    values = {k: clean(form, k, 254) for k in ("name", "email", "phone", "slot")}
    if not errors:
        body["guest"]["language"] = language_of(request)
        try:
            answer = await portal.services.public().post(
                "events", f"/occurrences/{known}/registrations", body
            )
        except ServiceError as exc:
            if exc.status in (404, 503) or exc.status >= 500:
                raise
            errors = _refusal(exc, _)
        else:
            query: dict[str, str] = {"status": str(answer["status"])}
            if answer.get("position"):
                query["position"] = str(int(answer["position"]))
            return RedirectResponse(f"/events/{known}/registered?{urlencode(query)}", 303)
        occ = await _occurrence(portal, known)
    context = _event_context(request, portal, occ) | {"errors": errors, "values": values}
    return render(request, "public/event.html", context, status_code=400)


@router.get("/events/{occurrence_id}/registered")
async def registered(
    request: Request, user: UserDep, portal: PortalDep, occurrence_id: str
) -> Response:
    """What happened and what happens next (the answer's status is in the query: no names)."""
    known = occurrence_id_of(occurrence_id)
    if known is None:
        return _not_found(request)
    status = request.query_params.get("status")
    if status not in ("confirmed", "waitlisted"):
        return _not_found(request)
    position_text = request.query_params.get("position", "")
    position = int(position_text) if position_text.isdigit() and len(position_text) < 6 else None
    occ = await _occurrence(portal, known)
    context = _event_context(request, portal, occ) | {"status": status, "position": position}
    return render(request, "public/registered.html", context)


# --- ideas and wishes for the programme -----------------------------------------------------


class _PerVisitor:
    """At most `limit` ideas per visitor address in `window` seconds, in this process (the
    participants service keeps a limit of its own for the portal as a whole)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, deque[float]] = {}

    def allow(self, visitor: str) -> bool:
        now = time.monotonic()
        if len(self.seen) > 10_000:
            self.seen.clear()
        calls = self.seen.setdefault(visitor, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            return False
        calls.append(now)
        return True


_ideas_limit = _PerVisitor(limit=5, window=600.0)


@router.get("/ideas")
async def idea_form(request: Request, user: UserDep) -> Response:
    return render(request, "public/idea.html")


@router.post("/ideas")
async def send_idea(request: Request, user: UserDep, portal: PortalDep) -> Response:
    _ = translator(request).gettext
    form = await request.form()
    raw = form.get("idea")
    text = clean(form, "idea", 2000)
    errors: dict[str, str] = {}
    if isinstance(raw, str) and len(raw.strip()) > 2000:
        errors["idea"] = _("Your idea must be 2,000 characters or fewer")
    elif len(text) < 3:
        errors["idea"] = _("Write your idea or wish")
    if not errors:
        visitor = request.client.host if request.client else "unknown"
        if not _ideas_limit.allow(visitor):
            errors[""] = _("Many ideas were sent from here just now. Please try again later.")
            return render(
                request,
                "public/idea.html",
                {"errors": errors, "values": {"idea": text}},
                status_code=429,
                headers={"Retry-After": "600"},
            )
        try:
            await portal.services.public().post(
                "participants", "/ideas/public", {"text": text, "language": language_of(request)}
            )
        except ServiceError as exc:
            if exc.status == 429:
                errors[""] = _("Many ideas were sent from here just now. Please try again later.")
            elif exc.status == 422:
                errors["idea"] = _("Write your idea or wish")
            else:
                raise
        else:
            return RedirectResponse("/ideas/thanks", 303)
    return render(
        request, "public/idea.html", {"errors": errors, "values": {"idea": text}}, status_code=400
    )


@router.get("/ideas/thanks")
async def idea_thanks(request: Request, user: UserDep) -> Response:
    return render(request, "public/idea_thanks.html")
