"""What `/metrics` says about consumers, the outbox and the pool, on the real broker and DB."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from voimala_contracts import CloudEvent, new_event, topics
from voimala_kit import Connection, Consumer, Database, Handler, Outbox, Relay, metrics
from voimala_kit.kafka import ensure_topics
from voimala_kit.metrics import CONSUMER_OUTCOMES
from voimala_kit.testing import wait_for

from .conftest import KitSettings, SampleHappened


def _value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def _service() -> str:
    """A service name of this test alone (letters only, as an event's source wants)."""
    return "kt" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


def _sample(seq: int) -> CloudEvent:
    sid = uuid.uuid4()
    return new_event(SampleHappened(subject_id=sid, seq=seq), service="kittest", subject=str(sid))


async def test_every_consumer_series_is_there_from_start_up_at_zero(
    db: Database, producer: AIOKafkaProducer, kafka_bootstrap: str
) -> None:
    service = _service()
    Consumer(
        db,
        producer,
        service=service,
        group_id=service,
        bootstrap_servers=kafka_bootstrap,
        subscribe=["test.a", "test.b"],
        handlers=[],
    )
    for topic in ("test.a", "test.b"):
        for outcome in CONSUMER_OUTCOMES:
            assert (
                _value(
                    "voimala_events_consumed_total", service=service, topic=topic, outcome=outcome
                )
                == 0
            )
        assert _value("voimala_consumer_retries_total", service=service, topic=topic) == 0


async def test_lag_in_records_and_seconds_while_a_consumer_is_held_then_none(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    source = await new_topic("lag", partitions=1)
    service = _service()
    await ensure_topics(kafka_bootstrap, [topics.dead_letter(service)], partitions=1)
    held = asyncio.Event()
    release = asyncio.Event()

    async def slow(conn: Connection, data: SampleHappened, event: CloudEvent) -> None:
        held.set()
        await release.wait()

    produced_at = time.time()
    for seq in range(5):
        await producer.send_and_wait(source, _sample(seq).to_json(), key=b"k")
    consumer = Consumer(
        db,
        producer,
        service=service,
        group_id=service,
        bootstrap_servers=kafka_bootstrap,
        subscribe=[source],
        handlers=[Handler(SampleHappened, slow)],
        lag_every=0.2,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    labels = {"service": service, "topic": source, "partition": "0"}
    try:
        await asyncio.wait_for(held.wait(), 30)
        await asyncio.sleep(1.0)  # the oldest waiting record is now at least a second old

        async def measured_behind() -> bool:
            return _value("voimala_consumer_lag_records", **labels) == 5

        await wait_for(measured_behind)
        age = _value("voimala_consumer_lag_seconds", **labels)
        assert age is not None
        assert age >= 1.0
        assert age <= time.time() - produced_at + 1  # the record's own time, not a guess
        assert _value("voimala_consumer_committed_offset", **labels) == 0

        release.set()

        async def caught_up() -> bool:
            return _value("voimala_consumer_lag_records", **labels) == 0

        await wait_for(caught_up)
        assert _value("voimala_consumer_lag_seconds", **labels) == 0
        assert _value("voimala_consumer_committed_offset", **labels) == 5
        applied = {"service": service, "topic": source, "outcome": "applied"}
        assert _value("voimala_events_consumed_total", **applied) == 5
    finally:
        release.set()
        stop.set()
        await task
    # A stopped consumer holds no partition: its series go rather than stand still.
    assert _value("voimala_consumer_lag_records", **labels) is None


async def test_a_poison_message_counts_as_dead_lettered_from_zero(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
) -> None:
    source = await new_topic("dlq", partitions=1)
    service = _service()
    await ensure_topics(kafka_bootstrap, [topics.dead_letter(service)], partitions=1)

    async def nothing(conn: Connection, data: SampleHappened, event: CloudEvent) -> None:
        return None

    consumer = Consumer(
        db,
        producer,
        service=service,
        group_id=service,
        bootstrap_servers=kafka_bootstrap,
        subscribe=[source],
        handlers=[Handler(SampleHappened, nothing)],
        lag_every=0.2,
    )
    dead = {"service": service, "topic": source, "outcome": "dead_lettered"}
    assert _value("voimala_events_consumed_total", **dead) == 0
    await producer.send_and_wait(source, b"{not json", key=b"k")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))

    async def counted() -> bool:
        return _value("voimala_events_consumed_total", **dead) == 1

    try:
        await wait_for(counted, timeout=30)
    finally:
        stop.set()
        await task


async def test_outbox_backlog_and_the_age_of_its_oldest_row(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[[str], Awaitable[str]],
) -> None:
    topic = await new_topic("backlog")
    service = _service()
    outbox = Outbox(service, topic=topic)
    relay = Relay(db, producer, service=service)
    assert _value("voimala_outbox_backlog", service=service) == 0
    assert _value("voimala_outbox_oldest_age_seconds", service=service) == 0
    for seq in range(3):
        sid = uuid.uuid4()
        async with db.transaction() as conn:
            await outbox.add(conn, SampleHappened(subject_id=sid, seq=seq), subject=str(sid))
    await asyncio.sleep(1.0)

    assert (await relay.measure_backlog())[0] == 3
    assert _value("voimala_outbox_backlog", service=service) == 3
    first = _value("voimala_outbox_oldest_age_seconds", service=service)
    assert first is not None
    assert first >= 1.0
    # The age is taken when Prometheus reads it: it grows while nothing is published.
    await asyncio.sleep(0.5)
    later = _value("voimala_outbox_oldest_age_seconds", service=service)
    assert later is not None
    assert later >= first + 0.5

    while await relay.publish_batch():
        pass
    await relay.measure_backlog()
    assert _value("voimala_outbox_backlog", service=service) == 0
    assert _value("voimala_outbox_oldest_age_seconds", service=service) == 0


async def test_pool_in_use_waiting_and_a_wait_that_gave_up(kit_dsn: str) -> None:
    service = _service()
    settings = KitSettings(
        service_name=service,
        database_url=kit_dsn,
        db_pool_min=1,
        db_pool_max=2,
        db_acquire_timeout=0.5,
    )
    database = await Database.connect(settings)

    def pool(state: str) -> float | None:
        return _value("voimala_db_pool_connections", service=service, state=state)

    try:
        assert pool("max") == 2
        assert pool("in_use") == 0
        assert _value("voimala_db_pool_acquire_timeouts_total", service=service) is None
        async with database.connection(), database.connection():
            assert pool("in_use") == 2
            assert pool("idle") == 0
            entered = asyncio.Event()

            async def third() -> None:
                async with database.connection():
                    entered.set()

            waiter = asyncio.create_task(third())
            await asyncio.sleep(0.1)
            assert _value("voimala_db_pool_waiting", service=service) == 1
            with pytest.raises(TimeoutError):
                await waiter
            assert _value("voimala_db_pool_waiting", service=service) == 0
            assert _value("voimala_db_pool_acquire_timeouts_total", service=service) == 1
        assert pool("in_use") == 0
    finally:
        await database.close()


def test_no_label_of_the_platform_holds_personal_data() -> None:
    """The kit's series are labelled by service, topic, partition, outcome, route and state."""
    allowed = {
        "service", "topic", "partition", "outcome", "component", "error", "method", "route",
        "status", "state", "le",
    }  # fmt: skip
    kit = {
        family.name
        for value in [*vars(metrics).values(), metrics.lag, metrics.outbox]
        if isinstance(value, MetricWrapperBase) or value in (metrics.lag, metrics.outbox)
        for family in value.collect()
    }
    assert {"voimala_consumer_lag_seconds", "voimala_outbox_backlog"} <= kit
    for family in REGISTRY.collect():
        if family.name not in kit:
            continue  # a service's own (notifications' channel, say): its own tests
        for sample in family.samples:
            assert set(sample.labels) <= allowed, (family.name, sample.labels)
    assert b"@" not in generate_latest(REGISTRY.restricted_registry(sorted(kit)))
