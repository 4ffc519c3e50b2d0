"""The consumer's batch handler (`Handler.apply_many`), against the real PostgreSQL and Kafka:
a fetch's new events together, each once, each key in order, a bad one dead-lettered alone."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from aiokafka import AIOKafkaProducer
from voimala_contracts import CloudEvent, EventData, topics
from voimala_kit import Connection, Database, Handler, PermanentError
from voimala_kit.testing import read_topic

from .conftest import (
    Item,
    SampleHappened,
    at_least,
    consumer_of,
    effects,
    record_effect,
    record_effects,
    run_until,
    sample,
)


class SampleNoted(EventData):
    """A second type, applied one by one, between the batched ones."""

    TYPE: ClassVar[str] = "sample.noted.v1"
    TOPIC: ClassVar[str] = "test.samples"
    AGGREGATE: ClassVar[str] = "sample"

    subject_id: uuid.UUID
    seq: int


async def test_a_fetch_goes_to_the_batch_handler_together_each_once_each_key_in_order(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("batched", partitions=3)
    subjects = [uuid.uuid4() for _ in range(12)]
    # Each key: batched, batched, one by one, batched, one by one, batched.
    models = [SampleHappened, SampleHappened, SampleNoted, SampleHappened, SampleNoted]
    models.append(SampleHappened)
    events = [sample(seq, sid, m) for seq, m in enumerate(models) for sid in subjects]
    for e in [*events, *events[:7]]:  # seven twice: the inbox absorbs them
        await producer.send(source, e.to_json(), key=e.subject.encode())
    await producer.flush()
    applied: list[tuple[str, int]] = []
    calls: list[int] = []

    alone: list[int] = []  # batched types applied alone: a run of one in its fetch

    async def one(conn: Connection, data: Any, event: CloudEvent) -> None:
        await record_effect(conn, data, event)
        applied.append((event.subject, data.seq))
        if isinstance(data, SampleHappened):
            alone.append(data.seq)

    async def many(conn: Connection, items: Sequence[Item]) -> None:
        await record_effects(conn, items)
        applied.extend((e.subject, d.seq) for d, e in items)
        calls.append(len(items))

    handlers: list[Handler[Any]] = [
        Handler(SampleHappened, one, apply_many=many),
        Handler(SampleNoted, one),
    ]

    consumer = consumer_of(db, producer, kafka_bootstrap, service, source, handlers, max_attempts=2)
    await run_until(consumer, at_least(db, len(events)))

    rows = await effects(db)
    assert sorted(str(r["event_id"]) for r in rows) == sorted(str(e.id) for e in events)
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
    service: str,
) -> None:
    source = await new_topic("batched-bad", partitions=1)
    events = [sample(seq, uuid.uuid4()) for seq in range(8)]
    for e in events:
        await producer.send(source, e.to_json(), key=b"k")
    await producer.flush()
    batches: list[int] = []

    async def one(conn: Connection, data: Any, event: CloudEvent) -> None:
        if data.seq == 5:
            raise PermanentError("seq five cannot be applied")
        await record_effect(conn, data, event)

    async def many(conn: Connection, items: Sequence[Item]) -> None:
        batches.append(len(items))
        for data, _ in items:
            if data.seq == 5:
                raise PermanentError("seq five cannot be applied")
        await record_effects(conn, items)

    handlers: list[Handler[Any]] = [Handler(SampleHappened, one, apply_many=many)]

    consumer = consumer_of(db, producer, kafka_bootstrap, service, source, handlers, max_attempts=2)
    await run_until(consumer, at_least(db, 7))

    assert sorted(r["seq"] for r in await effects(db)) == [0, 1, 2, 3, 4, 6, 7]
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
