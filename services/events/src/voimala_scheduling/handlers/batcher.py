"""Work that waits for its key's next batch, in arrival order (handlers/registration_queue)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")

#: The most items one batch takes (the rest wait for the next).
MAX_BATCH = 256


@dataclass
class _Waiting(Generic[T, R]):
    item: T
    answer: asyncio.Future[R]


class Batcher(Generic[K, T, R]):
    """Per key, the items waiting in the order they came; at most one batch per key runs in
    this process at a time, and it takes everything that waited for it. `run` answers each
    item of a batch with its result or its own exception, in order."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self._max = max_batch
        self._waiting: dict[K, list[_Waiting[T, R]]] = {}
        self._draining: dict[K, asyncio.Task[None]] = {}

    async def submit(
        self, key: K, item: T, run: Callable[[list[T]], Awaitable[list[R | Exception]]]
    ) -> R:
        """Queue the item behind those that came before it; its result (or exception)."""
        w: _Waiting[T, R] = _Waiting(item, asyncio.get_running_loop().create_future())
        self._waiting.setdefault(key, []).append(w)
        if key not in self._draining:
            self._draining[key] = asyncio.create_task(self._drain(key, run))
        return await w.answer

    def _take(self, key: K) -> list[_Waiting[T, R]]:
        waiting = self._waiting.pop(key, [])
        if len(waiting) > self._max:
            self._waiting[key] = waiting[self._max :]
            waiting = waiting[: self._max]
        return waiting

    async def _drain(
        self, key: K, run: Callable[[list[T]], Awaitable[list[R | Exception]]]
    ) -> None:
        taken: list[_Waiting[T, R]] = []
        try:
            while taken := self._take(key):
                outcomes = await run([w.item for w in taken])
                for w, outcome in zip(taken, outcomes, strict=True):
                    if w.answer.done():
                        continue  # the caller went away: the work stands
                    if isinstance(outcome, Exception):
                        w.answer.set_exception(outcome)
                    else:
                        w.answer.set_result(outcome)
        finally:
            # No await since the last empty take: nothing can have joined the queue. Stopped
            # half way (the process stops): whoever still waits is told so.
            del self._draining[key]
            for w in taken + self._waiting.pop(key, []):
                if not w.answer.done():
                    w.answer.cancel()
