"""The consumer's fetches while events keep coming, against the real PostgreSQL and Kafka: a
steady stream that the consumer keeps up with comes in fetches of several events (each a
transaction), not one each; each event once, in order; quiet again once the stream ends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from voimala_contracts import CloudEvent
from voimala_kit import Connection, Consumer, Database, Handler
from voimala_kit.testing import wait_for

from .conftest import Item, SampleHappened, consumer_of, effects, record_effects, sample

STREAM = 120


class _Watched(Consumer):
    """The kit's consumer, noting each change between quiet and busy fetches."""

    paces: list[bool]

    def _pace(self, consumer: AIOKafkaConsumer, busy: bool) -> bool:
        self.paces.append(busy)
        return super()._pace(consumer, busy)


async def _applied(db: Database) -> list[int]:
    return [r["seq"] for r in await effects(db)]


async def test_a_steady_stream_comes_in_fetches_of_several_each_once_in_order(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("fetched", partitions=1)
    subject = uuid.uuid4()
    order: list[int] = []
    transactions: list[list[int]] = []

    async def one(conn: Connection, data: Any, event: CloudEvent) -> None:
        await many(conn, [(data, event)])

    async def many(conn: Connection, items: Sequence[Item]) -> None:
        await record_effects(conn, items)
        transactions.append([d.seq for d, _ in items])
        order.extend(d.seq for d, _ in items)

    handlers: list[Handler[Any]] = [Handler(SampleHappened, one, apply_many=many)]
    consumer = consumer_of(db, producer, kafka_bootstrap, service, source, handlers, _Watched)
    assert isinstance(consumer, _Watched)
    consumer.paces = []

    async def send(seq: int) -> None:
        await producer.send_and_wait(
            source, sample(seq, subject).to_json(), key=str(subject).encode()
        )

    async def quiet_after(seq: int) -> bool:
        return seq in await _applied(db) and consumer.paces[-1:] == [False]

    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        # The consumer is assigned and has caught up, its fetches quiet again: the stream
        # below is read as it comes, not as a backlog (which always comes in big fetches).
        await send(0)
        await wait_for(lambda: quiet_after(0), timeout=30)
        for seq in range(1, STREAM + 1):
            await send(seq)  # one at a time, each acknowledged: ~1-3 ms apart
        await wait_for(lambda: quiet_after(STREAM), timeout=30)
    finally:
        stop.set()
        await task

    assert order == list(range(STREAM + 1))
    assert await _applied(db) == list(range(STREAM + 1))
    streamed = [t for t in transactions if t[0] > 0]
    # With a fetch answered at the first event, a consumer that keeps up applies about one
    # event a transaction; waiting a few ms at the broker while busy gathers several.
    assert len(streamed) <= STREAM / 5, [len(t) for t in streamed]
    assert consumer.paces.count(True) >= 2  # busy after the first event and in the stream
