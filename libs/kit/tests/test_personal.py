"""Personal parts sealed per subject, and erased by destroying the subject's key, against the
real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from cryptography.exceptions import InvalidTag
from prometheus_client import REGISTRY
from pydantic import BaseModel, ValidationError
from voimala_contracts import CloudEvent, EventData, topics
from voimala_kit import Connection, Database, Handler, Outbox, Relay
from voimala_kit.kafka import ensure_topics
from voimala_kit.personal import (
    DEV_KEK,
    SEALED,
    Keyring,
    KeyringError,
    decode_kek,
    rewrap_command,
)
from voimala_kit.service import _keks
from voimala_kit.settings import ServiceSettings
from voimala_kit.testing import opened, read_topic

from .conftest import consumer_of, run_until

NAME, EMAIL, PHONE, BORN = (
    "Aino Kärkkäinen",
    "aino.karkkainen@example.fi",
    "+358401234567",
    "1987-03-14",
)
PERSON = {"name": NAME, "email": EMAIL, "phone": PHONE, "birth_date": BORN}


class Contact(BaseModel):
    name: str
    email: str | None = None
    phone: str | None = None
    birth_date: str | None = None


class ContactChanged(EventData):
    """A person's contact: the handler cannot work without it."""

    TYPE: ClassVar[str] = "sample.contact_changed.v1"
    TOPIC: ClassVar[str] = "test.samples"
    AGGREGATE: ClassVar[str] = "person"

    person_id: uuid.UUID
    personal: Contact


class Guest(BaseModel):
    registration_id: uuid.UUID
    personal: Contact | None = None


class Registered(EventData):
    """A person's fact with their contact only as an extra, and guests nested in a list."""

    TYPE: ClassVar[str] = "sample.registered.v1"
    TOPIC: ClassVar[str] = "test.samples"
    AGGREGATE: ClassVar[str] = "person"

    person_id: uuid.UUID
    personal: Contact | None = None
    guests: list[Guest] = []


def _leaks(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", errors="replace")
    return [v for v in (NAME, EMAIL, PHONE, BORN, "Kärkkäinen", "aino") if v in text]


# --- the keyring ---------------------------------------------------------------------------


async def test_a_sealed_part_hides_everything_and_opens_only_for_its_subject(
    keyring: Keyring,
) -> None:
    subject = str(uuid.uuid4())
    sealed = await keyring.seal(subject, PERSON)
    assert sealed["sealed"] == SEALED
    assert set(sealed) == {"sealed", "nonce", "ciphertext"}
    assert not _leaks(json.dumps(sealed).encode())
    assert await keyring.open(subject, sealed) == PERSON
    # Bound to its subject: moved under another person it does not open.
    other = str(uuid.uuid4())
    await keyring.seal(other, {"name": "someone"})
    assert await keyring.open(other, sealed) is None
    # Altered, it does not open either.
    forged = sealed | {"ciphertext": base64.b64encode(b"x" * 40).decode()}
    assert await keyring.open(subject, forged) is None


async def test_destroy_erases_what_was_sealed_and_no_new_key_is_made_for_that_person(
    keyring: Keyring, keyring_dsn: str
) -> None:
    subject = str(uuid.uuid4())
    sealed = await keyring.seal(subject, PERSON)
    # Another process (its own pool) reads the key; after the destroy, its next open fails.
    elsewhere = await Keyring.connect(keyring_dsn, decode_kek(DEV_KEK))
    try:
        assert await elsewhere.open(subject, sealed) == PERSON
        await keyring.destroy(subject)
        assert await elsewhere.open(subject, sealed) is None
        assert await keyring.open(subject, sealed) is None
        # An erased person never gets a new key: what is sealed for them later (a late event,
        # a replay) is written erased, with nothing of it in the record.
        later = await elsewhere.seal(subject, {"name": "after"})
        assert "after" not in str(later)
        assert await keyring.open(subject, later) is None
        assert await keyring.open(subject, sealed) is None
        data = await keyring.seal_data(subject, {"id": 1, "personal": {"name": "after"}})
        assert data == {"id": 1, "personal": later}
        assert await keyring.open_data(subject, data) == ({"id": 1, "personal": None}, True)
    finally:
        await elsewhere.close()
    await keyring.destroy(subject)
    await keyring.destroy(subject)  # twice: no error


async def test_many_processes_making_the_same_key_at_once_agree_on_one(
    keyring: Keyring, keyring_dsn: str
) -> None:
    rings = [await Keyring.connect(keyring_dsn, decode_kek(DEV_KEK), max_size=4) for _ in range(3)]
    try:
        subject = str(uuid.uuid4())
        sealed = await asyncio.gather(*(rings[n % 3].seal(subject, {"n": n}) for n in range(30)))
        for n, part in enumerate(sealed):
            assert await keyring.open(subject, part) == {"n": n}
        async with keyring.pool.acquire() as conn:
            rows = await conn.fetchval(
                "SELECT count(*) FROM subject_keys WHERE subject = $1", subject
            )
        assert rows == 1
    finally:
        for ring in rings:
            await ring.close()


async def test_the_data_keys_are_wrapped_and_the_kek_can_be_rotated(
    keyring: Keyring, keyring_dsn: str
) -> None:
    subject = str(uuid.uuid4())
    sealed = await keyring.seal(subject, PERSON)
    async with keyring.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT kek_id, wrapped FROM subject_keys WHERE subject = $1", subject
        )
    assert len(bytes(row["wrapped"])) == 12 + 32 + 16  # nonce, key, tag: never the key alone
    new = decode_kek(base64.b64encode(b"n" * 32).decode())
    only_new = await Keyring.connect(keyring_dsn, new)
    rotating = await Keyring.connect(keyring_dsn, new, old_keks=[decode_kek(DEV_KEK)])
    try:
        with pytest.raises(KeyringError):  # a key wrapped by a KEK it does not have
            await only_new.open(subject, sealed)
        assert await rotating.rewrap() >= 1
        assert await only_new.open(subject, sealed) == PERSON
        # And back with the command, so that the session's other tests keep their KEK.
        environ = {
            "VOIMALA_KEYRING_KEK": DEV_KEK,
            "VOIMALA_KEYRING_OLD_KEKS": base64.b64encode(new).decode(),
        }
        assert await rewrap_command(keyring_dsn, environ) >= 1
        assert await keyring.open(subject, sealed) == PERSON
    finally:
        await only_new.close()
        await rotating.close()


async def test_a_wrapped_key_moved_to_another_subject_does_not_unwrap(keyring: Keyring) -> None:
    victim, thief = str(uuid.uuid4()), str(uuid.uuid4())
    sealed = await keyring.seal(victim, PERSON)
    await keyring.seal(thief, {"name": "thief"})
    async with keyring.pool.acquire() as conn:
        await conn.execute(
            "UPDATE subject_keys SET wrapped = "
            "(SELECT wrapped FROM subject_keys WHERE subject = $1) WHERE subject = $2",
            victim,
            thief,
        )
    with pytest.raises(InvalidTag):
        await keyring.open(thief, sealed)


async def test_large_parts_are_compressed_before_sealing(keyring: Keyring) -> None:
    subject = str(uuid.uuid4())
    export = {"data": {"messages": [{"body": f"Hei {NAME}, tervetuloa {n}"} for n in range(5000)]}}
    sealed = await keyring.seal(subject, export)
    assert sealed["encoding"] == "zlib"
    assert len(json.dumps(sealed)) < len(json.dumps(export)) / 4
    assert await keyring.open(subject, sealed) == export
    tampered = sealed | {"encoding": ""}  # the encoding is authenticated too
    assert await keyring.open(subject, tampered) is None


async def test_an_open_reads_the_key_every_time_and_is_cheap(
    keyring: Keyring, record_property: Callable[[str, object], None]
) -> None:
    """No cache: a destroy counts for the very next open. Roughly what that costs here."""
    subject = str(uuid.uuid4())
    sealed = await keyring.seal(subject, PERSON)
    started = time.perf_counter()
    for _ in range(200):
        await keyring.open(subject, sealed)
    each = (time.perf_counter() - started) / 200
    record_property("keyring_open_ms", round(each * 1000, 3))
    await keyring.destroy(subject)
    assert await keyring.open(subject, sealed) is None


# --- through the outbox, Kafka and the consumer ----------------------------------------------


async def _record(conn: Connection, data: EventData, event: CloudEvent) -> None:
    await conn.execute(
        "INSERT INTO effect (event_id, subject, seq) VALUES ($1, $2, 0)",
        event.id,
        json.dumps(data.model_dump(mode="json")),
    )


async def _effects(db: Database) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        return [json.loads(r["subject"]) for r in await conn.fetch("SELECT subject FROM effect")]


async def _consume(
    db: Database,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    source: str,
    keyring: Keyring,
    until: Callable[[], Awaitable[bool]],
) -> str:
    service = f"kp{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topics.dead_letter(service)], partitions=1)
    handlers: list[Handler[Any]] = [Handler(ContactChanged, _record), Handler(Registered, _record)]
    consumer = consumer_of(
        db, producer, kafka_bootstrap, service, source, handlers, keyring=keyring
    )
    await run_until(consumer, until)
    return service


async def _publish(
    db: Database, producer: AIOKafkaProducer, outbox: Outbox, items: list[tuple[EventData, str]]
) -> None:
    async with db.transaction() as conn:
        await outbox.add_many(conn, items)
    relay = Relay(db, producer, service="kittest")
    while await relay.publish_batch() > 0:
        pass


async def test_personal_parts_travel_sealed_and_reach_the_handler_open(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[..., Awaitable[str]],
    kafka_bootstrap: str,
    keyring: Keyring,
) -> None:
    topic = await new_topic("personal", partitions=1)
    outbox = Outbox("kittest", topic=topic, keyring=keyring)
    pid, reg = uuid.uuid4(), uuid.uuid4()
    guest = Guest(registration_id=reg, personal=Contact(name="Guest Person", email=EMAIL))
    await _publish(
        db,
        producer,
        outbox,
        [
            (ContactChanged(person_id=pid, personal=Contact(**PERSON)), str(pid)),
            (Registered(person_id=pid, personal=None, guests=[guest]), str(pid)),
        ],
    )
    records = await read_topic(kafka_bootstrap, topic, at_least=2)
    assert len(records) == 2
    for record in records:
        assert not _leaks(record.value), _leaks(record.value)
        assert "Guest Person" not in record.value.decode()
    first, second = (json.loads(r.value) for r in records)
    assert first["data"]["personal"]["sealed"] == SEALED
    assert first["data"]["person_id"] == str(pid)  # only the personal part is sealed
    assert "personal" not in second["data"] or second["data"]["personal"] is None
    assert second["data"]["guests"][0]["personal"]["sealed"] == SEALED
    assert (await opened(keyring, first))["data"]["personal"] == PERSON

    async def both() -> bool:
        return len(await _effects(db)) == 2

    await _consume(db, producer, kafka_bootstrap, topic, keyring, both)
    effects = sorted(await _effects(db), key=lambda e: "guests" in e)
    assert effects[0]["personal"] == PERSON
    assert effects[1]["guests"][0]["personal"]["name"] == "Guest Person"


async def test_after_destroy_a_replay_skips_what_needs_the_person_and_keeps_the_rest(
    db: Database,
    producer: AIOKafkaProducer,
    new_topic: Callable[..., Awaitable[str]],
    kafka_bootstrap: str,
    keyring: Keyring,
) -> None:
    topic = await new_topic("erased", partitions=1)
    outbox = Outbox("kittest", topic=topic, keyring=keyring)
    pid = uuid.uuid4()
    await _publish(
        db,
        producer,
        outbox,
        [
            (ContactChanged(person_id=pid, personal=Contact(**PERSON)), str(pid)),
            (Registered(person_id=pid, personal=Contact(name=NAME)), str(pid)),
        ],
    )
    # A plain part (an older record, or one written by hand) is still taken as it is.
    plain = pid, {"name": "Plain Person"}
    hand = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/voimala/kittest",
        "type": ContactChanged.TYPE,
        "time": "2026-01-01T00:00:00Z",
        "subject": str(plain[0]),
        "data": {"person_id": str(plain[0]), "personal": plain[1]},
        "correlationid": "c",
    }
    await producer.send_and_wait(topic, json.dumps(hand).encode(), key=b"k")
    await keyring.destroy(str(pid))

    async def replayed() -> bool:
        return len(await _effects(db)) == 2

    service = await _consume(db, producer, kafka_bootstrap, topic, keyring, replayed)
    await asyncio.sleep(0.5)  # nothing more comes (the skipped one has no effect)
    effects = await _effects(db)
    assert sorted(e["personal"]["name"] if e["personal"] else "-" for e in effects) == [
        "-",
        "Plain Person",
    ]
    assert not any(NAME in json.dumps(e) for e in effects)
    for event_type in (ContactChanged.TYPE, Registered.TYPE):
        labels = {"service": service, "type": event_type}
        assert REGISTRY.get_sample_value("voimala_events_personal_erased_total", labels) == 1
    assert await read_topic(kafka_bootstrap, topics.dead_letter(service), timeout=1) == []


async def test_an_outbox_without_a_keyring_refuses_personal_data(db: Database) -> None:
    pid = uuid.uuid4()
    outbox = Outbox("kittest", topic="test.never")
    with pytest.raises(KeyringError):
        async with db.transaction() as conn:
            await outbox.add(
                conn, ContactChanged(person_id=pid, personal=Contact(name=NAME)), subject=str(pid)
            )
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_role_that_only_writes_keys_cannot_destroy_them(
    keyring: Keyring, keyring_dsn: str
) -> None:
    """As deployed: the keyring database's owner (participants) destroys; the others, in
    `keyring_writer`, read and add keys only."""
    role = f"kw_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(keyring_dsn)  # the session's superuser
    try:
        await admin.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'keyring_writer')"
            " THEN CREATE ROLE keyring_writer NOLOGIN; END IF; END $$"
        )
        await admin.execute("GRANT SELECT, INSERT ON subject_keys TO keyring_writer")
        await admin.execute("GRANT SELECT ON destroyed_subjects TO keyring_writer")
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'kw' IN ROLE keyring_writer")
        database = keyring_dsn.rsplit("/", 1)[1]
        await admin.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        host = keyring_dsn.split("@", 1)[1]
        writer = await Keyring.connect(f"postgresql://{role}:kw@{host}", decode_kek(DEV_KEK))
        try:
            subject = str(uuid.uuid4())
            sealed = await writer.seal(subject, PERSON)
            assert await writer.open(subject, sealed) == PERSON
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await writer.destroy(subject)
            await keyring.destroy(subject)
            assert await writer.open(subject, sealed) is None
        finally:
            await writer.close()
    finally:
        database = keyring_dsn.rsplit("/", 1)[1]
        await admin.execute(f'REVOKE ALL ON DATABASE "{database}" FROM {role}')
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


# --- settings --------------------------------------------------------------------------------


class _Svc(ServiceSettings):
    service_name: str = "svc"
    port: int = 8101
    database_url: str = "postgresql://svc:s3cret@db:5432/svc?sslmode=require"


def test_the_keyring_is_beside_the_services_database_unless_told(
    env_clean: pytest.MonkeyPatch,
) -> None:
    assert _Svc().keyring_dsn == "postgresql://svc:s3cret@db:5432/keyring?sslmode=require"
    assert _Svc(keyring_url="postgresql://k@kms/keys").keyring_dsn == "postgresql://k@kms/keys"


def test_production_refuses_the_development_kek_and_starts_with_none_at_all(
    env_clean: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_clean.setenv("VOIMALA_ENV", "production")
    env_clean.setenv("VOIMALA_JWT_PUBLIC_KEY_FILE", str(tmp_path / "key.pem"))
    env_clean.setenv("VOIMALA_JWT_ISSUER", "https://login.salo.example")
    env_clean.setenv("VOIMALA_KEYRING_KEK", DEV_KEK)
    with pytest.raises(ValidationError, match="VOIMALA_KEYRING_KEK"):
        _Svc()
    env_clean.delenv("VOIMALA_KEYRING_KEK")
    with pytest.raises(RuntimeError, match="VOIMALA_KEYRING_KEK"):
        _keks(_Svc())
    real = base64.b64encode(b"r" * 32).decode()
    env_clean.setenv("VOIMALA_KEYRING_KEK", real)
    env_clean.setenv("VOIMALA_KEYRING_OLD_KEKS", f"{DEV_KEK}, {real}")
    assert _keks(_Svc()) == (b"r" * 32, [decode_kek(DEV_KEK), b"r" * 32])
    env_clean.setenv("VOIMALA_KEYRING_KEK", "c2hvcnQ=")
    with pytest.raises(KeyringError, match="32 bytes"):
        _keks(_Svc())
