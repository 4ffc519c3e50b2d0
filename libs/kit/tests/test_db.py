"""The pool's bounded wait: a request never queues for a connection longer than configured."""

from __future__ import annotations

import asyncio

import pytest
from voimala_kit import Database
from voimala_kit.errors import is_transient

from .conftest import KitSettings


async def test_waiting_for_a_connection_is_bounded_when_none_is_free(kit_dsn: str) -> None:
    settings = KitSettings(
        database_url=kit_dsn, db_pool_min=1, db_pool_max=1, db_acquire_timeout=0.3
    )
    database = await Database.connect(settings)
    try:
        # The guard fails the test if the pool's wait were unbounded (instead of hanging).
        async with database.connection() as held, asyncio.timeout(20):
            with pytest.raises(asyncio.TimeoutError) as caught:
                async with database.connection():
                    pass
            # The HTTP layer answers 503 with Retry-After for this, not 500.
            assert is_transient(caught.value)
            assert await held.fetchval("SELECT 1") == 1
        # Free again: the next caller gets it at once.
        async with database.connection() as conn:
            assert await conn.fetchval("SELECT 2") == 2
    finally:
        await database.close()
