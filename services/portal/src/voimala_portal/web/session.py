"""Who is signed in: the session cookie read once per request, and the role a page needs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from ..repository import sessions
from ..repository.sessions import SessionUser
from .deps import Portal, PortalDep

SESSION_COOKIE = "voimala_session"


class SignInRequiredError(Exception):
    """No valid session: the page answers with the sign-in page (303 there)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NotYourPageError(Exception):
    """Signed in, but with a role this page is not for: answered 403 with a page saying so."""


async def current_user(request: Request, portal: PortalDep) -> SessionUser | None:
    raw = request.cookies.get(SESSION_COOKIE)
    user = None
    if raw and len(raw) < 100:
        settings = portal.settings
        async with portal.platform.db.transaction() as conn:
            user = await sessions.touch(
                conn, raw, portal.clock.now(), timedelta(minutes=settings.session_idle_minutes)
            )
    request.state.user = user
    return user


UserDep = Annotated[SessionUser | None, Depends(current_user)]


def require(*roles: str) -> Callable[..., Coroutine[Any, Any, SessionUser]]:
    """A page for people holding one of `roles`: others are sent to sign in, or told no."""

    async def dependency(request: Request, user: UserDep) -> SessionUser:
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequiredError(target)
        if user.role not in roles:
            raise NotYourPageError
        return user

    return dependency


async def start_session(portal: Portal, user: SessionUser) -> str:
    """A new session for `user`; returns the cookie value."""
    async with portal.platform.db.transaction() as conn:
        return await sessions.create(
            conn, user, portal.clock.now(), timedelta(hours=portal.settings.session_max_hours)
        )


def session_cookie(response: Response, raw: str, portal: Portal) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=portal.settings.session_max_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=portal.settings.secure_cookies,
    )


#: Where each role starts after signing in.
HOME = {
    "coordinator": "/staff",
    "counsellor": "/staff",
    "ops": "/ops",
    "employer": "/employer",
    "mentor": "/mentor",
    "participant": "/me",
}


def safe_next(value: str | None, role: str) -> str:
    """A local path to continue to after sign-in (never another host)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return HOME.get(role, "/")
