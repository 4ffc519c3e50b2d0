"""Participants: register, read, correct, list."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response
from voimala_contracts.participants import CefrLevel, ParticipantStatus, TargetGroup
from voimala_kit import Page, Problem, json_response, next_time_cursor, time_cursor
from voimala_kit.http import hot
from voimala_kit.refusals import not_found

from ..domain import age_group
from ..handlers.erasure import refuse_if_erased
from ..handlers.participants import (
    RegisterParticipant,
    UpdateParticipant,
    register_participant,
    update_participant,
)
from ..repository import participants
from ..repository.participants import Filters, ParticipantRow
from .deps import PlatformDep, Purpose, Staff, StaffOrSelf, audited, own_or_staff, reader
from .hot import list_args, read_args
from .schemas import ParticipantIn, ParticipantOut, ParticipantPatch

router = APIRouter(prefix="/participants", tags=["participants"])

#: What a registration sends besides the record's own fields.
_REGISTRATION_ONLY = {"consents", "matching_consent", "consent_text_version", "entered_on"}


def participant_view(row: ParticipantRow, today: date) -> dict[str, object]:
    """A stored row as the API shows it: the shape of `ParticipantOut` (the OpenAPI document
    says so), built without the domain object and the model's validation, which cost more than
    the rest of a list request (a test holds it to `ParticipantOut`, field for field). Written
    out rather than looped over the model's fields: on a list page, that loop cost a third.
    The id as text: asyncpg's UUID is a type orjson hands back to Python for each row; the age
    group once (the youth group is its first band, as the domain defines it)."""
    birth_year, birth_date = row.birth_year, row.birth_date
    group = age_group(birth_year, today, birth_date)
    return {
        "id": str(row.id),
        "given_name": row.given_name,
        "family_name": row.family_name,
        "email": row.email,
        "phone": row.phone,
        "preferred_language": row.preferred_language,
        "preferred_channel": row.preferred_channel,
        "birth_date": birth_date,
        "birth_year": birth_year,
        "youth": group == "under_30",
        "age_group": group,
        "gender": row.gender,
        "municipality": row.municipality,
        "languages": orjson.Fragment(row.languages),  # jsonb: already JSON
        "education_level": row.education_level,
        "skills": row.skills,
        "skill_uris": orjson.Fragment(row.skill_uris),
        "work_history": row.work_history,
        "goals": row.goals,
        "availability": row.availability,
        "wants_mentor": row.wants_mentor,
        "subsidy_days": row.subsidy_days,
        "referral_reason": row.referral_reason,
        "target_group": row.target_group,
        "referral_source": row.referral_source,
        "matching_consent": row.matching_consent,
        "status": row.status,
        "episode": row.episode,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@router.post("", status_code=201, response_model=ParticipantOut)
async def register(body: ParticipantIn, who: Staff, platform: PlatformDep) -> Response:
    """Register a participant: `participant.contact_changed.v1`, `participant.registered.v1`
    and one `participant.consent_changed.v1` per consent. 409 if the e-mail is registered."""
    cmd = RegisterParticipant(
        details=body.model_dump(exclude=_REGISTRATION_ONLY),
        consents=body.consents,
        matching_consent=body.matching_consent,
        consent_text_version=body.consent_text_version,
        entered_on=body.entered_on,
    )
    deps = platform.deps
    async with platform.db.transaction() as conn:
        row = await register_participant(deps, conn, cmd, who)
    return json_response(participant_view(row, deps.clock.today()), 201)


@router.get("/{participant_id}", response_model=ParticipantOut)
@hot(read_args)
async def read(
    participant_id: uuid.UUID, who: StaffOrSelf, purpose: Purpose, platform: PlatformDep
) -> Response:
    """One participant's record (staff, or the participant themself). The read is audited.
    An erased participant's answers 410, naming the erasure."""
    own_or_staff(who, participant_id)
    async with platform.db.connection() as conn:
        found = await participants.read_audited(conn, participant_id, reader(who, purpose))
        if found is None:
            await refuse_if_erased(conn, participant_id)  # 410, naming the erasure
    if found is None:
        raise not_found("participant")
    return json_response(participant_view(found, platform.deps.clock.today()))


@router.patch("/{participant_id}", response_model=ParticipantOut)
async def correct(
    participant_id: uuid.UUID,
    body: ParticipantPatch,
    who: StaffOrSelf,
    purpose: Purpose,
    platform: PlatformDep,
) -> Response:
    """Change the fields sent. Participants may correct their own record except eligibility
    and status. Emits `contact_changed` and/or `profile_updated` for what changed."""
    own_or_staff(who, participant_id)
    cmd = UpdateParticipant(participant_id, body.model_dump(exclude_unset=True))
    deps = platform.deps
    async with platform.db.transaction() as conn:
        row = await update_participant(deps, conn, cmd, who)
        await audited(conn, who, [participant_id], "update_profile", purpose)
    return json_response(participant_view(row, deps.clock.today()))


@router.get("", response_model=Page[ParticipantOut])
@hot(list_args)
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
    if language_level is not None and language is None:
        errors = [
            {"loc": ["query", "language_level"], "type": "value_error", "msg": "needs language"}
        ]
        raise Problem(422, "Invalid request", "a level needs a language", errors=errors)
    filters = Filters(status, target_group, language, skill, q, youth, language_level)
    today = platform.deps.clock.today()
    async with platform.db.connection() as conn:
        rows = await participants.page(conn, after, limit, filters, today, reader(who, purpose))
    items = [participant_view(r, today) for r in rows[:limit]]
    next_cursor = next_time_cursor(rows, limit, lambda r: (r.created_at, r.id))
    return json_response({"items": items, "next_cursor": next_cursor})
