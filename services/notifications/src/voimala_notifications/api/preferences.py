"""A person's preferences: channels, language, quiet hours, opt-outs, digest."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from voimala_kit import STAFF, PlatformDep, Principal, Problem, require

from .. import repository
from ..schemas import PreferencesIn, PreferencesOut, StaffIn

router = APIRouter(tags=["preferences"])
Person = Annotated[Principal, Depends(require(*STAFF, "ops", "participant", "mentor", "employer"))]
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
DIGEST_KINDS = ("mentor", "staff")


def _own_or_staff(who: Principal, recipient_id: uuid.UUID) -> None:
    if who.has(*STAFF) or who.subject == str(recipient_id):
        return
    raise Problem(403, "Forbidden", "you may see and change only your own preferences")


@router.get("/recipients/{recipient_id}/preferences", response_model=PreferencesOut)
async def get_preferences(
    recipient_id: uuid.UUID, who: Person, platform: PlatformDep
) -> PreferencesOut:
    _own_or_staff(who, recipient_id)
    async with platform.db.connection() as conn:
        row = await repository.preferences(conn, recipient_id)
    if row is None:
        raise Problem(404, "Not found", "no such recipient")
    return PreferencesOut.from_row(row)


@router.put("/recipients/{recipient_id}/preferences", response_model=PreferencesOut)
async def put_preferences(
    recipient_id: uuid.UUID, body: PreferencesIn, who: Person, platform: PlatformDep
) -> PreferencesOut:
    _own_or_staff(who, recipient_id)
    async with platform.db.transaction() as conn:
        row = await repository.preferences(conn, recipient_id)
        if row is None:
            raise Problem(404, "Not found", "no such recipient")
        if body.digest and row["kind"] not in DIGEST_KINDS:
            raise Problem(422, "Digest not offered", "a daily digest is for mentors and staff")
        await repository.set_preferences(conn, recipient_id, body.values())
        row = await repository.preferences(conn, recipient_id)
    return PreferencesOut.from_row(row)


@router.put("/staff/{staff_id}", status_code=204)
async def register_staff(
    staff_id: uuid.UUID, body: StaffIn, who: Coordinator, platform: PlatformDep
) -> None:
    """A coordinator registers themselves for programme notices (unanswered proposals)."""
    if who.subject != str(staff_id):
        raise Problem(403, "Forbidden", "coordinators register their own address")
    async with platform.db.transaction() as conn:
        if not await repository.register_staff(
            conn, staff_id, body.language, body.given_name, body.email
        ):
            raise Problem(409, "Conflict", "this id is not a staff member's")
