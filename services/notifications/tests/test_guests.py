"""A guest erased in the events service is forgotten here: `guest.erased.v1` on the real
broker, the guest's contact sealed with their own key as events seals it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import STRUCTURED, EventData, new_event, topics
from voimala_contracts.scheduling import GuestContact, GuestErased, RegistrationConfirmed
from voimala_kit.kafka import make_producer
from voimala_kit.personal import Keyring, guest_subject
from voimala_kit.testing import running_app, wait_for
from voimala_notifications.bootstrap import bootstrap
from voimala_notifications.settings import Settings

from .conftest import FakeSms, SmtpServer
from .samples import occurrence


@pytest.fixture(scope="module")
async def settings(
    service_settings: Callable[..., Awaitable[Settings]],
    smtp: SmtpServer,
    sms: FakeSms,
    group_at_end: Callable[[str], Awaitable[str]],
) -> Settings:
    return await service_settings(
        Settings,
        consumer_group=await group_at_end("guests"),
        run_relay=False,
        smtp_port=smtp.port,
        sms_provider_url=sms.url,
        delivery_idle_poll=0.05,
    )


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = bootstrap(settings)
    async with running_app(app):
        yield app


@pytest.fixture(scope="module")
async def db(settings: Settings, app: FastAPI) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, "notifications-guests-test")
    await p.start()
    yield p
    await p.stop()


async def _send(
    producer: AIOKafkaProducer, keyring: Keyring, data: EventData, subject: str
) -> None:
    """As the events service publishes: every personal part sealed by the kit."""
    event = new_event(data, service="events", subject=subject)
    event = event.model_copy(update={"data": await keyring.seal_data(subject, event.data)})
    await producer.send_and_wait(
        topics.EVENTS, event.to_json(), key=subject.encode(), headers=list(STRUCTURED)
    )


def _confirmed(registration_id: uuid.UUID, name: str) -> RegistrationConfirmed:
    return RegistrationConfirmed(
        registration_id=registration_id,
        occurrence=occurrence(datetime.now(UTC).replace(microsecond=0)),
        personal=GuestContact(name=name, email=f"{registration_id.hex[:8]}@example.fi"),
        personal_subject=guest_subject(registration_id),
    )


async def test_an_erased_guest_is_forgotten_and_another_kept(
    app: FastAPI,
    db: asyncpg.Pool,
    producer: AIOKafkaProducer,
    keyring: Keyring,
    smtp: SmtpServer,
) -> None:
    erased, kept = uuid.uuid4(), uuid.uuid4()
    for rid, name in ((erased, "Erased Guest"), (kept, "Kept Guest")):
        confirmed = _confirmed(rid, name)
        await _send(producer, keyring, confirmed, str(confirmed.occurrence.occurrence_id))

    async def told() -> bool:
        found = await db.fetchval(
            "SELECT count(DISTINCT recipient_id) FROM message WHERE recipient_id = ANY($1)",
            [erased, kept],
        )
        return bool(found == 2)

    await wait_for(told, timeout=60)
    assert await db.fetchval("SELECT given_name FROM recipient WHERE id = $1", erased)

    await keyring.destroy_guest(guest_subject(erased))
    gone = GuestErased(
        guest_erasure_id=uuid.uuid4(), registration_ids=[erased], erased_at=datetime.now(UTC)
    )
    await _send(producer, keyring, gone, str(gone.guest_erasure_id))

    async def forgotten() -> bool:
        found = await db.fetchval("SELECT count(*) FROM recipient WHERE id = $1", erased)
        return found == 0

    await wait_for(forgotten, timeout=60)
    assert await db.fetchval("SELECT count(*) FROM message WHERE recipient_id = $1", erased) == 0
    assert await db.fetchval("SELECT given_name FROM recipient WHERE id = $1", kept) == "Kept Guest"
    assert await db.fetchval("SELECT count(*) FROM message WHERE recipient_id = $1", kept) >= 1
    audited = await db.fetch(
        "SELECT actor, action, purpose FROM audit_log WHERE participant_id = $1", erased
    )
    assert [tuple(r) for r in audited] == [("system", "guest.erased", "guest_erasure")]

    # Her confirmation sent again (sealed now: written erased) finds no contact: she is not
    # kept again. His after it, on the same key, shows hers was read.
    key = str(uuid.uuid4())
    await _send(producer, keyring, _confirmed(erased, "Erased Guest"), key)
    await _send(producer, keyring, _confirmed(kept, "Kept Guest"), key)

    async def read_on() -> bool:
        found = await db.fetchval("SELECT count(*) FROM message WHERE recipient_id = $1", kept)
        return bool(found >= 2)

    await wait_for(read_on, timeout=60)
    assert await db.fetchval("SELECT count(*) FROM recipient WHERE id = $1", erased) == 0
