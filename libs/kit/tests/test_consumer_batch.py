"""The consumer's batch handler (`Handler.apply_many`), against the real PostgreSQL and Kafka:
a fetch's new events together, each once, each key in order, a bad one dead-lettered alone."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from aiokafka import AIOKafkaProducer
from voimala_contracts import CloudEvent, EventData, new_event, topics
from voimala_kit import Connection, Consumer, Database, Handler, PermanentError
from voimala_kit.kafka import ensure_topics
from voimala_kit.testing import read_topic, wait_for

from .conftest import SampleHappened


class SampleNoted(EventData):
    """A second type, applied one by one, between the batched ones."""

    TYPE: ClassVar[str] = "sample.noted.v1"
    TOPIC: ClassVar[str] = "test.samples"
    AGGREGATE: ClassVar[str] = "sample"

    subject_id: uuid.UUID
    seq: int


Item = tuple[Any, CloudEvent]


async def _record(conn: Connection, data: Any, event: CloudEvent) -> None:
    await conn.execute(
        "INSERT INTO effect (event_id, subject, seq) VALUES ($1, $2, $3)",
        event.id,
        str(data.subject_id),
        data.seq,
    )


async def _record_many(conn: Connection, items: Sequence[Item]) -> None:
    """The batch's effects in one statement."""
    await conn.execute(
        "INSERT INTO effect (event_id, subject, seq)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])",
        [e.id for _, e in items],
        [str(d.subject_id) for d, _ in items],
        [d.seq for d, _ in items],
    )


def _event(model: type[EventData], seq: int, subject: uuid.UUID) -> CloudEvent:
    data = model(subject_id=subject, seq=seq)
    return new_event(data, service="kittest", subject=str(subject))


async def _service(kafka_bootstrap: str) -> str:
    service = f"kt{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topics.dead_letter(service)], partitions=1)
    return service


def _consumer(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    service: str,
    source: str,
    handlers: list[Handler[Any]],
) -> Consumer:
    return Consumer(
        db,
        producer,
        service=service,
        group_id=f"{service}-group",
        bootstrap_servers=kafka_bootstrap,
        subscribe=[source],
        handlers=handlers,
        backoff_base=0.01,
        backoff_cap=0.05,
        max_attempts=2,
    )


async def _effects(db: Database) -> list[Any]:
    async with db.connection() as conn:
        return list(await conn.fetch("SELECT event_id, subject, seq FROM effect"))


async def _run_until(consumer: Consumer, done: Callable[[], Awaitable[bool]]) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))

    async def enough() -> bool:
        if task.done():
            task.result()
        return await done()

    try:
        await wait_for(enough, timeout=30)
    finally:
        stop.set()
        await task


async def test_a_fetch_goes_to_the_batch_handler_together_each_once_each_key_in_order(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    source = await new_topic("batched", partitions=3)
    service = await _service(kafka_bootstrap)
    subjects = [uuid.uuid4() for _ in range(12)]
    # Each key: batched, batched, one by one, batched, one by one, batched.
    models = [SampleHappened, SampleHappened, SampleNoted, SampleHappened, SampleNoted]
    models.append(SampleHappened)
    events = [_event(m, seq, sid) for seq, m in enumerate(models) for sid in subjects]
    for e in [*events, *events[:7]]:  # seven twice: the inbox absorbs them
        await producer.send(source, e.to_json(), key=e.subject.encode())
    await producer.flush()
    applied: list[tuple[str, int]] = []
    calls: list[int] = []

    alone: list[int] = []  # batched types applied alone: a run of one in its fetch

    async def one(conn: Connection, data: Any, event: CloudEvent) -> None:
        await _record(conn, data, event)
        applied.append((event.subject, data.seq))
        if isinstance(data, SampleHappened):
            alone.append(data.seq)

    async def many(conn: Connection, items: Sequence[Item]) -> None:
        await _record_many(conn, items)
        applied.extend((e.subject, d.seq) for d, e in items)
        calls.append(len(items))

    handlers: list[Handler[Any]] = [
        Handler(SampleHappened, one, apply_many=many),
        Handler(SampleNoted, one),
    ]

    async def all_there() -> bool:
        return len(await _effects(db)) >= len(events)

    await _run_until(_consumer(db, producer, kafka_bootstrap, service, source, handlers), all_there)

    effects = await _effects(db)
    assert sorted(str(r["event_id"]) for r in effects) == sorted(str(e.id) for e in events)
    for sid in subjects:
        assert [seq for s, seq in applied if s == str(sid)] == list(range(len(models)))
    # All was on the topic before the consumer started: the batched ones came in batches
    # (a run that a fetch's edge leaves with one event goes to `apply`), each exactly once.
    assert sum(calls) + len(alone) == len(subjects) * 4
    assert max(calls) > 1
    assert len(alone) < len(subjects)


async def test_a_bad_event_in_a_batch_is_dead_lettered_alone_with_its_reason(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    source = await new_topic("batched-bad", partitions=1)
    service = await _service(kafka_bootstrap)
    events = [_event(SampleHappened, seq, uuid.uuid4()) for seq in range(8)]
    for e in events:
        await producer.send(source, e.to_json(), key=b"k")
    await producer.flush()
    batches: list[int] = []

    async def one(conn: Connection, data: Any, event: CloudEvent) -> None:
        if data.seq == 5:
            raise PermanentError("seq five cannot be applied")
        await _record(conn, data, event)

    async def many(conn: Connection, items: Sequence[Item]) -> None:
        batches.append(len(items))
        for data, _ in items:
            if data.seq == 5:
                raise PermanentError("seq five cannot be applied")
        await _record_many(conn, items)

    handlers: list[Handler[Any]] = [Handler(SampleHappened, one, apply_many=many)]

    async def others_there() -> bool:
        return len(await _effects(db)) >= 7

    await _run_until(
        _consumer(db, producer, kafka_bootstrap, service, source, handlers), others_there
    )

    assert sorted(r["seq"] for r in await _effects(db)) == [0, 1, 2, 3, 4, 6, 7]
    dead = await read_topic(kafka_bootstrap, topics.dead_letter(service), at_least=1)
    assert len(dead) == 1
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["dlq.error.class"] == "PermanentError"
    assert headers["dlq.error.message"] == "seq five cannot be applied"
    assert headers["dlq.event.id"] == str(events[5].id)
    assert json.loads(dead[0].value)["data"]["seq"] == 5
    assert max(batches) > 1  # it was tried as a batch first
    async with db.connection() as conn:
        inbox = await conn.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1", f"{service}-group"
        )
    assert inbox == 7  # the bad one's inbox row went with its transaction
