"""Reading topics as an onlooker: no consumer group, nothing committed, no service disturbed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

__all__ = ["Record", "onlooker", "read_one", "read_topic", "topic_sizes"]

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


@asynccontextmanager
async def onlooker(bootstrap: str) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="voimala-ops",
        enable_auto_commit=False,
        request_timeout_ms=15_000,
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """The partitions of those of the topics that exist (asking for a missing one by name
    could create it)."""
    # The whole cluster's metadata: the client's own covers only the topics it already reads.
    cluster = await consumer._client.fetch_all_metadata()
    found = [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(cluster.partitions_for_topic(topic) or set())
    ]
    # The client tracks them from now on: its first offsets request would otherwise find no
    # leader in its own metadata and wait ~0.5 s for a refresh (measured on every status page).
    await consumer._client.set_topics(sorted({tp.topic for tp in found}))
    return found


async def read_topic(
    bootstrap: str, topic: str, since_ms: int | None = None, last: int = 0
) -> list[Record]:
    """Every record on the topic up to its end now: from `since_ms` (a time) if given, and
    only the `last` of each partition if given.

    A client of its own for each read: one that is assigned other partitions again is slow
    to fetch from them (seconds).
    """
    async with onlooker(bootstrap) as consumer:
        return await _read(consumer, topic, since_ms, last)


async def _read(
    consumer: AIOKafkaConsumer, topic: str, since_ms: int | None, last: int
) -> list[Record]:
    tps = await _partitions(consumer, [topic])
    if not tps:
        return []
    ends = await consumer.end_offsets(tps)
    starts = await consumer.beginning_offsets(tps)
    if since_ms is not None:
        found = await consumer.offsets_for_times(dict.fromkeys(tps, since_ms))
        starts = {tp: ends[tp] if found[tp] is None else found[tp].offset for tp in tps}
    if last:
        starts = {tp: max(starts[tp], ends[tp] - last) for tp in tps}
    wanted = [tp for tp in tps if ends[tp] > starts[tp]]
    if not wanted:
        return []
    consumer.assign(wanted)
    for tp in wanted:
        consumer.seek(tp, starts[tp])
    records: list[Record] = []
    async with asyncio.timeout(60):
        while wanted:
            batch = await consumer.getmany(*wanted, timeout_ms=500)
            for tp, part in batch.items():
                records.extend(r for r in part if r.offset < ends[tp])
            wanted = [tp for tp in wanted if await consumer.position(tp) < ends[tp]]
    return records


async def read_one(bootstrap: str, tp: TopicPartition, offset: int) -> Record | None:
    """The record at one offset, or None when there is none (any more)."""
    async with onlooker(bootstrap) as consumer:
        return await _read_one(consumer, tp, offset)


async def _read_one(consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> Record | None:
    if tp not in await _partitions(consumer, [tp.topic]):
        return None
    start = (await consumer.beginning_offsets([tp]))[tp]
    end = (await consumer.end_offsets([tp]))[tp]
    if not start <= offset < end:
        return None
    consumer.assign([tp])
    consumer.seek(tp, offset)
    async with asyncio.timeout(30):
        while True:
            batch = await consumer.getmany(tp, timeout_ms=500, max_records=1)
            for record in batch.get(tp, []):
                return record if record.offset == offset else None


async def topic_sizes(consumer: AIOKafkaConsumer, topics: list[str]) -> dict[str, int]:
    """How many records each topic holds now (end less beginning, over its partitions): one
    metadata request and one offsets request each way for all the topics together, so that the
    status page does not wait for three round trips per service one after another."""
    tps = await _partitions(consumer, topics)
    sizes = dict.fromkeys(topics, 0)
    if tps:
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        for tp in tps:
            sizes[tp.topic] += ends[tp] - starts[tp]
    return sizes
