"""HTTP entrypoints of matching."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from voimala_kit import STAFF, PlatformDep, Principal, Problem, require

from . import repository
from .schemas import ProfileOut

router = APIRouter(prefix="/profiles", tags=["profiles"])
Staff = Annotated[Principal, Depends(require(*STAFF))]


@router.get("/{participant_id}", response_model=ProfileOut)
async def read_profile(participant_id: uuid.UUID, who: Staff, platform: PlatformDep) -> ProfileOut:
    """The pseudonymous profile matching keeps of a participant."""
    async with platform.db.connection() as conn:
        found = await repository.get_profile(conn, participant_id)
    if found is None:
        raise Problem(404, "Not found", "no profile for this participant (yet)")
    return ProfileOut.model_validate(found)
