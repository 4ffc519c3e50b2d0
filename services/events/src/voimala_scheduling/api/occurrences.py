"""One occurrence: its public view, staff edits, registration, attendance."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from voimala_kit.auth import STAFF
from voimala_kit.clock import local_minute
from voimala_kit.db import Connection
from voimala_kit.http import hot, json_response
from voimala_kit.refusals import forbidden, not_found

from ..domain.attendance import Attendance
from ..domain.occurrences import Occurrence, slots
from ..domain.programme import PublicItem, public_item
from ..domain.registrations import Guest, Registration
from ..handlers.attendance import CheckIn, RecordNoShows, check_in, record_no_shows
from ..handlers.occurrences import (
    CancelOccurrence,
    ChangeOccurrence,
    cancel_occurrence,
    change_occurrence,
)
from ..handlers.registration_queue import register_queued
from ..handlers.registrations import (
    CancelRegistration,
    Register,
    Registered,
    cancel_registration,
    register,
)
from ..repository import attendance, occurrences, registrations
from .deps import MaybePrincipal, PlatformDep, Staff, StaffOrParticipant, audited
from .hot import registration_args
from .schemas import (
    AttendanceIn,
    AttendanceOut,
    CancelIn,
    OccurrenceChangeIn,
    RegistrationCancelIn,
    RegistrationIn,
    RegistrationOut,
)

router = APIRouter(tags=["occurrences"])

#: A list answered as `{"items": [...]}`, each item as JSON.
Items = dict[str, list[dict[str, Any]]]


async def _public(conn: Connection, occ: Occurrence) -> PublicItem:
    taken = await registrations.taken_slots(conn, occ.id) if occ.slot_minutes else set()
    item = public_item(occ, len(taken))
    if occ.slot_minutes:
        item["free_slots"] = [
            {"starts_at": s.isoformat(), "local_start": local_minute(s)[11:]}
            for s in slots(occ)
            if s not in taken
        ]
    return item


@router.get("/occurrences/{occurrence_id}", response_model=Any)
async def get_occurrence(occurrence_id: uuid.UUID, platform: PlatformDep) -> PublicItem:
    """Public: when, what, where, seats or slots left; never who registered."""
    async with platform.db.connection() as conn:
        occ = await occurrences.get(conn, occurrence_id)
        if occ is None:
            raise not_found("occurrence")
        return await _public(conn, occ)


@router.patch("/occurrences/{occurrence_id}", response_model=Any)
async def change(
    occurrence_id: uuid.UUID, body: OccurrenceChangeIn, who: Staff, platform: PlatformDep
) -> PublicItem:
    """Move or edit one occurrence; emits `occurrence.changed.v1` naming its registrants."""
    cmd = ChangeOccurrence(
        occurrence_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        title=body.title.model_dump() if body.title else None,
        location=body.location.model_dump() if body.location else None,
        capacity=body.capacity,
        capacity_given="capacity" in body.model_fields_set,
    )
    async with platform.db.transaction() as conn:
        occ = await change_occurrence(platform.deps, conn, cmd)
        return await _public(conn, occ)


@router.post("/occurrences/{occurrence_id}/cancel", response_model=Any)
async def cancel(
    occurrence_id: uuid.UUID, body: CancelIn, who: Staff, platform: PlatformDep
) -> PublicItem:
    """Cancel one occurrence and every registration on it; emits `occurrence.cancelled.v1`."""
    cmd = CancelOccurrence(occurrence_id, body.reason)
    async with platform.db.transaction() as conn:
        occ = await cancel_occurrence(platform.deps, conn, cmd)
        named = await registrations.cancelled_in_this_transaction(conn, occurrence_id=occ.id)
        await audited(conn, who, named, "registration.cancelled")
        return await _public(conn, occ)


def _registration_out(
    reg: Registration, position: int | None = None, cancel_token: str | None = None
) -> RegistrationOut:
    return RegistrationOut(
        id=reg.id,
        occurrence_id=reg.occurrence_id,
        status=reg.status,
        position=position,
        participant_id=reg.participant_id,
        guest_name=reg.guest_name,
        slot_start=reg.slot_start,
        created_at=reg.created_at,
        cancel_token=cancel_token,
    )


def _registered(done: Registered) -> Response:
    """The answer to a registration, as `RegistrationOut` (orjson writes it as pydantic
    would: the same bytes as FastAPI's serialisation of the model)."""
    reg = done.registration
    return json_response(
        {
            "id": reg.id,
            "occurrence_id": reg.occurrence_id,
            "status": reg.status,
            "position": done.position,
            "participant_id": reg.participant_id,
            "guest_name": reg.guest_name,
            "slot_start": reg.slot_start,
            "created_at": reg.created_at,
            "cancel_token": done.cancel_token,
        },
        201,
    )


@router.post(
    "/occurrences/{occurrence_id}/registrations", status_code=201, response_model=RegistrationOut
)
@hot(registration_args)
async def register_for(
    occurrence_id: uuid.UUID, body: RegistrationIn, who: MaybePrincipal, platform: PlatformDep
) -> Response:
    """Register: a participant themselves (token, empty body), staff for a participant or a
    guest, a resident without an account as a guest (no token, `guest` with name and e-mail
    or phone). Confirmed while seats remain, else waitlisted in arrival order."""
    g = body.guest
    guest = Guest(g.name, g.email, g.phone, g.language) if g else None
    cmd = Register(occurrence_id, body.participant_id, guest, body.slot_start)
    if cmd.slot_start is None:  # with everyone else registering for it now, in one go
        return _registered(await register_queued(platform.db, platform.deps, cmd, who))
    async with platform.db.transaction() as conn:
        done = await register(platform.deps, conn, cmd, who)
        await audited(conn, who, [done.registration.participant_id], "registration.created")
    return _registered(done)


@router.get("/occurrences/{occurrence_id}/registrations", response_model=Any)
async def list_registrations(occurrence_id: uuid.UUID, who: Staff, platform: PlatformDep) -> Items:
    """Staff: everyone registered, confirmed first then the waitlist in order. The read is
    audited for every participant it names."""
    async with platform.db.transaction() as conn:
        if await occurrences.get(conn, occurrence_id) is None:
            raise not_found("occurrence")
        rows = await registrations.all_of(conn, occurrence_id)
        await audited(conn, who, [r.participant_id for r in rows], "registration.read")
    out, position = [], 0
    for r in rows:
        if r.status == "waitlisted":
            position += 1
        item = _registration_out(r, position if r.status == "waitlisted" else None)
        out.append(
            {
                **item.model_dump(mode="json"),
                "guest_email": r.guest_email,
                "guest_phone": r.guest_phone,
            }
        )
    return {"items": out}


@router.post("/registrations/{registration_id}/cancel", response_model=RegistrationOut)
async def cancel_registration_of(
    registration_id: uuid.UUID,
    body: RegistrationCancelIn,
    who: MaybePrincipal,
    platform: PlatformDep,
) -> RegistrationOut:
    """Cancel a registration: staff any, a participant their own, a guest with the
    `cancel_token` they got. The first on the waitlist is promoted."""
    cmd = CancelRegistration(registration_id, body.cancel_token)
    async with platform.db.transaction() as conn:
        reg = await cancel_registration(platform.deps, conn, cmd, who)
        await audited(conn, who, [reg.participant_id], "registration.cancelled")
    return _registration_out(reg)


@router.get("/participants/{participant_id}/registrations", response_model=Any)
async def of_participant(
    participant_id: uuid.UUID, who: StaffOrParticipant, platform: PlatformDep
) -> Items:
    """A participant's registrations (their own, or any for staff). The read is audited."""
    if not who.has(*STAFF) and who.subject != str(participant_id):
        raise forbidden("participants see only their own registrations")
    async with platform.db.transaction() as conn:
        rows = await registrations.of_participant(conn, participant_id)
        await audited(conn, who, [participant_id], "registration.read")
    return {"items": [_registration_out(r).model_dump(mode="json") for r in rows]}


def _attendance_out(row: Attendance) -> AttendanceOut:
    return AttendanceOut.model_validate(row, from_attributes=True)


@router.post(
    "/occurrences/{occurrence_id}/attendance", status_code=201, response_model=AttendanceOut
)
async def check_in_at(
    occurrence_id: uuid.UUID, body: AttendanceIn, who: Staff, platform: PlatformDep
) -> AttendanceOut:
    """Staff check someone in: a registration, a participant (registered or walk-in), or an
    anonymous walk-in guest. Emits `attendance.recorded.v1`."""
    cmd = CheckIn(occurrence_id, body.registration_id, body.participant_id)
    async with platform.db.transaction() as conn:
        row = await check_in(platform.deps, conn, cmd, who)
        await audited(conn, who, [row.participant_id], "attendance.recorded")
    return _attendance_out(row)


@router.get("/occurrences/{occurrence_id}/attendance", response_model=Any)
async def list_attendance(occurrence_id: uuid.UUID, who: Staff, platform: PlatformDep) -> Items:
    """Staff: who came and who did not. The read is audited for every participant it names."""
    async with platform.db.transaction() as conn:
        if await occurrences.get(conn, occurrence_id) is None:
            raise not_found("occurrence")
        rows = await attendance.of_occurrence(conn, occurrence_id)
        await audited(conn, who, [r.participant_id for r in rows], "attendance.read")
    return {"items": [_attendance_out(r).model_dump(mode="json") for r in rows]}


@router.post("/occurrences/{occurrence_id}/no-shows", response_model=Any)
async def no_shows(occurrence_id: uuid.UUID, who: Staff, platform: PlatformDep) -> Items:
    """After the occurrence: record every confirmed registration not checked in as a no-show
    (the scheduler does this by itself some hours after the end)."""
    async with platform.db.transaction() as conn:
        rows = await record_no_shows(platform.deps, conn, RecordNoShows(occurrence_id, who.subject))
        await audited(conn, who, [r.participant_id for r in rows], "attendance.recorded")
    return {"items": [_attendance_out(r).model_dump(mode="json") for r in rows]}
