"""What the endpoints share: the platform, who may call, and why they read."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Query
from voimala_kit import (
    STAFF,
    Connection,
    Platform,
    Principal,
    Problem,
    require,
)
from voimala_kit.service import get_platform

from ..handlers.deps import Deps
from ..repository import audit
from ..repository.participants import Reader
from ..settings import Settings

T = TypeVar("T")

PlatformDep = Annotated[Platform[Settings, Deps], Depends(get_platform)]

Staff = Annotated[Principal, Depends(require(*STAFF))]
StaffOrSelf = Annotated[Principal, Depends(require(*STAFF, "participant"))]
StaffOrOps = Annotated[Principal, Depends(require(*STAFF, "ops"))]
AuditReaders = Annotated[Principal, Depends(require("coordinator", "ops"))]
Anyone = Annotated[Principal, Depends(require(*STAFF, "participant", "employer", "mentor", "ops"))]

#: Why personal data is read when the caller does not say.
DEFAULT_PURPOSE = "case_work"
_PURPOSE = re.compile(r"^[\w .,:/()-]{1,200}$")


async def read_purpose(
    x_purpose: Annotated[str | None, Header(description="why the data is read")] = None,
    purpose: Annotated[str | None, Query(description="why the data is read (or X-Purpose)")] = None,
) -> str:
    given = x_purpose or purpose or DEFAULT_PURPOSE
    if not _PURPOSE.match(given):
        errors = [{"loc": ["header", "x-purpose"], "type": "value_error", "msg": "1-200 words"}]
        raise Problem(422, "Invalid request", "the purpose is not readable", errors=errors)
    return given


Purpose = Annotated[str, Depends(read_purpose)]


def own_or_staff(who: Principal, participant_id: uuid.UUID) -> None:
    """A participant reaches only their own record; staff reach every record."""
    if not who.has(*STAFF) and who.subject != str(participant_id):
        raise Problem(403, "Forbidden", "participants may reach only their own record")


def reader(who: Principal, purpose: str) -> Reader:
    return Reader(who.subject, sorted(who.roles), purpose)


async def audited(
    conn: Connection,
    who: Principal,
    participant_ids: Sequence[uuid.UUID],
    action: str,
    purpose: str,
) -> None:
    """Record the read in the transaction that reads (the kit's audit log)."""
    await audit.record(conn, who, participant_ids, action, purpose)
