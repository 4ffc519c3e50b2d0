"""A participant's profile for staff: details, consents, the service-path timeline and their
registrations; from here a visit is recorded and the person registered to an occurrence. Every
read names its purpose (case work), which the participants service writes to its audit log."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ...services import Caller, ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import (
    PURPOSE_CASE_WORK,
    Gettext,
    StaffUser,
    age_groups,
    channels,
    consent_purposes,
    contact_languages,
    education_levels,
    form_id,
    languages_spoken,
    levels,
    parse_time,
    path_id,
    programme_between,
    referral_sources,
    statuses,
    target_groups,
    text_in,
    timeline_kinds,
    visit_purposes,
)

router = page_router()

#: How far ahead the occurrences to register for are offered.
BOOKABLE_DAYS = 35
TIMELINE_ENTRIES = 30
#: Registrations shown on the profile, newest first (their titles are read one by one).
REGISTRATIONS_SHOWN = 12


async def _occurrence(caller: Caller, occurrence_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await caller.get("events", f"/occurrences/{occurrence_id}")
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    return found


async def bookable(
    caller: Caller, now: dt.datetime, today: dt.date, lang: str
) -> list[dict[str, Any]]:
    """Upcoming occurrences one registers for: with seats, without bookable slots."""
    items = await programme_between(caller, today, today + dt.timedelta(days=BOOKABLE_DAYS))
    found = []
    for o in items:
        starts = parse_time(o["starts_at"])
        if o["status"] == "cancelled" or o["capacity"] is None or o["slots"]:
            continue
        if starts is None or starts <= now:
            continue
        o["shown_title"] = text_in(o.get("title"), lang)
        found.append(o)
    return found


def describe(kind: str, detail: dict[str, Any], _: Gettext) -> str:
    """What a timeline entry was about, from the few codes and titles it keeps."""
    if kind == "consent.changed":
        name = consent_purposes(_).get(str(detail.get("purpose")), ("", ""))[0]
        return f"{name}: {_('Given') if detail.get('granted') else _('Not given')}"
    if kind == "visit.recorded":
        return visit_purposes(_).get(str(detail.get("purpose")), "")
    if kind.startswith("message."):
        return channels(_).get(str(detail.get("channel")), "")
    if kind == "participant.updated":
        return ""  # the names of the fields changed are the service's, not words for people
    return str(detail.get("title") or "")


@router.get("/staff/participants/{participant_id}")
async def profile(
    request: Request, participant_id: str, portal: PortalDep, user: StaffUser
) -> Response:
    pid = path_id(participant_id)
    caller = portal.services.as_user(user)
    lang = request.state.language
    person, consents, timeline, registrations = await _read(caller, pid)
    regs = await _latest_registrations(caller, registrations.get("items", []), lang)
    person["born"] = dt.date.fromisoformat(person["birth_date"]) if person["birth_date"] else None
    current = consents.get("current", [])
    for consent in current:
        consent["at"] = parse_time(consent["recorded_at"])
    _ = translator(request).gettext
    for entry in timeline.get("items", []):
        entry["at"] = parse_time(entry["occurred_at"])
        entry["what"] = describe(entry["kind"], entry.get("detail") or {}, _)
    upcoming = await bookable(caller, portal.clock.now(), portal.clock.today(), lang)
    return render(
        request,
        "staff/profile.html",
        {
            "p": person,
            "consents": current,
            "timeline": timeline.get("items", []),
            "registrations": regs,
            "upcoming": upcoming,
            "done": request.query_params.get("done", ""),
            "position": request.query_params.get("position", ""),
            "problem": request.query_params.get("problem", ""),
            "labels": _labels(_),
        },
    )


async def _read(caller: Caller, pid: uuid.UUID) -> list[Any]:
    """The person, their consents, path and registrations, read at once. An erased person's
    record answers 410 while the rest answer 404: the 410 wins, whichever came first, so that
    the page says they were erased."""
    found = await asyncio.gather(
        caller.get("participants", f"/participants/{pid}", purpose=PURPOSE_CASE_WORK),
        caller.get("participants", f"/participants/{pid}/consents", purpose=PURPOSE_CASE_WORK),
        caller.get(
            "participants",
            f"/participants/{pid}/timeline",
            purpose=PURPOSE_CASE_WORK,
            limit=TIMELINE_ENTRIES,
        ),
        caller.get("events", f"/participants/{pid}/registrations"),
        return_exceptions=True,
    )
    failed = [f for f in found if isinstance(f, BaseException)]
    gone = [f for f in failed if isinstance(f, ServiceError) and f.status == 410]
    if gone or failed:
        raise (gone or failed)[0]
    return list(found)


async def _latest_registrations(
    caller: Caller, items: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    """The newest registrations, each with its occurrence (gone ones: None)."""
    regs = sorted(items, key=lambda r: r["created_at"], reverse=True)[:REGISTRATIONS_SHOWN]
    occurrences = await asyncio.gather(*(_occurrence(caller, r["occurrence_id"]) for r in regs))
    for reg, occ in zip(regs, occurrences, strict=True):
        reg["occurrence"] = occ
        reg["shown_title"] = text_in(occ.get("title"), lang) if occ else ""
        reg["day"] = dt.date.fromisoformat(occ["date"]) if occ else None
    return regs


def _labels(_: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """The words for the codes the profile shows."""
    return {
        "purpose": consent_purposes(_),
        "kind": timeline_kinds(_),
        "status": statuses(_),
        "visit": visit_purposes(_),
        "age": age_groups(_),
        "target": target_groups(_),
        "channel": channels(_),
        "language": contact_languages(_),
        "spoken": languages_spoken(_),
        "level": levels(_),
        "education": education_levels(_),
        "source": referral_sources(_),
    }


#: The events service's refusals (409 titles) as codes the profile page words.
REFUSALS = {
    "Already registered": "already",
    "Occurrence past": "past",
    "Occurrence cancelled": "cancelled",
    "Registration not open": "not_open",
    "Registration closed": "closed",
    "Drop-in": "drop_in",
    "For participants": "other",
}


@router.post("/staff/participants/{participant_id}/registrations")
async def register_to(
    request: Request, participant_id: str, portal: PortalDep, user: StaffUser
) -> Response:
    pid = path_id(participant_id)
    form = await request.form()
    occurrence_id = form_id(clean(form, "occurrence_id", 40))
    back = f"/staff/participants/{pid}"
    if occurrence_id is None:
        return RedirectResponse(f"{back}?problem=choose#book", 303)
    try:
        reg = await portal.services.as_user(user).post(
            "events", f"/occurrences/{occurrence_id}/registrations", {"participant_id": str(pid)}
        )
    except ServiceError as exc:
        if exc.status in (404, 409, 422):
            code = REFUSALS.get(str(exc.problem.get("title")), "other")
            return RedirectResponse(f"{back}?problem={code}#book", 303)
        raise
    position = f"&position={reg['position']}" if reg.get("position") else ""
    return RedirectResponse(f"{back}?done={reg['status']}{position}", 303)
