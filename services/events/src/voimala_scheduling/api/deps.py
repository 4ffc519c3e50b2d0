"""Who may call: staff manage, participants register themselves, the programme is public.
And what every endpoint works with: the running service, typed with its settings and deps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends
from voimala_kit import audit
from voimala_kit.auth import STAFF, Principal, authenticate_if_sent, require
from voimala_kit.db import Connection
from voimala_kit.service import Platform, get_platform

from ..handlers.deps import Deps
from ..settings import Settings

Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffOrParticipant = Annotated[Principal, Depends(require(*STAFF, "participant"))]

#: A caller with a token is checked as everywhere; a caller without one is a guest.
MaybePrincipal = Annotated[Principal | None, Depends(authenticate_if_sent)]

PlatformDep = Annotated[Platform[Settings, Deps], Depends(get_platform)]


def purpose_of(who: Principal) -> str:
    """Why a reader reads or changes a participant's registrations or attendance, for the audit
    log: staff to run the programme, a participant their own."""
    return "staff_view" if who.has(*STAFF) else "own_data"


async def audited(
    conn: Connection,
    who: Principal | None,
    participant_ids: Iterable[uuid.UUID | None],
    action: str,
) -> None:
    """Record who read or changed these participants' data, in the caller's transaction.
    Guests are no participants (the audit log is by participant id): a guest's contact, or a
    guest registering themselves without a token, leaves no row."""
    named = [p for p in participant_ids if p is not None]
    if who is not None and named:
        await audit.record(conn, who, named, action, purpose_of(who))
