"""The service path: timeline, episodes (exit, follow-up, return), and the audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from voimala_kit import Page, json_response, next_time_cursor, time_cursor
from voimala_kit.refusals import not_found

from ..handlers.episodes import (
    ExitParticipant,
    RecordFollowUp,
    ReturnParticipant,
    exit_participant,
    record_follow_up,
    return_participant,
)
from ..repository import audit, episodes, participants, timeline
from .deps import (
    AuditReaders,
    PlatformDep,
    Purpose,
    Staff,
    StaffOrSelf,
    audited,
    own_or_staff,
)
from .participants import participant_view
from .schemas import (
    AuditEntryOut,
    EpisodeOut,
    ExitIn,
    FollowUpIn,
    ParticipantOut,
    ReturnIn,
    TimelineEntryOut,
)

router = APIRouter(prefix="/participants/{participant_id}", tags=["service path"])
Limit = Annotated[int, Query(ge=1, le=200)]


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
    before = time_cursor(cursor, int)
    async with platform.db.transaction() as conn:
        if await participants.get(conn, participant_id) is None:
            raise not_found("participant")
        rows = await timeline.page(conn, participant_id, before, limit + 1)
        await audited(conn, who, [participant_id], "read_timeline", purpose)
    return Page[TimelineEntryOut](
        items=[TimelineEntryOut.model_validate(r, from_attributes=True) for r in rows[:limit]],
        next_cursor=next_time_cursor(rows, limit, lambda r: (r.occurred_at, r.id)),
    )


@router.get("/episodes", response_model=list[EpisodeOut])
async def read_episodes(
    participant_id: uuid.UUID, who: StaffOrSelf, purpose: Purpose, platform: PlatformDep
) -> list[EpisodeOut]:
    """Every stay in the programme, newest first. The read is audited."""
    own_or_staff(who, participant_id)
    async with platform.db.transaction() as conn:
        if await participants.get(conn, participant_id) is None:
            raise not_found("participant")
        rows = await episodes.of(conn, participant_id)
        await audited(conn, who, [participant_id], "read_episodes", purpose)
    return [EpisodeOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/exit", response_model=ParticipantOut)
async def exit_programme(
    participant_id: uuid.UUID, body: ExitIn, who: Staff, purpose: Purpose, platform: PlatformDep
) -> Response:
    """Record the exit and its outcome; emits `participant.exited.v1`. The answer (the record)
    is an audited read."""
    cmd = ExitParticipant(participant_id, body.exit_date, body.outcome)
    deps = platform.deps
    async with platform.db.transaction() as conn:
        row = await exit_participant(deps, conn, cmd, who)
        await audited(conn, who, [participant_id], "exit", purpose)
    return json_response(participant_view(row, deps.clock.today()))


@router.post("/episodes/{episode}/follow-up", status_code=204)
async def follow_up(
    participant_id: uuid.UUID,
    episode: Annotated[int, Path(ge=1, le=1000)],
    body: FollowUpIn,
    who: Staff,
    platform: PlatformDep,
) -> None:
    """The outcome six months after an exit (recorded once)."""
    cmd = RecordFollowUp(participant_id, episode, body.outcome)
    async with platform.db.transaction() as conn:
        await record_follow_up(platform.deps, conn, cmd)


@router.post("/return", response_model=ParticipantOut)
async def come_back(
    participant_id: uuid.UUID, body: ReturnIn, who: Staff, purpose: Purpose, platform: PlatformDep
) -> Response:
    """An exited participant returns: a new episode, the first kept as it was. The answer (the
    record) is an audited read."""
    cmd = ReturnParticipant(participant_id, body.returned_on)
    deps = platform.deps
    async with platform.db.transaction() as conn:
        row = await return_participant(deps, conn, cmd)
        await audited(conn, who, [participant_id], "return", purpose)
    return json_response(participant_view(row, deps.clock.today()))


@router.get("/audit", response_model=Page[AuditEntryOut])
async def audit_trail(
    participant_id: uuid.UUID,
    who: AuditReaders,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Limit = 100,
) -> Page[AuditEntryOut]:
    """Who read this participant's personal data, when and why (coordinators and ops)."""
    before = time_cursor(cursor, int)
    async with platform.db.connection() as conn:
        rows = await audit.trail(conn, participant_id, before, limit + 1)
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows[:limit]],
        next_cursor=next_time_cursor(rows, limit, lambda r: (r.at, r.id)),
    )
