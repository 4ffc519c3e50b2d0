"""HTTP conventions: RFC 9457 problem details, correlation ids, request metrics, cursors."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import work_context
from .errors import is_transient
from .logging import error_fields, get_logger
from .metrics import HTTP_REQUESTS, HTTP_SECONDS
from .refusals import DomainError

__all__ = [
    "Page",
    "Problem",
    "bad_cursor",
    "decode_cursor",
    "encode_cursor",
    "hot",
    "install_http",
    "json_response",
    "next_time_cursor",
    "path_uuid",
    "problem_of",
    "time_cursor",
]

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_PLAIN_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
T = TypeVar("T")
K = TypeVar("K")


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


def json_response(content: Any, status_code: int = 200) -> Response:
    """An answer serialised by orjson, for hot reads that build their body as plain data (not
    a pydantic model). Datetimes come out as pydantic writes them (UTC as `Z`), so such an
    endpoint answers byte-compatibly with its documented `response_model`;
    `orjson.Fragment` embeds JSON that is already JSON (a jsonb column) without parsing it."""
    return Response(
        orjson.dumps(content, default=_as_json, option=orjson.OPT_UTC_Z),
        status_code=status_code,
        media_type="application/json",
    )


def _as_json(value: Any) -> str:
    """What orjson leaves to us: asyncpg's own UUID type (a subclass orjson does not take)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def bad_cursor() -> Problem:
    """The answer to a cursor this API did not give out (for cursors of another shape)."""
    return Problem(400, "Bad cursor", "the cursor is not one this API gave out")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise bad_cursor() from None
    if not isinstance(values, list) or len(values) != arity:
        raise bad_cursor()
    return values


@overload
def time_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None: ...
@overload
def time_cursor(cursor: str | None, key: Callable[[str], K]) -> tuple[datetime, K] | None: ...
def time_cursor(cursor: str | None, key: Callable[[str], Any] = uuid.UUID) -> Any:
    """The (time, id) cursor of a list ordered by time then id, as `next_time_cursor` gives it
    out; None for the first page. Ids are UUIDs unless `key` reads them (`int`)."""
    if not cursor:
        return None
    at, rid = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(at), key(str(rid))
    except (TypeError, ValueError, AttributeError):
        raise bad_cursor() from None


def next_time_cursor(
    rows: Sequence[T], limit: int, key: Callable[[T], tuple[datetime, uuid.UUID | int]]
) -> str | None:
    """The cursor after the page's last row, when one more than `limit` rows were read."""
    if len(rows) <= limit:
        return None
    at, rid = key(rows[limit - 1])
    return encode_cursor([at.isoformat(), rid if isinstance(rid, int) else str(rid)])


def problem_of(error: DomainError) -> Problem:
    """The one place a use case's refusal becomes an HTTP answer."""
    headers = {"Location": error.location} if error.location else None
    return Problem(error.status, error.title, error.detail, headers=headers, **error.extra)


#: pydantic's messages where they do not say what to send (they never quote the value).
_WHAT_TO_SEND = {
    "date": "a date as YYYY-MM-DD, e.g. 2027-03-31",
    "datetime": "a date and time as RFC 3339, e.g. 2027-03-31T14:00:00+03:00",
    "time": "a time as HH:MM, e.g. 09:30",
}


def _say_what_to_send(error: Mapping[str, Any]) -> Any:
    kind = str(error.get("type", ""))
    loc = list(error.get("loc", ()))
    for name, wanted in _WHAT_TO_SEND.items():
        if kind.startswith((f"{name}_parsing", f"{name}_type", f"{name}_from_")):
            return f"expected {wanted}"
    if loc == ["body"] and kind in ("model_attributes_type", "dict_type", "json_invalid"):
        return "send a JSON object with the header Content-Type: application/json"
    return error.get("msg")


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


#: Answers a request refused before any handler; given the request's scope and the problem.
Refusal = Callable[[Scope, Problem], Awaitable[Response]]

#: Reads a hot endpoint's arguments straight from the request and its path parameters (as
#: strings), or says None: then FastAPI reads them as usual. See `hot`.
Resolver = Callable[[Request, dict[str, str]], Awaitable[dict[str, Any] | None]]
E = TypeVar("E", bound=Callable[..., Awaitable[Response]])
_HOT: dict[Callable[..., Any], Resolver] = {}


def path_uuid(params: dict[str, str], name: str) -> uuid.UUID | None:
    """A hot resolver's path parameter as a UUID, only in the plain hyphenated form that
    FastAPI reads the same way (None for anything else, which FastAPI then answers itself)."""
    raw = params.get(name, "")
    return uuid.UUID(raw) if _PLAIN_UUID.fullmatch(raw) else None


def hot(resolve: Resolver) -> Callable[[E], E]:
    """Mark a GET or POST endpoint as hot: its requests skip FastAPI's routing and dependency
    solving (measured: a third of the CPU of a cheap audited read), and `resolve` reads its
    arguments instead. The endpoint stays declared as before (the OpenAPI document does not
    change). A POST's resolver reads the body with `await request.body()` (already read and
    checked by the guard: its size, no NUL); answering None leaves the body to FastAPI whole.

    `resolve` handles the common, well-formed request only and answers None for anything
    else: a value it would not parse exactly as FastAPI does, a caller the endpoint's role
    check would refuse. Then FastAPI serves the request as always, with its own answers.
    What it raises (a 401 from `authenticate`, a `Problem`) is answered by the app's
    exception handlers, as from a dependency. It must have no side effects, and it must not
    accept a path another route of the app would take first (path parameters it parses
    strictly, a UUID, do that). The endpoint must return a `Response` (`json_response`).
    """

    def mark(endpoint: E) -> E:
        _HOT[endpoint] = resolve
        return endpoint

    return mark


def _hot_routes(routes: Sequence[Any]) -> list[tuple[Any, Resolver]]:
    """The app's routes whose endpoints are marked `hot`, through included routers."""
    found: list[tuple[Any, Resolver]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _hot_routes(inner.routes)
            continue
        resolve = _HOT.get(getattr(route, "endpoint", None))  # type: ignore[arg-type]
        if resolve is not None and _HOT_METHODS & set(getattr(route, "methods", None) or ()):
            found.append((route, resolve))
    return found


def install_http(
    app: FastAPI, service: str, max_body: int = 1024 * 1024, refusal: Refusal | None = None
) -> None:
    """Problem details for every error, and one middleware for correlation, logs, metrics."""

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return exc.response(request.url.path)

    @app.exception_handler(DomainError)
    async def on_refusal(request: Request, exc: DomainError) -> Response:
        return problem_of(exc).response(request.url.path)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> Response:
        return Problem(exc.status_code, str(exc.detail), headers=exc.headers).response(
            request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        # Name the fields and the rule broken, never echo the values sent (personal data).
        errors = [
            {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": _say_what_to_send(e)}
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

    app.add_middleware(_Guard, max_body=max_body, refusal=refusal, routes=app)
    _observe_outermost(app, service)


def _observe_outermost(app: FastAPI, service: str) -> None:
    """`_Observe` outside even Starlette's outermost layer, which answers an unhandled exception
    (`on_error` above, or a service's own): those answers too carry the correlation id and the
    security headers, and are counted and logged with the status they were sent with (inside
    it, a 503 for a database that was away was counted as 500 and went without either)."""
    inner = app.build_middleware_stack

    def observed() -> ASGIApp:
        return _Observe(inner(), service=service)

    app.build_middleware_stack = observed  # type: ignore[method-assign]


#: A NUL character escaped in JSON (an unescaped one is not JSON at all), not preceded by an
#: escaped backslash: "\u0000" in a string is six harmless characters.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The methods a `hot` endpoint may serve (HEAD, and the rest, always go through FastAPI).
_HOT_METHODS = frozenset({"GET", "POST"})


class _Guard:
    """What a client can send that must never reach a handler: a body larger than `max_body`
    (413, refused before it is parsed) and the NUL character (422), which PostgreSQL cannot
    store in text: without this it surfaced as a 500 from the database. Also serves the `hot`
    endpoints. (The security headers every answer carries are set by `_Observe`, around it.)"""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int,
        refusal: Refusal | None = None,
        routes: FastAPI | None = None,
    ) -> None:
        self._app = app
        self._max = max_body
        self._refusal = refusal
        self._routes = routes
        self._takes_empty: dict[int, bool] = {}
        self._hot: list[tuple[Any, Resolver]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        problem = None
        body, given = b"", receive
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            problem = Problem(
                400, "Bad request", "the address must not contain the NUL character (%00)"
            )
        elif scope["method"] in _UNSAFE:
            body, problem = await self._read(scope, receive)
            if not body and problem is None and self._empty_means_nothing(scope):
                body = b"{}"
                scope["headers"] = [
                    *(h for h in scope["headers"] if h[0] != b"content-length"),
                    (b"content-type", b"application/json"),
                    (b"content-length", b"2"),
                ]
            receive = _replay(body, receive)
        if problem is not None:
            answer: Response = (
                await self._refusal(scope, problem)
                if self._refusal is not None
                else problem.response(scope.get("path"))
            )
            await answer(scope, receive, send)
            return
        if scope["method"] in _HOT_METHODS:
            # A POST's resolver gets the body on its own replay: FastAPI's stays unread.
            own = receive if scope["method"] == "GET" else _replay(body, given)
            if await self._serve_hot(scope, own, send):
                return
        await self._app(scope, receive, send)

    async def _serve_hot(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve a request to a `hot` endpoint whose resolver takes it; False otherwise.
        (`receive` is the resolver's own: FastAPI gets the body again if it declines.)"""
        if self._routes is None or scope.get("root_path"):
            return False
        if self._hot is None:
            self._hot = _hot_routes(self._routes.router.routes)
        path, method = scope["path"], scope["method"]
        for route, resolve in self._hot:
            matched = route.path_regex.match(path) if method in route.methods else None
            if matched is None:
                continue
            params = matched.groupdict()
            scope["route"], scope["path_params"] = route, params
            request = Request(scope, receive)
            try:
                args = await resolve(request, params)
                if args is None:
                    del scope["route"], scope["path_params"]
                    return False
                answer: Response = await route.endpoint(**args)
            except Exception as exc:
                handler = self._handler_for(exc)
                if handler is None:
                    raise  # as from FastAPI: the outermost middleware answers 500
                answer = await handler(request, exc)
            await answer(scope, receive, send)
            return True
        return False

    def _handler_for(self, exc: Exception) -> Callable[..., Awaitable[Response]] | None:
        """The app's exception handler for `exc`, as Starlette's ExceptionMiddleware finds it
        (the catch-all for Exception is the outermost middleware's, as there)."""
        assert self._routes is not None
        handlers = self._routes.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in handlers:
                return handlers[cls]  # type: ignore[return-value]
        return None

    def _empty_means_nothing(self, scope: Scope) -> bool:
        """A request with no body and no Content-Type, to an endpoint whose body has no
        required field: the docs call these "empty body", so nothing sent means `{}` (FastAPI
        alone answers 422 "body missing"). Endpoints with required fields keep that answer,
        and no OpenAPI document changes."""
        if self._routes is None or any(k == b"content-type" for k, _ in scope["headers"]):
            return False
        route = _route_for(scope, self._routes.router.routes)
        return route is not None and self._takes_empty_object(route)

    def _takes_empty_object(self, route: Any) -> bool:
        known = self._takes_empty.get(id(route))
        if known is None:
            field = getattr(route, "body_field", None)
            known = field is not None and not field.validate({}, {}, loc=("body",))[1]
            self._takes_empty[id(route)] = known
        return known

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, Problem | None]:
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self._max):
            return b"", _too_large(self._max)
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self._max:
                return b"", _too_large(self._max)
        form = b"x-www-form-urlencoded" in headers.get(b"content-type", b"")
        if b"\x00" in body or _JSON_NUL.search(body) or (form and b"%00" in body):
            return b"", Problem(
                422,
                "Invalid request",
                "text must not contain the NUL character (U+0000): remove it and send again",
            )
        return bytes(body), None


def _route_for(scope: Scope, routes: Sequence[Any]) -> Any:
    """The endpoint a request will reach, looked through included routers (FastAPI keeps
    those whole, as `original_router`; the kit includes them without a prefix)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        found = (
            _route_for(scope, inner.routes)
            if inner is not None
            else route
            if route.matches(scope)[0] is Match.FULL
            else None
        )
        if found is not None:
            return found
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read once, handed on as if it were arriving (then whatever comes next)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_HTML_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
)


def _secured(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An answer's headers with nosniff and no referrer; HTML pages (the poster, the action
    pages) may not be framed. No referrer at all, not even to the same origin: the action
    pages' address holds a signed token that answers a proposal, and no answer of a service
    needs to say where the browser came from. (The portal sets its own, `same-origin`, over
    this one.) A header the answer already has is kept, as MutableHeaders.setdefault would."""
    raw = list(headers)
    given = {name.lower(): value for name, value in reversed(raw)}
    wanted = _SECURITY_HEADERS
    if given.get(b"content-type", b"").startswith(b"text/html"):
        wanted = _SECURITY_HEADERS + _HTML_HEADERS
    raw += [(name, value) for name, value in wanted if name not in given]
    return raw


def _too_large(limit: int) -> Problem:
    return Problem(413, "Request body too large", f"send at most {limit} bytes in one request body")


class _Observe:
    """Correlation id, security headers, one log line and metrics per request, as plain ASGI
    middleware (outside `_Guard`, so on its answers too).

    (Starlette's `@app.middleware("http")` wraps every request in extra tasks and streams:
    measurably slower on the hot read paths.)
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self._app = app
        self._service = service
        # The labelled series of each (method, route, status): labels() takes a lock and
        # builds its key on every call (measurable on a cheap read); the series never change.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-correlation-id"), b"")
        text = given.decode("latin-1")
        status = 500
        started = time.perf_counter()
        with work_context(text if _CORRELATION.match(text) else None) as corr:

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    # One wrapper of `send` for both (each is a coroutine on every message).
                    headers = _secured(message.get("headers", ()))
                    headers.append((b"x-correlation-id", corr.encode()))
                    message["headers"] = headers
                await send(message)

            try:
                await self._app(scope, receive, send_with_id)
            finally:
                self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        if not route.startswith(("/health", "/metrics")):
            log.info(
                "http.request",
                method=method,
                route=route,
                status=status,
                ms=round(elapsed * 1000, 1),
            )
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                HTTP_REQUESTS.labels(self._service, method, route, status),
                HTTP_SECONDS.labels(self._service, method, route),
            )
        series[0].inc()
        series[1].observe(elapsed)
