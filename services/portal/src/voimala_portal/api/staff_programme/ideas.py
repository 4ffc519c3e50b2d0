"""/staff/ideas: the ideas and wishes of job seekers, grouped and ranked by the events service
(how many asked the same), and linking a group of ideas to the series that realises it (its
authors are then told, through events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from ...repository.sessions import SessionUser
from ...services import ServiceError
from ...web.deps import PortalDep
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import pick, staff

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]


@router.get("/staff/ideas")
async def ideas(request: Request, portal: PortalDep, user: Staff) -> Response:
    caller = portal.services.as_user(user)
    realised = request.query_params.get("realised") == "1"
    found = await caller.get("events", "/ideas", include_realised=realised or None, limit=200)
    series = await caller.get("events", "/series", limit=200)
    lang = translator(request).language
    names = {s["id"]: pick(s["title"], lang) for s in series["items"] if s["ended_from"] is None}
    items = [
        {
            **idea,
            "index": i,
            "last": datetime.fromisoformat(idea["last_submitted_at"]),
            "series_title": names.get(idea["series_id"] or "", ""),
        }
        for i, idea in enumerate(found["items"], start=1)
    ]
    options = sorted(names.items(), key=lambda pair: pair[1].lower())
    return render(
        request,
        "staff_programme/ideas.html",
        {
            "ideas": items,
            "series": options,
            "realised": realised,
            "linked": request.query_params.get("linked") == "1",
            "error": request.query_params.get("error") == "1",
        },
    )


@router.post("/staff/ideas/link")
async def link(request: Request, portal: PortalDep, user: Staff) -> Response:
    form = await request.form()
    try:
        series_id = uuid.UUID(str(form.get("series_id", "")))
        idea_ids = [str(uuid.UUID(str(v))) for v in form.getlist("idea_id")][:500]
    except ValueError:
        return RedirectResponse("/staff/ideas?error=1", 303)
    if not idea_ids:
        return RedirectResponse("/staff/ideas?error=1", 303)
    body: dict[str, Any] = {"idea_ids": idea_ids}
    try:
        await portal.services.as_user(user).post("events", f"/series/{series_id}/ideas", body)
    except ServiceError as exc:
        if exc.status not in (404, 409, 422):
            raise
        return RedirectResponse("/staff/ideas?error=1", 303)
    return RedirectResponse("/staff/ideas?linked=1", 303)
