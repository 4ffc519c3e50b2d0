from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ClassVar

import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import EventData
from voimala_kit import Database
from voimala_kit.kafka import make_producer
from voimala_kit.migrations import KIT_MIGRATIONS, migrate
from voimala_kit.settings import ServiceSettings


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
