"""The kit's partitioner puts every key where aiokafka's default (the Java client's) puts it."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Awaitable, Callable

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as reference
from voimala_kit.kafka import make_producer, murmur2, partition_for
from voimala_kit.testing import read_topic


def test_murmur2_equals_aiokafkas_for_every_length_and_byte() -> None:
    rng = random.Random(18)
    samples = [bytes(rng.randrange(256) for _ in range(n)) for n in range(80) for _ in range(40)]
    samples += [os.urandom(n) for n in (1, 2, 3, 5, 36, 37, 38, 39, 255, 4096)]
    samples += [b"\xff" * n for n in range(12)] + [str(uuid.uuid4()).encode() for _ in range(500)]
    assert [murmur2(s) for s in samples] == [reference(s) for s in samples]


def test_a_key_goes_to_the_partition_the_default_partitioner_chooses() -> None:
    default = DefaultPartitioner()
    keys = [str(uuid.uuid4()).encode() for _ in range(2000)] + [b"", b"a", b"ab", b"abc"]
    for count in (1, 3, 7, 1000):
        every = list(range(count))
        chosen = [partition_for(k, every, every) for k in keys]
        assert chosen == [default(k, every, every) for k in keys]
    assert len({partition_for(k, [0, 1, 2], [0, 1, 2]) for k in keys}) == 3


async def test_the_kits_producer_sends_each_key_to_its_partition_on_kafka(
    kafka_bootstrap: str, new_topic: Callable[[str], Awaitable[str]]
) -> None:
    topic = await new_topic("partitions")
    producer = make_producer(kafka_bootstrap, "partitioner-test")
    await producer.start()
    try:
        keys = [str(uuid.uuid4()).encode() for _ in range(60)]
        sent = [await producer.send_and_wait(topic, value=b"v", key=k) for k in keys]
        partitions = sorted(await producer.partitions_for(topic))
    finally:
        await producer.stop()
    assert partitions == [0, 1, 2]
    where = {k: m.partition for k, m in zip(keys, sent, strict=True)}
    assert where == {k: DefaultPartitioner()(k, partitions, partitions) for k in keys}
    records = await read_topic(kafka_bootstrap, topic, at_least=len(keys))
    assert {r.key: r.partition for r in records} == where
