"""The pages of the signed accept/decline links in e-mails (`/actions/{token}`): what is being
answered, in the portal's layout and the person's language, with the one button that POSTs.

The token is the authority, as in the notifications service that signed it: the portal asks
notifications what the link answers (`GET /actions/{token}/summary`: the proposal, the answer,
who answers, the person's language, whether it can still be answered) and passes the answer
on (`POST /actions/{token}`). A GET never answers (mail scanners open links).

To say *what* is answered the page reads the proposal from matching as the person the link
was signed for (an employer of the partner, or the mentor): a token minted only after
notifications verified the signature, used only for these reads. The page shows what that
person sees signed in and what the e-mail already said — the opening's title and employer (or
the mentoring), the fit and its explanation (pseudonymous) — and nothing more: no goals text,
no contact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from ..explain import explain, fit
from ..services import Caller, ServiceError
from ..web.deps import Portal, PortalDep
from ..web.middleware import LANG_COOKIE
from ..web.pages import render, translator
from ..web.routing import page_router
from ..web.session import UserDep

router = page_router()
#: Longest token the notifications service signs is far below this; longer is not one of ours.
MAX_TOKEN = 2000


def _in_their_language(request: Request, summary: dict[str, Any]) -> None:
    """The person's own language (from notifications), unless they chose one here."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if not chosen and summary.get("language") in ("fi", "sv", "en"):
        request.state.language = summary["language"]


async def _summary(portal: Portal, token: str) -> dict[str, Any] | None:
    """What the link answers, or None for a link that is not one of ours (altered, foreign)."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        found: dict[str, Any] = await portal.services.public().get(
            "notifications", f"/actions/{quote(token, safe='')}/summary"
        )
    except ServiceError as exc:
        if exc.status in (400, 404, 422):
            return None
        raise
    return found


async def _what(request: Request, portal: Portal, summary: dict[str, Any]) -> dict[str, Any]:
    """The proposal as the link's person sees it; {} when it cannot be read (the page then
    still offers the answer, saying less)."""
    partner = summary["responder_kind"] == "partner"
    token = portal.services.token_for(
        "employer" if partner else "mentor",
        summary["user_id"],
        summary["responder_id"] if partner else None,
    )
    call = Caller(portal.services, token)
    t = translator(request)
    try:
        proposal = await call.get("matching", f"/proposals/{summary['proposal_id']}")
        languages: list[dict[str, Any]] = []
        organisation = None
        if partner and proposal.get("opening_id"):
            opening = await call.get("matching", f"/openings/{proposal['opening_id']}")
            languages = opening.get("languages") or []
            organisation = (await call.get("matching", f"/partners/{summary['responder_id']}"))[
                "name"
            ]
    except ServiceError:
        return {}
    candidate = proposal.get("candidate") or {}
    return {
        "kind": proposal.get("kind"),
        "title": proposal.get("title"),
        "organisation": organisation,
        "ref": str(proposal["participant_id"]).replace("-", "")[:6].upper(),
        "fit": fit(t, proposal["score"]),
        "said": explain(
            t,
            proposal["explanation"],
            asked_languages=languages,
            candidate={
                "languages": candidate.get("languages"),
                "municipality": candidate.get("municipality"),
            },
            mentor=proposal.get("kind") == "mentor",
        ),
    }


@router.get("/actions/{token}")
async def show(request: Request, portal: PortalDep, user: UserDep, token: str) -> Response:
    summary = await _summary(portal, token)
    if summary is None:
        return render(request, "answers/invalid.html", status_code=400)
    _in_their_language(request, summary)
    if summary["state"] == "expired":
        return render(request, "answers/expired.html", status_code=410)
    if summary["state"] == "answered":
        return render(request, "answers/already.html", status_code=409)
    return render(
        request,
        "answers/answer.html",
        {
            "summary": summary,
            "what": await _what(request, portal, summary),
            "token": token,
            "expires": dt.datetime.fromisoformat(summary["expires_at"]),
        },
    )


@router.post("/actions/{token}")
async def answer(request: Request, portal: PortalDep, user: UserDep, token: str) -> Response:
    summary = await _summary(portal, token)
    if summary is None:
        return render(request, "answers/invalid.html", status_code=400)
    _in_their_language(request, summary)
    try:
        await portal.services.public().post("notifications", f"/actions/{quote(token, safe='')}")
    except ServiceError as exc:
        if exc.status == 409:
            return render(request, "answers/already.html", status_code=409)
        if exc.status == 410:
            return render(request, "answers/expired.html", status_code=410)
        if exc.status == 400:
            return render(request, "answers/invalid.html", status_code=400)
        raise
    return render(request, "answers/done.html", {"summary": summary})
