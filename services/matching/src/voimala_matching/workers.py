"""Background jobs: the ranking indexes loaded at start; unanswered proposals expired and
openings past their deadline closed."""

from __future__ import annotations

import asyncio

from voimala_kit.errors import sleep_or_stop
from voimala_kit.logging import get_logger
from voimala_kit.service import Platform

from .handlers import openings, openings_optimiser, proposals
from .handlers.deps import Deps
from .settings import Settings

log = get_logger(__name__)
BATCH = 100


async def load_ranking_indexes(platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
    """Load the ranking indexes before the first request needs them."""
    async with platform.db.connection() as conn:
        await platform.deps.indexes.sync(conn)
    await stop.wait()


async def expire_proposals(platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
    """Every `expiry_poll` seconds: proposals past their time expire (claimed with
    FOR UPDATE SKIP LOCKED, so replicas share the work), and the next candidates are proposed."""
    deps = platform.deps
    while not stop.is_set():
        while True:
            async with platform.db.transaction() as conn:
                expired = await proposals.expire_due(deps, conn, BATCH)
                closed = await openings.close_past_deadline(deps, conn, BATCH)
            if expired or closed:
                log.info("matching.expired", proposals=expired, openings=closed)
            if expired < BATCH and closed < BATCH:
                break
        await sleep_or_stop(platform.settings.expiry_poll, stop)


async def optimise_openings(platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
    """Every `optimiser_poll` seconds: if a change asked for it (a decline, an expiry, a new or
    changed opening or profile), one run of the openings optimiser over every opening; a
    burst of changes makes one run, and a run in another process is not waited for."""
    while not stop.is_set():
        async with platform.db.transaction() as conn:
            made = await openings_optimiser.run_requested(platform.deps, conn)
        if made is not None:
            log.info("matching.openings_optimised", proposed=made)
        await sleep_or_stop(platform.settings.optimiser_poll, stop)
