"""Erasing a participant (GDPR 17): a confirmation page with the reason (and an optional note),
then the erasure page with each service's confirmation (when, how many rows of which data set)
and whether every service has confirmed."""

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
from .common import PURPOSE, Coordinator, located, name_of, path_id, when
from .export import ordered
from .words import Gettext, data_sets, erasure_reasons, service_names

router = page_router()

NOTE_LENGTH = 500


def _form_page(
    request: Request,
    pid: uuid.UUID,
    name: str,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    _ = translator(request).gettext
    options = [("", _("Choose the reason")), *erasure_reasons(_).items()]
    return render(
        request,
        "privacy/erase.html",
        {"pid": pid, "name": name, "reasons": options, "values": values, "errors": errors},
        status_code=400 if errors else 200,
    )


@router.get("/staff/participants/{participant_id}/erase")
async def erase_confirm(
    request: Request, participant_id: str, portal: PortalDep, user: Coordinator
) -> Response:
    pid = path_id(participant_id)
    name = await name_of(portal.services.as_user(user), pid, erased=False)
    if name is None:
        raise ServiceError(404, {})
    return _form_page(request, pid, name, {}, {})


def _check(reason: str, note: str, _: Gettext) -> dict[str, str]:
    errors = {}
    if reason not in erasure_reasons(_):
        errors["reason"] = _("Choose the reason for the erasure")
    if len(note) > NOTE_LENGTH:
        errors["note"] = _("Write the note in %(n)s characters or fewer", n=NOTE_LENGTH)
    return errors


@router.post("/staff/participants/{participant_id}/erase")
async def erase(
    request: Request, participant_id: str, portal: PortalDep, user: Coordinator
) -> Response:
    pid = path_id(participant_id)
    form = await request.form()
    reason, note = clean(form, "reason", 40), clean(form, "note", 4 * NOTE_LENGTH)
    caller = portal.services.as_user(user)
    _ = translator(request).gettext
    errors = _check(reason, note, _)
    body: dict[str, Any] = {"reason": reason, **({"note": note} if note else {})}
    if not errors:
        try:
            response = await caller.request(
                "POST",
                "participants",
                f"/participants/{pid}/erasure",
                json=body,
                params={"purpose": PURPOSE},
            )
        except ServiceError as exc:
            if exc.status not in (409, 422):
                raise
            known = exc.problem.get("erasure_id")
            if exc.status == 409 and known:
                return RedirectResponse(f"/staff/erasures/{path_id(str(known))}", 303)
            errors[""] = _(
                "The participants service did not accept the erasure: %(why)s",
                why=str(exc.problem.get("detail") or exc.problem.get("title") or exc.status),
            )
        else:
            erasure_id = located(response, "/erasures/", "erasure_id")
            return RedirectResponse(f"/staff/erasures/{erasure_id}", 303)
    name = await name_of(caller, pid, erased=False)
    if name is None:
        raise ServiceError(404, {})
    return _form_page(request, pid, name, {"reason": reason, "note": note}, errors)


def _confirmation(s: dict[str, Any], _: Gettext) -> dict[str, Any]:
    names, sets = service_names(_), data_sets(_)
    given = s.get("counts")
    counts: dict[str, Any] = given if isinstance(given, dict) else {}
    return {
        "service": s.get("service", ""),
        "name": names.get(str(s.get("service")), str(s.get("service"))),
        "erased_at": when(s.get("erased_at")),
        "status": str(s.get("status") or ("erased" if s.get("erased_at") else "waiting")),
        "counts": [(sets.get(k, k), counts[k]) for k in ordered(list(counts), sets)],
    }


@router.get("/staff/erasures/{erasure_id}")
async def erasure_status(
    request: Request, erasure_id: str, portal: PortalDep, user: Coordinator
) -> Response:
    eid = path_id(erasure_id)
    found: dict[str, Any] = await portal.services.as_user(user).get(
        "participants", f"/erasures/{eid}"
    )
    _ = translator(request).gettext
    services = [_confirmation(s, _) for s in found.get("services") or []]
    return render(
        request,
        "privacy/erasure.html",
        {
            "e": found,
            "erasure_id": eid,
            "requested_at": when(found.get("requested_at")),
            "reason": erasure_reasons(_).get(str(found.get("reason")), ""),
            "services": services,
            "complete": found.get("status") == "complete" or found.get("complete") is True,
            "note": found.get("note") or "",
            "key_destroyed_at": when(found.get("key_destroyed_at")),
        },
    )
