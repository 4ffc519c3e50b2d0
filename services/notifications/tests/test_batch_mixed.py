"""One burst that mixes what the batch handler writes at once (a participant's confirmation
and waitlisting) with what it leaves to `notify` alone (a guest's confirmation, kept by the
registration's id), on the real Kafka, PostgreSQL and SMTP: each e-mail once, the guest's too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import (
    STRUCTURED,
    EventData,
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
)
from voimala_contracts.scheduling import GuestContact
from voimala_kit.clock import SetClock
from voimala_kit.testing import wait_for

from .conftest import SmtpServer
from .samples import sample

SETTINGS: dict[str, Any] = {}  # conftest's, with this module's own consumer group


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock(datetime.now(UTC))


async def _send(producer: AIOKafkaProducer, data: EventData, key: uuid.UUID) -> None:
    event = new_event(data, service="events", subject=str(key))
    await producer.send(
        data.TOPIC, event.to_json(), key=str(key).encode(), headers=list(STRUCTURED)
    )


def _contact(pid: uuid.UUID, address: str) -> ParticipantContactChanged:
    return ParticipantContactChanged(
        participant_id=pid,
        preferred_language="fi",
        personal=ParticipantContact(
            given_name="Aino", family_name="Virtanen", email=address, preferred_channel="email"
        ),
    )


async def _async(value: Any) -> Any:
    return value


async def test_a_burst_of_participants_and_a_guest_mails_each_once(
    producer: AIOKafkaProducer, db: asyncpg.Pool, smtp: SmtpServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    people = [uuid.uuid4() for _ in range(6)]
    address = {pid: f"mixed.{tag}.{n}@example.fi" for n, pid in enumerate(people)}
    for pid in people:
        await _send(producer, _contact(pid, address[pid]), pid)
    await producer.flush()

    async def known() -> bool:
        found = await db.fetchval(
            "SELECT count(*) FROM recipient WHERE id = ANY($1::uuid[]) AND email IS NOT NULL",
            people,
        )
        return bool(found == len(people))

    await wait_for(known, timeout=120)
    guest_address = f"guest.{tag}@example.fi"
    guest = sample("registration.confirmed.v1").model_copy(
        update={
            "participant_id": None,
            "personal": GuestContact(name="Vieras", email=guest_address),
        }
    )
    for pid in people[:3]:
        await _send(producer, sample("registration.confirmed.v1", pid), pid)
    await _send(producer, guest, guest.registration_id)  # type: ignore[attr-defined]
    for pid in people[3:]:
        await _send(producer, sample("registration.confirmed.v1", pid), pid)
    for pid in people[:2]:
        await _send(producer, sample("registration.waitlisted.v1", pid), pid)
    await producer.flush()

    async def all_mailed() -> bool:
        firsts = all(smtp.mailbox.to(address[p]) for p in people)
        seconds = all(len(smtp.mailbox.to(address[p])) >= 2 for p in people[:2])
        return firsts and seconds and bool(smtp.mailbox.to(guest_address))

    await wait_for(all_mailed, timeout=180)
    rows = await db.fetch(
        "SELECT recipient_id, template, count(*) AS n FROM message"
        " WHERE recipient_id = ANY($1::uuid[]) AND channel = 'email'"
        " GROUP BY recipient_id, template",
        [*people, guest.registration_id],  # type: ignore[attr-defined]
    )
    counted = {(r["recipient_id"], r["template"]): r["n"] for r in rows}
    expected = {(p, "registration_confirmed"): 1 for p in people}
    expected |= {(p, "registration_waitlisted"): 1 for p in people[:2]}
    expected[(guest.registration_id, "registration_confirmed")] = 1  # type: ignore[attr-defined]
    assert counted == expected
    assert [len(smtp.mailbox.to(address[p])) for p in people] == [2, 2, 1, 1, 1, 1]
    assert len(smtp.mailbox.to(guest_address)) == 1
