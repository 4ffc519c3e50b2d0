"""One occurrence: its public view, staff edits, registration, attendance."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from voimala_kit import STAFF, PlatformDep, Problem

from .. import clock
from ..domain.occurrences import slots
from ..handlers.attendance import CheckIn, check_in, record_no_shows
from ..handlers.occurrences import (
    CancelOccurrence,
    ChangeOccurrence,
    cancel_occurrence,
    change_occurrence,
)
from ..handlers.registrations import (
    CancelRegistration,
    Register,
    cancel_registration,
    register,
)
from ..problems import invalid, not_found
from ..repository import attendance, occurrences, registrations
from ..schemas import (
    AttendanceIn,
    AttendanceOut,
    CancelIn,
    OccurrenceChangeIn,
    RegistrationCancelIn,
    RegistrationIn,
    RegistrationOut,
)
from ..views.programme import public_item
from .deps import MaybePrincipal, PolicyDep, Staff, StaffOrParticipant

router = APIRouter(tags=["occurrences"])


async def _public(conn: Any, occ: dict[str, Any]) -> dict[str, Any]:
    taken = await registrations.taken_slots(conn, occ["id"]) if occ["slot_minutes"] else set()
    item = public_item(occ, len(taken))
    if occ["slot_minutes"]:
        item["free_slots"] = [
            {"starts_at": s.isoformat(), "local_start": clock.local(s)[11:]}
            for s in slots(occ)
            if s not in taken
        ]
    return item


@router.get("/occurrences/{occurrence_id}")
async def get_occurrence(occurrence_id: uuid.UUID, platform: PlatformDep) -> Any:
    """Public: when, what, where, seats or slots left; never who registered."""
    async with platform.db.connection() as conn:
        occ = await occurrences.get(conn, occurrence_id)
        if occ is None:
            raise not_found("occurrence")
        return await _public(conn, occ)


@router.patch("/occurrences/{occurrence_id}")
async def change(
    occurrence_id: uuid.UUID,
    body: OccurrenceChangeIn,
    who: Staff,
    platform: PlatformDep,
    policy: PolicyDep,
) -> Any:
    """Move or edit one occurrence; emits `occurrence.changed.v1` naming its registrants."""
    async with platform.db.transaction() as conn:
        occ = await change_occurrence(
            ChangeOccurrence(occurrence_id, body), conn, platform.outbox, policy
        )
        return await _public(conn, occ)


@router.post("/occurrences/{occurrence_id}/cancel")
async def cancel(
    occurrence_id: uuid.UUID, body: CancelIn, who: Staff, platform: PlatformDep
) -> Any:
    """Cancel one occurrence and every registration on it; emits `occurrence.cancelled.v1`."""
    async with platform.db.transaction() as conn:
        occ = await cancel_occurrence(CancelOccurrence(occurrence_id, body), conn, platform.outbox)
        return await _public(conn, occ)


def _registration_out(
    reg: dict[str, Any], position: int | None, with_token: bool = False
) -> RegistrationOut:
    return RegistrationOut(
        id=reg["id"],
        occurrence_id=reg["occurrence_id"],
        status=reg["status"],
        position=position,
        participant_id=reg["participant_id"],
        guest_name=reg["guest_name"],
        slot_start=reg["slot_start"],
        created_at=reg["created_at"],
        cancel_token=reg["cancel_token"] if with_token else None,
    )


@router.post(
    "/occurrences/{occurrence_id}/registrations", status_code=201, response_model=RegistrationOut
)
async def register_for(
    occurrence_id: uuid.UUID,
    body: RegistrationIn,
    who: MaybePrincipal,
    platform: PlatformDep,
    policy: PolicyDep,
) -> RegistrationOut:
    """Register: a participant themselves (token, empty body), staff for a participant or a
    guest, a resident without an account as a guest (no token, `guest` with name and e-mail
    or phone). Confirmed while seats remain, else waitlisted in arrival order."""
    participant_id = body.participant_id
    if who is None:
        if body.guest is None or participant_id is not None:
            raise invalid("guest", "without an account, give a name and an e-mail or phone")
    elif who.has(*STAFF):
        if (participant_id is None) == (body.guest is None):
            raise invalid("participant_id", "give exactly one of participant_id and guest")
    elif who.has("participant"):
        if body.guest is not None:
            raise invalid("guest", "a participant registers themselves")
        try:
            own = uuid.UUID(who.subject)
        except ValueError:
            raise Problem(403, "Forbidden", "the token names no participant") from None
        if participant_id is not None and participant_id != own:
            raise Problem(403, "Forbidden", "participants register only themselves")
        participant_id = own
    else:
        raise Problem(403, "Forbidden", "your role may not register")
    cmd = Register(
        occurrence_id, participant_id, body.guest, body.slot_start, who.subject if who else None
    )
    async with platform.db.transaction() as conn:
        reg, position = await register(cmd, conn, platform.outbox, policy)
    return _registration_out(reg, position, with_token=True)


@router.get("/occurrences/{occurrence_id}/registrations")
async def list_registrations(occurrence_id: uuid.UUID, who: Staff, platform: PlatformDep) -> Any:
    """Staff: everyone registered, confirmed first then the waitlist in order."""
    async with platform.db.connection() as conn:
        if await occurrences.get(conn, occurrence_id) is None:
            raise not_found("occurrence")
        rows = await registrations.all_of(conn, occurrence_id)
    out, position = [], 0
    for r in rows:
        if r["status"] == "waitlisted":
            position += 1
        item = _registration_out(r, position if r["status"] == "waitlisted" else None)
        out.append(
            {
                **item.model_dump(mode="json"),
                "guest_email": r["guest_email"],
                "guest_phone": r["guest_phone"],
            }
        )
    return {"items": out}


@router.post("/registrations/{registration_id}/cancel", response_model=RegistrationOut)
async def cancel_registration_of(
    registration_id: uuid.UUID,
    body: RegistrationCancelIn,
    who: MaybePrincipal,
    platform: PlatformDep,
    policy: PolicyDep,
) -> RegistrationOut:
    """Cancel a registration: staff any, a participant their own, a guest with the
    `cancel_token` they got. The first on the waitlist is promoted."""
    owner = None if who is not None and who.has(*STAFF) else (who.subject if who else "")
    cmd = CancelRegistration(registration_id, owner, body.cancel_token)
    async with platform.db.transaction() as conn:
        reg = await cancel_registration(cmd, conn, platform.outbox, policy)
    return _registration_out(reg, None)


@router.get("/participants/{participant_id}/registrations")
async def of_participant(
    participant_id: uuid.UUID, who: StaffOrParticipant, platform: PlatformDep
) -> Any:
    """A participant's registrations (their own, or any for staff)."""
    if not who.has(*STAFF) and who.subject != str(participant_id):
        raise Problem(403, "Forbidden", "participants see only their own registrations")
    async with platform.db.connection() as conn:
        rows = await registrations.of_participant(conn, participant_id)
    return {"items": [_registration_out(r, None).model_dump(mode="json") for r in rows]}


@router.post(
    "/occurrences/{occurrence_id}/attendance", status_code=201, response_model=AttendanceOut
)
async def check_in_at(
    occurrence_id: uuid.UUID, body: AttendanceIn, who: Staff, platform: PlatformDep
) -> AttendanceOut:
    """Staff check someone in: a registration, a participant (registered or walk-in), or an
    anonymous walk-in guest. Emits `attendance.recorded.v1`."""
    async with platform.db.transaction() as conn:
        row = await check_in(CheckIn(occurrence_id, body, who.subject), conn, platform.outbox)
    return AttendanceOut.model_validate(row)


@router.get("/occurrences/{occurrence_id}/attendance")
async def list_attendance(occurrence_id: uuid.UUID, who: Staff, platform: PlatformDep) -> Any:
    async with platform.db.connection() as conn:
        if await occurrences.get(conn, occurrence_id) is None:
            raise not_found("occurrence")
        rows = await attendance.of_occurrence(conn, occurrence_id)
    return {"items": [AttendanceOut.model_validate(r).model_dump(mode="json") for r in rows]}


@router.post("/occurrences/{occurrence_id}/no-shows")
async def no_shows(occurrence_id: uuid.UUID, who: Staff, platform: PlatformDep) -> Any:
    """After the occurrence: record every confirmed registration not checked in as a no-show
    (the scheduler does this by itself some hours after the end)."""
    async with platform.db.transaction() as conn:
        rows = await record_no_shows(conn, platform.outbox, occurrence_id, who.subject)
    return {"items": [AttendanceOut.model_validate(r).model_dump(mode="json") for r in rows]}
