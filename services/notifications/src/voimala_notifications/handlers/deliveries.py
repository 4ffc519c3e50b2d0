"""Delivery status for staff and ops: every message's status and reason, never its body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.refusals import conflict

from ..repository import messages
from ..repository.messages import DeliveryStatus
from .deps import Deps


@dataclass(frozen=True)
class DeliveryQuery:
    status: str | None
    recipient_id: uuid.UUID | None
    #: The (created_at, id) of the last message of the page before; None: the newest.
    before: tuple[datetime, uuid.UUID] | None
    limit: int


async def list_deliveries(
    deps: Deps, conn: Connection, query: DeliveryQuery
) -> list[DeliveryStatus]:
    """Messages newest first, by status and recipient."""
    return await messages.deliveries(
        conn, query.status, query.recipient_id, query.before, query.limit
    )


async def count_deliveries(deps: Deps, conn: Connection) -> dict[str, dict[str, int]]:
    """Counts by channel and status."""
    out: dict[str, dict[str, int]] = {}
    for c in await messages.counts(conn):
        out.setdefault(c.channel, {})[c.status] = c.n
    return out


async def retry_message(deps: Deps, conn: Connection, message_id: uuid.UUID) -> None:
    """Try a failed message again (e.g. after the address was corrected)."""
    if not await messages.requeue(conn, message_id, deps.clock.now()):
        raise conflict("only a failed message can be tried again", title="Not failed")
