"""The consumer's promises, against the real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from voimala_contracts import CloudEvent, topics
from voimala_kit import Connection, Consumer, Database, Handler, TransientError
from voimala_kit.testing import read_topic, wait_for

from .conftest import (
    SampleHappened,
    at_least,
    consumer_of,
    effects,
    record_effect,
    run_until,
    sample,
)


def _consumer(
    *where: Any,
    handler: Any = record_effect,
    cls: type[Consumer] = Consumer,
    max_attempts: int = 3,
) -> Consumer:
    """`consumer_of(db, producer, kafka_bootstrap, service, source)`, one handler."""
    return consumer_of(*where, [Handler(SampleHappened, handler)], cls, max_attempts=max_attempts)


async def test_poison_goes_to_the_dead_letters_with_headers_and_the_rest_goes_on(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("source", partitions=1)
    good_before, good_after = sample(1), sample(2)
    invalid_data = sample(3).model_dump(mode="json")
    invalid_data["data"] = {
        "subject_id": "not-a-uuid",
        "seq": 3,
        "email": "matti.virtanen@example.fi",
    }
    unknown = sample(4).model_dump(mode="json") | {"type": "nothing.known.v1"}
    no_id = sample(5).model_dump(mode="json")
    del no_id["id"]
    values = [
        good_before.to_json(),
        b"{not json at all",
        json.dumps(no_id).encode(),
        json.dumps(invalid_data).encode(),
        json.dumps(unknown).encode(),
        good_after.to_json(),
    ]
    for v in values:
        await producer.send_and_wait(source, v, key=b"k")

    await run_until(_consumer(db, producer, kafka_bootstrap, service, source), at_least(db, 2))

    assert [r["seq"] for r in await effects(db)] == [1, 2]
    dead = await read_topic(kafka_bootstrap, topics.dead_letter(service), at_least=4)
    assert [d.value for d in dead] == values[1:5]
    for d, offset in zip(dead, [1, 2, 3, 4], strict=True):
        headers = {k: v.decode() for k, v in d.headers}
        assert headers["dlq.original.topic"] == source
        assert headers["dlq.original.partition"] == "0"
        assert headers["dlq.original.offset"] == str(offset)
        assert headers["dlq.consumer"] == f"{service}-group"
        assert headers["dlq.error.class"] in {"InvalidEventError", "UnknownEventType"}
        assert headers["dlq.error.message"]
        assert "matti" not in " ".join(headers.values())  # no personal data in headers
    assert {k: v.decode() for k, v in dead[2].headers}["dlq.error.message"].startswith(
        "invalid data: subject_id: uuid_parsing"
    )


class _KilledBeforeOffsetCommit(Consumer):
    async def commit(self, consumer: Any, offsets: Mapping[TopicPartition, int]) -> None:
        raise SystemExit("killed between the database commit and the offset commit")


async def test_a_consumer_killed_before_its_offset_commit_has_no_duplicate_effect(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("source", partitions=1)
    events = [sample(i) for i in range(10)]
    for e in events:
        await producer.send_and_wait(source, e.to_json(), key=e.subject.encode())

    dying = _consumer(db, producer, kafka_bootstrap, service, source, cls=_KilledBeforeOffsetCommit)
    with pytest.raises(SystemExit):
        await dying.run(asyncio.Event())
    assert len(await effects(db)) == 10  # the effects were committed...

    # ...and a new process in the same group reads them all again: the inbox absorbs it.
    await run_until(_consumer(db, producer, kafka_bootstrap, service, source), at_least(db, 10))
    await asyncio.sleep(0.5)
    rows = await effects(db)
    assert sorted(str(r["event_id"]) for r in rows) == sorted(str(e.id) for e in events)
    async with db.connection() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer = $1", f"{service}-group"
            )
            == 10
        )


async def test_transient_errors_are_retried_until_they_pass(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("source", partitions=1)
    failures = {"left": 4}

    async def flaky(conn: Connection, data: SampleHappened, event: CloudEvent) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise TransientError("the peer is away")
        await record_effect(conn, data, event)

    await producer.send_and_wait(source, sample(1).to_json(), key=b"k")
    await run_until(
        _consumer(db, producer, kafka_bootstrap, service, source, handler=flaky, max_attempts=2),
        at_least(db, 1),
    )
    assert failures["left"] == 0
    assert len(await effects(db)) == 1
    assert await read_topic(kafka_bootstrap, topics.dead_letter(service), timeout=1) == []


async def test_a_handler_that_always_fails_is_dead_lettered_alone(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("source", partitions=1)

    async def picky(conn: Connection, data: SampleHappened, event: CloudEvent) -> None:
        if data.seq == 2:
            raise ValueError("a bug that quotes matti.virtanen@example.fi")
        await record_effect(conn, data, event)

    for seq in (1, 2, 3):
        await producer.send_and_wait(source, sample(seq).to_json(), key=b"k")
    await run_until(
        _consumer(db, producer, kafka_bootstrap, service, source, handler=picky), at_least(db, 2)
    )

    assert [r["seq"] for r in await effects(db)] == [1, 3]
    dead = await read_topic(kafka_bootstrap, topics.dead_letter(service), at_least=1)
    assert len(dead) == 1
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["dlq.error.class"] == "ValueError"
    assert headers["dlq.error.message"] == "handler failed"
    assert json.loads(dead[0].value)["data"]["seq"] == 2


async def test_a_fetch_over_partitions_is_one_transaction_each_key_in_order_once(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("spread", partitions=3)
    subjects = [uuid.uuid4() for _ in range(24)]
    events = [sample(seq, sid) for seq in range(5) for sid in subjects]
    for e in [*events, *events[:10]]:  # the first ten twice: the inbox absorbs them
        await producer.send(source, e.to_json(), key=e.subject.encode())
    await producer.flush()
    applied: list[tuple[str, int]] = []

    async def record(conn: Connection, data: SampleHappened, event: CloudEvent) -> None:
        await record_effect(conn, data, event)
        applied.append((event.subject, data.seq))

    await run_until(
        _consumer(db, producer, kafka_bootstrap, service, source, handler=record), at_least(db, 120)
    )

    rows = await effects(db)
    assert sorted(str(r["event_id"]) for r in rows) == sorted(str(e.id) for e in events)
    for sid in subjects:
        assert [seq for s, seq in applied if s == str(sid)] == list(range(5))
    partitions = {r.partition for r in await read_topic(kafka_bootstrap, source, at_least=130)}
    async with db.connection() as conn:
        transactions = await conn.fetchval("SELECT count(DISTINCT xmin::text) FROM effect")
    # All was on the topic before the consumer started: fewer transactions than partitions.
    assert transactions < len(partitions)


async def test_what_was_applied_is_committed_by_the_time_the_consumer_stops(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    service: str,
) -> None:
    source = await new_topic("source", partitions=1)
    consumer = _consumer(db, producer, kafka_bootstrap, service, source)
    consumer._commit_every = 3600  # only an empty fetch or the stop commits after the first
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    for seq in range(30):
        event = sample(seq)
        await producer.send_and_wait(source, event.to_json(), key=event.subject.encode())

    async def applied() -> bool:
        return len(await effects(db)) == 30

    await wait_for(applied, timeout=30)
    stop.set()
    await task

    group = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=f"{service}-group", enable_auto_commit=False
    )
    await group.start()
    try:
        assert await group.committed(TopicPartition(source, 0)) == 30
    finally:
        await group.stop()


async def test_offsets_of_a_partition_taken_by_a_rebalance_are_left_to_its_next_owner(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    source = await new_topic("revoked", partitions=2)
    service = f"kt{uuid.uuid4().hex[:8]}"
    ours, taken = TopicPartition(source, 0), TopicPartition(source, 1)
    for partition in (0, 1):
        for seq in range(3):
            await producer.send_and_wait(source, sample(seq).to_json(), partition=partition)
    group = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=f"{service}-group", enable_auto_commit=False
    )
    await group.start()
    try:
        group.assign([ours])  # partition 1 was applied, then went to another member
        consumer = _consumer(db, producer, kafka_bootstrap, service, source)
        await consumer._commit_assigned(group, {ours: 3, taken: 3})
        assert await group.committed(ours) == 3
    finally:
        await group.stop()
