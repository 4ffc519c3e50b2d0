"""Openings for a participant (issue 14): the best open openings, each explained in the
reader's language, with the next steps for a missing skill (the programme's occurrences that
teach it, linked to their pages). The participant sees their own (`/me/openings`), staff any
participant's (`/staff/participants/{id}/openings`); an employer never reaches these.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..explain import explain, fit, next_steps, skill_names
from ..services import Caller, ServiceError
from ..web.deps import PortalDep
from ..web.pages import render, translator
from ..web.routing import page_router
from .me import Participant
from .staff.common import StaffUser

router = page_router()
#: How many openings a page shows.
SHOWN = 10


async def _ranked(caller: Caller, participant_id: str) -> list[dict[str, Any]]:
    try:
        found: list[dict[str, Any]] = await caller.get(
            "matching", f"/participants/{participant_id}/openings", k=SHOWN
        )
    except ServiceError as exc:
        if exc.status != 404:  # no matching profile (yet): no openings to show
            raise
        return []
    return found


def _page(request: Request, ranked: list[dict[str, Any]], context: dict[str, Any]) -> Response:
    t = translator(request)
    items = [
        {
            "opening": r["opening"],
            "fit": fit(t, r["score"]),
            "said": explain(t, r["explanation"], asked_languages=r["opening"]["languages"]),
            "required": skill_names(t, r["opening"].get("required_skills") or []),
            "steps": [
                (step["occurrence_id"], line)
                for step, line in zip(
                    r["explanation"].get("next_steps") or [],
                    next_steps(t, r["explanation"]),
                    strict=True,
                )
            ],
        }
        for r in ranked
    ]
    return render(request, "me/openings.html", {"items": items} | context)


@router.get("/me/openings")
async def my_openings(request: Request, user: Participant, portal: PortalDep) -> Response:
    ranked = await _ranked(portal.services.as_user(user), user.subject)
    return _page(request, ranked, {"staff_view": False, "participant_id": user.subject})


@router.get("/staff/participants/{participant_id}/openings")
async def participant_openings(
    request: Request, user: StaffUser, portal: PortalDep, participant_id: str
) -> Response:
    ranked = await _ranked(portal.services.as_user(user), participant_id)
    return _page(request, ranked, {"staff_view": True, "participant_id": participant_id})
