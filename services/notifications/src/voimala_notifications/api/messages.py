"""Delivery status for staff and ops: every message's status, never its body."""

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
from ..schemas import DeliveryOut, Status
from .deps import DepsDep

router = APIRouter(prefix="/messages", tags=["delivery"])
Watcher = Annotated[Principal, Depends(require(*STAFF, "ops"))]
Ops = Annotated[Principal, Depends(require("ops", "coordinator"))]


@router.get("", response_model=Page[DeliveryOut])
async def list_deliveries(
    who: Watcher,
    platform: PlatformDep,
    status: Status | None = None,
    recipient_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DeliveryOut]:
    """Messages newest first, by status and recipient: what is held, queued, failed and why."""
    before = None
    if cursor:
        created, mid = decode_cursor(cursor, 2)
        try:
            before = (datetime.fromisoformat(created), uuid.UUID(mid))
        except (TypeError, ValueError):
            raise Problem(400, "Bad cursor", "the cursor is not one this API gave out") from None
    async with platform.db.connection() as conn:
        rows = await repository.list_messages(conn, status, recipient_id, before, limit + 1)
    items = [DeliveryOut.model_validate(dict(r)) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last["created_at"].isoformat(), str(last["id"])])
    return Page[DeliveryOut](items=items, next_cursor=next_cursor)


@router.get("/summary")
async def summary(who: Watcher, platform: PlatformDep) -> dict[str, dict[str, int]]:
    """Counts by channel and status."""
    async with platform.db.connection() as conn:
        rows = await repository.counts(conn)
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["channel"], {})[r["status"]] = r["n"]
    return out


@router.post("/{message_id}/retry", status_code=204)
async def retry(message_id: uuid.UUID, who: Ops, platform: PlatformDep, deps: DepsDep) -> None:
    """Try a failed message again (e.g. after the address was corrected)."""
    async with platform.db.transaction() as conn:
        if not await repository.requeue(conn, message_id, deps.clock.now()):
            raise Problem(409, "Not failed", "only a failed message can be tried again")
