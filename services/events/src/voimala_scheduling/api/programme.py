"""The public programme: a month as JSON or a printable HTML poster, and the iCalendar feed."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from voimala_kit.clock import HELSINKI
from voimala_kit.db import Connection
from voimala_kit.refusals import invalid

from ..domain import ics, poster
from ..domain.programme import month_bounds, month_document, public_item
from ..handlers.deps import Deps
from ..repository import occurrences
from .deps import PlatformDep

router = APIRouter(tags=["programme"])
Lang = Literal["fi", "sv", "en"]
MAX_FEED_DAYS = 400


def _wants_html(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


# Left out of the OpenAPI document: an address for people (a bookmark, a printed link), not
# for clients, which name the month.
@router.get("/programme", include_in_schema=False)
async def this_month(request: Request, platform: PlatformDep) -> RedirectResponse:
    """The current month in Helsinki, keeping the query (`lang`, `format`)."""
    today = platform.deps.clock.today()
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/programme/{today:%Y-%m}{query}", status_code=307)


@router.get("/programme/{month}", response_model=None)
async def month_programme(
    request: Request,
    platform: PlatformDep,
    month: Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="yyyy-mm")],
    format: Annotated[Literal["json", "html"] | None, Query()] = None,  # noqa: A002
    lang: Lang = "fi",
) -> Response:
    """The month's occurrences (cancelled ones marked), local times in Europe/Helsinki.
    JSON by default; `format=html` (or a browser's Accept) gives the printable poster."""
    year, mon = int(month[:4]), int(month[5:])
    if not 2000 <= year <= 2100:
        raise invalid("month", "year must be 2000-2100")
    since, until = month_bounds(year, mon)
    async with platform.db.connection() as conn:
        rows = await occurrences.between(conn, since, until)
    items = [public_item(r) for r in rows]
    headers = {"Cache-Control": "public, max-age=300"}
    if _wants_html(request, format):
        return HTMLResponse(poster.render(year, mon, items, lang), headers=headers)
    return Response(
        content=_json(month_document(year, mon, items)),
        media_type="application/json",
        headers=headers,
    )


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


# The operation id is given: FastAPI would name it after whichever method a set yields first,
# which differs from one process to the next (string hashing is randomised).
@router.api_route(
    "/programme.ics",
    methods=["GET", "HEAD"],
    response_class=Response,
    operation_id="feed_programme_ics_get",
)
async def feed(
    request: Request,
    platform: PlatformDep,
    lang: Lang = "fi",
    days: Annotated[int, Query(ge=1, le=MAX_FEED_DAYS)] = 365,
) -> Response:
    """iCalendar feed for subscription: from 30 days back to `days` ahead; stable UIDs,
    cancelled occurrences with STATUS:CANCELLED, VTIMEZONE for Europe/Helsinki, each event's
    URL on the portal. Answers 304 to an `If-None-Match` with the current ETag; built once per
    change of the programme. HEAD answers too (calendar apps and link checkers ask it)."""
    deps = platform.deps
    today = datetime.combine(deps.clock.today(), time(), HELSINKI)
    async with platform.db.connection() as conn:
        stamp = await occurrences.programme_stamp(conn)
        key = f"{lang}:{days}:{today.date()}:{stamp}"
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        headers = {
            "Content-Disposition": 'inline; filename="voimala.ics"',
            "Cache-Control": "public, max-age=900",
            "ETag": etag,
        }
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        body = deps.feed_cache.get(key)
        if body is None:
            body = await _build_feed(deps, conn, lang, today, today + timedelta(days=days))
            deps.feed_cache.put(key, body)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


async def _build_feed(
    deps: Deps, conn: Connection, lang: str, today: datetime, until: datetime
) -> bytes:
    """From 30 days back (so that a past occurrence stays in calendars for a while)."""
    rows = await occurrences.between(conn, today - timedelta(days=30), until)
    return ics.render(rows, lang, deps.clock.now(), deps.settings.portal_url)
