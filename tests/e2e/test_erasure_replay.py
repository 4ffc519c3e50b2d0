"""The proof of erasure in Kafka (issue 11 C): once a participant is erased, no topic shows
their name, e-mail, phone or birth date in readable form, dead letters included, and a replay
of the participants topic from the first offset into an empty notifications database brings
none of their contact back, while another participant's contact does come back.

The personal parts were sealed with the person's key (voimala_kit.personal) when they were
published; the erasure destroys the key (participants, `POST /participants/{id}/erasure`).
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from voimala_contracts import topics
from voimala_kit import Consumer, Database
from voimala_kit.kafka import ensure_topics, make_producer
from voimala_kit.migrations import KIT_MIGRATIONS, migrate
from voimala_kit.personal import DEV_KEK, Keyring, decode_kek
from voimala_kit.testing import auth, opened, read_topic, wait_for
from voimala_notifications.bootstrap import MIGRATIONS, build_deps
from voimala_notifications.consumer import handlers
from voimala_notifications.settings import Settings as NotificationsSettings

from ..conftest import Platform

pytestmark = pytest.mark.e2e


def _person(tag: str) -> dict[str, Any]:
    """Someone whose every detail is unique to this run, so that a find is theirs."""
    rng = random.Random(tag)
    return {
        "given_name": f"Eerika{tag}",
        "family_name": f"Sorsa{tag}",
        "email": f"eerika.{tag}@example.fi",
        "phone": f"+35850{rng.randrange(10**6, 10**7)}",
        "birth_date": date(1950 + rng.randrange(20), rng.randrange(1, 13), 11).isoformat(),
        "preferred_channel": "email",
        "municipality": "Salo",
        "consents": {"statistics": True},
    }


def _readable(person: dict[str, Any]) -> list[bytes]:
    """Each of the person's details as it would show in a record (JSON is UTF-8, unescaped
    for these characters). Each holds a character base64 never makes, or is long enough that
    a sealed part cannot spell it by chance."""
    fields = ("given_name", "family_name", "email", "phone", "birth_date")
    return [str(person[f]).encode() for f in fields]


async def _register(client: httpx.AsyncClient, url: str, person: dict[str, Any]) -> str:
    r = await client.post(f"{url}/participants", json=person)
    assert r.status_code == 201, r.text
    assert r.json()["birth_date"] == person["birth_date"]
    return str(r.json()["id"])


async def _key_count(keyring_dsn: str, subject: str) -> int:
    conn = await asyncpg.connect(keyring_dsn)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM subject_keys WHERE subject = $1", subject
        )
        return count
    finally:
        await conn.close()


async def _every_topic(bootstrap: str) -> list[str]:
    """Every topic of the platform and every dead-letter topic on the broker."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        names = await consumer.topics()
    finally:
        await consumer.stop()
    return sorted(t for t in names if t.startswith("voimala.") or t.endswith(".dlq"))


async def _contact_published(bootstrap: str, pid: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        for record in await read_topic(bootstrap, topics.PARTICIPANTS, timeout=60):
            event = json.loads(record.value)
            if record.key == pid.encode() and event["type"] == "participant.contact_changed.v1":
                return dict(event)
        return None

    found: dict[str, Any] = await wait_for(probe, timeout=60)
    return found


async def test_after_erasure_no_topic_shows_the_person_and_a_replay_brings_nothing_back(
    platform: Platform,
    token: Callable[..., str],
    kafka_bootstrap: str,
    keyring_dsn: str,
    service_settings: Callable[..., Awaitable[Any]],
) -> None:
    erased, kept = _person(uuid.uuid4().hex[:10]), _person(uuid.uuid4().hex[:10])
    participants = platform["participants"].url
    coordinator = auth(token("coordinator", subject="coordinator-e2e"))
    async with httpx.AsyncClient(timeout=30, headers=coordinator) as client:
        pid = await _register(client, participants, erased)
        other = await _register(client, participants, kept)
        # Published, sealed, and readable while the person's key exists.
        event = await _contact_published(kafka_bootstrap, pid)
        assert event["data"]["personal"]["sealed"] == "aes-256-gcm/v1"
        keyring = await Keyring.connect(keyring_dsn, decode_kek(DEV_KEK))
        try:
            contact = (await opened(keyring, event))["data"]["personal"]
        finally:
            await keyring.close()
        assert contact["email"] == erased["email"]
        assert await _key_count(keyring_dsn, pid) == 1

        r = await client.post(
            f"{participants}/participants/{pid}/erasure", json={"reason": "request"}
        )
        assert r.status_code == 202, r.text
        assert r.headers["location"].startswith("/erasures/")

    async def key_destroyed() -> bool:
        return await _key_count(keyring_dsn, pid) == 0

    await wait_for(key_destroyed, timeout=60)
    assert await _key_count(keyring_dsn, other) == 1

    await _no_topic_shows(kafka_bootstrap, erased)
    contacts = await _replay_into_empty_notifications(kafka_bootstrap, service_settings)
    assert not [c for c in contacts if any(v.decode() in c for v in _readable(erased))]
    assert [c for c in contacts if kept["email"] in c], "the other participant came back"


async def _no_topic_shows(bootstrap: str, person: dict[str, Any]) -> None:
    names = await _every_topic(bootstrap)
    assert topics.PARTICIPANTS in names
    seen = 0
    for topic in names:
        # The whole topic: read_topic returns once it has caught up with the end.
        for record in await read_topic(bootstrap, topic, timeout=300):
            seen += 1
            raw = (record.value or b"") + (record.key or b"")
            raw += b"".join(value for _, value in record.headers)
            found = [v for v in _readable(person) if v in raw]
            assert not found, f"{topic} offset {record.offset}: {found} readable"
    assert seen > 0


async def _replay_into_empty_notifications(
    bootstrap: str, service_settings: Callable[..., Awaitable[Any]]
) -> list[str]:
    """voimala.participants from its first offset, with a consumer group never used before,
    into a notifications database just made: every row of every table it then holds, as text."""
    settings = await service_settings(NotificationsSettings, run_relay=False)
    db = await Database.connect(settings)
    keyring = await Keyring.connect(settings.keyring_dsn, decode_kek(DEV_KEK))
    deps = build_deps(settings)
    deps.outbox.keyring = keyring
    producer = make_producer(bootstrap, "replay-test")
    await producer.start()
    try:
        async with db.connection() as conn:
            await migrate(conn, {"notifications": MIGRATIONS, "kit": KIT_MIGRATIONS})
        # Dead letters of its own: the replay adds nothing to the running service's.
        replay = f"replay{uuid.uuid4().hex[:8]}"
        await ensure_topics(bootstrap, [topics.dead_letter(replay)])
        group = f"notifications-{replay}"
        end = await _end_offsets(bootstrap, topics.PARTICIPANTS)
        consumer = Consumer(
            db,
            producer,
            service=replay,
            group_id=group,
            bootstrap_servers=bootstrap,
            subscribe=[topics.PARTICIPANTS],
            handlers=handlers(deps),
            unknown_types="skip",
            keyring=keyring,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))

        async def caught_up() -> bool:
            if task.done():
                task.result()
            return await _committed(bootstrap, group, end)

        try:
            await wait_for(caught_up, timeout=600, interval=1)
        finally:
            stop.set()
            await task
        return await _every_row(db)
    finally:
        await producer.stop()
        await keyring.close()
        await db.close()


async def _end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return dict(await consumer.end_offsets(tps))
    finally:
        await consumer.stop()


async def _committed(bootstrap: str, group: str, end: dict[TopicPartition, int]) -> bool:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        for tp, offset in end.items():
            if offset and (await consumer.committed(tp) or 0) < offset:
                return False
        return True
    finally:
        await consumer.stop()


async def _every_row(db: Database) -> list[str]:
    async with db.connection() as conn:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        rows: list[str] = []
        for table in tables:
            name = table["tablename"]
            query = f'SELECT t::text AS t FROM "{name}" t'  # noqa: S608 - catalogue names
            rows += [r["t"] for r in await conn.fetch(query)]
        return rows
