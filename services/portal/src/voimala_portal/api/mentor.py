"""Pages of /mentor: the proposals waiting for the mentor's answer, each with its explanation
in words and one button to accept and one to decline (the reason optional, in the same form);
capacity, pause and resume; the current mentees (pseudonymous until the participant shares
their contact, which then arrives as a message).

The mentor's own record is found by the session's subject (`GET /mentors/me` in matching).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..explain import explain, fit, language_name, level_name
from ..proposal_actions import answer, record_outcome
from ..repository.sessions import SessionUser
from ..services import Caller, ServiceError
from ..web.deps import PortalDep
from ..web.forms import clean
from ..web.pages import render, translator
from ..web.routing import page_router
from ..web.session import require

router = page_router()
Mentor = Annotated[SessionUser, Depends(require("mentor"))]
NO_REASON = "no reason given"
OUTCOMES = ("mentoring_started", "mentoring_ended")


def _id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ServiceError(404, {"title": "Not found"}) from None


def _ref(participant_id: str) -> str:
    return participant_id.replace("-", "")[:6].upper()


async def _own_proposal(call: Caller, me: dict[str, Any], proposal_id: str) -> dict[str, Any]:
    """Matching answers 403 for another mentor's proposal; the page says 404 either way."""
    try:
        proposal: dict[str, Any] = await call.get("matching", f"/proposals/{_id(proposal_id)}")
    except ServiceError as exc:
        if exc.status == 403:
            raise ServiceError(404, {"title": "Not found"}) from None
        raise
    if proposal.get("mentor_id") != me["id"]:
        raise ServiceError(404, {"title": "Not found"})
    return proposal


@router.get("/mentor")
async def front(request: Request, portal: PortalDep, user: Mentor) -> Response:
    call = portal.services.as_user(user)
    t = translator(request)
    me = await call.get("matching", "/mentors/me")
    found = await call.get("matching", "/proposals", limit=200)
    proposals = found["items"]

    def shown(p: dict[str, Any]) -> dict[str, Any]:
        candidate = p.get("candidate") or {}
        return p | {
            "ref": _ref(p["participant_id"]),
            "fit": fit(t, p["score"]),
            "said": explain(t, p["explanation"], candidate=candidate, mentor=True),
            "speaks": ", ".join(
                f"{language_name(t, s['code'])} {level_name(t, s['level'])}"
                for s in candidate.get("languages") or []
            ),
            "expires_at_dt": dt.datetime.fromisoformat(p["expires_at"]),
        }

    waiting = [shown(p) for p in proposals if p["status"] == "proposed"]
    mentees = [
        shown(p)
        for p in proposals
        if p["status"] in ("accepted", "confirmed") and p.get("outcome") != "mentoring_ended"
    ]
    return render(
        request,
        "mentor/front.html",
        {
            "me": me,
            "waiting": waiting,
            "mentees": mentees,
            "notice": request.query_params.get("done", ""),
            "outcome_options": _outcomes(request),
        },
    )


def _outcomes(request: Request) -> list[tuple[str, str]]:
    t = translator(request)
    names = {
        "mentoring_started": t.gettext("Mentoring started"),
        "mentoring_ended": t.gettext("Mentoring ended"),
    }
    return [(code, names[code]) for code in OUTCOMES]


@router.post("/mentor/proposals/{proposal_id}/accept")
async def accept(request: Request, portal: PortalDep, user: Mentor, proposal_id: str) -> Response:
    call = portal.services.as_user(user)
    me = await call.get("matching", "/mentors/me")
    proposal = await _own_proposal(call, me, proposal_id)
    done = await answer(call, proposal["id"], accept=True, reason="")
    return RedirectResponse(f"/mentor?done={done}", 303)


@router.post("/mentor/proposals/{proposal_id}/decline")
async def decline(request: Request, portal: PortalDep, user: Mentor, proposal_id: str) -> Response:
    call = portal.services.as_user(user)
    me = await call.get("matching", "/mentors/me")
    proposal = await _own_proposal(call, me, proposal_id)
    reason = clean(await request.form(), "reason", 500) or NO_REASON
    done = await answer(call, proposal["id"], accept=False, reason=reason)
    return RedirectResponse(f"/mentor?done={done}", 303)


@router.post("/mentor/proposals/{proposal_id}/outcome")
async def outcome(request: Request, portal: PortalDep, user: Mentor, proposal_id: str) -> Response:
    call = portal.services.as_user(user)
    me = await call.get("matching", "/mentors/me")
    proposal = await _own_proposal(call, me, proposal_id)
    chosen = clean(await request.form(), "outcome", 40)
    done = await record_outcome(call, proposal["id"], chosen, OUTCOMES)
    return RedirectResponse(f"/mentor?done={done}", 303)


@router.post("/mentor/availability")
async def availability(request: Request, portal: PortalDep, user: Mentor) -> Response:
    """Pause (no new proposals; unanswered ones go to other mentors) or resume."""
    call = portal.services.as_user(user)
    me = await call.get("matching", "/mentors/me")
    wanted = clean(await request.form(), "available", 10) == "yes"
    await call.put("matching", f"/mentors/{me['id']}/availability", {"available": wanted})
    return RedirectResponse(f"/mentor?done={'resumed' if wanted else 'paused'}", 303)


@router.get("/mentor/messages")
async def messages(request: Request, portal: PortalDep, user: Mentor) -> Response:
    call = portal.services.as_user(user)
    inbox = await call.get("notifications", f"/recipients/{user.subject}/messages", limit=50)
    return render(
        request,
        "partner/messages.html",
        {"messages": inbox["items"], "back": ("/mentor", translator(request).gettext("Mentoring"))},
    )
