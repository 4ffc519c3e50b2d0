"""The service path: timeline, episodes (exit, follow-up, return), and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from voimala_kit import Page, PlatformDep, Problem, encode_cursor, json_response

from .. import clock
from ..handlers.episodes import (
    ExitParticipant,
    RecordFollowUp,
    exit_participant,
    record_follow_up,
    return_participant,
)
from ..problems import not_found
from ..repository import audit, episodes, participants, timeline
from ..schemas import (
    AuditEntryOut,
    EpisodeOut,
    ExitIn,
    FollowUpIn,
    ParticipantOut,
    ReturnIn,
    TimelineEntryOut,
)
from .deps import AuditReaders, Purpose, Staff, StaffOrSelf, audited, own_or_staff, time_cursor
from .participants import participant_view

router = APIRouter(prefix="/participants/{participant_id}", tags=["service path"])
Limit = Annotated[int, Query(ge=1, le=200)]


def _int_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    found = time_cursor(cursor)
    if found is None:
        return None
    try:
        return found[0], int(found[1])
    except ValueError:
        raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None


@router.get("/timeline", response_model=Page[TimelineEntryOut])
async def read_timeline(
    participant_id: uuid.UUID,
    who: StaffOrSelf,
    purpose: Purpose,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[TimelineEntryOut]:
    """What has happened on the participant's path, here and in the other services, newest
    first. The read is audited."""
    own_or_staff(who, participant_id)
    before = _int_cursor(cursor)
    async with platform.db.transaction() as conn:
        if await participants.get(conn, participant_id) is None:
            raise not_found()
        rows = await timeline.page(conn, participant_id, before, limit + 1)
        await audited(conn, who, [participant_id], "read_timeline", purpose)
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([shown[-1]["occurred_at"].isoformat(), shown[-1]["id"]])
    return Page[TimelineEntryOut](
        items=[TimelineEntryOut.model_validate(r) for r in shown], next_cursor=next_cursor
    )


@router.get("/episodes", response_model=list[EpisodeOut])
async def read_episodes(
    participant_id: uuid.UUID, who: StaffOrSelf, purpose: Purpose, platform: PlatformDep
) -> list[EpisodeOut]:
    """Every stay in the programme, newest first. The read is audited."""
    own_or_staff(who, participant_id)
    async with platform.db.transaction() as conn:
        if await participants.get(conn, participant_id) is None:
            raise not_found()
        rows = await episodes.of(conn, participant_id)
        await audited(conn, who, [participant_id], "read_episodes", purpose)
    return [EpisodeOut.model_validate(r) for r in rows]


@router.post("/exit", response_model=ParticipantOut)
async def exit_programme(
    participant_id: uuid.UUID, body: ExitIn, who: Staff, purpose: Purpose, platform: PlatformDep
) -> Response:
    """Record the exit and its outcome; emits `participant.exited.v1`. The answer (the record)
    is an audited read."""
    async with platform.db.transaction() as conn:
        row = await exit_participant(
            ExitParticipant(participant_id, body.exit_date, body.outcome, who.subject),
            conn,
            platform.outbox,
        )
        await audited(conn, who, [participant_id], "exit", purpose)
    return json_response(participant_view(row.stored, clock.today()))


@router.post("/episodes/{episode}/follow-up", status_code=204)
async def follow_up(
    participant_id: uuid.UUID,
    episode: Annotated[int, Path(ge=1, le=1000)],
    body: FollowUpIn,
    who: Staff,
    platform: PlatformDep,
) -> None:
    """The outcome six months after an exit (recorded once)."""
    async with platform.db.transaction() as conn:
        await record_follow_up(RecordFollowUp(participant_id, episode, body.outcome), conn)


@router.post("/return", response_model=ParticipantOut)
async def come_back(
    participant_id: uuid.UUID, body: ReturnIn, who: Staff, purpose: Purpose, platform: PlatformDep
) -> Response:
    """An exited participant returns: a new episode, the first kept as it was. The answer (the
    record) is an audited read."""
    async with platform.db.transaction() as conn:
        row = await return_participant(participant_id, body.returned_on, conn, platform.outbox)
        await audited(conn, who, [participant_id], "return", purpose)
    return json_response(participant_view(row.stored, clock.today()))


@router.get("/audit", response_model=Page[AuditEntryOut])
async def audit_trail(
    participant_id: uuid.UUID,
    who: AuditReaders,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Limit = 100,
) -> Page[AuditEntryOut]:
    """Who read this participant's personal data, when and why (coordinators and ops)."""
    before = _int_cursor(cursor)
    async with platform.db.connection() as conn:
        rows = await audit.trail(conn, participant_id, before, limit + 1)
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([shown[-1]["at"].isoformat(), shown[-1]["id"]])
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(r) for r in shown], next_cursor=next_cursor
    )
