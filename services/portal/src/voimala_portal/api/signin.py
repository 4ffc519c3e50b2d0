"""Signing in and out: the sign-in page, and (make run only) the development sign-in that
lists the demo people of every role."""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from ..repository import sessions
from ..repository.sessions import SessionUser
from ..web.deps import PortalDep
from ..web.pages import render
from ..web.routing import page_router
from ..web.session import (
    SESSION_COOKIE,
    UserDep,
    safe_next,
    session_cookie,
    start_session,
)

router = page_router()


@router.get("/sign-in")
async def sign_in_page(request: Request, portal: PortalDep, user: UserDep) -> Response:
    return render(
        request,
        "signin/sign_in.html",
        {
            "next": request.query_params.get("next", ""),
            "dev_sign_in": portal.settings.dev_sign_in,
            "oidc": portal.settings.oidc_issuer is not None,
        },
    )


@router.post("/sign-out")
async def sign_out(request: Request, portal: PortalDep) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        async with portal.platform.db.transaction() as conn:
            await sessions.delete(conn, raw)
    response = RedirectResponse("/?signed_out=1", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _dev_people(portal: PortalDep) -> list[dict[str, Any]]:
    path = portal.settings.dev_people_file
    if path is None or not path.exists():
        return []
    people: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
    return people


@router.get("/sign-in/dev")
async def dev_sign_in_page(request: Request, portal: PortalDep, user: UserDep) -> Response:
    if not portal.settings.dev_sign_in:
        return render(request, "errors/not_found.html", status_code=404)
    people = _dev_people(portal)
    order = ["participant", "employer", "mentor", "counsellor", "coordinator", "ops"]
    groups = [(role, [p for p in people if p["role"] == role]) for role in order]
    return render(
        request,
        "signin/dev.html",
        {"groups": [g for g in groups if g[1]], "next": request.query_params.get("next", "")},
    )


@router.post("/sign-in/dev")
async def dev_sign_in(
    request: Request,
    portal: PortalDep,
    person: Annotated[str, Form(max_length=200)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    if not portal.settings.dev_sign_in:
        return render(request, "errors/not_found.html", status_code=404)
    chosen = next((p for p in _dev_people(portal) if f"{p['role']}:{p['subject']}" == person), None)
    if chosen is None:
        return RedirectResponse("/sign-in/dev", 303)
    user = SessionUser(
        subject=chosen["subject"],
        role=chosen["role"],
        org=UUID(chosen["org"]) if chosen.get("org") else None,
        display_name=chosen["name"],
        via="dev",
    )
    raw = await start_session(portal, user)
    response = RedirectResponse(safe_next(next_path, user.role), 303)
    session_cookie(response, raw, portal)
    return response
