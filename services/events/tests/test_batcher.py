"""The batcher's lanes (handlers/batcher.py), in one event loop: a key's items go in the order
they came, through one lane at a time, never in two batches at once; keys with nothing
outstanding go to the least busy lane; batches of different lanes run side by side."""

from __future__ import annotations

import asyncio

import pytest
from voimala_scheduling.handlers.batcher import Batcher


class _Runs:
    """Batches as run: their items, and which ran while another was still running."""

    def __init__(self) -> None:
        self.batches: list[list[tuple[str, int]]] = []
        self.running: list[set[str]] = []
        self.overlapped = 0
        self.release = asyncio.Event()

    async def run(self, items: list[tuple[str, int]]) -> list[int | Exception]:
        keys = {k for k, _ in items}
        assert all(not (keys & other) for other in self.running)  # one key: one batch at a time
        self.running.append(keys)
        self.overlapped = max(self.overlapped, len(self.running))
        self.batches.append(items)
        try:
            await self.release.wait()
        finally:
            self.running.remove(keys)
        return [ValueError(k) if n < 0 else n * 10 for k, n in items]


async def test_keys_spread_over_the_lanes_in_order_side_by_side() -> None:
    b: Batcher[str, tuple[str, int], int] = Batcher(lanes=2)
    runs = _Runs()
    first = [asyncio.create_task(b.submit(k, (k, n), runs.run)) for n, k in enumerate("abab")]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert b.lane("a") != b.lane("b")  # the second key went to the idle lane
    assert runs.overlapped == 2  # both lanes' first batches run at once
    # Meanwhile more for a: it stays in its lane (behind its batch running), and c joins the
    # least busy lane.
    lane_a = b.lane("a")
    more = [asyncio.create_task(b.submit(k, (k, n), runs.run)) for n, k in enumerate("aac", 4)]
    await asyncio.sleep(0)
    assert b.lane("a") == lane_a
    assert b.lane("c") == b.lane("b")  # a's lane has 4 outstanding, b's 2
    runs.release.set()
    assert await asyncio.gather(*first, *more) == [0, 10, 20, 30, 40, 50, 60]
    by_key: dict[str, list[int]] = {}
    for batch in runs.batches:
        for k, n in batch:
            by_key.setdefault(k, []).append(n)
    assert by_key == {"a": [0, 2, 4, 5], "b": [1, 3], "c": [6]}
    # Nothing outstanding: no key holds a lane any more.
    assert [b.lane(k) for k in "abc"] == [None, None, None]


async def test_a_key_keeps_its_lane_while_outstanding_and_moves_when_done() -> None:
    b: Batcher[str, tuple[str, int], int] = Batcher(lanes=2)
    runs = _Runs()
    busy = [asyncio.create_task(b.submit("hot", ("hot", n), runs.run)) for n in range(3)]
    await asyncio.sleep(0)
    hot = b.lane("hot")
    other = asyncio.create_task(b.submit("x", ("x", 1), runs.run))
    await asyncio.sleep(0)
    assert b.lane("x") not in (None, hot)
    later = asyncio.create_task(b.submit("hot", ("hot", 9), runs.run))
    await asyncio.sleep(0)
    assert b.lane("hot") == hot
    runs.release.set()
    await asyncio.gather(*busy, other, later)
    assert b.lane("hot") is None
    # A batch answering an item with its own exception: that caller's alone.
    fails = asyncio.create_task(b.submit("x", ("x", -1), runs.run))
    fine = asyncio.create_task(b.submit("x", ("x", 2), runs.run))
    assert await fine == 20
    with pytest.raises(ValueError, match=r"^x$"):
        await fails
