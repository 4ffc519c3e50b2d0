"""The scheduler: kit workers run in every replica; each claims its rows with SKIP LOCKED.

- reminders: due reminders are claimed, emitted and marked sent in one transaction, so each is
  sent exactly once across replicas and restarts (a crash before commit leaves it unsent);
- horizon: once a day (per replica; inserts are idempotent) occurrences are generated ahead;
- no-shows: occurrences over for a while get their no-shows recorded, attendance then closes.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from voimala_kit import Platform, Worker
from voimala_kit.errors import sleep_or_stop
from voimala_kit.logging import get_logger

from . import clock
from .handlers import Policy
from .handlers.attendance import record_no_shows
from .handlers.reminders import send_due_reminders
from .handlers.series import extend_horizon
from .repository import occurrences

log = get_logger(__name__)


def scheduler(policy: Policy, poll: float, no_show_after: timedelta) -> Worker:
    async def run(platform: Platform, stop: asyncio.Event) -> None:
        horizon_done: date | None = None
        while not stop.is_set():
            busy = False
            async with platform.db.transaction() as conn:
                sent = await send_due_reminders(conn, platform.outbox)
            if sent:
                busy = True
                log.info("reminders.sent", count=sent)
            if horizon_done != clock.today():
                async with platform.db.transaction() as conn:
                    added = await extend_horizon(conn, policy)
                horizon_done = clock.today()
                log.info("horizon.extended", occurrences=added)
            async with platform.db.transaction() as conn:
                ended = await occurrences.ended_open(conn, clock.now() - no_show_after, 20)
                for occurrence_id in ended:
                    await record_no_shows(conn, platform.outbox, occurrence_id, "scheduler")
            busy = busy or bool(ended)
            if not busy and await sleep_or_stop(poll, stop):
                return

    return run
