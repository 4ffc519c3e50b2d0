"""Consents: read and record, by staff or by the participant themself."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from voimala_kit import Connection
from voimala_kit.refusals import not_found

from ..domain import in_force
from ..handlers.consents import RecordConsent, record_consent
from ..repository import consents, participants
from .deps import PlatformDep, Purpose, StaffOrSelf, audited, own_or_staff
from .schemas import ConsentIn, ConsentOut, ConsentsOut

router = APIRouter(prefix="/participants/{participant_id}/consents", tags=["consents"])


async def _consents(conn: Connection, participant_id: uuid.UUID) -> ConsentsOut:
    history = await consents.history(conn, participant_id)
    return ConsentsOut(
        current=[ConsentOut.model_validate(c, from_attributes=True) for c in in_force(history)],
        history=[ConsentOut.model_validate(c, from_attributes=True) for c in history],
    )


@router.get("", response_model=ConsentsOut)
async def read_consents(
    participant_id: uuid.UUID, who: StaffOrSelf, purpose: Purpose, platform: PlatformDep
) -> ConsentsOut:
    """The consent in force per purpose, and every record of it. The read is audited."""
    own_or_staff(who, participant_id)
    async with platform.db.transaction() as conn:
        if await participants.get(conn, participant_id) is None:
            raise not_found("participant")
        await audited(conn, who, [participant_id], "read_consents", purpose)
        return await _consents(conn, participant_id)


@router.post("", status_code=201, response_model=ConsentsOut)
async def give_or_withdraw(
    participant_id: uuid.UUID,
    body: ConsentIn,
    who: StaffOrSelf,
    purpose: Purpose,
    platform: PlatformDep,
) -> ConsentsOut:
    """Give or withdraw one consent; emits `participant.consent_changed.v1` (and, for matching,
    `participant.profile_updated.v1`), so that it takes effect in every service."""
    own_or_staff(who, participant_id)
    cmd = RecordConsent(participant_id, body.purpose, body.granted, body.text_version)
    async with platform.db.transaction() as conn:
        await record_consent(platform.deps, conn, cmd, who)
        await audited(conn, who, [participant_id], "update_consents", purpose)
        return await _consents(conn, participant_id)
