"""The service point: drop-in visits (staff) and ideas for the programme (anyone)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
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
from ..schemas import IdeaIn, IdeaOut, IdeaStatusIn, VisitIn, VisitOut
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
