"""The platform's real path: writers (state row + Outbox.add, one commit each) and the Relay in
this process, the kit's Consumer applying each event in a process of its own."""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import itertools
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from operator import itemgetter
from pathlib import Path
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
    empty_tables,
    fresh_database,
    fresh_topics,
    percentile,
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


@dataclass
class Batch:
    """Wall-clock time stamps of one relay batch (0.0: not reached)."""

    claim: float  # the relay asked for a pooled connection
    acquired: float = 0.0  # it had one (BEGIN is next)
    claimed: float = 0.0  # the claim statement returned (the first send())
    sent: float = 0.0  # the last send() returned
    acked: float = 0.0  # the last ack came
    commit: float = 0.0  # COMMIT was sent
    committed: float = 0.0  # COMMIT returned
    released: float = 0.0  # the connection was back in the pool
    rows: int = 0


class TimedDb:
    """The relay's Database, noting the time stamps of each transaction it opens."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.last: Batch | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        batch = self.last = Batch(time.time())
        async with self._db.connection() as conn:
            batch.acquired = time.time()
            async with conn.transaction():
                yield conn
                batch.commit = time.time()
            batch.committed = time.time()
        batch.released = time.time()


class TimedProducer:
    """The relay's producer, noting when the first and the last send() of a batch ran."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer
        self.first = self.last = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._producer, name)

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        self.first = self.first or time.time()
        ack = await self._producer.send(*args, **kwargs)
        self.last = time.time()
        return ack


class Pauses:
    """This process's garbage collections (every generation) and event-loop lag: when each
    pause started and how long it took, for the slowest events' windows."""

    def __init__(self, tick: float = 0.005) -> None:
        self.gc: list[tuple[float, float, int]] = []  # (wall start, ms, generation)
        self.lag: list[tuple[float, float]] = []  # (wall when due, ms late) when > 2 ticks
        self._tick = tick
        self._started = 0.0
        self._task: asyncio.Task[None] | None = None
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        ms = (time.perf_counter() - self._started) * 1000
        self.gc.append((time.time() - ms / 1000, ms, info["generation"]))

    def start(self) -> None:
        self._task = asyncio.create_task(self._ticking())

    async def _ticking(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self._tick
            await asyncio.sleep(self._tick)
            late = loop.time() - due
            if late > 2 * self._tick:
                self.lag.append((time.time() - late, late * 1000))

    def stop(self) -> None:
        if self._note in gc.callbacks:
            gc.callbacks.remove(self._note)
        if self._task is not None:
            self._task.cancel()


class TimedRelay(Relay):
    """The kit's Relay, time-stamping each batch (claim, send, acks, commit, release; the next
    batch is claimed and sent meanwhile), its claims that found nothing and its VACUUMs, and
    noting per key the batch that published it."""

    def __init__(self, db: Any, producer: Any, **kwargs: Any) -> None:
        self._timed_db, self._timed_producer = TimedDb(db), TimedProducer(producer)
        super().__init__(self._timed_db, self._timed_producer, **kwargs)  # type: ignore[arg-type]
        self.stage = Stage()
        self.batches: dict[bytes, Batch] = {}  # key -> the batch that published it
        self.empty: list[Batch] = []  # claims that found nothing
        self.vacuums: list[tuple[float, float]] = []  # (wall start, wall end)
        self._of: dict[int, Batch] = {}  # id(sent) -> its time stamps

    async def send_batch(self) -> Sent | None:
        self._timed_producer.first = 0.0
        sent = await super().send_batch()
        batch = self._timed_db.last
        assert batch is not None
        if sent is None:
            self.stage.empty += 1
            self.empty.append(batch)
            return None
        batch.claimed, batch.sent = self._timed_producer.first, self._timed_producer.last
        batch.rows = len(sent.rows)

        def acked(_: Any) -> None:
            batch.acked = max(batch.acked, time.time())

        for ack in sent.acks:
            ack.add_done_callback(acked)
        self._of[id(sent)] = batch
        return sent

    async def finish(self, sent: Sent) -> int:
        count = await super().finish(sent)
        batch = self._of.pop(id(sent))
        self.stage.add(count, batch.committed - batch.claim)
        for row in sent.rows:
            self.batches[row[2].encode()] = batch
        return count

    async def vacuum(self) -> None:
        started = time.time()
        await super().vacuum()
        self.vacuums.append((started, time.time()))


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
        pauses = Pauses()
        pauses.start()
        out.put(("warm", None))
        await _until(consumer, task, total)
        pauses.stop()
        measured = [d for d in consumer.done if d[0] >= warmup]
        reading = (measured, consumer.stage, collections.reading(), (pauses.gc, pauses.lag))
        out.put(("done", reading))
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
    tail_notes: list[str] = field(default_factory=list)  # what the slowest 1 % share
    longest: list[str] = field(default_factory=list)  # the relay's longest rounds

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
    relay_options: Mapping[str, Any] | None = None,
    connections: int | None = None,
) -> PipelineResult:
    """`on_measure(writer_pid, consumer_pid)` is called when the measured part starts.
    `connections`: at most that many writer transactions at once (a pool of that size, as a
    service's pool bounds its handlers'), however many writer tasks wait for their turn;
    None: one per writer task."""
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
            shape = (writers, connections or writers, rate)
            return await _drive(
                dsn, topic, child, out, events, warmup, shape, on_measure, relay_options
            )
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
    shape: tuple[int, int, float | None],  # writer tasks, their connections, rate
    on_measure: Callable[[int, int], None] | None,
    relay_options: Mapping[str, Any] | None = None,
) -> PipelineResult:
    # Beside the writers' connections: the relay's two batches in flight, its backlog
    # measurement and its VACUUM, so that the relay never waits for a writer's connection.
    writers, connections, rate = shape
    db = await connect(dsn, pool_max=connections + 4)
    freeze()
    producer = make_producer(BOOTSTRAP, "bench-relay")
    await producer.start()
    relay = TimedRelay(db, producer, service="bench", **(relay_options or {}))
    outbox = Outbox("bench", topic=topic)
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    try:
        turn = asyncio.Semaphore(connections)

        async def write(seq: int) -> float:
            async with turn:  # never a writer waiting in the pool's queue before the relay
                return await write_one(db, outbox, seq)

        await run_writers(write, range(warmup), writers, rate)
        await receive(out, child, timeout=120)
        relay.stage = Stage()
        if on_measure is not None:
            on_measure(os.getpid(), child.pid or 0)
        before = await pg_counters(dsn)
        broker_before = broker_gc()
        collections = GcWatch()
        pauses = Pauses()
        pauses.start()
        cpu = CpuMeter(
            {"writers+relay": os.getpid(), "consumer": child.pid or 0},
            database=dsn.rpartition("/")[2],
        )
        writes = await run_writers(write, range(warmup, warmup + events), writers, rate)
        _, (done, consumer_stage, consumer_gc, child_pauses) = await receive(
            out, child, timeout=300
        )
        cores = cpu.cores()
        pauses.stop()
        after = await pg_counters(dsn)
        broker = _broker_note(broker_before, broker_gc())
    finally:
        stop.set()
        await relaying
        await producer.stop()
        await db.close()
    trace = Trace(
        done,
        writes.commits,
        relay.batches,
        relay.empty,
        relay.vacuums,
        {"writers+relay": (pauses.gc, pauses.lag), "consumer": child_pauses},
    )
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
        segments=segments(trace),
        gc={"writers+relay": collections.reading(), "consumer": consumer_gc},
        pg={k: after[k] - before.get(k, 0) for k in after},
        tail_notes=tail_notes(trace) + broker,
        longest=longest_rounds(trace),
    )


@dataclass
class Trace:
    """Every measured event's and relay batch's wall-clock time stamps, and what else ran."""

    done: list[tuple[int, str, float, float]]  # (seq, subject, fetch returned, applied)
    commits: dict[int, float]  # seq -> the writer's commit
    batches: dict[bytes, Batch]  # key -> the batch that published it
    empty: list[Batch]  # the relay's claims that found nothing
    vacuums: list[tuple[float, float]]  # the relay's VACUUMs: (start, end)
    # process -> (GC pauses (start, ms, generation), event-loop lag (when, ms))
    pauses: dict[str, tuple[list[tuple[float, float, int]], list[tuple[float, float]]]]

    def events(self) -> list[tuple[float, float, Batch, float, float]]:
        """(latency, writer commit, batch, fetch returned, applied) per event, fastest first."""
        rows = []
        for seq, sid, fetched, applied in self.done:
            batch = self.batches.get(sid.encode())
            if batch is not None:
                commit = self.commits[seq]
                rows.append((applied - commit, commit, batch, fetched, applied))
        return sorted(rows, key=itemgetter(0))

    def rounds(self) -> list[Batch]:
        """The batches that published the measured events, by their claim."""
        found = (self.batches.get(sid.encode()) for _, sid, _, _ in self.done)
        return sorted({id(b): b for b in found if b is not None}.values(), key=_claim)


def _claim(batch: Batch) -> float:
    return batch.claim


# An event's path, stage by stage. The consumer fetches once the batch's acks came (Kafka's
# high watermark), not after the relay's commit: the commit is off the event's path, but the
# claim after next waits for it (two batches in flight), so it is shown beside.
STAGES: tuple[tuple[str, Callable[[float, Batch, float, float], float]], ...] = (
    ("writer commit → relay asks for a connection", lambda c, b, f, a: b.claim - c),
    ("pool acquire, BEGIN, claim statement", lambda c, b, f, a: b.claimed - b.claim),
    ("send() of the batch", lambda c, b, f, a: b.sent - b.claimed),
    ("sent → its last ack", lambda c, b, f, a: b.acked - b.sent),
    ("last ack → consumer fetch returns", lambda c, b, f, a: f - b.acked),
    ("consumer transaction", lambda c, b, f, a: a - f),
    ("(beside) last ack → relay COMMIT returns", lambda c, b, f, a: b.committed - b.acked),
    ("(beside) COMMIT returns → pool hand-back", lambda c, b, f, a: b.released - b.committed),
)


def segments(trace: Trace, share: float = 0.01) -> dict[str, tuple[float, float]]:
    """Each event's path cut at its time stamps (STAGES): the mean of every event and of the
    slowest `share`, ms. The ack is seen by the relay's process, the fetch by the
    consumer's: a busy relay process sees its acks late, so that stage can be negative."""
    rows = trace.events()
    if not rows:
        return {}
    slow = rows[-max(1, int(len(rows) * share)) :]
    return {
        name: (
            sum(cut(*r[1:]) for r in rows) / len(rows) * 1000,
            sum(cut(*r[1:]) for r in slow) / len(slow) * 1000,
        )
        for name, cut in STAGES
    }


def tail_notes(trace: Trace, share: float = 0.01) -> list[str]:
    """What the slowest `share` of events have in common, one finding a line."""
    rows = trace.events()
    if not rows:
        return []
    slow = rows[-max(1, int(len(rows) * share)) :]
    return [_rounds(trace), _passed_over(trace, rows, slow), _beside(trace, slow)]


def _mean_p99(values: list[float]) -> str:
    ordered = sorted(v * 1000 for v in values)
    return f"{sum(ordered) / len(ordered):.1f}/{percentile(ordered, 99):.1f}"


def _rounds(trace: Trace) -> str:
    """The relay's rounds from one claim to the next, cut in three: its own claim and send,
    the wait for the batch before it (acks, COMMIT and pool hand-back: two in flight) and the
    gathering sleep with the loop's lag around it."""
    ordered = trace.rounds()
    if len(ordered) < 3:
        return "relay rounds: too few"
    steps = list(zip(ordered, ordered[1:], ordered[2:], strict=False))
    parts = {
        "claim to next claim": [z.claim - b.claim for _, b, z in steps],
        "its claim and send": [b.sent - b.claim for _, b, _ in steps],
        "wait for the batch before": [max(0.0, a.released - b.sent) for a, b, _ in steps],
        "gathering": [z.claim - max(b.sent, a.released) for a, b, z in steps],
        "sent → acked": [b.acked - b.sent for b in ordered],
        "acked → COMMIT sent": [b.commit - b.acked for b in ordered],
        "COMMIT": [b.committed - b.commit for b in ordered],
        "pool hand-back": [b.released - b.committed for b in ordered],
    }
    return "Relay rounds, mean/p99 ms: " + ", ".join(
        f"{name} {_mean_p99(values)}" for name, values in parts.items()
    )


def longest_rounds(trace: Trace, count: int = 3) -> list[str]:
    """The relay's longest rounds, one line each."""
    ordered = trace.rounds()
    steps = list(zip(ordered, ordered[1:], ordered[2:], strict=False))
    longest = sorted(steps, key=lambda s: s[2].claim - s[1].claim)[-count:]
    return [_round(trace, *step) for step in reversed(longest)]


def _round(trace: Trace, before: Batch, this: Batch, after: Batch) -> str:
    """One round, ms from its claim: what it and the batch before did, what else ran."""

    def at(t: float) -> str:
        return f"{(t - this.claim) * 1000:.0f}"

    empty = [
        f"{at(e.claim)}..{at(e.released)}"
        for e in trace.empty
        if this.claim < e.claim < after.claim
    ]
    lags = [
        f"{who} {at(t)}+{ms:.0f}"
        for who, (_, ls) in trace.pauses.items()
        for t, ms in ls
        if this.claim <= t <= after.claim and ms > 10
    ]
    return (
        f"- a round of {at(after.claim)} ms, {this.rows} rows: claimed {at(this.claimed)} "
        f"sent {at(this.sent)}; the one before acked {at(before.acked)} committed "
        f"{at(before.committed)} released {at(before.released)}; empty claims {empty}; lag {lags}"
    )


def _passed_over(trace: Trace, rows: list[Any], slow: list[Any]) -> str:
    """Events that a claim started after their commit did not take (their lane was held by
    the batch in flight, or the batch was full): a share of all events and of the slowest."""
    claims = sorted([b.claim for b in trace.rounds()] + [e.claim for e in trace.empty])

    def share(of: list[Any]) -> str:
        skipped = sum(
            bisect.bisect_left(claims, r[2].claim) > bisect.bisect_right(claims, r[1]) for r in of
        )
        return f"{skipped / len(of):.1%}"

    return (
        f"Passed over by a claim after their commit: {share(rows)} of all events, "
        f"{share(slow)} of the slowest."
    )


def _beside(trace: Trace, slow: list[Any]) -> str:
    """The relay's batches beside one of its VACUUMs against the others, and the pauses of
    either process (GC > 5 ms, loop lag > 20 ms) during the slowest events' paths."""
    split: dict[bool, list[Batch]] = {True: [], False: []}
    for b in trace.rounds():
        split[any(a <= b.committed and z >= b.claim for a, z in trace.vacuums)].append(b)
    took = ", ".join(f"{(z - a) * 1000:.0f}" for a, z in trace.vacuums) or "none"
    text = f"Relay VACUUMs ({took} ms): claim → acked, mean/p99 ms, "
    text += "; ".join(
        f"{'beside one' if beside else 'the others'} {_mean_p99([b.acked - b.claim for b in bs])}"
        f" ({len(bs)} batches)"
        for beside, bs in split.items()
        if bs
    )
    windows = [(r[1], r[4]) for r in slow]
    for who, (gcs, lags) in trace.pauses.items():
        hit = [ms for t, ms, _ in gcs if ms > 5 and _within(t, windows)]
        late = [ms for t, ms in lags if ms > 20 and _within(t, windows)]
        text += (
            f". {who}: GC pauses > 5 ms {len([g for g in gcs if g[1] > 5])} "
            f"({len(hit)} on a slowest event's path), loop lag > 20 ms "
            f"{len([x for x in lags if x[1] > 20])} ({len(late)}, longest "
            f"{max(late, default=0):.0f} ms)"
        )
    return text + "."


def broker_gc() -> tuple[int, float, int, float] | None:
    """The Kafka broker's JVM collections so far (`jstat`, if there is one): young ones and
    their pause time (ms), concurrent cycles and their pauses (ms)."""
    pids = [
        p.name
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and b"kafka.Kafka" in _read(p / "cmdline")
    ]
    if not pids or shutil.which("jstat") is None:
        return None
    out = subprocess.run(["jstat", "-gc", pids[0]], capture_output=True, text=True, check=False)
    try:
        head, values = (line.split() for line in out.stdout.splitlines()[:2])
        row = dict(zip(head, values, strict=True))
        return (
            int(row["YGC"]),
            float(row["YGCT"]) * 1000,
            int(row["CGC"]),
            float(row["CGCT"]) * 1000,
        )
    except (KeyError, ValueError):
        return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _broker_note(before: tuple[int, float, int, float] | None, after: Any) -> list[str]:
    if before is None or after is None:
        return []
    young, young_ms, cycles, cycle_ms = (a - b for a, b in zip(after, before, strict=True))
    return [
        f"Kafka broker JVM during the run: {young:.0f} young collections ({young_ms:.0f} ms "
        f"of pauses), {cycles:.0f} concurrent-cycle pauses ({cycle_ms:.0f} ms)."
    ]


def _within(t: float, windows: list[tuple[float, float]]) -> bool:
    return any(a <= t <= z for a, z in windows)


def main(argv: list[str]) -> None:
    """The paced run alone (run (b) of bench/run.py), with what its slowest events have in
    common; no report is written. A/B: `--relay ""` `--relay in_flight=3` run in turn."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--writers", type=int, default=64, help="writer tasks in flight")
    parser.add_argument(
        "--connections", type=int, default=16, help="writer transactions at once (0: --writers)"
    )
    parser.add_argument("--rate", type=float, default=2_000, help="offered events/s; 0: max")
    parser.add_argument("--runs", type=int, default=1, help="rounds over the variants")
    parser.add_argument(
        "--relay",
        action="append",
        default=[],
        metavar="NAME=VALUE,...",
        help="Relay keyword arguments of one variant (vacuum_every=1000000000); several "
        "variants run in turn, --runs times each",
    )
    args = parser.parse_args(argv)
    quiet_logs()
    run_loop(_main(args))


async def _main(args: argparse.Namespace) -> None:
    variants = [_options(v) for v in args.relay] or [{}]
    async with fresh_database() as dsn:
        for run, options in itertools.product(range(args.runs), variants):
            print(f"run {run + 1}, relay {options or 'defaults'}, load {os.getloadavg()[0]:.2f}")
            r = await run_pipeline(
                dsn,
                args.events,
                args.warmup,
                args.writers,
                args.rate or None,
                None,
                options,
                args.connections or None,
            )
            print(describe(r), flush=True)
            await empty_tables(dsn)


def describe(r: PipelineResult) -> str:
    """The run's numbers, its stages (mean and slowest 1 %) and what the slowest share."""
    ours = sum(v for k, v in r.cpu.items() if k not in ("other", "busy"))
    lines = [
        f"{r.throughput:,.0f}/s (written {r.writes.rate:,.0f}/s), p50 {r.latency.p50:.1f} p99 "
        f"{r.latency.p99:.1f} max {r.latency.max:.1f} ms; CPU {ours / r.throughput * 1000:.3f} "
        f"ms/event; cores: " + ", ".join(f"{k} {v:.2f}" for k, v in r.cpu.items()),
        f"writers: due → committed p50/p99 {_p50_p99(r.writes.late)} ms; relay "
        f"{r.relay.describe()}; PostgreSQL {r.pg}; Python GC {r.gc}",
        f"{'stage (ms)':46} {'mean':>6} {'slowest 1 %':>12}",
        *(f"{name:46} {mean:6.1f} {slow:12.1f}" for name, (mean, slow) in r.segments.items()),
        *r.tail_notes,
        "The relay's longest rounds, ms from its claim:",
        *r.longest,
    ]
    return "\n".join(lines)


def _p50_p99(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    ordered = sorted(seconds)
    return f"{percentile(ordered, 50) * 1000:.1f}/{percentile(ordered, 99) * 1000:.1f}"


def _options(text: str) -> dict[str, float]:
    pairs = (item.split("=") for item in text.split(",") if item)
    return {k: (int(v) if v.isdigit() else float(v)) for k, v in pairs}


if __name__ == "__main__":
    main(sys.argv[1:])
