"""Signing in and out: a single-use link by e-mail for employers' contact people, mentors and
participants; OpenID Connect for staff; and (make run only) the development sign-in that lists
the demo people of every role.

A link is asked here, sent by notifications (only it knows whose an address is, see
`voimala_contracts.portal`), and pressed here: the e-mail's link opens a page whose button
signs in, because mail scanners open links but do not press buttons.
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from voimala_contracts.portal import SigninAddress, SigninRequested
from voimala_kit import get_logger

from .. import oidc
from ..repository import sessions, signin_links
from ..repository.sessions import SessionUser
from ..repository.signin_links import Link, OidcRequest
from ..web.deps import Portal, PortalDep
from ..web.pages import render, translator
from ..web.routing import page_router
from ..web.session import (
    SESSION_COOKIE,
    UserDep,
    safe_next,
    session_cookie,
    start_session,
)

log = get_logger(__name__)
router = page_router()

#: A sign-in at the identity provider has this long to come back.
OIDC_MINUTES = 10
OIDC_COOKIE = "voimala_oidc"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _local_path(value: Any) -> str | None:
    """A path on this site to continue to after signing in, or None (never another host)."""
    ok = isinstance(value, str) and len(value) <= 500 and value.isprintable()
    if ok and value.startswith("/") and not value.startswith(("//", "/\\")):
        return str(value)
    return None


def _sign_in_page(
    request: Request,
    portal: Portal,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    next_path: str | None = None,
    status_code: int = 200,
) -> Response:
    settings = portal.settings
    return render(
        request,
        "signin/sign_in.html",
        {
            "next": next_path or "",
            "dev_sign_in": settings.dev_sign_in,
            "oidc": settings.oidc_issuer is not None and settings.oidc_client_id is not None,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/sign-in")
async def sign_in_page(request: Request, portal: PortalDep, user: UserDep) -> Response:
    return _sign_in_page(request, portal, next_path=_local_path(request.query_params.get("next")))


def _address(request: Request, value: Any) -> tuple[str, str | None]:
    """The address as typed (trimmed), and an error message when it cannot be one."""
    _ = translator(request).gettext
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return "", _("Enter your e-mail address")
    if len(text) > 254 or not text.isprintable() or not _EMAIL.match(text):
        return text[:254], _("Enter an e-mail address in the right form, like name@example.fi")
    return text, None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/sign-in")
async def ask_for_link(request: Request, portal: PortalDep, user: UserDep) -> Response:
    form = await request.form()
    next_path = _local_path(form.get("next"))
    email, error = _address(request, form.get("email"))
    if error:
        shown = email if email.isprintable() else ""
        return _sign_in_page(
            request,
            portal,
            errors={"email": error},
            values={"email": shown},
            next_path=next_path,
            status_code=400,
        )
    settings = portal.settings
    now = portal.clock.now()
    limits = [
        (signin_links.digest("address:" + email.lower()), settings.signin_per_address),
        (signin_links.digest("client:" + _client(request)), settings.signin_per_client),
    ]
    async with portal.platform.db.transaction() as conn:
        wait = await signin_links.over_limit(
            conn, limits, now, timedelta(minutes=settings.signin_window_minutes)
        )
        if wait is None:
            token = signin_links.new_token()
            link = await signin_links.create(
                conn, token, next_path, now, timedelta(minutes=settings.signin_link_minutes)
            )
            url = f"{settings.public_url.rstrip('/')}/sign-in/link/{token}"
            await portal.platform.outbox.add(
                conn,
                SigninRequested(
                    link_id=link.id,
                    expires_at=link.expires_at,
                    personal=SigninAddress(email=email, link=url),
                ),
                subject=str(link.id),
            )
    if wait is not None:
        log.info("portal.signin_rate_limited", retry_after=wait)
        return render(
            request,
            "signin/too_many.html",
            {"minutes": max(1, -(-wait // 60))},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    # The same answer whoever the address belongs to, or nobody: only notifications knows.
    return RedirectResponse("/sign-in/sent", 303)


@router.get("/sign-in/sent")
async def link_sent(request: Request, portal: PortalDep, user: UserDep) -> Response:
    return render(request, "signin/sent.html", {"minutes": portal.settings.signin_link_minutes})


def _link_state(link: Link | None, now: datetime) -> str:
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    if link.subject is None or link.role is None:
        return "pending"
    return "ready"


def _refused(request: Request, portal: Portal, state: str) -> Response:
    return render(
        request,
        "signin/link_refused.html",
        {"reason": state, "minutes": portal.settings.signin_link_minutes},
        status_code=404 if state == "unknown" else 410,
    )


@router.get("/sign-in/link/{token}")
async def link_page(request: Request, portal: PortalDep, token: str, user: UserDep) -> Response:
    """Opening the link signs nobody in: the page's button does (mail scanners open links)."""
    link = None
    if _TOKEN.match(token):
        async with portal.platform.db.connection() as conn:
            link = await signin_links.find(conn, token)
    state = _link_state(link, portal.clock.now())
    if state not in ("ready", "pending"):
        return _refused(request, portal, state)
    return render(request, "signin/link.html", {"token": token})


@router.post("/sign-in/link/{token}")
async def use_link(request: Request, portal: PortalDep, token: str) -> Response:
    if not _TOKEN.match(token):
        return _refused(request, portal, "unknown")
    now = portal.clock.now()
    settings = portal.settings
    raw = None
    async with portal.platform.db.transaction() as conn:
        link = await signin_links.find(conn, token, lock=True)
        state = _link_state(link, now)
        if state == "ready" and link is not None and link.subject and link.role:
            user = SessionUser(
                subject=link.subject,
                role=link.role,
                org=link.org,
                display_name=link.display_name or "",
                via="link",
            )
            await signin_links.mark_used(conn, link.id, now)
            # A session the browser already had ends: one person, one session.
            old = request.cookies.get(SESSION_COOKIE)
            if old:
                await sessions.delete(conn, old)
            raw = await sessions.create(
                conn, user, now, timedelta(hours=settings.session_max_hours)
            )
    if state == "pending":
        # notifications has not told yet whose the address is: not a failure, a moment.
        return render(request, "signin/wait.html", {"token": token}, status_code=202)
    if raw is None or link is None or link.role is None:
        return _refused(request, portal, state)
    log.info("portal.signed_in", via="link", role=link.role)
    response = RedirectResponse(safe_next(link.next_path, link.role), 303)
    session_cookie(response, raw, portal)
    return response


# --- staff: OpenID Connect -----------------------------------------------------------------


def _oidc_configured(portal: Portal) -> bool:
    s = portal.settings
    return bool(s.oidc_issuer and s.oidc_client_id and s.oidc_client_secret)


@router.get("/sign-in/staff")
async def staff_sign_in(request: Request, portal: PortalDep) -> Response:
    if not _oidc_configured(portal):
        return render(request, "errors/not_found.html", status_code=404)
    settings = portal.settings
    state, nonce, verifier = oidc.new_secrets()
    try:
        url = await oidc.authorization_url(settings, portal.services.http, state, nonce, verifier)
    except oidc.OidcError as exc:
        log.warning("portal.oidc_failed", reason=exc.reason)
        return render(request, "errors/unavailable.html", status_code=503)
    pending = OidcRequest(nonce, verifier, _local_path(request.query_params.get("next")))
    async with portal.platform.db.transaction() as conn:
        await signin_links.start_oidc(
            conn, state, pending, portal.clock.now(), timedelta(minutes=OIDC_MINUTES)
        )
    response = RedirectResponse(url, 303)
    # The state also in the browser: the answer must come back to the browser that asked.
    response.set_cookie(
        OIDC_COOKIE,
        state,
        max_age=OIDC_MINUTES * 60,
        path="/sign-in/staff",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


def _staff_failed(request: Request, reason: str) -> Response:
    log.warning("portal.oidc_failed", reason=reason)
    response = render(request, "signin/staff_failed.html", status_code=400)
    response.delete_cookie(OIDC_COOKIE, path="/sign-in/staff")
    return response


@router.get(oidc.CALLBACK)
async def staff_callback(  # noqa: PLR0911 - one answer per way a sign-in can go wrong
    request: Request, portal: PortalDep
) -> Response:
    if not _oidc_configured(portal):
        return render(request, "errors/not_found.html", status_code=404)
    query = request.query_params
    state = query.get("state", "")
    expected = request.cookies.get(OIDC_COOKIE, "")
    if not state or not expected or not hmac.compare_digest(state.encode(), expected.encode()):
        return _staff_failed(request, "state does not match this browser")
    async with portal.platform.db.transaction() as conn:
        pending = await signin_links.take_oidc(conn, state, portal.clock.now())
    if pending is None:
        return _staff_failed(request, "state unknown, used or expired")
    code = query.get("code", "")
    if query.get("error") or not code or len(code) > 2000:
        return _staff_failed(request, "provider gave no code")
    try:
        who = await oidc.identify(
            portal.settings, portal.services.http, code, pending.code_verifier, pending.nonce
        )
    except oidc.NoStaffRoleError:
        log.info("portal.oidc_no_staff_role")
        refused = render(request, "signin/no_staff_role.html", status_code=403)
        refused.delete_cookie(OIDC_COOKIE, path="/sign-in/staff")
        return refused
    except oidc.OidcError as exc:
        return _staff_failed(request, exc.reason)
    user = SessionUser(who.subject, who.role, None, who.display_name, "oidc")
    raw = await start_session(portal, user)
    log.info("portal.signed_in", via="oidc", role=who.role)
    response = RedirectResponse(safe_next(pending.next_path, who.role), 303)
    session_cookie(response, raw, portal)
    response.delete_cookie(OIDC_COOKIE, path="/sign-in/staff")
    return response


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
