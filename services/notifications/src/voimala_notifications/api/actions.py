"""Signed one-click answers from e-mails: GET shows the question, POST answers it.

A GET never answers: mail scanners and link previews open links. The page it shows has one
button that POSTs. The answer is recorded once per proposal and sent to matching as
`action.answered.v1`, where it has the same effect as an answer through matching's API.
No bearer token: the signature is the authority, for this one proposal, until it expires.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from voimala_kit import PlatformDep, Problem

from .. import repository
from ..domain.links import ActionLink, BadLink, verify
from ..handlers import AlreadyAnswered, answer_proposal
from .deps import DepsDep

router = APIRouter(prefix="/actions", tags=["actions"])

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


async def _checked(token: str, platform: PlatformDep, deps: DepsDep) -> tuple[ActionLink, str]:
    try:
        link = verify(token, deps.settings.link_secret)
    except BadLink:
        raise Problem(
            400, "Invalid link", "this link was not made by Voimala or was altered"
        ) from None
    async with platform.db.connection() as conn:
        row = await repository.preferences(conn, link.user_id)
    language = row["preferred_language"] if row is not None else "fi"
    return link, language


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


@router.get("/{token}/summary")
async def summary(token: str, platform: PlatformDep, deps: DepsDep) -> JSONResponse:
    """What the link answers, as JSON, for the portal's answer page (which says what is being
    answered, in the portal's layout). Nothing beyond the link's own signed content, its
    state and the person's language: the signature is the authority, as for the answer."""
    link, lang = await _checked(token, platform, deps)
    async with platform.db.connection() as conn:
        answered = await repository.answer_of(conn, link.proposal_id)
    if answered is not None:
        state = "answered"
    elif link.expires_at <= deps.clock.now():
        state = "expired"
    else:
        state = "open"
    return JSONResponse(
        {
            "proposal_id": str(link.proposal_id),
            "answer": link.answer,
            "responder_kind": link.responder_kind,
            "responder_id": str(link.responder_id),
            "user_id": str(link.user_id),
            "expires_at": link.expires_at.isoformat(),
            "language": lang,
            "state": state,
        }
    )


@router.get("/{token}", response_class=HTMLResponse)
async def show(token: str, request: Request, platform: PlatformDep, deps: DepsDep) -> Response:
    link, lang = await _checked(token, platform, deps)
    text = _TEXT[lang]
    if link.expires_at <= deps.clock.now():
        return _page(text["expired"], 410)
    async with platform.db.connection() as conn:
        if await repository.answer_of(conn, link.proposal_id) is not None:
            return _page(text["already"], 409)
    form = (
        f'<form method="post" action="{html.escape(str(request.url.path))}">'
        f'<button type="submit">{html.escape(text[link.answer])}</button></form>'
    )
    return _page(text[link.answer], 200, form)


@router.post("/{token}")
async def answer(token: str, request: Request, platform: PlatformDep, deps: DepsDep) -> Response:
    link, lang = await _checked(token, platform, deps)
    text = _TEXT[lang]
    as_html = _wants_html(request)
    if link.expires_at <= deps.clock.now():
        if as_html:
            return _page(text["expired"], 410)
        raise Problem(410, "Link expired", "the proposal's time to answer has passed")
    try:
        async with platform.db.transaction() as conn:
            answered = await answer_proposal(conn, link, deps)
    except AlreadyAnswered:
        if as_html:
            return _page(text["already"], 409)
        raise Problem(409, "Already answered", "this proposal was already answered") from None
    if as_html:
        return _page(text["done"], 200)
    return JSONResponse(
        {"proposal_id": str(answered.proposal_id), "answer": answered.answer, "status": "answered"}
    )
