"""What the endpoints share: the platform, who may call, and why they read."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Query
from voimala_kit import (
    STAFF,
    Connection,
    Platform,
    Principal,
    Problem,
    decode_cursor,
    encode_cursor,
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
    """Record the read in the transaction that reads."""
    await audit.write(conn, who.subject, sorted(who.roles), participant_ids, action, purpose)


def numbered_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, id) cursor of a list whose ids are numbers (the timeline, the audit trail);
    the kit's `time_cursor` reads those whose ids are UUIDs."""
    if not cursor:
        return None
    at, key = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(at), int(str(key))
    except (TypeError, ValueError):
        # The kit's answer to a cursor it did not give out, said here until the kit's
        # `time_cursor` reads numbered ids too.
        raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None


def next_numbered_cursor(
    rows: Sequence[T], limit: int, key: Callable[[T], tuple[datetime, int]]
) -> str | None:
    """The cursor after the page's last row, when one more than `limit` rows were read."""
    if len(rows) <= limit:
        return None
    at, number = key(rows[limit - 1])
    return encode_cursor([at.isoformat(), number])
