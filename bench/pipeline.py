"""The platform's real path: writers (state row + Outbox.add, one commit each) and the Relay in
this process, the kit's Consumer applying each event in a process of its own."""

from __future__ import annotations

import asyncio
import gc
import itertools
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any

import asyncpg
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
    run_loop,
    run_writers,
    unique,
    write_one,
)
from voimala_contracts import CloudEvent, topics
from voimala_kit import Connection, Consumer, Handler, Outbox, Relay
from voimala_kit.kafka import make_producer
from voimala_kit.relay import Sent

_EFFECT = "INSERT INTO bench_effect (event_id, seq) VALUES ($1, $2)"
# A fetch's new events in one statement (the kit's `Handler.apply_many`), as a service's
# handler that wants throughput writes them.
_EFFECTS = """
INSERT INTO bench_effect (event_id, seq) SELECT * FROM unnest($1::uuid[], $2::integer[])
"""


@dataclass
class Stage:
    """How often a stage ran, how many events it moved and how long it took."""

    rounds: int = 0
    events: int = 0
    seconds: float = 0.0
    commit_seconds: float = 0.0  # the consumer's Kafka offset commits
    commits: int = 0
    empty: int = 0  # the relay's claims that found nothing (it then idles until woken)

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
    """The kit's Relay, timing each non-empty batch from the start of its claim to its commit
    (claim, send, acks, delete, commit; the next batch is claimed and sent meanwhile) and
    noting, per key, when the batch that published it started and committed."""

    def __init__(self, db: Any, producer: Any, **kwargs: Any) -> None:
        super().__init__(db, producer, **kwargs)
        self.stage = Stage()
        self.batches: dict[bytes, tuple[float, float]] = {}  # key -> (started, committed)
        self._started: dict[int, tuple[float, float]] = {}  # id(sent) -> (perf, wall) times

    async def send_batch(self) -> Sent | None:
        started, wall = time.perf_counter(), time.time()
        sent = await super().send_batch()
        if sent is None:
            self.stage.empty += 1
        else:
            self._started[id(sent)] = (started, wall)
        return sent

    async def finish(self, sent: Sent) -> int:
        count = await super().finish(sent)
        started, wall = self._started.pop(id(sent))
        self.stage.add(count, time.perf_counter() - started)
        span = (wall, time.time())
        for row in sent.rows:
            self.batches[row[2].encode()] = span
        return count


class TimedConsumer(Consumer):
    """The kit's Consumer, stamping each applied event with the time its fetch returned and
    the time its transaction committed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        handler = Handler(BenchHappened, self.apply, apply_many=self.apply_many)
        super().__init__(*args, handlers=[handler], **kwargs)
        self.pending: list[tuple[int, str]] = []  # (seq, subject) applied in the open transaction
        # (seq, subject, wall-clock time its fetch returned, wall-clock commit time of its effect)
        self.done: list[tuple[int, str, float, float]] = []
        self.stage = Stage()

    async def apply(self, conn: Connection, data: BenchHappened, event: CloudEvent) -> None:
        await conn.execute(_EFFECT, event.id, data.seq)
        self.pending.append((data.seq, event.subject))

    async def apply_many(
        self, conn: Connection, items: Sequence[tuple[BenchHappened, CloudEvent]]
    ) -> None:
        await conn.execute(_EFFECTS, [e.id for _, e in items], [d.seq for d, _ in items])
        self.pending.extend((d.seq, e.subject) for d, e in items)

    async def process_many(
        self, batches: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]
    ) -> None:
        started, fetched = time.perf_counter(), time.time()
        await super().process_many(batches)
        committed = time.time()
        self.stage.add(sum(len(r) for r in batches.values()), time.perf_counter() - started)
        self.done.extend((seq, sid, fetched, committed) for seq, sid in self.pending)
        self.pending.clear()

    async def commit(self, consumer: Any, offsets: Mapping[TopicPartition, int]) -> None:
        started = time.perf_counter()
        await super().commit(consumer, offsets)
        self.stage.commit_seconds += time.perf_counter() - started
        self.stage.commits += 1


def freeze() -> None:
    """What a service does after start-up (voimala_kit.service.serve): what lives as long as
    the process is left out of the collector's full collections."""
    gc.collect()
    gc.freeze()


class GcWatch:
    """Garbage collections of the oldest generation in this process, and the longest pause."""

    def __init__(self) -> None:
        self.full = 0
        self.longest = 0.0
        self._started = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.longest = max(self.longest, time.perf_counter() - self._started)
        self.full += info["generation"] == 2

    def reading(self) -> tuple[int, float]:
        """The counts so far; the watch stops."""
        if self._note in gc.callbacks:
            gc.callbacks.remove(self._note)
        return self.full, self.longest * 1000


# What PostgreSQL did besides the pipeline's statements: checkpoints, and who vacuumed the
# outbox and the inbox (the relay's own VACUUM counts as a manual one).
_PG_COUNTERS = """
SELECT (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) AS checkpoints,
       (SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'outbox') AS outbox_vacuums,
       (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = 'outbox')
           AS outbox_autovacuums,
       (SELECT autovacuum_count + autoanalyze_count FROM pg_stat_user_tables
        WHERE relname = 'inbox') AS inbox_autovacuums
"""


async def pg_counters(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(_PG_COUNTERS)
    finally:
        await conn.close()
    return {k: int(v or 0) for k, v in dict(row or {}).items()}


def consumer_process(
    dsn: str, topic: str, service: str, warmup: int, total: int, out: Queue[Any]
) -> None:
    """Entry point of the consumer process: says "warm" after the warm-up, then sends results."""
    quiet_logs()
    run_loop(_consume(dsn, topic, service, warmup, total, out))


async def _consume(
    dsn: str, topic: str, service: str, warmup: int, total: int, out: Queue[Any]
) -> None:
    db = await connect(dsn, pool_max=4)
    freeze()
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
        collections = GcWatch()
        out.put(("warm", None))
        await _until(consumer, task, total)
        measured = [d for d in consumer.done if d[0] >= warmup]
        out.put(("done", (measured, consumer.stage, collections.reading())))
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
    # Where an event's time went, ms: segment -> (mean of all, mean of the slowest 1 %)
    segments: dict[str, tuple[float, float]] = field(default_factory=dict)
    gc: dict[str, tuple[int, float]] = field(default_factory=dict)  # process -> (full, max ms)
    pg: dict[str, int] = field(default_factory=dict)  # PostgreSQL's counters during the run

    @property
    def throughput(self) -> float:
        return self.events / self.seconds


async def run_pipeline(
    dsn: str,
    events: int,
    warmup: int,
    writers: int,
    rate: float | None,
    on_measure: Callable[[int, int], None] | None = None,
) -> PipelineResult:
    """`on_measure(writer_pid, consumer_pid)` is called when the measured part starts."""
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
            return await _drive(dsn, topic, child, out, events, warmup, writers, rate, on_measure)
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
    on_measure: Callable[[int, int], None] | None,
) -> PipelineResult:
    # Beside the writers' connections: the relay's two batches in flight, its backlog
    # measurement and its VACUUM, so that the relay never waits for a writer's connection.
    db = await connect(dsn, pool_max=writers + 4)
    freeze()
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
        if on_measure is not None:
            on_measure(os.getpid(), child.pid or 0)
        before = await pg_counters(dsn)
        collections = GcWatch()
        cpu = CpuMeter(
            {"writers+relay": os.getpid(), "consumer": child.pid or 0},
            database=dsn.rpartition("/")[2],
        )
        writes = await run_writers(write, range(warmup, warmup + events), writers, rate)
        _, (done, consumer_stage, consumer_gc) = await receive(out, child, timeout=300)
        cores = cpu.cores()
        after = await pg_counters(dsn)
    finally:
        stop.set()
        await relaying
        await producer.stop()
        await db.close()
    latency = {seq: t - writes.commits[seq] for seq, _, _, t in done}
    last = sorted(writes.commits, key=writes.commits.__getitem__)[-max(1, events // 100) :]
    return PipelineResult(
        offered=rate,
        events=events,
        seconds=max(t for *_, t in done) - writes.started,
        writes=writes,
        latency=Latency.of(list(latency.values())),
        tail_max=max(latency[seq] for seq in last) * 1000,
        relay=relay.stage,
        consumer=consumer_stage,
        cpu=cores,
        segments=segments(done, writes.commits, relay.batches, latency),
        gc={"writers+relay": collections.reading(), "consumer": consumer_gc},
        pg={k: after[k] - before.get(k, 0) for k in after},
    )


SEGMENTS = (
    "writer commit → relay claims it",
    "relay batch (claim, send, acks, commit)",
    "relay commit → consumer fetch returns",
    "consumer transaction",
)


def segments(
    done: list[tuple[int, str, float, float]],
    commits: dict[int, float],
    batches: dict[bytes, tuple[float, float]],
    latency: dict[int, float],
) -> dict[str, tuple[float, float]]:
    """Each event's path cut at its four time stamps; the mean of every event and of the
    slowest 1 %. A fetch can return before the relay's commit (the acks come first): that
    segment is then 0 and the relay's includes the overlap."""
    cuts: dict[int, tuple[float, ...]] = {}
    for seq, sid, fetched, committed in done:
        span = batches.get(sid.encode())
        if span is None:
            continue
        claimed, published = span
        stamps = (commits[seq], claimed, published, fetched, committed)
        cuts[seq] = tuple(max(0.0, b - a) * 1000 for a, b in itertools.pairwise(stamps))
    if not cuts:
        return {}
    slowest = sorted(cuts, key=latency.__getitem__)[-max(1, len(cuts) // 100) :]
    return {
        name: (
            sum(c[i] for c in cuts.values()) / len(cuts),
            sum(cuts[seq][i] for seq in slowest) / len(slowest),
        )
        for i, name in enumerate(SEGMENTS)
    }
