"""A copy of everything the services hold about a participant (GDPR 15): the coordinator asks
on the participant's page; the status page shows each service's answer (answered, waiting, not
answered in time) and, once every service has answered, the export as a printable page with
headings in the person's language, and as JSON to download."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ...services import Caller
from ...web.deps import PortalDep
from ...web.i18n import DEFAULT, Translator, parse_language
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import PURPOSE, Coordinator, located, path_id, when
from .export import export_view
from .words import answer_states, export_texts, service_names

router = page_router()

#: A service's status once it is past its time without an answer.
LATE = ("not_answered_in_time", "overdue")


@router.post("/staff/participants/{participant_id}/access-requests")
async def request_access(participant_id: str, portal: PortalDep, user: Coordinator) -> Response:
    pid = path_id(participant_id)
    response = await portal.services.as_user(user).request(
        "POST",
        "participants",
        f"/participants/{pid}/access-requests",
        json={},
        params={"purpose": PURPOSE},
    )
    request_id = located(response, "/access-requests/", "request_id")
    return RedirectResponse(f"/staff/access-requests/{request_id}", 303)


async def _answer(caller: Caller, request_id: uuid.UUID) -> dict[str, Any]:
    found: dict[str, Any] = await caller.get(
        "participants", f"/access-requests/{request_id}", purpose=PURPOSE
    )
    return found


@router.get("/staff/access-requests/{request_id}")
async def access_status(
    request: Request, request_id: str, portal: PortalDep, user: Coordinator
) -> Response:
    rid = path_id(request_id)
    found = await _answer(portal.services.as_user(user), rid)
    _ = translator(request).gettext
    names, states = service_names(_), answer_states(_)
    services = [
        {
            "service": s.get("service", ""),
            "name": names.get(str(s.get("service")), str(s.get("service"))),
            "status": s.get("status", ""),
            "state": states.get(str(s.get("status")), str(s.get("status"))),
            "answered_at": when(s.get("answered_at")),
        }
        for s in found.get("services") or []
    ]
    person = Translator(parse_language(found.get("language")) or DEFAULT)
    export = found.get("export")
    status = str(found.get("status") or ("complete" if found.get("complete") else "waiting"))
    ready = status in ("complete", "incomplete") and isinstance(export, dict)
    return render(
        request,
        "privacy/access.html",
        {
            "a": found,
            "request_id": rid,
            "requested_at": when(found.get("requested_at")),
            "services": services,
            "status": status,
            "ready": ready,
            "kept_until": when(found.get("export_kept_until")),
            "overdue": [s["name"] for s in services if s["status"] in LATE],
            "person": person,
            "words": export_texts(person.gettext),
            "parts": export_view(export, person.gettext)
            if ready and isinstance(export, dict)
            else [],
        },
    )


@router.get("/staff/access-requests/{request_id}/export.json")
async def access_json(request_id: str, portal: PortalDep, user: Coordinator) -> Response:
    """The whole answer (who asked when, each service's state, the export) as a file."""
    rid = path_id(request_id)
    found = await _answer(portal.services.as_user(user), rid)
    body = json.dumps(found, ensure_ascii=False, indent=2).encode()
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="voimala-access-request-{rid}.json"'
        },
    )
