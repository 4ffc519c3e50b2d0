"""The counsellor's worklist: what the programme noticed (two no-shows in a row, a month with
no activity), newest first, by status; an open item is marked done or dismissed with a note,
by a form without JavaScript. The participants service keeps the list and audits each read."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ...services import Caller, ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import Gettext, StaffUser, parse_time, path_id, tidy

router = page_router()

#: Why staff read the participants' names on this page (the participants service's audit).
PURPOSE_WORKLIST = "worklist"
STATUSES = ("open", "done", "dismissed")
PAGE_SIZE = 25
NOTE_MAX = 1000


def reasons(_: Gettext) -> dict[str, str]:
    return {
        "no_shows_in_a_row": _("Did not come to events several times in a row"),
        "inactive": _("No activity for a month"),
    }


def status_names(_: Gettext) -> dict[str, str]:
    return {"open": _("Open"), "done": _("Done"), "dismissed": _("Dismissed")}


async def _name(caller: Caller, participant_id: str) -> str | None:
    """The participant's name, or None for one no longer in the register."""
    try:
        found = await caller.get(
            "participants", f"/participants/{participant_id}", purpose=PURPOSE_WORKLIST
        )
    except ServiceError as exc:
        if exc.status in (404, 410):
            return None
        raise
    return f"{found['given_name']} {found['family_name']}"


@router.get("/staff/worklist")
async def worklist_page(request: Request, portal: PortalDep, user: StaffUser) -> Response:
    _ = translator(request).gettext
    status = request.query_params.get("status", "open")
    if status not in STATUSES:
        status = "open"
    cursor = tidy(request.query_params.get("cursor", ""), 400)
    caller = portal.services.as_user(user)
    page = await caller.get(
        "participants",
        "/worklist",
        status=status,
        cursor=cursor,
        limit=PAGE_SIZE,
        purpose=PURPOSE_WORKLIST,
    )
    items: list[dict[str, Any]] = page["items"]
    ids = list(dict.fromkeys(i["participant_id"] for i in items))
    names = dict(zip(ids, await asyncio.gather(*(_name(caller, p) for p in ids)), strict=True))
    for item in items:
        item["name"] = names.get(item["participant_id"])
        item["created"] = parse_time(item["created_at"])
        item["closed"] = parse_time(item.get("closed_at"))
    return render(
        request,
        "staff/worklist.html",
        {
            "status": status,
            "statuses": status_names(_),
            "reasons": reasons(_),
            "items": items,
            "next_cursor": page.get("next_cursor"),
            "done": request.query_params.get("done", ""),
            "error": request.query_params.get("error", ""),
        },
    )


@router.post("/staff/worklist/{item_id}")
async def close_item(
    item_id: str, request: Request, portal: PortalDep, user: StaffUser
) -> Response:
    """Done or dismissed, with the note: back to the open items, saying what happened."""
    wanted = path_id(item_id)
    form = await request.form()
    action = clean(form, "action", 20)
    if action not in ("done", "dismiss"):
        return RedirectResponse("/staff/worklist?error=action", 303)
    note = clean(form, "note", NOTE_MAX) or None
    try:
        await portal.services.as_user(user).post(
            "participants", f"/worklist/{uuid.UUID(str(wanted))}/{action}", {"note": note}
        )
    except ServiceError as exc:
        if exc.status in (404, 409):
            return RedirectResponse("/staff/worklist?error=closed", 303)
        raise
    return RedirectResponse(f"/staff/worklist?done={action}", 303)
