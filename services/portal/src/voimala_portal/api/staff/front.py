"""/staff: the front page of the service point. Find a participant, today's and the coming
days' occurrences with their check-in lists, a one-click start for recording a visit, and the
other staff pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ...web.deps import PortalDep
from ...web.pages import render
from ...web.routing import page_router
from .common import (
    PURPOSE_SEARCH,
    StaffUser,
    programme_between,
    text_in,
    tidy,
)

router = page_router()

#: How many days ahead the front page lists after today.
DAYS_AHEAD = 7
#: Search results shown at once (a counsellor narrows the words rather than pages through).
SEARCH_LIMIT = 20


def search_words(raw: str) -> list[str]:
    """What the participants service's free-text search can use, best first: words of
    letters and digits, each matched as the beginning of a name, a skill or a whole e-mail
    address. Of an e-mail address only the part before @ helps: its words (usually the
    name), and failing that its first word. Phone numbers are not searchable in the service."""
    if "@" not in raw:
        return [clean_query(raw)[:200]]
    words = clean_query(raw.split("@", maxsplit=1)[0])[:200]
    return [words, words.split(" ")[0]] if " " in words else [words]


def clean_query(raw: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in raw).split())


async def find_participants(portal: PortalDep, user: StaffUser, q: str) -> list[dict[str, Any]]:
    caller = portal.services.as_user(user)
    for words in search_words(q):
        if not words:
            continue
        found = await caller.get(
            "participants", "/participants", q=words, limit=SEARCH_LIMIT, purpose=PURPOSE_SEARCH
        )
        items: list[dict[str, Any]] = found.get("items", [])
        if items:
            return items
    return []


@router.get("/staff")
async def front(request: Request, portal: PortalDep, user: StaffUser) -> Response:
    query = tidy(request.query_params.get("q", ""), 200)
    caller = portal.services.as_user(user)
    today = portal.clock.today()
    occurrences = await programme_between(caller, today, today + dt.timedelta(days=DAYS_AHEAD))
    lang = request.state.language
    for o in occurrences:
        o["shown_title"] = text_in(o.get("title"), lang)
    todays = [o for o in occurrences if o["date"] == today.isoformat()]
    coming = [o for o in occurrences if o["date"] != today.isoformat()]
    results = await find_participants(portal, user, query) if query else None
    return render(
        request,
        "staff/front.html",
        {
            "query": query,
            "results": results,
            "today": today,
            "todays": todays,
            "coming": coming,
            "done": request.query_params.get("done", ""),
        },
    )
