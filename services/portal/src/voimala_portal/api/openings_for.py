"""Openings for a participant (issue 14): the best open openings, each explained in the
reader's language, with the next steps for a missing skill (the programme's occurrences that
teach it, linked to their pages); after them, in their own section, the openings missed only by
a language level, with the level needed and held and the occurrences that teach the language
(matching's `near`). The participant sees their own (`/me/openings`), staff any
participant's (`/staff/participants/{id}/openings`); an employer never reaches these.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..explain import explain, fit, language_name, level_name, next_steps, skill_names
from ..services import Caller, ServiceError
from ..web.deps import PortalDep
from ..web.i18n import Translator
from ..web.pages import render, translator
from ..web.routing import page_router
from .me import Participant
from .staff.common import StaffUser

router = page_router()
#: How many openings a page shows.
SHOWN = 10
#: How many near ones (missed only by a language level) it shows after them.
NEAR = 5


async def _ranked(caller: Caller, participant_id: str) -> list[dict[str, Any]]:
    try:
        found: list[dict[str, Any]] = await caller.get(
            "matching", f"/participants/{participant_id}/openings", k=SHOWN, near=NEAR
        )
    except ServiceError as exc:
        if exc.status != 404:  # no matching profile (yet): no openings to show
            raise
        return []
    return found


def _missing(t: Translator, gaps: list[dict[str, Any]]) -> list[str]:
    """A near opening's missing language levels: "Finnish: B1 needed, A2 now"."""
    said = []
    for gap in gaps:
        language = language_name(t, str(gap["code"]))
        needed = level_name(t, str(gap["level_needed"]))
        if gap.get("level_had"):
            had = level_name(t, str(gap["level_had"]))
            said.append(
                t.gettext(
                    "%(language)s: %(needed)s needed, %(had)s now",
                    language=language,
                    needed=needed,
                    had=had,
                )
            )
        else:
            said.append(
                t.gettext(
                    "%(language)s: %(needed)s needed, no level recorded",
                    language=language,
                    needed=needed,
                )
            )
    return said


def _item(t: Translator, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "opening": r["opening"],
        "fit": fit(t, r["score"]),
        "said": explain(t, r["explanation"], asked_languages=r["opening"]["languages"]),
        "required": skill_names(t, r["opening"].get("required_skills") or []),
        "missing": _missing(t, r.get("missing_languages") or []),
        "steps": [
            (step["occurrence_id"], line)
            for step, line in zip(
                r["explanation"].get("next_steps") or [],
                next_steps(t, r["explanation"]),
                strict=True,
            )
        ],
    }


def _page(request: Request, ranked: list[dict[str, Any]], context: dict[str, Any]) -> Response:
    t = translator(request)
    items = [_item(t, r) for r in ranked if r.get("eligible", True)]
    near = [_item(t, r) for r in ranked if not r.get("eligible", True)]
    return render(request, "me/openings.html", {"items": items, "near": near} | context)


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
