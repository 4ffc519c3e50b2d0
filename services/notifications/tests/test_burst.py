"""A burst through the real thing: confirmations of many registrations sent at once on Kafka,
read in the consumer's batches (each event's messages written in one statement), handed to a
real SMTP server by the delivery loops. Every e-mail goes once: none lost, none twice, though
some events are delivered twice; and what each person chose still holds (an inbox-only
person gets no e-mail, a text at night waits for the morning)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from voimala_contracts import (
    STRUCTURED,
    EventData,
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
)
from voimala_kit.clock import SetClock
from voimala_kit.testing import auth, wait_for
from voimala_notifications.consumer import SUBSCRIBE
from voimala_notifications.settings import Settings

from .conftest import FakeSms, SmtpServer
from .samples import sample

PEOPLE = 160
INBOX_ONLY = 12  # the first ones: chose the inbox alone
BY_SMS = 8  # the next ones: chose text messages, and the burst comes at night
TWICE = 24  # the last ones: their confirmation is delivered twice
NIGHT = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)  # 23:30 in Helsinki


SETTINGS = {  # beside conftest's: its own consumer group, SMTP and SMS servers
    "run_relay": False,  # the outbox rows stay, for the test to count
}


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock(NIGHT)


async def _send(
    producer: AIOKafkaProducer, data: EventData, key: uuid.UUID, event_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Sent without waiting for the broker's answer: the whole burst is in flight at once."""
    event = new_event(data, service="events", subject=str(key), event_id=event_id)
    await producer.send(
        data.TOPIC, event.to_json(), key=str(key).encode(), headers=list(STRUCTURED)
    )
    return event.id


def _contact(pid: uuid.UUID, n: int) -> ParticipantContactChanged:
    return ParticipantContactChanged(
        participant_id=pid,
        preferred_language=("fi", "sv", "en")[n % 3],
        personal=ParticipantContact(
            given_name="Aino",
            family_name="Virtanen",
            email=_address(pid),
            phone=f"+35845{pid.int % 10**7:07d}",
            preferred_channel="email",
        ),
    )


def _address(pid: uuid.UUID) -> str:
    return f"burst.{pid.hex[:12]}@example.fi"


async def _choose(
    client: httpx.AsyncClient, token: Callable[..., str], pid: uuid.UUID, channels: list[str]
) -> None:
    headers = auth(token("participant", subject=str(pid)))
    body = {"language": "fi", "channels": channels}
    r = await client.put(f"/recipients/{pid}/preferences", headers=headers, json=body)
    assert r.status_code == 200, r.text


async def _caught_up(kafka_bootstrap: str, group: str) -> bool:
    """The group has committed the end of every partition it reads (as of now)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(topic, p)
            for topic in SUBSCRIBE
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        ends = await consumer.end_offsets(tps)
        return all(
            end == 0 or (tp in committed and committed[tp].offset >= end)
            for tp, end in ends.items()
        )
    finally:
        await consumer.stop()
        await admin.close()


async def _by_channel(db: asyncpg.Pool, people: list[uuid.UUID]) -> dict[str, list[Any]]:
    rows = await db.fetch(
        "SELECT recipient_id, channel, status, not_before FROM message"
        " WHERE recipient_id = ANY($1::uuid[]) AND template = 'registration_confirmed'",
        people,
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row["channel"], []).append(row)
    return found


async def test_a_burst_reaches_each_person_once_as_they_chose(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
    smtp: SmtpServer,
    sms: FakeSms,
    settings: Settings,
    kafka_bootstrap: str,
) -> None:
    people = [uuid.uuid4() for _ in range(PEOPLE)]
    inbox_only, by_sms = people[:INBOX_ONLY], people[INBOX_ONLY : INBOX_ONLY + BY_SMS]
    by_email = people[INBOX_ONLY + BY_SMS :]
    for n, pid in enumerate(people):
        await _send(producer, _contact(pid, n), pid)
    await producer.flush()

    async def known() -> bool:
        found = await db.fetchval(
            "SELECT count(*) FROM recipient WHERE id = ANY($1::uuid[]) AND email IS NOT NULL",
            people,
        )
        return bool(found == PEOPLE)

    await wait_for(known, timeout=120)
    await asyncio.gather(*(_choose(client, token, p, ["in_app"]) for p in inbox_only))
    await asyncio.gather(*(_choose(client, token, p, ["sms"]) for p in by_sms))

    # The burst: one confirmation each, and the last ones' delivered a second time.
    sent = {
        pid: await _send(producer, sample("registration.confirmed.v1", pid), pid) for pid in people
    }
    for pid in people[-TWICE:]:
        await _send(producer, sample("registration.confirmed.v1", pid), pid, sent[pid])
    await producer.flush()

    async def all_mailed() -> bool:
        return all(smtp.mailbox.to(_address(p)) for p in by_email)

    await wait_for(all_mailed, timeout=180)
    await wait_for(
        lambda: _caught_up(kafka_bootstrap, settings.consumer_group or ""),
        timeout=180,
        interval=0.5,
    )

    async def nothing_queued() -> bool:
        rows = await _by_channel(db, people)
        return all(r["status"] != "queued" for r in rows.get("email", []))

    await wait_for(nothing_queued, timeout=60)
    await asyncio.sleep(1.0)  # a second copy, had one been queued, would go out now

    received = Counter(rcpt for rcpt, _ in smtp.mailbox.mails)
    assert {p: received[_address(p)] for p in by_email} == dict.fromkeys(by_email, 1)
    assert all(received[_address(p)] == 0 for p in inbox_only + by_sms)
    rows = await _by_channel(db, people)
    assert sorted(r["recipient_id"] for r in rows["in_app"]) == sorted(people)
    assert sorted(r["recipient_id"] for r in rows["email"]) == sorted(by_email)
    assert all(r["status"] == "sent" for r in rows["email"])
    # Texts at 23:30 wait for the quiet hours' end (08:00 in Helsinki), none went out.
    assert sorted(r["recipient_id"] for r in rows["sms"]) == sorted(by_sms)
    assert all(r["status"] == "held" and r["not_before"].hour == 6 for r in rows["sms"])
    assert all(not sms.to(f"+35845{p.int % 10**7:07d}") for p in by_sms)
    # Each hand-off is told once (the in-app ones as they were added, the e-mails as sent).
    told = Counter(
        (e["data"]["recipient_id"], e["data"]["channel"])
        for e in (json.loads(r["payload"]) for r in await db.fetch("SELECT payload FROM outbox"))
        if e["type"] == "notification.sent.v1"
    )
    for pid in people:
        assert told[(str(pid), "in_app")] == 1
        assert told[(str(pid), "email")] == (1 if pid in by_email else 0)
