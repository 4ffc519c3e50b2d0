"""Background work: the privacy sweep (retention erasures, exports purged, keys destroyed)
and the worklist sweep (participants with no activity for a month)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from voimala_kit.errors import sleep_or_stop
from voimala_kit.logging import get_logger
from voimala_kit.service import Platform

from .handlers.access import purge_exports
from .handlers.deps import Deps
from .handlers.erasure import destroy_keys, erase_expired
from .handlers.worklist import notice_inactive
from .settings import Settings

log = get_logger(__name__)
BATCH = 50


@dataclass(frozen=True)
class Swept:
    erased: int = 0
    purged: int = 0
    keys_destroyed: int = 0


async def sweep_once(platform: Platform[Settings, Deps]) -> Swept:
    """One round: every exited participant past the retention period erased (a batch per
    transaction, claimed with SKIP LOCKED so that replicas share the work), exports past
    their time purged, and the keys of the erased destroyed."""
    deps = platform.deps
    erased = 0
    while True:
        async with platform.db.transaction() as conn:
            done = await erase_expired(deps, conn, BATCH)
        erased += done
        if done < BATCH:
            break
    async with platform.db.transaction() as conn:
        purged = await purge_exports(deps, conn)
    destroyed = 0
    while True:
        async with platform.db.transaction() as conn:
            done = await destroy_keys(deps, conn, BATCH)
        destroyed += done
        if done < BATCH:
            break
    return Swept(erased, purged, destroyed)


async def privacy_sweep(platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
    """Every `privacy_sweep_every` seconds, `sweep_once`."""
    while not stop.is_set():
        swept = await sweep_once(platform)
        if swept != Swept():
            log.info(
                "participants.privacy_swept",
                erased=swept.erased,
                purged=swept.purged,
                keys_destroyed=swept.keys_destroyed,
            )
        await sleep_or_stop(platform.settings.privacy_sweep_every, stop)


async def worklist_sweep(platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
    """Every `worklist_sweep_every` seconds, an item for each participant gone inactive."""
    while not stop.is_set():
        async with platform.db.transaction() as conn:
            added = await notice_inactive(platform.deps, conn)
        if added:
            log.info("participants.worklist_inactive", added=len(added))
        await sleep_or_stop(platform.settings.worklist_sweep_every, stop)


WORKERS = [("privacy_sweep", privacy_sweep), ("worklist_sweep", worklist_sweep)]
