"""The daily digest: one recipient's held e-mails of the day gathered into one e-mail."""

from __future__ import annotations

import uuid
from datetime import datetime

from voimala_kit.db import Connection

from ..domain.digests import TEMPLATE, digest_email, digest_values
from ..repository import deliveries, messages, recipients
from .deps import Deps


async def gather_digest(
    deps: Deps, conn: Connection, recipient_id: uuid.UUID, now: datetime
) -> None:
    """Queue the recipient's digest, unless another transaction is gathering it."""
    if not await deliveries.claim_digest(conn, recipient_id):
        return  # another loop or replica is gathering this one
    items = await deliveries.digest_items(conn, recipient_id, now)
    if not items:
        return
    (person,) = await recipients.many(conn, [recipient_id])
    rendered = deps.templates.render(
        TEMPLATE, person.preferred_language, digest_values(person, items)
    )
    digest_id = uuid.uuid4()
    await messages.add(conn, digest_email(recipient_id, rendered, digest_id, now))
    await deliveries.mark_digested(conn, [i.id for i in items], now, digest_id)
