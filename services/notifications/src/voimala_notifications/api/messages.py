"""Delivery status for staff and ops: every message's status, never its body."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import TypeAdapter
from voimala_kit.http import Page, next_time_cursor, time_cursor

from ..handlers import deliveries as use
from ..repository.messages import DeliveryStatus
from .deps import Ops, PlatformDep, Watcher
from .schemas import DeliveryOut, Status

router = APIRouter(prefix="/messages", tags=["delivery"])
#: A page validated in one call, each item from its row's own fields (see `api.inbox`).
_DELIVERIES = TypeAdapter(list[DeliveryOut])


def _key(delivery: DeliveryStatus) -> tuple[datetime, uuid.UUID]:
    return delivery.created_at, delivery.id


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
    query = use.DeliveryQuery(status, recipient_id, time_cursor(cursor), limit + 1)
    async with platform.db.transaction() as conn:  # the read and its audit rows
        found = await use.list_deliveries(platform.deps, conn, query, who)
    items = _DELIVERIES.validate_python([vars(d) for d in found[:limit]])
    return Page[DeliveryOut](items=items, next_cursor=next_time_cursor(found, limit, _key))


@router.get("/summary")
async def summary(who: Watcher, platform: PlatformDep) -> dict[str, dict[str, int]]:
    """Counts by channel and status."""
    async with platform.db.connection() as conn:
        return await use.count_deliveries(platform.deps, conn)


@router.post("/{message_id}/retry", status_code=204)
async def retry(message_id: uuid.UUID, who: Ops, platform: PlatformDep) -> None:
    """Try a failed message again (e.g. after the address was corrected)."""
    async with platform.db.transaction() as conn:
        await use.retry_message(platform.deps, conn, message_id, who)
