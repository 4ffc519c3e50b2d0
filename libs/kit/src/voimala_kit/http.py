"""HTTP conventions: RFC 9457 problem details, correlation ids, request metrics, cursors."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from .context import work_context
from .errors import is_transient
from .logging import error_fields, get_logger
from .metrics import HTTP_REQUESTS, HTTP_SECONDS

__all__ = ["Page", "Problem", "decode_cursor", "encode_cursor", "install_http"]

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
T = TypeVar("T")


class Problem(Exception):  # noqa: N818 - it is an HTTP answer, named as RFC 9457 names it
    """Raise to answer with problem details. `detail` must hold no personal data."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.type = status, title, detail, type_
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self, instance: str | None = None) -> JSONResponse:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return JSONResponse(body, self.status, headers=self.headers, media_type=PROBLEM_JSON)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None
    if not isinstance(values, list) or len(values) != arity:
        raise Problem(400, "Bad cursor", "the cursor is not one this API gave out")
    return values


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


def install_http(app: FastAPI, service: str) -> None:
    """Problem details for every error, and one middleware for correlation, logs, metrics."""

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return exc.response(request.url.path)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> Response:
        return Problem(exc.status_code, str(exc.detail), headers=exc.headers).response(
            request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        # Name the fields and the rule broken, never echo the values sent (personal data).
        errors = [
            {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")}
            for e in exc.errors()
        ]
        return Problem(
            422, "Invalid request", "the request does not match the API", errors=errors
        ).response(request.url.path)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        if is_transient(exc):
            # The database is away or busy: nothing was written; the client may try again.
            log.warning("http.unavailable", route=_route_of(request), **error_fields(exc))
            return Problem(
                503, "Service unavailable", "try again shortly", headers={"Retry-After": "5"}
            ).response(request.url.path)
        log.error("http.unhandled", route=_route_of(request), **error_fields(exc))
        return Problem(500, "Internal error", "the error was logged").response(request.url.path)

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-correlation-id")
        correlation = given if given and _CORRELATION.match(given) else None
        started = time.perf_counter()
        with work_context(correlation) as corr:
            response = await call_next(request)
            route = _route_of(request)
            elapsed = time.perf_counter() - started
            if not route.startswith(("/health", "/metrics")):
                log.info(
                    "http.request",
                    method=request.method,
                    route=route,
                    status=response.status_code,
                    ms=round(elapsed * 1000, 1),
                )
            HTTP_REQUESTS.labels(service, request.method, route, response.status_code).inc()
            HTTP_SECONDS.labels(service, request.method, route).observe(elapsed)
            response.headers["X-Correlation-ID"] = corr
            return response
