"""Every response of the portal: its language, a CSRF cookie, security headers. (Bodies that
are too large or hold a NUL character are refused by the kit, as a page: `errors.refused_page`.)

Plain ASGI (no BaseHTTPMiddleware): it wraps `send` to add headers and cookies.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .i18n import DEFAULT, from_accept_language, parse_language

LANG_COOKIE = "voimala_lang"
CSRF_COOKIE = "voimala_csrf"
#: Nothing from another host, no framing, no inline script (the little JS is a file of ours).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
YEAR = 365 * 24 * 3600


class PortalMiddleware:
    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        asked = parse_language(conn.query_params.get("lang"))
        remembered = parse_language(conn.cookies.get(LANG_COOKIE))
        language = (
            asked
            or remembered
            or from_accept_language(conn.headers.get("accept-language"))
            or DEFAULT
        )
        csrf = conn.cookies.get(CSRF_COOKIE)
        new_csrf = None
        if not csrf or len(csrf) < 20:
            csrf = new_csrf = secrets.token_urlsafe(24)
        state = scope.setdefault("state", {})
        state["language"] = language
        state["csrf"] = csrf
        cookies = []
        if asked and asked != remembered:
            cookies.append(self._cookie(LANG_COOKIE, asked, YEAR))
        if new_csrf:
            cookies.append(self._cookie(CSRF_COOKIE, new_csrf, None))
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value  # the portal's policy, stricter than the kit's
                if not is_static:
                    headers.setdefault("cache-control", "no-store")
                    headers.append("vary", "Cookie")
                for cookie in cookies:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(self, name: str, value: str, max_age: int | None) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[name] = value
        morsel = cookie[name]
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "Lax"
        if max_age is not None:
            morsel["max-age"] = max_age
        if self.secure:
            morsel["secure"] = True
        return morsel.OutputString()
