"""Work that waits for its lane's next batch, in arrival order (handlers/registration_queue)."""

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
class _Waiting(Generic[K, T, R]):
    key: K
    item: T
    answer: asyncio.Future[R]
    #: Counted off its lane (answered or dropped).
    released: bool = False


class Batcher(Generic[K, T, R]):
    """Items wait in one of a few lanes, in the order they came; at most one batch per lane
    runs in this process at a time, and it takes everything that waited in its lane (whatever
    their keys). `run` answers each item of a batch with its result or its own exception, in
    order.

    A key's items all go to one lane while any of them is outstanding (waiting or in a batch
    not yet answered): one key's items are run in the order they came, one batch after
    another, never in two batches at once. A key with nothing outstanding goes to the lane
    with the fewest items outstanding (so the lanes stay even, and a key always busy keeps
    its lane while the others share the rest)."""

    def __init__(self, max_batch: int = MAX_BATCH, lanes: int = 1) -> None:
        """`lanes`: how many batches may run side by side, each for its own keys: while one
        waits for the database, another works; each more lane also makes the batches smaller
        (the events service's `registration_lanes`, measured in docs/benchmarks/events.md)."""
        self._max = max_batch
        self._waiting: dict[int, list[_Waiting[K, T, R]]] = {}
        self._draining: dict[int, asyncio.Task[None]] = {}
        #: Keys with items outstanding: their lane and how many.
        self._lane_of: dict[K, tuple[int, int]] = {}
        #: Items outstanding per lane.
        self._load = [0] * lanes

    async def submit(
        self, key: K, item: T, run: Callable[[list[T]], Awaitable[list[R | Exception]]]
    ) -> R:
        """Queue the item behind those that came before it; its result (or exception)."""
        lane = self._bind(key)
        w: _Waiting[K, T, R] = _Waiting(key, item, asyncio.get_running_loop().create_future())
        self._waiting.setdefault(lane, []).append(w)
        if lane not in self._draining:
            self._draining[lane] = asyncio.create_task(self._drain(lane, run))
        return await w.answer

    def lane(self, key: K) -> int | None:
        """The lane the key's outstanding items are in (None: nothing outstanding)."""
        bound = self._lane_of.get(key)
        return None if bound is None else bound[0]

    def _bind(self, key: K) -> int:
        lane, n = self._lane_of.get(key, (-1, 0))
        if n == 0:
            lane = min(range(len(self._load)), key=self._load.__getitem__)
        self._lane_of[key] = (lane, n + 1)
        self._load[lane] += 1
        return lane

    def _release(self, w: _Waiting[K, T, R]) -> None:
        """The item is answered (or dropped): its key may move to another lane once it has
        nothing outstanding."""
        if w.released:
            return
        w.released = True
        lane, n = self._lane_of[w.key]
        self._load[lane] -= 1
        if n > 1:
            self._lane_of[w.key] = (lane, n - 1)
        else:
            del self._lane_of[w.key]

    def _take(self, lane: int) -> list[_Waiting[K, T, R]]:
        waiting = self._waiting.pop(lane, [])
        if len(waiting) > self._max:
            self._waiting[lane] = waiting[self._max :]
            waiting = waiting[: self._max]
        return waiting

    async def _drain(
        self, lane: int, run: Callable[[list[T]], Awaitable[list[R | Exception]]]
    ) -> None:
        taken: list[_Waiting[K, T, R]] = []
        try:
            while taken := self._take(lane):
                outcomes = await run([w.item for w in taken])
                for w, outcome in zip(taken, outcomes, strict=True):
                    self._release(w)
                    if w.answer.done():
                        continue  # the caller went away: the work stands
                    if isinstance(outcome, Exception):
                        w.answer.set_exception(outcome)
                    else:
                        w.answer.set_result(outcome)
        finally:
            # No await since the last empty take: nothing can have joined the lane. Stopped
            # half way (the process stops): whoever still waits is told so.
            del self._draining[lane]
            for w in taken + self._waiting.pop(lane, []):
                self._release(w)
                if not w.answer.done():
                    w.answer.cancel()
