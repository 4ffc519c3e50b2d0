"""What the pipeline cannot beat: Kafka alone (same producer settings, same message size, a
consumer in another process) and PostgreSQL alone (the same writes with the same concurrency)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common import (
    BOOTSTRAP,
    PARTITIONS,
    CpuMeter,
    Latency,
    connect,
    fresh_topics,
    receive,
    run_loop,
    run_writers,
    unique,
    write_one,
)
from voimala_contracts import STRUCTURED
from voimala_kit import Outbox
from voimala_kit.kafka import make_producer

_STAMP = 20  # bytes at the start of a raw message that hold its send time


@dataclass
class KafkaResult:
    offered: float | None
    messages: int
    seconds: float  # first send -> last receive
    latency: Latency
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds


def raw_consumer_process(topic: str, count: int, out: Queue[Any]) -> None:
    """Reads `count` messages from the start of every partition; sends (sent, received) pairs."""
    run_loop(_raw_consume(topic, count, out))


async def _raw_consume(topic: str, count: int, out: Queue[Any]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        for tp in tps:
            await consumer.position(tp)
        out.put(("ready", None))
        pairs: list[tuple[float, float]] = []
        while len(pairs) < count:
            batches = await consumer.getmany(timeout_ms=200)
            received = time.time()
            pairs.extend(
                (float(r.value[:_STAMP]), received)
                for records in batches.values()
                for r in records
                if r.value is not None
            )
        out.put(("done", pairs))
    finally:
        await consumer.stop()


async def kafka_bound(messages: int, size: int, rate: float | None) -> KafkaResult:
    """Produce `messages` of `size` bytes (at `rate`/s, or flat out) and consume elsewhere."""
    topic = unique("raw")
    async with fresh_topics([topic]):
        ctx = multiprocessing.get_context("spawn")
        out: Queue[Any] = ctx.Queue()
        child = ctx.Process(
            target=raw_consumer_process, args=(topic, messages, out), name="bench-raw-consumer"
        )
        child.start()
        producer = make_producer(BOOTSTRAP, "bench-raw")
        await producer.start()
        try:
            await receive(out, child, timeout=60)
            # No database in this run: every PostgreSQL client backend is someone else's.
            cpu = CpuMeter({"producer": os.getpid(), "consumer": child.pid or 0}, database="-")
            started = time.time()
            await _produce(producer, topic, messages, size, rate)
            _, pairs = await receive(out, child, timeout=300)
            cores = cpu.cores()
        finally:
            await producer.stop()
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
    return KafkaResult(
        offered=rate,
        messages=messages,
        seconds=max(r for _, r in pairs) - started,
        latency=Latency.of([r - s for s, r in pairs]),
        cpu=cores,
    )


async def _produce(
    producer: AIOKafkaProducer, topic: str, messages: int, size: int, rate: float | None
) -> None:
    """Send like the relay does (a key per aggregate, the CloudEvents header), then await acks."""
    loop = asyncio.get_running_loop()
    origin = loop.time()
    headers = list(STRUCTURED)
    acks = []
    for i in range(messages):
        if rate and (delay := origin + i / rate - loop.time()) > 0:
            await asyncio.sleep(delay)
        value = f"{time.time():<{_STAMP}.6f}".encode().ljust(size, b"x")
        key = str(uuid.uuid4()).encode()
        acks.append(await producer.send(topic, value=value, key=key, headers=headers))
    await asyncio.gather(*acks)


@dataclass
class DatabaseResult:
    commits: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.commits / self.seconds


async def database_bound(dsn: str, commits: int, writers: int) -> DatabaseResult:
    """The same transactions as the pipeline's writers, flat out, with nothing reading them."""
    db = await connect(dsn, pool_max=writers + 2)
    outbox = Outbox("bench", topic="bench.unpublished")
    try:

        async def write(seq: int) -> float:
            return await write_one(db, outbox, seq)

        await run_writers(write, range(-min(commits, 1000), 0), writers, None)  # warm-up
        cpu = CpuMeter({"writers": os.getpid()}, database=dsn.rpartition("/")[2])
        run = await run_writers(write, range(commits), writers, None)
        cores = cpu.cores()
    finally:
        await db.close()
    return DatabaseResult(commits, run.finished - run.started, cores)
