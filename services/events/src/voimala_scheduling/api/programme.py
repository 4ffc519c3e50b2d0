"""The public programme: a month as JSON or a printable HTML poster, and the iCalendar feed."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from voimala_kit import PlatformDep

from .. import clock
from ..problems import invalid
from ..repository import occurrences
from ..settings import Settings
from ..views import html, ics
from ..views.programme import month_bounds, month_document, public_item

router = APIRouter(tags=["programme"])
Lang = Literal["fi", "sv", "en"]
MAX_FEED_DAYS = 400
#: Built feeds kept per process: one per language and length asked, until anything changes.
_CACHED_FEEDS = 16


def _wants_html(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@router.get("/programme/{month}", response_model=None)
async def month_programme(
    request: Request,
    platform: PlatformDep,
    month: Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="yyyy-mm")],
    format: Annotated[Literal["json", "html"] | None, Query()] = None,  # noqa: A002
    lang: Lang = "fi",
) -> Any:
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
        return HTMLResponse(html.render(year, mon, items, lang), headers=headers)
    return Response(
        content=_json(month_document(year, mon, items)),
        media_type="application/json",
        headers=headers,
    )


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


@router.api_route("/programme.ics", methods=["GET", "HEAD"], response_class=Response)
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
    today = datetime.combine(clock.today(), time(), clock.HELSINKI)
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
        cache: dict[str, bytes] = request.app.state.__dict__.setdefault("ics_cache", {})
        body = cache.get(key)
        if body is None:
            rows = await occurrences.between(
                conn, today - timedelta(days=30), today + timedelta(days=days)
            )
            settings = platform.settings
            assert isinstance(settings, Settings)
            body = ics.render(rows, lang, clock.now(), settings.portal_url)
            if len(cache) >= _CACHED_FEEDS:
                cache.pop(next(iter(cache)))
            cache[key] = body
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
