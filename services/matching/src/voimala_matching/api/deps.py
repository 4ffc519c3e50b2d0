"""What endpoints take: the platform (typed), and who may see and do what."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends
from voimala_kit import audit
from voimala_kit.auth import STAFF, Principal, require
from voimala_kit.db import Connection
from voimala_kit.refusals import forbidden
from voimala_kit.service import Platform, get_platform

from ..handlers.deps import Deps
from ..settings import Settings

PlatformDep = Annotated[Platform[Settings, Deps], Depends(get_platform)]

Staff = Annotated[Principal, Depends(require(*STAFF))]
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
Anyone = Annotated[Principal, Depends(require(*STAFF, "employer", "mentor", "participant"))]
StaffOrEmployer = Annotated[Principal, Depends(require(*STAFF, "employer"))]
StaffOrMentor = Annotated[Principal, Depends(require(*STAFF, "mentor"))]
CoordinatorOrEmployer = Annotated[Principal, Depends(require("coordinator", "employer"))]
Mentor = Annotated[Principal, Depends(require("mentor"))]


def is_staff(who: Principal) -> bool:
    return who.has(*STAFF)


def own_partner(who: Principal, partner_id: uuid.UUID) -> None:
    """Staff, or an employer whose token's `org` is this partner."""
    if is_staff(who) or (who.has("employer") and who.org == str(partner_id)):
        return
    if who.has("employer") and not who.org:
        # A token made without ORG: "only your own organisation" would point the wrong way.
        raise forbidden(
            "your token names no organisation (org): ask a coordinator for a token with your "
            "partner id as org (in development: make token ROLE=employer ORG=<partner id>)"
        )
    raise forbidden("you may manage only your own organisation's openings")


def purpose_of(who: Principal) -> str:
    """Why a reader reads a participant's data here, by what they are: staff for their work,
    a partner or mentor for matching (to answer what is proposed to them), a participant
    their own. (The codes the portal's privacy pages put in words.)"""
    if is_staff(who):
        return "staff_view"
    if who.has("employer", "mentor"):
        return "matching"
    return "own_data"


async def audited(
    conn: Connection, who: Principal, participant_ids: Sequence[uuid.UUID], action: str
) -> None:
    """Record who read or changed these participants' data, in the caller's transaction (one
    statement for all of them; nothing for no one)."""
    await audit.record(conn, who, participant_ids, action, purpose_of(who))
