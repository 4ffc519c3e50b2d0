"""Participants: register, read, correct, list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from voimala_contracts.participants import CefrLevel, ParticipantStatus, TargetGroup
from voimala_kit import Page, PlatformDep, Principal, Problem, encode_cursor

from .. import clock
from ..handlers.participants import (
    RegisterParticipant,
    UpdateParticipant,
    register_participant,
    update_participant,
)
from ..problems import not_found
from ..repository import participants
from ..repository.participants import Filters, Reader, Row
from ..schemas import ParticipantIn, ParticipantOut, ParticipantPatch
from .deps import Purpose, Staff, StaffOrSelf, audited, own_or_staff, time_cursor

router = APIRouter(prefix="/participants", tags=["participants"])


def participant_out(row: Row) -> ParticipantOut:
    p, today = row.participant, clock.today()
    return ParticipantOut(
        id=p.id,
        given_name=p.given_name,
        family_name=p.family_name,
        email=p.email,
        phone=p.phone,
        preferred_language=p.preferred_language,
        preferred_channel=p.preferred_channel,
        birth_date=p.birth_date,
        birth_year=p.birth_year,
        youth=p.youth(today),
        age_group=p.age_group(today),
        gender=p.gender,
        municipality=p.municipality,
        languages=p.languages,
        education_level=p.education_level,
        skills=p.skills,
        skill_uris=p.skill_uris,
        work_history=p.work_history,
        goals=p.goals,
        availability=p.availability,
        wants_mentor=p.wants_mentor,
        subsidy_days=p.subsidy_days,
        referral_reason=p.referral_reason,
        target_group=p.target_group,
        referral_source=p.referral_source,
        matching_consent=p.matching_consent,
        status=p.status,
        episode=row.episode,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _json(model: BaseModel) -> Response:
    """The hot reads answer with their model's own JSON: the model is built and validated once
    here, so FastAPI's second validation of the same object (`response_model`) is skipped. The
    OpenAPI document still shows `response_model`."""
    return Response(model.model_dump_json(), media_type="application/json")


def reader(who: Principal, purpose: str) -> Reader:
    return Reader(who.subject, sorted(who.roles), purpose)


@router.post("", status_code=201, response_model=ParticipantOut)
async def register(body: ParticipantIn, who: Staff, platform: PlatformDep) -> ParticipantOut:
    """Register a participant: `participant.contact_changed.v1`, `participant.registered.v1`
    and one `participant.consent_changed.v1` per consent. 409 if the e-mail is registered."""
    async with platform.db.transaction() as conn:
        row = await register_participant(
            RegisterParticipant(body, registered_by=who.subject), conn, platform.outbox
        )
    return participant_out(row)


@router.get("/{participant_id}", response_model=ParticipantOut)
async def read(
    participant_id: uuid.UUID, who: StaffOrSelf, purpose: Purpose, platform: PlatformDep
) -> Response:
    """One participant's record (staff, or the participant themself). The read is audited."""
    own_or_staff(who, participant_id)
    async with platform.db.connection() as conn:
        found = await participants.get_audited(conn, participant_id, reader(who, purpose))
    if found is None:
        raise not_found()
    return _json(participant_out(found))


@router.patch("/{participant_id}", response_model=ParticipantOut)
async def correct(
    participant_id: uuid.UUID,
    body: ParticipantPatch,
    who: StaffOrSelf,
    purpose: Purpose,
    platform: PlatformDep,
) -> ParticipantOut:
    """Change the fields sent. Participants may correct their own record except eligibility
    and status. Emits `contact_changed` and/or `profile_updated` for what changed."""
    own_or_staff(who, participant_id)
    async with platform.db.transaction() as conn:
        row = await update_participant(
            UpdateParticipant(participant_id, body, who), conn, platform.outbox
        )
        await audited(conn, who, [participant_id], "update_profile", purpose)
    return participant_out(row)


@router.get("", response_model=Page[ParticipantOut])
async def list_participants(
    who: Staff,
    purpose: Purpose,
    platform: PlatformDep,
    status: ParticipantStatus | None = None,
    target_group: TargetGroup | None = None,
    youth: bool | None = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
    language_level: Annotated[
        CefrLevel | None, Query(description="at least this level in `language`, e.g. B1")
    ] = None,
    skill: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="free text")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Participants in registration order, filtered; every one returned is an audited read."""
    after = time_cursor(cursor)
    start = None
    if after is not None:
        try:
            start = (after[0], uuid.UUID(after[1]))
        except ValueError:
            raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None
    if language_level is not None and language is None:
        errors = [
            {"loc": ["query", "language_level"], "type": "value_error", "msg": "needs language"}
        ]
        raise Problem(422, "Invalid request", "a level needs a language", errors=errors)
    filters = Filters(status, target_group, language, skill, q, youth, language_level)
    async with platform.db.connection() as conn:
        rows = await participants.page(
            conn, start, limit, filters, clock.today(), reader(who, purpose)
        )
    shown = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = shown[-1]
        next_cursor = encode_cursor([last.created_at.isoformat(), str(last.participant.id)])
    return _json(
        Page[ParticipantOut](items=[participant_out(r) for r in shown], next_cursor=next_cursor)
    )
