"""The outbox and its relay against the real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from voimala_kit import Database, Outbox, Relay
from voimala_kit.relay import _CLAIM
from voimala_kit.testing import read_topic

from .conftest import KitSettings, SampleHappened


async def _drain(relay: Relay) -> int:
    total = 0
    while (n := await relay.publish_batch()) > 0:
        total += n
    return total


def _ids(records: list[Any]) -> list[str]:
    return [json.loads(r.value)["id"] for r in records]


async def test_a_committed_change_is_published_once_a_rolled_back_one_never(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("outbox")
    outbox = Outbox("kittest", topic=topic)
    sid = uuid.uuid4()
    async with db.transaction() as conn:
        kept = await outbox.add(conn, SampleHappened(subject_id=sid, seq=1), subject=str(sid))
    with pytest.raises(RuntimeError):  # noqa: PT012 - the failure is the transaction's
        async with db.transaction() as conn:
            await outbox.add(conn, SampleHappened(subject_id=sid, seq=2), subject=str(sid))
            raise RuntimeError("the change fails after the event was written")

    relay = Relay(db, producer, service="kittest")
    assert await _drain(relay) == 1
    assert await _drain(relay) == 0
    records = await read_topic(kafka_bootstrap, topic, at_least=1)
    assert _ids(records) == [str(kept.id)]
    assert records[0].key == str(sid).encode()
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_transaction_that_commits_late_leaves_no_gap(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("late")
    outbox = Outbox("kittest", topic=topic)
    relay = Relay(db, producer, service="kittest")
    a, b = uuid.uuid4(), uuid.uuid4()
    async with db.connection() as slow:
        tx = slow.transaction()
        await tx.start()
        early = await outbox.add(slow, SampleHappened(subject_id=a, seq=1), subject=str(a))
        async with db.transaction() as fast:
            later = await outbox.add(fast, SampleHappened(subject_id=b, seq=1), subject=str(b))
        assert await _drain(relay) == 1  # only what is committed: the later position
        await tx.commit()
    assert await _drain(relay) == 1  # the earlier position, committed last, is not skipped
    records = await read_topic(kafka_bootstrap, topic, at_least=2)
    assert sorted(_ids(records)) == sorted([str(early.id), str(later.id)])


class _KilledProducer:
    """The real producer, but the process 'dies' after `after` sends of a batch."""

    def __init__(self, real: AIOKafkaProducer, after: int) -> None:
        self._real, self._left = real, after

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        if self._left == 0:
            raise SystemExit("relay killed mid-batch")
        self._left -= 1
        return await self._real.send(*args, **kwargs)


async def test_a_relay_killed_mid_batch_loses_nothing(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("killed")
    outbox = Outbox("kittest", topic=topic)
    written = []
    for seq in range(120):
        sid = uuid.uuid4()
        async with db.transaction() as conn:
            written.append(
                str(
                    (
                        await outbox.add(
                            conn, SampleHappened(subject_id=sid, seq=seq), subject=str(sid)
                        )
                    ).id
                )
            )
    dying = Relay(
        db,
        _KilledProducer(producer, after=40),
        service="kittest",  # type: ignore[arg-type]
        batch_size=100,
    )
    with pytest.raises(SystemExit):
        await dying.publish_batch()
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 120  # nothing deleted

    assert await _drain(Relay(db, producer, service="kittest")) == 120
    published = _ids(await read_topic(kafka_bootstrap, topic, at_least=120))
    assert set(published) == set(written)
    # At least once: only the 40 sent before the crash may appear twice.
    assert len(published) - len(set(published)) <= 40


async def test_several_replicas_keep_each_aggregate_in_order(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("replicas")
    outbox = Outbox("kittest", topic=topic)
    aggregates = [uuid.uuid4() for _ in range(12)]
    per_aggregate = 40

    async def write(sid: uuid.UUID) -> None:
        for seq in range(per_aggregate):
            async with db.transaction() as conn:
                await outbox.add(conn, SampleHappened(subject_id=sid, seq=seq), subject=str(sid))

    stop = asyncio.Event()
    relays = [
        Relay(db, producer, service="kittest", batch_size=25, idle_poll=0.05) for _ in range(3)
    ]
    running = [asyncio.create_task(r.run(stop)) for r in relays]
    await asyncio.gather(*(write(s) for s in aggregates))
    total = len(aggregates) * per_aggregate
    records = await read_topic(kafka_bootstrap, topic, at_least=total, timeout=60)
    stop.set()
    await asyncio.gather(*running)

    seen: dict[str, list[int]] = defaultdict(list)
    for r in records:
        event = json.loads(r.value)
        seen[event["subject"]].append(event["data"]["seq"])
    assert len(records) == total
    for sid in aggregates:
        assert seen[str(sid)] == list(range(per_aggregate))


async def test_the_relay_vacuums_what_it_published_and_claims_stay_in_order(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("vacuumed")
    outbox = Outbox("kittest", topic=topic)
    sid = uuid.uuid4()
    for seq in range(60):
        async with db.transaction() as conn:
            await outbox.add(conn, SampleHappened(subject_id=sid, seq=seq), subject=str(sid))

    async def vacuums() -> int:
        async with db.connection() as conn:
            return int(
                await conn.fetchval(
                    "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'outbox'"
                )
            )

    before = await vacuums()
    stop = asyncio.Event()
    relay = Relay(db, producer, service="kittest", batch_size=7, vacuum_every=20, idle_poll=0.05)
    running = asyncio.create_task(relay.run(stop))
    records = await read_topic(kafka_bootstrap, topic, at_least=60)
    stop.set()
    await running  # waits for a vacuum under way

    assert [json.loads(r.value)["data"]["seq"] for r in records] == list(range(60))
    assert await vacuums() > before
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_commit_on_the_connections_own_transaction_wakes_the_relay_too(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("woken")
    outbox = Outbox("kittest", topic=topic)
    stop = asyncio.Event()
    relay = Relay(db, producer, service="kittest", idle_poll=600)  # only a wake-up is in time
    running = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.5)  # the relay's first, empty claim is behind it: it is idle now
    sid = uuid.uuid4()
    async with db.connection() as conn, conn.transaction():
        await outbox.add(conn, SampleHappened(subject_id=sid, seq=1), subject=str(sid))
    records = await read_topic(kafka_bootstrap, topic, at_least=1, timeout=30)
    stop.set()
    await running

    assert [json.loads(r.value)["subject"] for r in records] == [str(sid)]


async def test_the_relays_commit_is_asynchronous_and_leaves_the_session_as_it_was(
    kit_dsn: str,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    """The relay's delete need not wait for its WAL flush (a lost delete publishes again, which
    consumers absorb); the setting is the transaction's, never the pooled connection's."""
    one = await Database.connect(KitSettings(database_url=kit_dsn, db_pool_min=1, db_pool_max=1))
    try:
        topic = await new_topic("async-commit")
        outbox = Outbox("kittest", topic=topic)
        sid = uuid.uuid4()
        async with one.transaction() as conn:
            await outbox.add(conn, SampleHappened(subject_id=sid, seq=1), subject=str(sid))
        async with one.connection() as conn:  # the relay's statement, rolled back
            claim = conn.transaction()
            await claim.start()
            assert len(await conn.fetch(_CLAIM, 10, 20)) == 1
            during = await conn.fetchval("SHOW synchronous_commit")
            await claim.rollback()
        assert during == "off"
        assert await Relay(one, producer, service="kittest").publish_batch() == 1
        async with one.connection() as conn:  # the pool's only connection, the relay's too
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
            assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        records = await read_topic(kafka_bootstrap, topic, at_least=1)
        assert [json.loads(r.value)["subject"] for r in records] == [str(sid)]
    finally:
        await one.close()
