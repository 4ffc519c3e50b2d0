"""Pages of /employer: an organisation's openings (post with a check-your-answers step, edit,
close), the ranked pseudonymous candidates of each with their explanation in words, the
proposals to answer (accept, decline with an optional reason), the contact after the
participant's consent, and the outcome.

The session's `org` is the partner id; matching enforces it too (an employer's token carries
`org`), and these pages check it before showing anything: another organisation's opening is
a 404 page, so a URL of A's opening tells B nothing, not even that it exists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from .. import opening_form
from ..explain import explain, fit, language_name, level_name
from ..proposal_actions import answer, record_outcome
from ..repository.sessions import SessionUser
from ..services import Caller, ServiceError
from ..web.deps import PortalDep
from ..web.forms import clean, errors_from_problem
from ..web.pages import render, translator
from ..web.routing import page_router
from ..web.session import require

router = page_router()
Employer = Annotated[SessionUser, Depends(require("employer"))]
#: Outcomes an employer may record for an opening's confirmed match (matching's codes).
OUTCOMES = ("hired", "trial_started", "apprenticeship", "not_hired")
#: What matching's decline needs when the employer gives no reason (the reason is optional
#: for people; the API wants one).
NO_REASON = "no reason given"
#: The API's field names → the form's (a 422 is shown beside the field).
FIELDS = {name: name for name in (*opening_form.TEXT_FIELDS, *opening_form.MORE_FIELDS)}


def _id(value: str) -> str:
    """A path id: anything but a UUID is a page that does not exist (404, never a 500)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ServiceError(404, {"title": "Not found"}) from None


def _org(user: SessionUser) -> str:
    if user.org is None:
        # An employer session without an organisation: nothing is theirs to see.
        raise ServiceError(403, {"title": "No organisation"})
    return str(user.org)


async def _read(call: Caller, path: str) -> dict[str, Any]:
    """Matching's 403 (not yours) answered as its 404: the page tells nothing either way."""
    try:
        found: dict[str, Any] = await call.get("matching", path)
    except ServiceError as exc:
        if exc.status == 403:
            raise ServiceError(404, {"title": "Not found"}) from None
        raise
    return found


async def _own_opening(call: Caller, user: SessionUser, opening_id: str) -> dict[str, Any]:
    """The opening if it is this organisation's; otherwise the same 404 as a missing one."""
    opening = await _read(call, f"/openings/{_id(opening_id)}")
    if opening.get("partner_id") != _org(user):
        raise ServiceError(404, {"title": "Not found"})
    return _dated(opening)


async def _own_proposal(call: Caller, user: SessionUser, proposal_id: str) -> dict[str, Any]:
    proposal = await _read(call, f"/proposals/{_id(proposal_id)}")
    if proposal.get("partner_id") != _org(user) or proposal.get("kind") != "opening":
        raise ServiceError(404, {"title": "Not found"})
    return proposal


def _dated(opening: dict[str, Any]) -> dict[str, Any]:
    """The opening with its dates as dates, for the page's language to write them."""
    return opening | {
        f"{name}_date": dt.date.fromisoformat(opening[name]) if opening.get(name) else None
        for name in ("start_date", "deadline")
    }


def _choices(request: Request) -> dict[str, Any]:
    """The form's options in the page's language."""
    t = translator(request)
    names, hints = opening_form.type_names(t), opening_form.type_hints(t)
    return {
        "type_options": [(code, names[code], hints[code]) for code in opening_form.TYPES],
        "type_names": names,
        "hours_options": [("", t.gettext("Not specified"))]
        + [(code, name) for code, name in opening_form.hours_names(t).items()],
        "hours_names": opening_form.hours_names(t),
        "language_options": [("", t.gettext("No language"))]
        + [(code, language_name(t, code)) for code in opening_form.LANGUAGE_CODES],
        "level_options": [("", t.gettext("Choose a level"))]
        + [(level, level_name(t, level)) for level in opening_form.LEVELS],
        "language_rows": range(1, opening_form.LANGUAGE_ROWS + 1),
        "language_name": lambda code: language_name(t, code),
        "level_name": lambda level: level_name(t, level),
        "day": lambda text: t.date(dt.date.fromisoformat(text)) if text else "",
    }


@router.get("/employer")
async def front(request: Request, portal: PortalDep, user: Employer) -> Response:
    call = portal.services.as_user(user)
    org = _org(user)
    partner = await call.get("matching", f"/partners/{org}")
    found = await call.get("matching", "/openings", partner_id=org, limit=200)
    openings = [_dated(o) for o in found["items"]]
    waiting = await call.get("matching", "/proposals", status="proposed", limit=200)
    per_opening: dict[str, int] = {}
    for p in waiting["items"]:
        per_opening[p["opening_id"]] = per_opening.get(p["opening_id"], 0) + 1
    return render(
        request,
        "employer/front.html",
        {
            "partner": partner,
            "open": [o for o in openings if o["status"] in ("open", "draft")],
            "past": [o for o in openings if o["status"] not in ("open", "draft")],
            "waiting": per_opening,
            "notice": request.query_params.get("done", ""),
            **_choices(request),
        },
    )


@router.get("/employer/openings/new")
async def new_opening(request: Request, user: Employer) -> Response:
    return render(
        request,
        "employer/opening_form.html",
        {"new": True, "values": {"places": "1"}, **_choices(request)},
    )


@router.post("/employer/openings/new")
async def new_opening_sent(request: Request, portal: PortalDep, user: Employer) -> Response:
    """One form in three steps: the form → check your answers → posted. The check page
    carries the answers in hidden fields; "change" shows the form again with them."""
    form = await request.form()
    step = clean(form, "step", 20)
    got = opening_form.read(form, translator(request), portal.clock.today(), new=True)
    context = {"new": True, "values": got.values, **_choices(request)}
    if got.errors or step == "change":
        status = 400 if got.errors and step != "change" else 200
        errors = got.errors if step != "change" else {}
        return render(
            request,
            "employer/opening_form.html",
            context | {"errors": errors},
            status_code=status,
        )
    if step != "post":
        return render(request, "employer/opening_check.html", context | {"body": got.body})
    call = portal.services.as_user(user)
    try:
        made = await call.post("matching", f"/partners/{_org(user)}/openings", got.body)
    except ServiceError as exc:
        if exc.status != 422:
            raise
        return render(
            request,
            "employer/opening_form.html",
            context | {"errors": errors_from_problem(exc.problem, FIELDS)},
            status_code=400,
        )
    return RedirectResponse(f"/employer/openings/{made['id']}?done=posted", 303)


@router.get("/employer/openings/{opening_id}")
async def opening_page(
    request: Request, portal: PortalDep, user: Employer, opening_id: str
) -> Response:
    call = portal.services.as_user(user)
    opening = await _own_opening(call, user, opening_id)
    t = translator(request)
    found = await call.get("matching", "/proposals", opening_id=opening["id"], limit=200)
    proposals = found["items"]
    candidates: list[dict[str, Any]] = []
    if opening["status"] == "open":
        candidates = await call.get("matching", f"/openings/{opening['id']}/candidates", k=10)
    proposed = {p["participant_id"]: p for p in proposals}
    contacts = await _contacts(call, user, [p for p in proposals if p["status"] == "confirmed"])

    def said(item: dict[str, Any], profile: dict[str, Any] | None) -> list[str]:
        return explain(
            t, item["explanation"], asked_languages=opening["languages"], candidate=profile
        )

    return render(
        request,
        "employer/opening.html",
        {
            "opening": opening,
            "proposals": [
                {
                    **p,
                    "said": said(p, p.get("candidate")),
                    "fit": fit(t, p["score"]),
                    "ref": _ref(p["participant_id"]),
                    "contact": contacts.get(p["id"]),
                    "expires_at_dt": dt.datetime.fromisoformat(p["expires_at"]),
                }
                for p in proposals
            ],
            "candidates": [
                {
                    **c,
                    "said": said(c, c["profile"]),
                    "fit": fit(t, c["score"]),
                    "ref": _ref(c["participant_id"]),
                    "proposal": proposed.get(c["participant_id"]),
                }
                for c in candidates
            ],
            "outcome_options": _outcomes(request),
            "notice": request.query_params.get("done", ""),
            **_choices(request),
        },
    )


def _ref(participant_id: str) -> str:
    """A short pseudonymous reference, to tell candidates apart on one page."""
    return participant_id.replace("-", "")[:6].upper()


def _outcomes(request: Request) -> list[tuple[str, str]]:
    t = translator(request)
    names = {
        "hired": t.gettext("Hired"),
        "trial_started": t.gettext("Work trial started"),
        "apprenticeship": t.gettext("Apprenticeship contract made"),
        "not_hired": t.gettext("Not hired"),
    }
    return [(code, names[code]) for code in OUTCOMES]


async def _contacts(
    call: Caller, user: SessionUser, confirmed: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The contact messages notifications sent this person for confirmed matches, by
    proposal: the only place the participant's contact reaches an employer, and only after
    the participant consented (matching confirms on that consent)."""
    if not confirmed:
        return {}
    inbox = await call.get("notifications", f"/recipients/{user.subject}/messages", limit=200)
    wanted = {p["id"] for p in confirmed}
    return {
        m["ref"]: m
        for m in inbox["items"]
        if m.get("template") == "match_contact" and m.get("ref") in wanted
    }


@router.get("/employer/openings/{opening_id}/edit")
async def edit_opening(
    request: Request, portal: PortalDep, user: Employer, opening_id: str
) -> Response:
    call = portal.services.as_user(user)
    opening = await _own_opening(call, user, opening_id)
    return render(
        request,
        "employer/opening_form.html",
        {
            "new": False,
            "opening": opening,
            "values": opening_form.values_of(opening),
            **_choices(request),
        },
    )


@router.post("/employer/openings/{opening_id}/edit")
async def edit_opening_sent(
    request: Request, portal: PortalDep, user: Employer, opening_id: str
) -> Response:
    call = portal.services.as_user(user)
    opening = await _own_opening(call, user, opening_id)
    form = await request.form()
    got = opening_form.read(form, translator(request), portal.clock.today(), new=False)
    context = {"new": False, "opening": opening, "values": got.values, **_choices(request)}
    if not got.errors:
        body = dict(got.body)
        if body.get("deadline") == opening.get("deadline"):
            body.pop("deadline")  # unchanged: a past deadline kept as it is is no error
        try:
            await call.patch("matching", f"/openings/{opening['id']}", body)
        except ServiceError as exc:
            if exc.status not in (409, 422):
                raise
            got.errors = (
                errors_from_problem(exc.problem, FIELDS)
                if exc.status == 422
                else {"": translator(request).gettext("The opening can no longer be changed.")}
            )
        else:
            return RedirectResponse(f"/employer/openings/{opening['id']}?done=changed", 303)
    return render(
        request, "employer/opening_form.html", context | {"errors": got.errors}, status_code=400
    )


@router.get("/employer/openings/{opening_id}/close")
async def close_opening_page(
    request: Request, portal: PortalDep, user: Employer, opening_id: str
) -> Response:
    opening = await _own_opening(portal.services.as_user(user), user, opening_id)
    return render(request, "employer/close.html", {"opening": opening})


@router.post("/employer/openings/{opening_id}/close")
async def close_opening(
    request: Request, portal: PortalDep, user: Employer, opening_id: str
) -> Response:
    call = portal.services.as_user(user)
    opening = await _own_opening(call, user, opening_id)
    if opening["status"] in ("open", "draft"):
        try:
            await call.patch("matching", f"/openings/{opening['id']}", {"status": "closed"})
        except ServiceError as exc:
            if exc.status != 409:
                raise
    return RedirectResponse("/employer?done=closed", 303)


@router.post("/employer/openings/{opening_id}/propose")
async def ask_for_candidates(
    request: Request, portal: PortalDep, user: Employer, opening_id: str
) -> Response:
    """Ask the programme's engine for the best candidates not proposed before, one per free
    place: they then wait for this employer's answer below."""
    call = portal.services.as_user(user)
    opening = await _own_opening(call, user, opening_id)
    try:
        await call.post("matching", f"/openings/{opening['id']}/proposals")
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
    return RedirectResponse(f"/employer/openings/{opening['id']}?done=proposed#proposals", 303)


@router.post("/employer/proposals/{proposal_id}/accept")
async def accept(request: Request, portal: PortalDep, user: Employer, proposal_id: str) -> Response:
    call = portal.services.as_user(user)
    proposal = await _own_proposal(call, user, proposal_id)
    done = await answer(call, proposal["id"], accept=True, reason="")
    return RedirectResponse(
        f"/employer/openings/{proposal['opening_id']}?done={done}#proposals", 303
    )


@router.get("/employer/proposals/{proposal_id}/decline")
async def decline_page(
    request: Request, portal: PortalDep, user: Employer, proposal_id: str
) -> Response:
    proposal = await _own_proposal(portal.services.as_user(user), user, proposal_id)
    return render(
        request,
        "employer/decline.html",
        {"proposal": proposal, "ref": _ref(proposal["participant_id"])},
    )


@router.post("/employer/proposals/{proposal_id}/decline")
async def decline(
    request: Request, portal: PortalDep, user: Employer, proposal_id: str
) -> Response:
    call = portal.services.as_user(user)
    proposal = await _own_proposal(call, user, proposal_id)
    reason = clean(await request.form(), "reason", 500) or NO_REASON
    done = await answer(call, proposal["id"], accept=False, reason=reason)
    return RedirectResponse(
        f"/employer/openings/{proposal['opening_id']}?done={done}#proposals", 303
    )


@router.post("/employer/proposals/{proposal_id}/outcome")
async def outcome(
    request: Request, portal: PortalDep, user: Employer, proposal_id: str
) -> Response:
    call = portal.services.as_user(user)
    proposal = await _own_proposal(call, user, proposal_id)
    chosen = clean(await request.form(), "outcome", 40)
    done = await record_outcome(call, proposal["id"], chosen, OUTCOMES)
    return RedirectResponse(
        f"/employer/openings/{proposal['opening_id']}?done={done}#proposals", 303
    )


@router.get("/employer/messages")
async def messages(request: Request, portal: PortalDep, user: Employer) -> Response:
    """The employer's messages from the programme (the contact of a confirmed match among
    them): the in-app inbox of notifications."""
    call = portal.services.as_user(user)
    inbox = await call.get("notifications", f"/recipients/{user.subject}/messages", limit=50)
    return render(
        request,
        "partner/messages.html",
        {
            "messages": inbox["items"],
            "back": ("/employer", translator(request).gettext("All openings")),
        },
    )
