"""Signed one-click answers from e-mails: GET shows the question, POST answers it.

A GET never answers: mail scanners and link previews open links. The page it shows has one
button that POSTs. The answer is recorded once per proposal and sent to matching as
`action.answered.v1`, where it has the same effect as an answer through matching's API.
No bearer token is needed: the signature is the authority, for this one proposal, until it
expires. But a link is its recipient's: one presented with a token must be theirs (403 for
anyone else, ops and staff included), and only the recipient's inbox shows it.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from voimala_kit.auth import Principal, authenticate_if_sent
from voimala_kit.http import Problem

from ..handlers import actions as use
from .deps import PlatformDep

router = APIRouter(prefix="/actions", tags=["actions"])
#: Whoever presents the link, if they send a token (see `handlers.actions.check_link`).
Caller = Annotated[Principal | None, Depends(authenticate_if_sent)]
#: The token is optional here (the e-mail's link is used signed out): said so in OpenAPI.
_TOKEN_IF_SENT: dict[str, object] = {"security": [{}]}  # added to the bearer: either

_TEXT = {
    "fi": {
        "accept": "Hyväksy ehdotus",
        "decline": "Hylkää ehdotus",
        "done": "Kiitos! Vastauksesi on tallennettu.",
        "already": "Tähän ehdotukseen on jo vastattu.",
        "expired": "Linkki on vanhentunut.",
    },
    "sv": {
        "accept": "Godkänn förslaget",
        "decline": "Avböj förslaget",
        "done": "Tack! Ditt svar har sparats.",
        "already": "Förslaget har redan besvarats.",
        "expired": "Länken har gått ut.",
    },
    "en": {
        "accept": "Accept the proposal",
        "decline": "Decline the proposal",
        "done": "Thank you! Your answer was recorded.",
        "already": "This proposal was already answered.",
        "expired": "The link has expired.",
    },
}


def _page(text: str, status: int, form: str = "") -> HTMLResponse:
    body = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Voimala</title></head>'
        f'<body style="font-family: sans-serif"><p>{html.escape(text)}</p>{form}</body></html>'
    )
    return HTMLResponse(body, status_code=status)


async def _view(token: str, platform: PlatformDep, who: Principal | None) -> use.LinkView:
    link = use.check_link(platform.deps, token, who)  # refused before the database is asked
    async with platform.db.connection() as conn:
        return await use.view_link(platform.deps, conn, link)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


@router.get("/{token}/summary", openapi_extra=_TOKEN_IF_SENT)
async def summary(token: str, platform: PlatformDep, who: Caller) -> JSONResponse:
    """What the link answers, as JSON, for the portal's answer page (which says what is being
    answered, in the portal's layout). Nothing beyond the link's own signed content, its
    state and the person's language: the signature is the authority, as for the answer."""
    view = await _view(token, platform, who)
    link = view.link
    return JSONResponse(
        {
            "proposal_id": str(link.proposal_id),
            "answer": link.answer,
            "responder_kind": link.responder_kind,
            "responder_id": str(link.responder_id),
            "user_id": str(link.user_id),
            "expires_at": link.expires_at.isoformat(),
            "language": view.language,
            "state": view.state,
        }
    )


@router.get("/{token}", response_class=HTMLResponse, openapi_extra=_TOKEN_IF_SENT)
async def show(token: str, request: Request, platform: PlatformDep, who: Caller) -> Response:
    view = await _view(token, platform, who)
    text = _TEXT[view.language]
    if view.expired:
        return _page(text["expired"], 410)
    if view.answered:
        return _page(text["already"], 409)
    form = (
        f'<form method="post" action="{html.escape(str(request.url.path))}">'
        f'<button type="submit">{html.escape(text[view.link.answer])}</button></form>'
    )
    return _page(text[view.link.answer], 200, form)


@router.post("/{token}", openapi_extra=_TOKEN_IF_SENT)
async def answer(token: str, request: Request, platform: PlatformDep, who: Caller) -> Response:
    view = await _view(token, platform, who)
    text = _TEXT[view.language]
    as_html = _wants_html(request)
    if view.expired:
        if as_html:
            return _page(text["expired"], 410)
        raise Problem(410, "Link expired", "the proposal's time to answer has passed")
    try:
        async with platform.db.transaction() as conn:
            answered = await use.answer_proposal(platform.deps, conn, view.link)
    except use.AlreadyAnswered:
        if as_html:
            return _page(text["already"], 409)
        raise
    if as_html:
        return _page(text["done"], 200)
    return JSONResponse(
        {"proposal_id": str(answered.proposal_id), "answer": answered.answer, "status": "answered"}
    )
