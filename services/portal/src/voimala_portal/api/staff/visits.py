"""Recording a drop-in visit: at most three clicks from /staff ("Record a visit", what it was
about, "Save"). Anonymous by default; from a profile or a search result, the participant is
filled in."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ...services import ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import (
    PURPOSE_CASE_WORK,
    Gettext,
    StaffUser,
    age_groups,
    form_id,
    visit_purposes,
)
from .front import find_participants

router = page_router()


async def _participant(
    portal: PortalDep, user: StaffUser, participant_id: uuid.UUID | None
) -> dict[str, Any] | None:
    if participant_id is None:
        return None
    try:
        found: dict[str, Any] = await portal.services.as_user(user).get(
            "participants", f"/participants/{participant_id}", purpose=PURPOSE_CASE_WORK
        )
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    return found


def _form(
    request: Request,
    participant: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    matches: list[dict[str, Any]] | None = None,
) -> Response:
    _ = translator(request).gettext
    people = [
        (str(p["id"]), f"{p['given_name']} {p['family_name']}", p.get("email") or p.get("phone"))
        for p in matches or []
    ]
    return render(
        request,
        "staff/visit.html",
        {
            "participant": participant,
            "purposes": [(k, v, None) for k, v in visit_purposes(_).items()],
            "ages": [(k, v, None) for k, v in age_groups(_).items()],
            "matches": people,
            "values": values,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/staff/visits/new")
async def new_visit(request: Request, portal: PortalDep, user: StaffUser) -> Response:
    chosen = form_id(request.query_params.get("participant", ""))
    participant = await _participant(portal, user, chosen)
    return _form(request, participant, {"count": "1"}, {})


def _check_anonymous(age: str, count_text: str, _: Gettext) -> dict[str, str]:
    errors = {}
    if age and age not in age_groups(_):
        errors["age_group"] = _("Choose an age group from the list")
    if not count_text.isdigit() or not 1 <= int(count_text) <= 100:
        errors["count"] = _("Enter how many people came, a whole number from 1 to 100")
    return errors


@router.post("/staff/visits")
async def record_visit(request: Request, portal: PortalDep, user: StaffUser) -> Response:
    form = await request.form()
    _ = translator(request).gettext
    participant_id = form_id(clean(form, "participant_id", 40))
    participant = await _participant(portal, user, participant_id)
    who = clean(form, "who", 200)
    purpose = clean(form, "purpose", 40)
    age = clean(form, "age_group", 20)
    count_text = clean(form, "count", 10) or "1"
    values = {"purpose": purpose, "age_group": age, "count": count_text, "who": who}
    errors: dict[str, str] = {}
    matches: list[dict[str, Any]] = []
    if participant is None and who:
        # A name typed on the form: one match is the visitor; several are offered to choose.
        matches = await find_participants(portal, user, who)
        if len(matches) == 1:
            participant = matches[0]
        elif matches:
            errors["participant_id"] = _("Several participants match: choose who visited")
        else:
            errors["who"] = _(
                "No participant matches. Check the spelling, or leave the name empty "
                "for an anonymous visit"
            )
    if purpose not in visit_purposes(_):
        errors["purpose"] = _("Choose what the visit was about")
    if participant is None and not who:
        if clean(form, "participant_id", 40):
            errors[""] = _("The participant was not found. Record the visit as anonymous.")
        errors.update(_check_anonymous(age, count_text, _))
    if errors:
        return _form(request, None if matches else participant, values, errors, matches)
    body: dict[str, Any] = {"purpose": purpose}
    if participant is not None:
        body["participant_id"] = participant["id"]
    else:
        body["count"] = int(count_text)
        if age:
            body["age_group"] = age
    await portal.services.as_user(user).post("participants", "/visits", body)
    if participant is not None and clean(form, "back", 20) == "profile":
        return RedirectResponse(f"/staff/participants/{participant['id']}?done=visit", 303)
    return RedirectResponse("/staff?done=visit", 303)
