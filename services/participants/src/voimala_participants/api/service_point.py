"""The service point: drop-in visits (staff) and ideas for the programme (anyone)."""

from __future__ import annotations

import time as monotonic
import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from voimala_kit import Page, Problem, next_time_cursor, time_cursor
from voimala_kit.clock import HELSINKI

from ..handlers.service_point import (
    RecordVisit,
    SetIdeaStatus,
    SubmitIdea,
    record_visit,
    set_idea_status,
    submit_idea,
)
from ..repository import ideas, visits
from ..repository.ideas import IdeaRow
from .deps import Anyone, PlatformDep, Staff
from .schemas import IdeaIn, IdeaOut, IdeaStatusIn, PublicIdeaIn, VisitIn, VisitOut

router = APIRouter(tags=["service point"])
Limit = Annotated[int, Query(ge=1, le=200)]


def _idea_out(idea: IdeaRow) -> IdeaOut:
    return IdeaOut(
        id=idea.id,
        text=idea.text,
        language=idea.language,
        status=idea.status,
        submitted_at=idea.submitted_at,
        from_participant=idea.author_participant_id is not None,
    )


@router.post("/visits", status_code=201, response_model=VisitOut)
async def record(body: VisitIn, who: Staff, platform: PlatformDep) -> VisitOut:
    """A drop-in visit: a participant's (age group computed) or anonymous (a count with purpose
    and age group). Emits `visit.recorded.v1`."""
    cmd = RecordVisit(
        body.participant_id, body.purpose, body.age_group, body.count, body.visited_at
    )
    async with platform.db.transaction() as conn:
        visit = await record_visit(platform.deps, conn, cmd, who)
    return VisitOut.model_validate(visit, from_attributes=True)


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
    since = datetime.combine(start, time(), HELSINKI) if start else None
    until = datetime.combine(end + timedelta(days=1), time(), HELSINKI) if end else None
    async with platform.db.connection() as conn:
        rows = await visits.page(conn, time_cursor(cursor), since, until, limit + 1)
    return Page[VisitOut](
        items=[VisitOut.model_validate(r, from_attributes=True) for r in rows[:limit]],
        next_cursor=next_time_cursor(rows, limit, lambda r: (r.visited_at, r.id)),
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
        idea = await submit_idea(platform.deps, conn, SubmitIdea(body.text, body.language, author))
    return _idea_out(idea)


@router.post("/ideas/public", status_code=201, response_model=IdeaOut)
async def submit_public(body: PublicIdeaIn, request: Request, platform: PlatformDep) -> IdeaOut:
    """An idea or wish from anyone, without a token (the portal's public wish form): always
    anonymous, no personal data asked. Rate-limited per client address (429 + Retry-After).
    Emits `idea.submitted.v1`."""
    client = request.client.host if request.client else "unknown"
    wait = platform.deps.public_ideas.retry_after(client, monotonic.monotonic())
    if wait:
        raise Problem(
            429, "Too many requests", "too many ideas from here", headers={"Retry-After": str(wait)}
        )
    async with platform.db.transaction() as conn:
        idea = await submit_idea(platform.deps, conn, SubmitIdea(body.text, body.language, None))
    return _idea_out(idea)


@router.get("/ideas", response_model=Page[IdeaOut])
async def list_ideas(
    who: Staff,
    platform: PlatformDep,
    status: Literal["submitted", "planned", "realised"] | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[IdeaOut]:
    async with platform.db.connection() as conn:
        rows = await ideas.page(conn, time_cursor(cursor), status, limit + 1)
    return Page[IdeaOut](
        items=[_idea_out(r) for r in rows[:limit]],
        next_cursor=next_time_cursor(rows, limit, lambda r: (r.submitted_at, r.id)),
    )


@router.put("/ideas/{idea_id}/status", response_model=IdeaOut)
async def mark(
    idea_id: uuid.UUID, body: IdeaStatusIn, who: Staff, platform: PlatformDep
) -> IdeaOut:
    """Staff mark an idea planned or realised."""
    async with platform.db.transaction() as conn:
        idea = await set_idea_status(platform.deps, conn, SetIdeaStatus(idea_id, body.status))
    return _idea_out(idea)
