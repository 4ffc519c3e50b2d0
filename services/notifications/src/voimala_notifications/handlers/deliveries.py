"""Delivery status for staff and ops: every message's status and reason, never its body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit import audit
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict

from ..repository import messages
from ..repository.messages import DeliveryStatus
from .deps import Deps, purpose_of


@dataclass(frozen=True)
class DeliveryQuery:
    status: str | None
    recipient_id: uuid.UUID | None
    #: The (created_at, id) of the last message of the page before; None: the newest.
    before: tuple[datetime, uuid.UUID] | None
    limit: int


async def list_deliveries(
    deps: Deps, conn: Connection, query: DeliveryQuery, who: Principal
) -> list[DeliveryStatus]:
    """Messages newest first, by status and recipient. Metadata, but it names the people it
    went to: the read is audited for each recipient on the page."""
    found = await messages.deliveries(
        conn, query.status, query.recipient_id, query.before, query.limit
    )
    named = [d.recipient_id for d in found]
    if query.recipient_id is not None:
        named.insert(0, query.recipient_id)
    await audit.record(conn, who, named, "deliveries.read", purpose_of(who))
    return found


async def count_deliveries(deps: Deps, conn: Connection) -> dict[str, dict[str, int]]:
    """Counts by channel and status."""
    out: dict[str, dict[str, int]] = {}
    for c in await messages.counts(conn):
        out.setdefault(c.channel, {})[c.status] = c.n
    return out


async def retry_message(
    deps: Deps, conn: Connection, message_id: uuid.UUID, who: Principal
) -> None:
    """Try a failed message again (e.g. after the address was corrected); audited."""
    recipient_id = await messages.requeue(conn, message_id, deps.clock.now())
    if recipient_id is None:
        raise conflict("only a failed message can be tried again", title="Not failed")
    await audit.record(conn, who, [recipient_id], "message.retried", purpose_of(who))
