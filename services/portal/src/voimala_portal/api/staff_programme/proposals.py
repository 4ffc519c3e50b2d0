"""/staff/proposals: proposals that wait for the partner's or mentor's answer, with who must
answer and since when, and who let proposals expire lately; a coordinator withdraws one."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from ...repository.sessions import SessionUser
from ...services import Caller, ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean
from ...web.pages import render
from ...web.routing import page_router
from .common import only_coordinator, page_of, staff, uuid_or_404

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]


async def _answerers(caller: Caller, waiting: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the partners and mentors who must answer (id → name)."""
    names = {m["id"]: m["name"] for m in await caller.get("matching", "/mentors")}
    partner_ids = {p["partner_id"] for p in waiting if p["partner_id"]}

    async def partner(pid: str) -> tuple[str, str]:
        try:
            return pid, (await caller.get("matching", f"/partners/{pid}"))["name"]
        except ServiceError as exc:
            if exc.status != 404:
                raise
            return pid, ""

    names.update(dict(await asyncio.gather(*(partner(p) for p in partner_ids))))
    return names


def _view(p: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    answerer = p["mentor_id"] if p["kind"] == "mentor" or p["mentor_id"] else p["partner_id"]
    return {
        "id": p["id"],
        "mentoring": p["mentor_id"] is not None,
        "title": p["title"] or "",
        "answerer": names.get(answerer or "", ""),
        "proposed_at": datetime.fromisoformat(p["proposed_at"]),
        "expires_at": datetime.fromisoformat(p["expires_at"]),
    }


@router.get("/staff/proposals")
async def proposals(request: Request, portal: PortalDep, user: Staff) -> Response:
    caller = portal.services.as_user(user)
    cursor = request.query_params.get("cursor", "")[:500] or None
    waiting = await page_of(
        caller.get("matching", "/proposals", status="proposed", cursor=cursor, limit=50)
    )
    unanswered = await caller.get("matching", "/reports/unanswered")
    names = await _answerers(caller, waiting["items"])
    # The oldest first: they are the ones about to expire.
    items = sorted((_view(p, names) for p in waiting["items"]), key=lambda v: v["proposed_at"])
    return render(
        request,
        "staff_programme/proposals.html",
        {
            "proposals": items,
            "next_cursor": waiting["next_cursor"],
            "unanswered": unanswered,
            "withdrawn": request.query_params.get("withdrawn") == "1",
        },
    )


@router.get("/staff/proposals/{proposal_id}/withdraw")
async def withdraw_confirm(
    request: Request, proposal_id: str, portal: PortalDep, user: Staff
) -> Response:
    only_coordinator(user)
    pid = uuid_or_404(proposal_id)
    caller = portal.services.as_user(user)
    found = await caller.get("matching", f"/proposals/{pid}")
    names = await _answerers(caller, [found])
    return render(
        request,
        "staff_programme/withdraw.html",
        {"p": _view(found, names), "open": found["status"] in ("proposed", "accepted")},
    )


@router.post("/staff/proposals/{proposal_id}/withdraw")
async def withdraw(request: Request, proposal_id: str, portal: PortalDep, user: Staff) -> Response:
    only_coordinator(user)
    pid = uuid_or_404(proposal_id)
    form = await request.form()
    body = {"reason": clean(form, "reason", 500) or "withdrawn_by_coordinator"}
    try:
        await portal.services.as_user(user).post("matching", f"/proposals/{pid}/withdraw", body)
    except ServiceError as exc:
        if exc.status != 409:  # answered meanwhile: the list shows where it stands
            raise
    return RedirectResponse("/staff/proposals?withdrawn=1", 303)
