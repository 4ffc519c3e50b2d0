"""HTTP entrypoints: a person's in-app inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from voimala_kit import (
    STAFF,
    Page,
    PlatformDep,
    Principal,
    Problem,
    decode_cursor,
    encode_cursor,
    require,
)

from .. import repository
from ..schemas import MessageOut

router = APIRouter(prefix="/recipients", tags=["inbox"])
Reader = Annotated[Principal, Depends(require(*STAFF, "ops", "participant", "mentor", "employer"))]


def _own_or_staff(who: Principal, recipient_id: uuid.UUID) -> None:
    if who.has(*STAFF, "ops") or who.subject == str(recipient_id):
        return
    raise Problem(403, "Forbidden", "you may read only your own messages")


@router.get("/{recipient_id}/messages", response_model=Page[MessageOut])
async def list_messages(
    recipient_id: uuid.UUID,
    who: Reader,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[MessageOut]:
    """A person's messages, newest first."""
    _own_or_staff(who, recipient_id)
    before = None
    if cursor:
        created, mid = decode_cursor(cursor, 2)
        try:
            before = (datetime.fromisoformat(created), uuid.UUID(mid))
        except (TypeError, ValueError):
            raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None
    async with platform.db.connection() as conn:
        rows = await repository.messages(conn, recipient_id, before, limit + 1)
    items = [MessageOut.model_validate(dict(r)) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last["created_at"].isoformat(), str(last["id"])])
    return Page[MessageOut](items=items, next_cursor=next_cursor)


@router.post("/{recipient_id}/messages/{message_id}/read", status_code=204)
async def mark_read(
    recipient_id: uuid.UUID, message_id: uuid.UUID, who: Reader, platform: PlatformDep
) -> None:
    if who.subject != str(recipient_id):
        raise Problem(403, "Forbidden", "only the recipient marks a message read")
    async with platform.db.transaction() as conn:
        if await repository.mark_read(conn, recipient_id, message_id) is None:
            raise Problem(404, "Not found", "no such message in this inbox")
