"""Background jobs: expire unanswered proposals, close openings past their deadline."""

from __future__ import annotations

import asyncio

from voimala_kit import Platform, get_logger
from voimala_kit.errors import sleep_or_stop

from .handlers import proposals, registry
from .settings import Settings

log = get_logger(__name__)
BATCH = 100


async def expire_proposals(platform: Platform, stop: asyncio.Event) -> None:
    """Every `expiry_poll` seconds: proposals past their time expire (claimed with
    FOR UPDATE SKIP LOCKED, so replicas share the work), and the next candidates are proposed."""
    settings = platform.settings
    assert isinstance(settings, Settings)
    while not stop.is_set():
        while True:
            async with platform.db.transaction() as conn:
                expired = await proposals.expire_due(conn, platform.outbox, settings, BATCH)
                closed = await registry.close_past_deadline(conn, platform.outbox, BATCH)
            if expired or closed:
                log.info("matching.expired", proposals=expired, openings=closed)
            if expired < BATCH and closed < BATCH:
                break
        await sleep_or_stop(settings.expiry_poll, stop)
