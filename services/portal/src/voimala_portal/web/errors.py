"""Errors as pages: what happened, in the person's language, and what to do next."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import Scope
from voimala_kit import Problem, get_logger
from voimala_kit.logging import error_fields

from ..services import ServiceError
from .forms import CsrfRejectedError
from .pages import render
from .session import NotYourPageError, SignInRequiredError

log = get_logger(__name__)


def _route(request: Request) -> str:
    """The route's template (`/staff/participants/{participant_id}`), never the path itself."""
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith(("/health", "/metrics", "/openapi"))


async def refused_page(scope: Scope, problem: Problem) -> Response:
    """A request the kit refused before any page saw it (a NUL character in a form or the
    address, a body too large), answered as a page in the person's language."""
    request = Request(scope)
    template = "errors/bad_request.html" if problem.status != 413 else "errors/too_large.html"
    return render(request, template, status_code=problem.status)


def _erasure(exc: ServiceError) -> str:
    """The erasure a 410 names, if it names one as a UUID ("" otherwise)."""
    try:
        return str(uuid.UUID(str(exc.problem.get("erasure_id"))))
    except ValueError:
        return ""


def install_errors(app: FastAPI) -> None:
    kit_http = app.exception_handlers.get(HTTPException)

    @app.exception_handler(SignInRequiredError)
    async def on_sign_in(request: Request, exc: SignInRequiredError) -> Response:
        return RedirectResponse(f"/sign-in?next={quote(exc.next_path, safe='')}", 303)

    @app.exception_handler(NotYourPageError)
    async def on_not_yours(request: Request, exc: NotYourPageError) -> Response:
        return render(request, "errors/forbidden.html", status_code=403)

    @app.exception_handler(CsrfRejectedError)
    async def on_csrf(request: Request, exc: CsrfRejectedError) -> Response:
        return render(request, "errors/csrf.html", status_code=403)

    @app.exception_handler(ServiceError)
    async def on_service(request: Request, exc: ServiceError) -> Response:
        if exc.status == 404:
            return render(request, "errors/not_found.html", status_code=404)
        if exc.status == 410:  # a participant erased: say so (and, to staff, where to see it)
            return render(
                request, "errors/erased.html", {"erasure": _erasure(exc)}, status_code=410
            )
        if exc.status == 403:
            return render(request, "errors/forbidden.html", status_code=403)
        log.warning("portal.service_error", status=exc.status, route=_route(request))
        return render(request, "errors/unavailable.html", status_code=503)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> Response:
        if not _wants_page(request) and kit_http is not None:
            return await kit_http(request, exc)  # type: ignore[no-any-return, misc]
        template = {404: "errors/not_found.html", 405: "errors/not_found.html"}.get(
            exc.status_code, "errors/bad_request.html"
        )
        status = 404 if exc.status_code == 405 and request.method == "GET" else exc.status_code
        return render(request, template, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(request, "errors/bad_request.html", status_code=400)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        log.error("http.unhandled", route=_route(request), **error_fields(exc))
        return render(request, "errors/unavailable.html", status_code=500)
