"""The delivery loops are woken when messages become due, not found by polling: with an idle
poll of ten minutes, an e-mail still goes as soon as its event is applied, and again after the
connection the loops listen on was cut (a failover, a restart of the database)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import (
    STRUCTURED,
    EventData,
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
)
from voimala_kit.clock import SetClock
from voimala_kit.testing import wait_for
from voimala_notifications.repository.messages import DUE_CHANNEL

from .conftest import SmtpServer
from .samples import NOW, sample

SETTINGS = {  # beside conftest's: a poll far longer than any wait below
    "delivery_idle_poll": 600.0,
}


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock(NOW)  # 14:00 in Helsinki: no quiet hours


async def _send(producer: AIOKafkaProducer, data: EventData, key: uuid.UUID) -> None:
    event = new_event(data, service="participants", subject=str(key))
    await producer.send_and_wait(
        data.TOPIC, event.to_json(), key=str(key).encode(), headers=list(STRUCTURED)
    )


async def _confirmed(producer: AIOKafkaProducer, db: asyncpg.Pool) -> str:
    """A new participant with an e-mail address, then their registration's confirmation."""
    pid = uuid.uuid4()
    address = f"wake.{pid.hex[:8]}@example.fi"
    contact = ParticipantContact(
        given_name="Aino", family_name="Virtanen", email=address, preferred_channel="email"
    )
    await _send(
        producer,
        ParticipantContactChanged(participant_id=pid, preferred_language="fi", personal=contact),
        pid,
    )

    async def known() -> Any:
        return await db.fetchval("SELECT 1 FROM recipient WHERE id = $1", pid)

    await wait_for(known)
    await _send(producer, sample("registration.confirmed.v1", pid), pid)
    return address


async def _mail(smtp: SmtpServer, address: str) -> None:
    async def arrived() -> bool:
        return bool(smtp.mailbox.to(address))

    # Far less than the idle poll: only a wake-up delivers it in time.
    await wait_for(arrived, timeout=60)


async def test_an_email_goes_when_its_event_is_applied_not_at_the_next_poll(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, db: asyncpg.Pool, smtp: SmtpServer
) -> None:
    await _mail(smtp, await _confirmed(producer, db))


async def test_the_loops_listen_again_after_their_connection_was_cut(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, db: asyncpg.Pool, smtp: SmtpServer
) -> None:
    listening = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1"
    query = f'LISTEN "{DUE_CHANNEL}"'
    (before,) = await wait_for(lambda: db.fetch(listening, query))
    await db.execute("SELECT pg_terminate_backend($1)", before["pid"])

    async def again() -> Any:
        return [r for r in await db.fetch(listening, query) if r["pid"] != before["pid"]]

    await wait_for(again)
    await _mail(smtp, await _confirmed(producer, db))
