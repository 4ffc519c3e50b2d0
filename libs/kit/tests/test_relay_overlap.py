"""The relay claims and sends the next batch while the last one waits for its acks and commit:
against the real PostgreSQL and Kafka, a batch in flight keeps its keys' lanes, so a later
event of the same key never overtakes an earlier one, even when the earlier batch fails."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaProducer
from voimala_kit import Database, Outbox, Relay
from voimala_kit.testing import read_topic

from .conftest import SampleHappened


async def _two_lanes(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """Two subjects whose keys fall in different lanes of the outbox."""
    async with db.connection() as conn:
        while True:
            a, b = uuid.uuid4(), uuid.uuid4()
            lanes = await conn.fetch(
                "SELECT mod(abs(hashtext(k)), 64) AS lane FROM unnest($1::text[]) AS k",
                [str(a), str(b)],
            )
            if lanes[0]["lane"] != lanes[1]["lane"]:
                return a, b


async def _write(db: Database, outbox: Outbox, sid: uuid.UUID, seq: int) -> None:
    async with db.transaction() as conn:
        await outbox.add(conn, SampleHappened(subject_id=sid, seq=seq), subject=str(sid))


async def test_a_claim_skips_the_lanes_of_a_batch_in_flight_even_when_that_batch_fails(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
) -> None:
    topic = await new_topic("overlap")
    outbox = Outbox("kittest", topic=topic)
    a, b = await _two_lanes(db)
    await _write(db, outbox, a, 1)
    await _write(db, outbox, a, 2)
    relay = Relay(db, producer, service="kittest", batch_size=2)

    first = await relay.send_batch()  # a's first two events, a's lane held until it commits
    assert first is not None
    assert [r["key"] for r in first.rows] == [str(a), str(a)]
    await _write(db, outbox, b, 1)
    await _write(db, outbox, a, 3)
    second = await relay.send_batch()  # not a's third (its lane is held) but b's first
    assert second is not None
    assert [r["key"] for r in second.rows] == [str(b)]
    # The first batch fails after its messages went out (say its commit was lost): rolled
    # back, it is claimed and published again; the second commits on its own.
    await first.held.__aexit__(RuntimeError, RuntimeError("lost"), None)
    assert await relay.finish(second) == 1
    while await relay.publish_batch():
        pass

    records = await read_topic(kafka_bootstrap, topic, at_least=6)
    seqs = [json.loads(r.value)["data"]["seq"] for r in records if r.key == str(a).encode()]
    assert seqs == [1, 2, 1, 2, 3]  # the failed batch twice (the inbox absorbs it), in order
    assert [json.loads(r.value)["data"]["seq"] for r in records if r.key == str(b).encode()] == [1]
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
