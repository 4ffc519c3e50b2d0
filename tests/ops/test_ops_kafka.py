"""Reading the broker as an onlooker, on the real broker: the dead-letter counts on the status
page, taken for every service's topic in one go."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer
from voimala_ops.kafka import onlooker, topic_sizes


async def test_topic_sizes_counts_every_partition_of_every_topic_and_none_for_a_missing_one(
    kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    three = await new_topic("sizes", partitions=3)
    one = await new_topic("sizes", partitions=1)
    empty = await new_topic("sizes", partitions=2)
    missing = f"test.sizes.missing.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for partition in (0, 1, 2, 2, 1):  # five records over all three partitions
            await producer.send_and_wait(three, b"x", partition=partition)
        for _ in range(2):
            await producer.send_and_wait(one, b"y")
    finally:
        await producer.stop()

    async with onlooker(kafka_bootstrap) as consumer:
        sizes = await topic_sizes(consumer, [three, missing, one, empty])

    assert sizes == {three: 5, missing: 0, one: 2, empty: 0}
