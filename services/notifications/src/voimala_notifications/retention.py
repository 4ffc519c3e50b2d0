"""Retention of messages: a message (its words, its address, its delivery) is kept
`retention_message_days` after it was made, two years by default, then deleted.

Two years: long enough for a person's or staff's questions about what was sent ("did I get the
invitation last spring?"), for the delivery statistics of the programme year and the one before,
and for an access request to show it; no report reads older messages. The period is to be
confirmed with the data protection officer (docs/privacy.md) and is set by
`NOTIFICATIONS_RETENTION_MESSAGE_DAYS`. Every message older goes, whatever its status (one
still queued that old was never going to be sent: `stale_after_hours`).

Rows go in batches, oldest first, each batch its own transaction with the audit rows of the
recipients it touched (`messages.purged`, purpose `retention`, actor `system`); replicas
share the work (`SKIP LOCKED`). Counted in `voimala_retention_purged_rows_total{component=
"message"}` like the kit's own tables.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from voimala_kit import audit
from voimala_kit.errors import sleep_or_stop
from voimala_kit.logging import get_logger
from voimala_kit.metrics import RETENTION_PURGED
from voimala_kit.service import Platform

from .handlers.deps import Deps
from .settings import Settings

log = get_logger(__name__)

_PURGE = """
WITH gone AS (
    DELETE FROM message WHERE id = ANY(ARRAY(
        SELECT id FROM message WHERE created_at < $1 ORDER BY created_at
        LIMIT $2 FOR UPDATE SKIP LOCKED
    ))
    RETURNING recipient_id
)
SELECT recipient_id FROM gone
"""


async def purge_messages(platform: Platform[Settings, Deps], stop: asyncio.Event | None) -> int:
    """Every message past its period, batch by batch; how many went."""
    settings, deps = platform.settings, platform.deps
    cutoff = deps.clock.now() - timedelta(days=settings.retention_message_days)
    batch = settings.retention_batch_size
    total = 0
    while stop is None or not stop.is_set():
        async with platform.db.transaction() as conn:
            rows = await conn.fetch(_PURGE, cutoff, batch)
            ids = sorted({r["recipient_id"] for r in rows if r["recipient_id"] is not None})
            await audit.record(conn, audit.SYSTEM, ids, "messages.purged", "retention")
        total += len(rows)
        RETENTION_PURGED.labels(settings.service_name, "message").inc(len(rows))
        if len(rows) < batch:
            break
    if total:
        log.info("retention.messages_purged", messages=total)
    return total


async def message_retention(platform: Platform[Any, Any], stop: asyncio.Event) -> None:
    """The worker: purge at start, then every `retention_interval` seconds."""
    while not stop.is_set():
        await purge_messages(platform, stop)
        await sleep_or_stop(platform.settings.retention_interval, stop)
