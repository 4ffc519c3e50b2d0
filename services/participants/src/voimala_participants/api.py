"""HTTP entrypoints: one transaction per request, opened and committed here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from voimala_kit import (
    STAFF,
    Page,
    PlatformDep,
    Principal,
    Problem,
    decode_cursor,
    encode_cursor,
    require,
)

from . import repository
from .domain import Participant, is_youth
from .handlers import RegisterParticipant, register_participant
from .schemas import ParticipantIn, ParticipantOut

router = APIRouter(prefix="/participants", tags=["participants"])
Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffOrSelf = Annotated[Principal, Depends(require(*STAFF, "participant"))]


def _out(p: Participant, created_at: datetime) -> ParticipantOut:
    return ParticipantOut(
        id=p.id,
        given_name=p.given_name,
        family_name=p.family_name,
        email=p.email,
        phone=p.phone,
        preferred_language=p.preferred_language,
        birth_year=p.birth_year,
        youth=is_youth(p.birth_year, datetime.now(UTC).date()),
        municipality=p.municipality,
        skills=p.skills,
        languages=p.languages,
        matching_consent=p.matching_consent,
        status=p.status,
        created_at=created_at,
    )


@router.post("", status_code=201, response_model=ParticipantOut)
async def register(body: ParticipantIn, who: Staff, platform: PlatformDep) -> ParticipantOut:
    """Register a participant; emits `participant.registered.v1`."""
    async with platform.db.transaction() as conn:
        participant, created = await register_participant(
            RegisterParticipant(body, registered_by=who.subject), conn, platform.outbox
        )
    return _out(participant, created)


@router.get("/{participant_id}", response_model=ParticipantOut)
async def read(
    participant_id: uuid.UUID, who: StaffOrSelf, platform: PlatformDep
) -> ParticipantOut:
    if not who.has(*STAFF) and who.subject != str(participant_id):
        raise Problem(403, "Forbidden", "participants may read only their own record")
    async with platform.db.connection() as conn:
        found = await repository.get(conn, participant_id)
    if found is None:
        raise Problem(404, "Not found", "no such participant")
    return _out(*found)


@router.get("", response_model=Page[ParticipantOut])
async def list_participants(
    who: Staff,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[ParticipantOut]:
    after = None
    if cursor:
        created, pid = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(created), uuid.UUID(pid))
        except (TypeError, ValueError):
            raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None
    async with platform.db.connection() as conn:
        rows = await repository.page(conn, after, limit + 1)
    items = [_out(p, c) for p, c in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last, last_created = rows[limit - 1]
        next_cursor = encode_cursor([last_created.isoformat(), str(last.id)])
    return Page[ParticipantOut](items=items, next_cursor=next_cursor)
