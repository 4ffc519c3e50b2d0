"""Waking the delivery loops when messages became due, instead of polling for them.

A transaction that adds messages due now announces it (`repository.messages`' insert: a
PostgreSQL NOTIFY, delivered when it commits, once per transaction however many messages it
added). Each delivering process listens on a connection of its own, outside the pool, and
wakes its loops; whichever process wrote the messages. The loops still look by themselves
every `delivery_idle_poll` seconds, for what no one announces: held messages whose time came,
retries, and whatever was committed while the listening connection was being made again.

Measured (bench/notifications_smtp.py, 1,000 events/s): polling every 20 ms for latency cost
two statements and a transaction a poll, mostly finding nothing, as the consumer commits its
messages in batches a few times a second.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from voimala_kit.logging import get_logger
from voimala_kit.service import Platform

from ..repository.messages import DUE_CHANNEL

log = get_logger(__name__)


class Wakeup:
    """Set when messages became due; the delivery loops wait on it between rounds."""

    def __init__(self) -> None:
        self._due = asyncio.Event()

    def set(self) -> None:
        self._due.set()

    async def wait(self, timeout: float, stop: asyncio.Event) -> bool:
        """Until woken, asked to stop, or `timeout` seconds; True when stop was asked. The
        wake is taken: what is announced from now on wakes the next wait."""
        if not self._due.is_set() and not stop.is_set():
            woken = asyncio.ensure_future(self._due.wait())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait((woken, stopping), timeout=timeout, return_when="FIRST_COMPLETED")
            woken.cancel()
            stopping.cancel()
        self._due.clear()
        return stop.is_set()

    async def __call__(self, platform: Platform[Any, Any], stop: asyncio.Event) -> None:
        """Listen for announcements until stopped (a kit worker: restarted if it fails)."""
        conn = await asyncpg.connect(platform.db.dsn)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await conn.add_listener(DUE_CHANNEL, lambda *_: self._due.set())
            self._due.set()  # what was committed while no one listened is looked for now
            waiting = [asyncio.ensure_future(e.wait()) for e in (stop, lost)]
            await asyncio.wait(waiting, return_when="FIRST_COMPLETED")
            for task in waiting:
                task.cancel()
        finally:
            await conn.close()
        if lost.is_set() and not stop.is_set():
            log.warning("delivery.wakeup_lost")
            raise ConnectionError("the listening connection was lost")
