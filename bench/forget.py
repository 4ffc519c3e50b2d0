"""Forget what the benchmarks put on the platform's topics (`make bench` runs this last).

The benchmarks publish hundreds of thousands of synthetic events onto the local broker's
`voimala.*` topics. Tests and services that start a new consumer group read a topic from its
beginning, so after a bench they would wade through that history first (and tests waiting a
few seconds for their own event time out). This moves every partition's start to its end
(Kafka's DeleteRecords): nothing is rewritten, and offsets keep counting from where they are.
Run it only against the local broker the benchmarks used: it forgets *every* record there.
"""

from __future__ import annotations

import asyncio
import os

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.structs import TopicPartition
from voimala_contracts.topics import all_topics

BOOTSTRAP = os.environ.get("VOIMALA_KAFKA_BOOTSTRAP", "localhost:9092")


async def ends(bootstrap: str, names: list[str]) -> dict[TopicPartition, int]:
    """Every partition's end offset, for the topics that exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        known = set(await admin.list_topics())
        described = await admin.describe_topics([t for t in names if t in known])
    finally:
        await admin.close()
    parts = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
    if not parts:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()


async def forget(bootstrap: str = BOOTSTRAP) -> dict[TopicPartition, int]:
    """Delete every record before each partition's end; answers each partition's new start."""
    end = {tp: o for tp, o in (await ends(bootstrap, all_topics())).items() if o > 0}
    if not end:
        return {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await admin.delete_records(
            {tp: RecordsToDelete(before_offset=o) for tp, o in end.items()}
        )
    finally:
        await admin.close()


def main() -> None:
    starts = asyncio.run(forget(BOOTSTRAP))
    print(f"bench: {len(starts)} partitions of the voimala topics now start at their end")


if __name__ == "__main__":
    main()
