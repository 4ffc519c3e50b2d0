"""Background jobs: ended sessions, expired sign-in links and old rate-limit counts are removed."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from voimala_kit import Platform, Worker, get_logger
from voimala_kit.clock import SystemClock

from .repository import sessions, signin_links
from .settings import Settings

log = get_logger(__name__)
PURGE_EVERY = 300.0


async def purge_sessions(platform: Platform[Settings, None], stop: asyncio.Event) -> None:
    settings = platform.settings
    clock = SystemClock()
    while not stop.is_set():
        async with platform.db.transaction() as conn:
            removed = await sessions.purge(
                conn, clock.now(), timedelta(minutes=settings.session_idle_minutes)
            )
            removed += await signin_links.purge(
                conn, clock.now(), timedelta(minutes=settings.signin_window_minutes)
            )
        if removed:
            log.info("portal.sessions_purged", count=removed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_EVERY)


WORKERS: list[tuple[str, Worker]] = [("purge_sessions", purge_sessions)]
