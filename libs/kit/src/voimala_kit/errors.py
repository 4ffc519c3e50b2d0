"""Which errors are worth retrying, and how long to wait before the next attempt."""

from __future__ import annotations

import asyncio
import random

import asyncpg
from aiokafka.errors import KafkaError

__all__ = ["PermanentError", "TransientError", "backoff_delay", "is_transient", "sleep_or_stop"]


class TransientError(Exception):
    """Raised by a handler for a failure that will pass (a peer is down, a lock timed out)."""


class PermanentError(Exception):
    """Raised by a handler for an event that can never be applied.

    Its message is written to dead-letter headers and logs, so it must hold no personal data.
    """


_TRANSIENT = (
    TransientError,
    ConnectionError,
    TimeoutError,
    OSError,
    KafkaError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.QueryCanceledError,
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, _TRANSIENT)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Capped exponential backoff with full jitter (attempt counts from 1)."""
    ceiling: float = min(cap, base * 2 ** min(attempt - 1, 30))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security


async def sleep_or_stop(delay: float, stop: asyncio.Event) -> bool:
    """Sleep `delay` seconds unless asked to stop; True when stop was asked."""
    try:
        await asyncio.wait_for(stop.wait(), delay)
    except TimeoutError:
        return False
    return True
