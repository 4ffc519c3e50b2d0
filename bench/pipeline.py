"""The platform's real path: writers (state row + Outbox.add, one commit each) and the Relay in
this process, the kit's Consumer applying each event in a process of its own."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from common import (
    BOOTSTRAP,
    BenchHappened,
    CpuMeter,
    Latency,
    WriteRun,
    connect,
    fresh_topics,
    quiet_logs,
    receive,
    run_writers,
    unique,
    write_one,
)
from voimala_contracts import CloudEvent, topics
from voimala_kit import Connection, Consumer, Handler, Outbox, Relay
from voimala_kit.kafka import make_producer

_EFFECT = "INSERT INTO bench_effect (event_id, seq) VALUES ($1, $2)"


@dataclass
class Stage:
    """How often a stage ran, how many events it moved and how long it took."""

    rounds: int = 0
    events: int = 0
    seconds: float = 0.0
    commit_seconds: float = 0.0  # the consumer's Kafka offset commits

    def add(self, events: int, seconds: float) -> None:
        self.rounds += 1
        self.events += events
        self.seconds += seconds

    def describe(self) -> str:
        if not self.rounds:
            return "-"
        per_round = self.seconds / self.rounds * 1000
        per_event = self.seconds / max(self.events, 1) * 1000
        return (
            f"{self.rounds} rounds, {self.events / self.rounds:.0f} events each, "
            f"{per_round:.1f} ms each ({per_event:.3f} ms/event)"
        )


class TimedRelay(Relay):
    """The kit's Relay, timing each non-empty batch (claim, publish, acks, delete, commit)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = Stage()

    async def publish_batch(self) -> int:
        started = time.perf_counter()
        sent = await super().publish_batch()
        if sent:
            self.stage.add(sent, time.perf_counter() - started)
        return sent


class TimedConsumer(Consumer):
    """The kit's Consumer, stamping each applied event with the time its transaction committed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, handlers=[Handler(BenchHappened, self.apply)], **kwargs)
        self.pending: list[int] = []  # seqs applied in the transaction now open
        self.done: list[tuple[int, float]] = []  # (seq, wall-clock commit time of its effect)
        self.stage = Stage()

    async def apply(self, conn: Connection, data: BenchHappened, event: CloudEvent) -> None:
        await conn.execute(_EFFECT, event.id, data.seq)
        self.pending.append(data.seq)

    async def process(
        self, tp: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> None:
        started = time.perf_counter()
        await super().process(tp, records)
        committed = time.time()
        self.stage.add(len(records), time.perf_counter() - started)
        self.done.extend((seq, committed) for seq in self.pending)
        self.pending.clear()

    async def commit(self, consumer: Any, tp: TopicPartition, offset: int) -> None:
        started = time.perf_counter()
        await super().commit(consumer, tp, offset)
        self.stage.commit_seconds += time.perf_counter() - started


def consumer_process(
    dsn: str, topic: str, service: str, warmup: int, total: int, out: Queue[Any]
) -> None:
    """Entry point of the consumer process: says "warm" after the warm-up, then sends results."""
    quiet_logs()
    asyncio.run(_consume(dsn, topic, service, warmup, total, out))


async def _consume(
    dsn: str, topic: str, service: str, warmup: int, total: int, out: Queue[Any]
) -> None:
    db = await connect(dsn, pool_max=4)
    producer = make_producer(BOOTSTRAP, f"{service}-consumer")  # for dead letters only
    await producer.start()
    stop = asyncio.Event()
    consumer = TimedConsumer(
        db,
        producer,
        service=service,
        group_id=service,
        bootstrap_servers=BOOTSTRAP,
        subscribe=[topic],
    )
    task = asyncio.create_task(consumer.run(stop))
    try:
        await _until(consumer, task, warmup)
        consumer.stage = Stage()
        out.put(("warm", None))
        await _until(consumer, task, total)
        measured = [(seq, t) for seq, t in consumer.done if seq >= warmup]
        out.put(("done", (measured, consumer.stage)))
    finally:
        stop.set()
        await task
        await producer.stop()
        await db.close()


async def _until(consumer: TimedConsumer, task: asyncio.Task[None], count: int) -> None:
    while len(consumer.done) < count:
        if task.done():
            task.result()
            raise RuntimeError("the consumer stopped early")
        await asyncio.sleep(0.02)


@dataclass
class PipelineResult:
    offered: float | None  # events/s offered by the writers; None: as fast as they can
    events: int
    seconds: float  # first measured write started -> last effect committed
    writes: WriteRun
    latency: Latency
    tail_max: float  # ms, the slowest of the last 1 % of events written
    relay: Stage
    consumer: Stage
    cpu: dict[str, float] = field(default_factory=dict)  # cores used, per component

    @property
    def throughput(self) -> float:
        return self.events / self.seconds


async def run_pipeline(
    dsn: str, events: int, warmup: int, writers: int, rate: float | None
) -> PipelineResult:
    service = f"bench{uuid.uuid4().hex[:8]}"  # names the consumer group and dead-letter topic
    topic = unique("pipeline")
    async with fresh_topics([topic, topics.dead_letter(service)]):
        ctx = multiprocessing.get_context("spawn")
        out: Queue[Any] = ctx.Queue()
        child = ctx.Process(
            target=consumer_process,
            args=(dsn, topic, service, warmup, warmup + events, out),
            name="bench-consumer",
        )
        child.start()
        try:
            return await _drive(dsn, topic, child, out, events, warmup, writers, rate)
        finally:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()


async def _drive(
    dsn: str,
    topic: str,
    child: multiprocessing.process.BaseProcess,
    out: Queue[Any],
    events: int,
    warmup: int,
    writers: int,
    rate: float | None,
) -> PipelineResult:
    db = await connect(dsn, pool_max=writers + 2)
    producer = make_producer(BOOTSTRAP, "bench-relay")
    await producer.start()
    relay = TimedRelay(db, producer, service="bench")
    outbox = Outbox("bench", topic=topic)
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    try:

        async def write(seq: int) -> float:
            return await write_one(db, outbox, seq)

        await run_writers(write, range(warmup), writers, rate)
        await receive(out, child, timeout=120)
        relay.stage = Stage()
        cpu = CpuMeter({"writers+relay": os.getpid(), "consumer": child.pid or 0})
        writes = await run_writers(write, range(warmup, warmup + events), writers, rate)
        _, (done, consumer_stage) = await receive(out, child, timeout=300)
        cores = cpu.cores()
    finally:
        stop.set()
        await relaying
        await producer.stop()
        await db.close()
    latency = {seq: t - writes.commits[seq] for seq, t in done}
    last = sorted(writes.commits, key=writes.commits.__getitem__)[-max(1, events // 100) :]
    return PipelineResult(
        offered=rate,
        events=events,
        seconds=max(t for _, t in done) - writes.started,
        writes=writes,
        latency=Latency.of(list(latency.values())),
        tail_max=max(latency[seq] for seq in last) * 1000,
        relay=relay.stage,
        consumer=consumer_stage,
        cpu=cores,
    )
