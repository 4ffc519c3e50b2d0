"""A person's preferences: channels, language, quiet hours, opt-outs, digest."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from ..handlers import preferences as use
from .deps import Coordinator, Person, PlatformDep
from .schemas import PreferencesIn, PreferencesOut, StaffIn

router = APIRouter(tags=["preferences"])


@router.get("/recipients/{recipient_id}/preferences", response_model=PreferencesOut)
async def get_preferences(
    recipient_id: uuid.UUID, who: Person, platform: PlatformDep
) -> PreferencesOut:
    async with platform.db.transaction() as conn:  # the read and its audit row
        person = await use.get_preferences(platform.deps, conn, recipient_id, who)
    return PreferencesOut.of(person)


@router.put("/recipients/{recipient_id}/preferences", response_model=PreferencesOut)
async def put_preferences(
    recipient_id: uuid.UUID, body: PreferencesIn, who: Person, platform: PlatformDep
) -> PreferencesOut:
    cmd = use.SetPreferences(recipient_id, body.chosen())
    async with platform.db.transaction() as conn:
        person = await use.set_preferences(platform.deps, conn, cmd, who)
    return PreferencesOut.of(person)


@router.put("/staff/{staff_id}", status_code=204)
async def register_staff(
    staff_id: uuid.UUID, body: StaffIn, who: Coordinator, platform: PlatformDep
) -> None:
    """A coordinator registers themselves for programme notices (unanswered proposals)."""
    cmd = use.RegisterStaff(staff_id, body.given_name, body.email, body.preferred_language)
    async with platform.db.transaction() as conn:
        await use.register_staff(platform.deps, conn, cmd, who)
