"""Guests (residents who registered without an account): their erasure, asked by staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, EmailStr, model_validator
from voimala_kit.auth import Principal, require

from ..handlers.guests import EraseGuest, erase_guest
from .deps import PlatformDep
from .schemas import Phone, _In

router = APIRouter(tags=["guests"])

Coordinator = Annotated[Principal, Depends(require("coordinator"))]


class GuestErasureIn(_In):
    """The guest, by exactly one of: the e-mail or the phone they registered with, or one of
    their registrations (which stands for its e-mail or phone: every registration of the same
    guest is erased)."""

    email: EmailStr | None = None
    phone: Phone | None = None
    registration_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one(self) -> GuestErasureIn:
        given = [self.email, self.phone, self.registration_id]
        if sum(x is not None for x in given) != 1:
            raise ValueError("give exactly one of email, phone, registration_id")
        return self


class GuestErasureOut(BaseModel):
    """What was erased (0 everywhere: no guest registration matched, or erased already)."""

    registrations: int
    cancelled: int
    attendance: int
    keys_destroyed: int


@router.post("/guests/erasure", status_code=202, response_model=GuestErasureOut)
async def erase(body: GuestErasureIn, who: Coordinator, platform: PlatformDep) -> GuestErasureOut:
    """Coordinator: erase a guest here. Their registrations are anonymised (upcoming ones
    cancelled, the seat going to the waitlist) and the keys sealing their contact in events
    destroyed; audited as `guest.erased` by registration id. The copies of messages sent to
    them in the notifications service go by its message retention."""
    cmd = EraseGuest(body.email, body.phone, body.registration_id)
    async with platform.db.transaction() as conn:
        done = await erase_guest(platform.deps, conn, cmd, who)
    return GuestErasureOut(
        registrations=done.registrations,
        cancelled=done.cancelled,
        attendance=done.attendance,
        keys_destroyed=done.keys_destroyed,
    )
