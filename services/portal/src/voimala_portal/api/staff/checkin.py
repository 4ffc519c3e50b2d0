"""An occurrence's check-in list: the people registered with a check-in button each, walk-ins
(a participant found by search, or an anonymous guest), and the seats left. Names are read
from the participants service with the purpose "check_in" (each read is audited there)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ...services import Caller, ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import (
    PURPOSE_CHECK_IN,
    StaffUser,
    form_id,
    parse_time,
    path_id,
    statuses,
    text_in,
    tidy,
)
from .front import find_participants

router = page_router()


async def _name(caller: Caller, participant_id: str) -> str:
    try:
        p = await caller.get(
            "participants", f"/participants/{participant_id}", purpose=PURPOSE_CHECK_IN
        )
    except ServiceError as exc:
        if exc.status == 404:
            return ""
        raise
    return f"{p['given_name']} {p['family_name']}"


async def _name_everyone(
    caller: Caller,
    live: list[dict[str, Any]],
    walk_ins: list[dict[str, Any]],
    records: list[dict[str, Any]],
) -> None:
    """Names on the list (participants' from the registry, guests' as they gave them), and
    who of the registered has checked in."""
    by_registration = {str(a["registration_id"]) for a in records if a["registration_id"]}
    by_participant = {str(a["participant_id"]) for a in records if a["participant_id"]}
    wanted = {str(r["participant_id"]) for r in live if r["participant_id"]}
    wanted |= {str(a["participant_id"]) for a in walk_ins if a["participant_id"]}
    ids = sorted(wanted)
    names = dict(zip(ids, await asyncio.gather(*(_name(caller, i) for i in ids)), strict=True))
    for r in live:
        pid = str(r["participant_id"]) if r["participant_id"] else None
        r["name"] = names.get(pid, "") if pid else r.get("guest_name") or ""
        r["checked_in"] = str(r["id"]) in by_registration or (pid in by_participant)
    for a in walk_ins:
        a["name"] = names.get(str(a["participant_id"]), "") if a["participant_id"] else ""


@router.get("/staff/occurrences/{occurrence_id}")
async def check_in_list(
    request: Request, occurrence_id: str, portal: PortalDep, user: StaffUser
) -> Response:
    oid = path_id(occurrence_id)
    caller = portal.services.as_user(user)
    occ, regs, attendance = await asyncio.gather(
        caller.get("events", f"/occurrences/{oid}"),
        caller.get("events", f"/occurrences/{oid}/registrations"),
        caller.get("events", f"/occurrences/{oid}/attendance"),
    )
    records = attendance.get("items", [])
    by_participant = {str(a["participant_id"]) for a in records if a["participant_id"]}
    live = [r for r in regs.get("items", []) if r["status"] != "cancelled"]
    walk_ins = [a for a in records if a["walk_in"]]
    await _name_everyone(caller, live, walk_ins, records)
    query = tidy(request.query_params.get("q", ""), 200)
    results = await find_participants(portal, user, query) if query else None
    if results:
        for p in results:
            p["checked_in"] = str(p["id"]) in by_participant
    lang = request.state.language
    _ = translator(request).gettext
    return render(
        request,
        "staff/occurrence.html",
        {
            "o": occ,
            "title": text_in(occ.get("title"), lang),
            "starts": parse_time(occ["starts_at"]),
            "confirmed": [r for r in live if r["status"] == "confirmed"],
            "waitlisted": [r for r in live if r["status"] == "waitlisted"],
            "walk_ins": [a for a in walk_ins if a["participant_id"]],
            "anonymous": sum(1 for a in walk_ins if not a["participant_id"]),
            "attended": len(records),
            "query": query,
            "results": results,
            "done": request.query_params.get("done", ""),
            "problem": request.query_params.get("problem", ""),
            "status": statuses(_),
        },
    )


#: The events service's refusals (409 titles) as codes the page words.
REFUSALS = {
    "Too early": "too_early",
    "Already checked in": "already",
    "Attendance closed": "closed",
    "Occurrence cancelled": "cancelled",
}


@router.post("/staff/occurrences/{occurrence_id}/check-in")
async def check_in(
    request: Request, occurrence_id: str, portal: PortalDep, user: StaffUser
) -> Response:
    oid = path_id(occurrence_id)
    form = await request.form()
    back = f"/staff/occurrences/{oid}"
    body: dict[str, Any]
    registration = form_id(clean(form, "registration_id", 40))
    participant = form_id(clean(form, "participant_id", 40))
    if registration is not None:
        body = {"registration_id": str(registration)}
    elif participant is not None:
        body = {"participant_id": str(participant)}
    elif clean(form, "walk_in_guest", 5) == "1":
        body = {"walk_in_guest": True}
    else:
        return RedirectResponse(f"{back}?problem=other", 303)
    try:
        await portal.services.as_user(user).post("events", f"/occurrences/{oid}/attendance", body)
    except ServiceError as exc:
        if exc.status in (409, 422):
            code = REFUSALS.get(str(exc.problem.get("title")), "other")
            return RedirectResponse(f"{back}?problem={code}", 303)
        raise
    done = "guest" if "walk_in_guest" in body else "checked_in"
    return RedirectResponse(f"{back}?done={done}", 303)
