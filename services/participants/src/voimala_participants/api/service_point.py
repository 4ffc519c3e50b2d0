"""The service point: drop-in visits (staff) and ideas for the programme (anyone)."""

from __future__ import annotations

import time as monotonic
import uuid
from collections import deque
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from voimala_kit import Page, PlatformDep, Problem, encode_cursor

from .. import clock
from ..handlers.service_point import (
    RecordVisit,
    SubmitIdea,
    record_visit,
    set_idea_status,
    submit_idea,
)
from ..repository import ideas, visits
from ..schemas import IdeaIn, IdeaOut, IdeaStatusIn, PublicIdeaIn, VisitIn, VisitOut
from ..settings import Settings
from .deps import Anyone, Staff, time_cursor

router = APIRouter(tags=["service point"])
Limit = Annotated[int, Query(ge=1, le=200)]


def _uuid_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    found = time_cursor(cursor)
    if found is None:
        return None
    try:
        return found[0], uuid.UUID(found[1])
    except ValueError:
        raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None


@router.post("/visits", status_code=201, response_model=VisitOut)
async def record(body: VisitIn, who: Staff, platform: PlatformDep) -> VisitOut:
    """A drop-in visit: a participant's (age group computed) or anonymous (a count with purpose
    and age group). Emits `visit.recorded.v1`."""
    async with platform.db.transaction() as conn:
        visit = await record_visit(RecordVisit(body, who.subject), conn, platform.outbox)
    return VisitOut.model_validate(visit)


@router.get("/visits", response_model=Page[VisitOut])
async def list_visits(
    who: Staff,
    platform: PlatformDep,
    start: date | None = None,
    end: date | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[VisitOut]:
    """Visits, newest first, optionally for days start..end (Europe/Helsinki)."""
    since = datetime.combine(start, time(), clock.HELSINKI) if start else None
    until = datetime.combine(end + timedelta(days=1), time(), clock.HELSINKI) if end else None
    async with platform.db.connection() as conn:
        rows = await visits.page(conn, _uuid_cursor(cursor), since, until, limit + 1)
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([shown[-1]["visited_at"].isoformat(), str(shown[-1]["id"])])
    return Page[VisitOut](
        items=[VisitOut.model_validate(r) for r in shown], next_cursor=next_cursor
    )


@router.post("/ideas", status_code=201, response_model=IdeaOut)
async def submit(body: IdeaIn, who: Anyone, platform: PlatformDep) -> IdeaOut:
    """An idea or wish for the monthly programme, from anyone with a token. A participant's idea
    carries their id unless they ask to stay anonymous. Emits `idea.submitted.v1`."""
    author = None
    if who.has("participant") and not body.anonymous:
        try:
            author = uuid.UUID(who.subject)
        except ValueError:
            author = None
    async with platform.db.transaction() as conn:
        idea = await submit_idea(SubmitIdea(body, author), conn, platform.outbox)
    return IdeaOut.model_validate(idea)


class _Window:
    """At most `limit` calls per client address in the last hour, in this process's memory
    (a limit against floods, not an account: replicas each keep their own)."""

    HOUR = 3600.0

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.calls: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> int:
        """0 when the call may go ahead (and is counted); else seconds to wait."""
        now = monotonic.monotonic()
        if len(self.calls) > 10_000:
            self.calls.clear()
        seen = self.calls.setdefault(client, deque())
        while seen and seen[0] <= now - self.HOUR:
            seen.popleft()
        if len(seen) >= self.limit:
            return max(1, int(seen[0] + self.HOUR - now) + 1)
        seen.append(now)
        return 0


@router.post("/ideas/public", status_code=201, response_model=IdeaOut)
async def submit_public(body: PublicIdeaIn, request: Request, platform: PlatformDep) -> IdeaOut:
    """An idea or wish from anyone, without a token (the portal's public wish form): always
    anonymous, no personal data asked. Rate-limited per client address (429 + Retry-After).
    Emits `idea.submitted.v1`."""
    settings = platform.settings
    assert isinstance(settings, Settings)
    state = request.app.state
    window: _Window | None = getattr(state, "public_ideas", None)
    if window is None or window.limit != settings.public_ideas_per_hour:
        window = state.public_ideas = _Window(settings.public_ideas_per_hour)
    client = request.client.host if request.client else "unknown"
    wait = window.retry_after(client)
    if wait:
        raise Problem(
            429, "Too many requests", "too many ideas from here", headers={"Retry-After": str(wait)}
        )
    idea = IdeaIn(text=body.text, language=body.language, anonymous=True)
    async with platform.db.transaction() as conn:
        stored = await submit_idea(SubmitIdea(idea, None), conn, platform.outbox)
    return IdeaOut.model_validate(stored)


@router.get("/ideas", response_model=Page[IdeaOut])
async def list_ideas(
    who: Staff,
    platform: PlatformDep,
    status: Literal["submitted", "planned", "realised"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[IdeaOut]:
    async with platform.db.connection() as conn:
        rows = await ideas.page(conn, _uuid_cursor(cursor), status, limit + 1)
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([shown[-1]["submitted_at"].isoformat(), str(shown[-1]["id"])])
    items = [
        IdeaOut.model_validate({**r, "from_participant": r["author_participant_id"] is not None})
        for r in shown
    ]
    return Page[IdeaOut](items=items, next_cursor=next_cursor)


@router.put("/ideas/{idea_id}/status", response_model=IdeaOut)
async def mark(
    idea_id: uuid.UUID, body: IdeaStatusIn, who: Staff, platform: PlatformDep
) -> IdeaOut:
    """Staff mark an idea planned or realised."""
    async with platform.db.transaction() as conn:
        idea = await set_idea_status(idea_id, body.status, conn)
    return IdeaOut.model_validate(idea)
