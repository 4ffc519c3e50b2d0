"""A participant's own pages: contact and language, consents, registrations, messages, matches.

Every call names the session's subject as the participant: no URL of /me holds a participant
id, and no form field is read for one (a forged `participant_id` is simply never looked at).
The services check the token's subject too; their 403 becomes the forbidden page.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..repository.sessions import SessionUser
from ..services import Caller, ServiceError
from ..web.deps import PortalDep
from ..web.forms import clean, errors_from_problem
from ..web.i18n import Translator
from ..web.pages import render, translator
from ..web.routing import page_router
from ..web.session import require

router = page_router()
Participant = Annotated[SessionUser, Depends(require("participant"))]

#: The version of the consent texts this page shows (the participants service's current one):
#: it is recorded with every consent given or withdrawn here.
CONSENT_TEXT_VERSION = "2026-01"
#: The purposes a participant manages here, in the order shown. `registry` is the basis of
#: taking part at all: it is shown, but ended by leaving the programme with a counsellor.
PURPOSES = (
    "matching",
    "contact_sharing",
    "notifications_email",
    "notifications_sms",
    "statistics",
)
LANGUAGE_CODES = ("fi", "sv", "en")


def _purpose_texts(t: Translator) -> dict[str, tuple[str, str]]:
    """(name, what it allows) per purpose, in the page's language."""
    _ = t.gettext
    return {
        "registry": (
            _("Taking part in the programme"),
            _(
                "The programme's staff keep your details to guide you. This ends when you "
                "leave the programme: ask your counsellor."
            ),
        ),
        "matching": (
            _("Proposals for jobs and mentors"),
            _(
                "Your skills, languages and wishes (never your name or contact details) are "
                "compared with employers' openings and with mentors, and you may be proposed."
            ),
        ),
        "contact_sharing": (
            _("Sharing your contact details after a match"),
            _(
                "When an employer or a mentor has accepted you, they get your name, e-mail "
                "address and phone number so that they can contact you."
            ),
        ),
        "notifications_email": (
            _("Messages by e-mail"),
            _("Reminders and news of your registrations and matches by e-mail."),
        ),
        "notifications_sms": (
            _("Messages by text message"),
            _("Reminders and news of your registrations and matches by text message."),
        ),
        "statistics": (
            _("Statistics"),
            _(
                "Your details are counted, without your name, in the reports to the city "
                "board and the programme's funders."
            ),
        ),
    }


def _language_names(t: Translator) -> dict[str, str]:
    _ = t.gettext
    return {"fi": _("Finnish"), "sv": _("Swedish"), "en": _("English")}


def _status_names(t: Translator) -> dict[str, str]:
    _ = t.gettext
    return {
        "confirmed": _("Place confirmed"),
        "waitlisted": _("On the waiting list"),
        "cancelled": _("Cancelled"),
        "proposed": _("Waiting for the employer's answer"),
        "proposed_mentor": _("Waiting for the mentor's answer"),
        "accepted": _("Accepted: waiting for your consent to share contact details"),
        "declined": _("Declined"),
        "withdrawn": _("Withdrawn"),
        "expired": _("Expired without an answer"),
        "match_confirmed": _("Confirmed: your contact details were shared"),
    }


def _uuid_or_404(value: str) -> uuid.UUID:
    """An id from the URL; anything else is a page that does not exist."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ServiceError(404, {"title": "Not found"}) from None


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _me(user: SessionUser) -> str:
    return user.subject


async def _profile(caller: Caller, user: SessionUser) -> dict[str, Any]:
    found: dict[str, Any] = await caller.get(
        "participants", f"/participants/{_me(user)}", purpose="own_page"
    )
    return found


async def _consents(caller: Caller, user: SessionUser) -> dict[str, Any]:
    found: dict[str, Any] = await caller.get(
        "participants", f"/participants/{_me(user)}/consents", purpose="own_page"
    )
    return found


async def _messages(caller: Caller, user: SessionUser) -> list[dict[str, Any]]:
    found = await caller.get("notifications", f"/recipients/{_me(user)}/messages", limit=50)
    items: list[dict[str, Any]] = found["items"]
    return items


async def _proposals(caller: Caller) -> list[dict[str, Any]]:
    # A participant's token lists only their own proposals (matching filters by subject).
    found = await caller.get("matching", "/proposals", limit=50)
    items: list[dict[str, Any]] = found["items"]
    return items


async def _employer_names(caller: Caller, proposals: list[dict[str, Any]]) -> None:
    """Each opening's employer by its public name (`employer`), as matching shows an opening
    to anyone: the participant may not read the partner itself (issue 17). An opening no longer
    open is not shown to them, and its proposal names no employer."""

    async def name(opening_id: str) -> str | None:
        try:
            opening = await caller.get("matching", f"/openings/{opening_id}")
        except ServiceError as exc:
            if exc.status in (403, 404):
                return None
            raise
        found: str | None = opening.get("partner_name")
        return found

    wanted = sorted({str(p["opening_id"]) for p in proposals if p.get("opening_id")})
    names = dict(zip(wanted, await asyncio.gather(*map(name, wanted)), strict=True))
    for p in proposals:
        p["employer"] = names.get(str(p.get("opening_id")))


async def _registrations(caller: Caller, user: SessionUser, now: datetime) -> list[dict[str, Any]]:
    """The participant's registrations with their occurrences (public), soonest first."""
    found = await caller.get("events", f"/participants/{_me(user)}/registrations")
    items: list[dict[str, Any]] = found["items"]

    async def occurrence(reg: dict[str, Any]) -> dict[str, Any]:
        try:
            occ = await caller.get("events", f"/occurrences/{reg['occurrence_id']}")
        except ServiceError as exc:
            if exc.status != 404:
                raise
            occ = None
        return reg | {"occurrence": occ}

    joined = await asyncio.gather(*(occurrence(r) for r in items))
    for reg in joined:
        occ = reg["occurrence"]
        starts = _when(occ["starts_at"]) if occ else None
        reg["starts"] = starts
        reg["upcoming"] = starts is not None and starts > now
        reg["cancellable"] = reg["upcoming"] and reg["status"] in ("confirmed", "waitlisted")
    joined.sort(key=lambda r: (not r["upcoming"], r["starts"] or now))
    return joined


def _localised(value: dict[str, Any] | None, lang: str) -> str:
    """A text the events service keeps per language, in the page's language if it has it."""
    if not value:
        return ""
    return str(value.get(lang) or value.get("fi") or next((v for v in value.values() if v), ""))


@router.get("/me")
async def front(request: Request, user: Participant, portal: PortalDep) -> Response:
    caller = portal.services.as_user(user)
    profile, messages, proposals, registrations = await asyncio.gather(
        _profile(caller, user),
        _messages(caller, user),
        _proposals(caller),
        _registrations(caller, user, portal.clock.now()),
    )
    return render(
        request,
        "me/front.html",
        {
            "profile": profile,
            "unread": sum(1 for m in messages if m["read_at"] is None),
            "upcoming": sum(1 for r in registrations if r["cancellable"]),
            "waiting": sum(1 for p in proposals if p["status"] == "accepted"),
            "language_names": _language_names(translator(request)),
            "saved": request.query_params.get("saved", ""),
        },
    )


# --- contact and language -----------------------------------------------------------------


@router.get("/me/contact")
async def contact_form(request: Request, user: Participant, portal: PortalDep) -> Response:
    profile = await _profile(portal.services.as_user(user), user)
    values = {
        "email": profile["email"] or "",
        "phone": profile["phone"] or "",
        "preferred_language": profile["preferred_language"],
    }
    return _contact_page(request, values, {})


def _contact_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    names = _language_names(translator(request))
    return render(
        request,
        "me/contact.html",
        {
            "values": values,
            "errors": errors,
            "language_options": [(code, names[code], None) for code in LANGUAGE_CODES],
        },
        status_code=status,
    )


@router.post("/me/contact")
async def save_contact(request: Request, user: Participant, portal: PortalDep) -> Response:
    form = await request.form()
    t = translator(request)
    values = {
        "email": clean(form, "email", 320),
        "phone": clean(form, "phone", 40),
        "preferred_language": clean(form, "preferred_language", 5),
    }
    errors: dict[str, str] = {}
    if values["email"] and ("@" not in values["email"] or " " in values["email"]):
        errors["email"] = t.gettext("Enter an e-mail address like name@example.fi")
    if values["preferred_language"] not in LANGUAGE_CODES:
        errors["preferred_language"] = t.gettext("Choose the language of your messages")
    if not errors:
        body = {
            "email": values["email"] or None,
            "phone": values["phone"] or None,
            "preferred_language": values["preferred_language"],
        }
        try:
            await portal.services.as_user(user).patch(
                "participants", f"/participants/{_me(user)}", body
            )
        except ServiceError as exc:
            if exc.status != 422:
                raise
            found = errors_from_problem(exc.problem, {"email": "email", "phone": "phone"})
            errors = {
                "email": t.gettext("Enter an e-mail address like name@example.fi"),
                "phone": t.gettext("Enter a phone number like 040 123 4567 or +358 40 123 4567"),
                "": t.gettext("The details could not be saved. Check them and try again."),
            }
            errors = {k: v for k, v in errors.items() if k in found} or {"": errors[""]}
    if errors:
        return _contact_page(request, values, errors, 400)
    # The page's language follows the language chosen for messages (`?lang` sets the cookie).
    return RedirectResponse(f"/me?saved=contact&lang={values['preferred_language']}", 303)


# --- consents -------------------------------------------------------------------------------


@router.get("/me/consents")
async def consents_page(request: Request, user: Participant, portal: PortalDep) -> Response:
    found = await _consents(portal.services.as_user(user), user)
    current = {c["purpose"]: c for c in found["current"]}
    t = translator(request)
    texts = _purpose_texts(t)
    rows = [
        {
            "purpose": purpose,
            "name": texts[purpose][0],
            "text": texts[purpose][1],
            "record": current.get(purpose),
            "granted": bool(current.get(purpose, {}).get("granted")),
        }
        for purpose in ("registry", *PURPOSES)
    ]
    history = [
        c | {"name": texts.get(c["purpose"], (c["purpose"], ""))[0], "at": _when(c["recorded_at"])}
        for c in found["history"]
    ]
    return render(
        request,
        "me/consents.html",
        {
            "rows": rows,
            "history": history,
            "version": CONSENT_TEXT_VERSION,
            "changed": request.query_params.get("changed", ""),
            "when": _when,
        },
    )


async def _record_consent(
    portal: PortalDep, user: SessionUser, purpose: str, granted: bool
) -> None:
    body = {"purpose": purpose, "granted": granted, "text_version": CONSENT_TEXT_VERSION}
    await portal.services.as_user(user).post(
        "participants", f"/participants/{_me(user)}/consents?purpose=own_page", body
    )


@router.post("/me/consents")
async def change_consent(request: Request, user: Participant, portal: PortalDep) -> Response:
    form = await request.form()
    purpose = clean(form, "purpose", 40)
    choice = clean(form, "granted", 5)
    if purpose not in PURPOSES or choice not in ("yes", "no"):
        return render(request, "errors/bad_request.html", status_code=400)
    await _record_consent(portal, user, purpose, choice == "yes")
    return RedirectResponse(f"/me/consents?changed={purpose}-{choice}#{purpose}", 303)


# --- registrations --------------------------------------------------------------------------


@router.get("/me/registrations")
async def registrations_page(request: Request, user: Participant, portal: PortalDep) -> Response:
    registrations = await _registrations(portal.services.as_user(user), user, portal.clock.now())
    return render(
        request,
        "me/registrations.html",
        {
            "registrations": registrations,
            "status_names": _status_names(translator(request)),
            "text": _localised,
            "cancelled": request.query_params.get("cancelled", ""),
        },
    )


async def _own_registration(
    portal: PortalDep, user: SessionUser, registration_id: str
) -> dict[str, Any]:
    """One of the participant's own registrations; another's or an unknown one is not found."""
    wanted = str(_uuid_or_404(registration_id))
    registrations = await _registrations(portal.services.as_user(user), user, portal.clock.now())
    found = next((r for r in registrations if r["id"] == wanted), None)
    if found is None:
        raise ServiceError(404, {"title": "Not found"})
    return found


@router.get("/me/registrations/{registration_id}/cancel")
async def cancel_confirm(
    request: Request, registration_id: str, user: Participant, portal: PortalDep
) -> Response:
    registration = await _own_registration(portal, user, registration_id)
    return render(
        request,
        "me/cancel.html",
        {"registration": registration, "text": _localised},
    )


@router.post("/me/registrations/{registration_id}/cancel")
async def cancel(
    request: Request, registration_id: str, user: Participant, portal: PortalDep
) -> Response:
    registration = await _own_registration(portal, user, registration_id)
    if registration["cancellable"]:
        await portal.services.as_user(user).post(
            "events", f"/registrations/{registration['id']}/cancel", {}
        )
    return RedirectResponse(f"/me/registrations?cancelled={registration['id']}", 303)


# --- messages -------------------------------------------------------------------------------


@router.get("/me/messages")
async def messages_page(request: Request, user: Participant, portal: PortalDep) -> Response:
    messages = await _messages(portal.services.as_user(user), user)
    for m in messages:
        m["at"] = _when(m["sent_at"] or m["created_at"])
    return render(request, "me/messages.html", {"messages": messages})


@router.post("/me/messages/{message_id}/read")
async def mark_read(
    request: Request, message_id: str, user: Participant, portal: PortalDep
) -> Response:
    wanted = _uuid_or_404(message_id)
    await portal.services.as_user(user).post(
        "notifications", f"/recipients/{_me(user)}/messages/{wanted}/read"
    )
    return RedirectResponse(f"/me/messages#message-{wanted}", 303)


# --- matches and the contact-sharing consent ------------------------------------------------


async def _matches_page(
    request: Request,
    caller: Caller,
    user: SessionUser,
    *,
    errors: dict[str, str] | None = None,
    shared: str = "",
) -> Response:
    proposals, profile = await asyncio.gather(_proposals(caller), _profile(caller, user))
    await _employer_names(caller, proposals)
    for p in proposals:
        p["at"] = _when(p["proposed_at"])
        p["confirmed"] = _when(p["confirmed_at"])
    return render(
        request,
        "me/matches.html",
        {
            "proposals": proposals,
            "waiting": [p for p in proposals if p["status"] == "accepted"],
            "profile": profile,
            "status_names": _status_names(translator(request)),
            "shared": shared,
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


@router.get("/me/matches")
async def matches_page(request: Request, user: Participant, portal: PortalDep) -> Response:
    shared = request.query_params.get("shared", "")
    return await _matches_page(request, portal.services.as_user(user), user, shared=shared)


@router.post("/me/matches/{proposal_id}/share-contact")
async def share_contact(
    request: Request, proposal_id: str, user: Participant, portal: PortalDep
) -> Response:
    """The contact-sharing consent, given on the match that waits for it. The consent is the
    participant's (matching confirms every accepted match on it): the page says so."""
    wanted = str(_uuid_or_404(proposal_id))
    caller = portal.services.as_user(user)
    # Matching answers 403 for a proposal about someone else: the forbidden page.
    proposal = await caller.get("matching", f"/proposals/{wanted}")
    form = await request.form()
    if clean(form, "share", 5) != "yes":
        message = translator(request).gettext(
            "Tick the box to agree to share your contact details, or leave the page"
        )
        return await _matches_page(request, caller, user, errors={f"share-{wanted}": message})
    if proposal["status"] == "accepted":
        await _record_consent(portal, user, "contact_sharing", True)
    return RedirectResponse(f"/me/matches?shared={wanted}", 303)
