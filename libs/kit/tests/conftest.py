from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, ClassVar

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import CloudEvent, EventData, new_event, topics
from voimala_kit import Connection, Consumer, Database, Handler
from voimala_kit.kafka import ensure_topics, make_producer
from voimala_kit.migrations import KIT_MIGRATIONS, migrate
from voimala_kit.settings import ServiceSettings
from voimala_kit.testing import wait_for


class KitSettings(ServiceSettings):
    service_name: str = "kittest"
    port: int = 18999


class SampleHappened(EventData):
    """An event model for the platform's own tests."""

    TYPE: ClassVar[str] = "sample.happened.v1"
    TOPIC: ClassVar[str] = "test.samples"
    AGGREGATE: ClassVar[str] = "sample"

    subject_id: uuid.UUID
    seq: int


@pytest.fixture(scope="session")
async def kit_dsn(new_database: Callable[[str], Awaitable[str]]) -> str:
    dsn = await new_database("kit")
    database = await Database.connect(KitSettings(database_url=dsn))
    async with database.connection() as conn:
        await migrate(conn, {"kit": KIT_MIGRATIONS})
    await database.close()
    return dsn


@pytest.fixture
async def db(kit_dsn: str) -> AsyncIterator[Database]:
    """The kit's tables, emptied before each test, and an `effect` table for consumers."""
    database = await Database.connect(KitSettings(database_url=kit_dsn, db_pool_max=12))
    async with database.connection() as conn:
        await conn.execute("TRUNCATE outbox, inbox")
        await conn.execute("DROP TABLE IF EXISTS effect")
        await conn.execute(
            "CREATE TABLE effect (event_id uuid NOT NULL, subject text NOT NULL, seq int NOT NULL)"
        )
    yield database
    await database.close()


@pytest.fixture
async def producer(
    kafka_bootstrap: str, request: pytest.FixtureRequest
) -> AsyncIterator[AIOKafkaProducer]:
    """The kit's own producer, started for one test (client id: the test module's name)."""
    p = make_producer(kafka_bootstrap, request.module.__name__.rsplit(".", 1)[-1])
    await p.start()
    yield p
    await p.stop()


# The consumer's suites (test_consumer*.py): a service of the test's own consuming a topic into
# the `effect` table.

#: What a batch handler (`Handler.apply_many`) is given: each event's data and the event.
Item = tuple[Any, CloudEvent]


@pytest.fixture
async def service(kafka_bootstrap: str) -> str:
    """A consuming service's name of the test's own, its dead-letter topic made."""
    name = f"kt{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topics.dead_letter(name)], partitions=1)
    return name


def sample(
    seq: int, subject: uuid.UUID | None = None, model: type[EventData] = SampleHappened
) -> CloudEvent:
    """An event of `model` (`subject_id`, `seq`) about `subject` (a new one if not given)."""
    sid = subject or uuid.uuid4()
    return new_event(model(subject_id=sid, seq=seq), service="kittest", subject=str(sid))


def consumer_of(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    service: str,
    source: str,
    handlers: list[Handler[Any]],
    cls: type[Consumer] = Consumer,
    **options: Any,
) -> Consumer:
    """`cls` (the kit's Consumer) of `service` reading `source`, its group `<service>-group`,
    retrying quickly (`options` are the Consumer's keyword arguments)."""
    return cls(
        db,
        producer,
        service=service,
        group_id=f"{service}-group",
        bootstrap_servers=kafka_bootstrap,
        subscribe=[source],
        handlers=handlers,
        **({"backoff_base": 0.01, "backoff_cap": 0.05} | options),
    )


async def record_effect(conn: Connection, data: Any, event: CloudEvent) -> None:
    await conn.execute(
        "INSERT INTO effect (event_id, subject, seq) VALUES ($1, $2, $3)",
        event.id,
        str(data.subject_id),
        data.seq,
    )


async def record_effects(conn: Connection, items: Sequence[Item]) -> None:
    """A batch's effects in one statement."""
    await conn.execute(
        "INSERT INTO effect (event_id, subject, seq)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])",
        [e.id for _, e in items],
        [str(d.subject_id) for d, _ in items],
        [d.seq for d, _ in items],
    )


async def effects(db: Database) -> list[asyncpg.Record]:
    """The `effect` rows (event_id, subject, seq) by seq."""
    async with db.connection() as conn:
        return list(await conn.fetch("SELECT event_id, subject, seq FROM effect ORDER BY seq"))


def at_least(db: Database, count: int) -> Callable[[], Awaitable[bool]]:
    """A probe: are there `count` effects yet?"""

    async def enough() -> bool:
        return len(await effects(db)) >= count

    return enough


async def run_until(consumer: Consumer, done: Callable[[], Awaitable[bool]]) -> None:
    """Run `consumer` until `done()` (failing with its error if it stops first), then stop it."""
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
