"""The scheduler: kit workers run in every replica; each claims its rows with SKIP LOCKED.

- reminders: due reminders are claimed, emitted and marked sent in one transaction, so each is
  sent exactly once across replicas and restarts (a crash before commit leaves it unsent);
- horizon: once a day (per replica; inserts are idempotent) occurrences are generated ahead;
- no-shows: occurrences over for a while get their no-shows recorded, attendance then closes.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from voimala_kit.errors import sleep_or_stop
from voimala_kit.logging import get_logger
from voimala_kit.service import Platform

from .handlers.attendance import RecordNoShows, record_no_shows
from .handlers.deps import Deps
from .handlers.reminders import send_due_reminders
from .handlers.series import extend_horizon
from .repository import occurrences
from .settings import Settings

log = get_logger(__name__)


async def scheduler(platform: Platform[Settings, Deps], stop: asyncio.Event) -> None:
    """Until `stop`: each round sends due reminders, extends the horizon once a day and
    records no-shows; it sleeps only when a round found nothing to do."""
    horizon_done: date | None = None
    while not stop.is_set():
        sent = await _send_reminders(platform)
        today = platform.deps.clock.today()
        if horizon_done != today:
            await _extend_horizon(platform)
            horizon_done = today
        ended = await _record_no_shows(platform)
        busy = bool(sent or ended)
        if not busy and await sleep_or_stop(platform.settings.scheduler_poll_seconds, stop):
            return


async def _send_reminders(platform: Platform[Settings, Deps]) -> int:
    async with platform.db.transaction() as conn:
        sent = await send_due_reminders(platform.deps, conn)
    if sent:
        log.info("reminders.sent", count=sent)
    return sent


async def _extend_horizon(platform: Platform[Settings, Deps]) -> None:
    async with platform.db.transaction() as conn:
        added = await extend_horizon(platform.deps, conn)
    log.info("horizon.extended", occurrences=added)


async def _record_no_shows(platform: Platform[Settings, Deps]) -> int:
    """No-shows of up to 20 occurrences ended a while ago; how many occurrences there were."""
    after = timedelta(hours=platform.settings.no_show_after_hours)
    async with platform.db.transaction() as conn:
        deps = platform.deps
        ended = await occurrences.ended_open(conn, deps.clock.now() - after, 20)
        for occurrence_id in ended:
            await record_no_shows(deps, conn, RecordNoShows(occurrence_id, "scheduler"))
    return len(ended)
