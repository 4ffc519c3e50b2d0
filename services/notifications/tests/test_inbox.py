"""The in-app inbox, fed by real participant events from Kafka, as the producer sends them:
`participant.contact_changed.v1` (kept as the recipient's contact), then
`participant.registered.v1` (the welcome, greeting by the name kept)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import (
    STRUCTURED,
    CloudEvent,
    LanguageSkill,
    MatchingProfile,
    ParticipantContact,
    ParticipantContactChanged,
    ParticipantRegistered,
    new_event,
    topics,
)
from voimala_kit.kafka import make_producer
from voimala_kit.testing import PROBLEM_JSON, auth, running_app, wait_for
from voimala_notifications.bootstrap import bootstrap
from voimala_notifications.settings import Settings


@pytest.fixture(scope="module")
async def settings(
    service_settings: Callable[..., Awaitable[Settings]],
    group_at_end: Callable[[str], Awaitable[str]],
) -> Settings:
    return await service_settings(Settings, consumer_group=await group_at_end("inbox"))


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings)) as c:
        yield c


@pytest.fixture(scope="module")
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, "notifications-test")
    await p.start()
    yield p
    await p.stop()


def _contact_changed(pid: uuid.UUID, language: str) -> tuple[CloudEvent, ParticipantContact]:
    tag = uuid.uuid4().hex[:8]
    personal = ParticipantContact(
        given_name=f"Ebba{tag}",
        family_name=f"Lindqvist{tag}",
        email=f"ebba.{tag}@example.fi",
        phone="+358401234567",
    )
    data = ParticipantContactChanged(
        participant_id=pid,
        preferred_language=language,  # type: ignore[arg-type]
        personal=personal,
    )
    return new_event(data, service="participants", subject=str(pid)), personal


def _registered(pid: uuid.UUID, language: str) -> CloudEvent:
    data = ParticipantRegistered(
        participant_id=pid,
        preferred_language=language,  # type: ignore[arg-type]
        profile=MatchingProfile(
            skills=["customer service"],
            languages=[LanguageSkill(code="sv", level="native")],
            municipality="Salo",
            youth=True,
            matching_consent=True,
        ),
    )
    return new_event(data, service="participants", subject=str(pid))


async def _send(producer: AIOKafkaProducer, event: CloudEvent, partition: int | None = None) -> int:
    meta = await producer.send_and_wait(
        topics.PARTICIPANTS,
        value=event.to_json(),
        key=event.subject.encode(),
        headers=list(STRUCTURED),
        partition=partition,
    )
    return int(meta.partition)


async def _register(
    producer: AIOKafkaProducer, pid: uuid.UUID, language: str, partition: int | None = None
) -> tuple[CloudEvent, CloudEvent, ParticipantContact, int]:
    """As the participants service does: the contact first, then the registration."""
    contact, personal = _contact_changed(pid, language)
    registered = _registered(pid, language)
    partition = await _send(producer, contact, partition)
    assert await _send(producer, registered, partition) == partition
    return contact, registered, personal, partition


async def _inbox(client: httpx.AsyncClient, pid: uuid.UUID, token: Callable[..., str]) -> Any:
    r = await client.get(
        f"/recipients/{pid}/messages", headers=auth(token("participant", subject=str(pid)))
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def _welcomed(
    client: httpx.AsyncClient, pid: uuid.UUID, token: Callable[..., str]
) -> list[Any]:
    async def arrived() -> list[Any]:
        items: list[Any] = await _inbox(client, pid, token)
        return items

    found: list[Any] = await wait_for(arrived, timeout=60)
    return found


#: The participant, their contact and registration events, the contact, the partition, the inbox.
Welcomed = tuple[uuid.UUID, CloudEvent, CloudEvent, ParticipantContact, int, list[Any]]


@pytest.fixture(scope="module")
async def welcomed(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> Welcomed:
    """One participant registered in Swedish, and their inbox once the welcome arrived."""
    pid = uuid.uuid4()
    contact, registered, personal, partition = await _register(producer, pid, "sv")
    return pid, contact, registered, personal, partition, await _welcomed(client, pid, token)


async def test_a_registered_participant_gets_one_welcome_in_their_language(
    welcomed: Welcomed,
) -> None:
    _, _, _, personal, _, items = welcomed

    (message,) = items
    assert message["template"] == "welcome"
    assert message["channel"] == "in_app"
    assert message["language"] == "sv"
    assert message["subject"] == "Välkommen till VOITTO-programmet"
    assert message["body"].startswith(f"Hej {personal.given_name}!")
    assert message["status"] == "sent"
    assert message["sent_at"] is not None
    assert message["read_at"] is None
    # The inbox shows the greeting, not the contact data kept for sending.
    assert personal.email not in str(message)
    assert personal.family_name not in str(message)


@pytest.mark.parametrize(("language", "subject"), [("fi", "Tervetuloa"), ("en", "Welcome")])
async def test_the_welcome_follows_the_preferred_language(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    language: str,
    subject: str,
) -> None:
    pid = uuid.uuid4()
    _, _, personal, _ = await _register(producer, pid, language)

    (message,) = await _welcomed(client, pid, token)
    assert message["language"] == language
    assert message["subject"].startswith(subject)
    assert personal.given_name in message["body"]


async def test_the_recipient_is_kept_with_contact_data(
    welcomed: Welcomed,
    settings: Settings,
) -> None:
    pid, _, _, personal, _, _ = welcomed
    conn = await asyncpg.connect(settings.database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM recipient WHERE id = $1", pid)
    finally:
        await conn.close()
    assert row is not None
    assert row["kind"] == "participant"
    assert row["preferred_language"] == "sv"
    assert row["given_name"] == personal.given_name
    assert row["email"] == personal.email
    assert row["phone"] == personal.phone


async def test_the_same_events_again_add_no_second_message(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    settings: Settings,
    welcomed: Welcomed,
) -> None:
    pid, contact, registered, _, partition, first = welcomed

    # The same two events (same ids) again, then a marker registration on the same partition:
    # once the marker's welcome is there, the consumer has read past the redelivery.
    assert await _send(producer, contact) == partition
    assert await _send(producer, registered) == partition
    marker_pid = uuid.uuid4()
    await _register(producer, marker_pid, "fi", partition=partition)
    await _welcomed(client, marker_pid, token)

    again = await _inbox(client, pid, token)
    assert [m["id"] for m in again] == [m["id"] for m in first]
    conn = await asyncpg.connect(settings.database_url)
    try:
        messages = await conn.fetchval(
            "SELECT count(*) FROM message WHERE event_id = $1", registered.id
        )
        inbox = await conn.fetch(
            "SELECT event_type, count(*) AS n FROM inbox WHERE event_id = ANY($1::uuid[])"
            " GROUP BY event_type",
            [contact.id, registered.id],
        )
    finally:
        await conn.close()
    assert messages == 1
    assert {r["event_type"]: r["n"] for r in inbox} == {
        "participant.contact_changed.v1": 1,
        "participant.registered.v1": 1,
    }


async def test_a_registration_without_a_known_contact_is_welcomed_without_a_name(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    settings: Settings,
) -> None:
    pid = uuid.uuid4()
    await _send(producer, _registered(pid, "fi"))

    (message,) = await _welcomed(client, pid, token)
    assert message["template"] == "welcome"
    assert message["language"] == "fi"
    assert message["subject"] == "Tervetuloa VOITTO-ohjelmaan"
    assert message["body"].startswith("Hei!\n")
    assert "None" not in message["body"]
    conn = await asyncpg.connect(settings.database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM recipient WHERE id = $1", pid)
    finally:
        await conn.close()
    assert row is not None
    assert (row["kind"], row["preferred_language"]) == ("participant", "fi")
    assert (row["given_name"], row["email"], row["phone"]) == (None, None, None)


async def test_a_contact_change_alone_keeps_the_contact_and_sends_nothing(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    settings: Settings,
) -> None:
    pid = uuid.uuid4()
    contact, personal = _contact_changed(pid, "en")
    partition = await _send(producer, contact)
    # A marker registration after it on the same partition: once that is welcomed, the
    # consumer has handled the contact change.
    marker_pid = uuid.uuid4()
    await _register(producer, marker_pid, "fi", partition=partition)
    await _welcomed(client, marker_pid, token)

    assert await _inbox(client, pid, token) == []
    conn = await asyncpg.connect(settings.database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM recipient WHERE id = $1", pid)
    finally:
        await conn.close()
    assert row is not None
    assert row["preferred_language"] == "en"
    assert (row["given_name"], row["email"], row["phone"]) == (
        personal.given_name,
        personal.email,
        personal.phone,
    )


async def test_the_owner_marks_a_message_read_others_may_not(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
) -> None:
    pid = uuid.uuid4()
    await _register(producer, pid, "en")
    (message,) = await _welcomed(client, pid, token)
    url = f"/recipients/{pid}/messages/{message['id']}/read"

    for who in (
        token("participant", subject=str(uuid.uuid4())),
        token("coordinator"),  # staff read inboxes, but only the recipient marks read
        token("employer", org="partner-1"),
    ):
        r = await client.post(url, headers=auth(who))
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
    (still,) = await _inbox(client, pid, token)
    assert still["read_at"] is None

    own = auth(token("participant", subject=str(pid)))
    r = await client.post(url, headers=own)
    assert r.status_code == 204, r.text
    assert r.content == b""
    (read,) = await _inbox(client, pid, token)
    assert read["read_at"] is not None

    # Marking it read again is harmless and keeps the first time.
    r = await client.post(url, headers=own)
    assert r.status_code == 204, r.text
    (again,) = await _inbox(client, pid, token)
    assert again["read_at"] == read["read_at"]


async def test_an_unknown_message_is_a_404(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    welcomed: Welcomed,
) -> None:
    pid, _, _, _, _, (message,) = welcomed

    own = auth(token("participant", subject=str(pid)))
    r = await client.post(f"/recipients/{pid}/messages/{uuid.uuid4()}/read", headers=own)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)

    # Someone else's message is not in my inbox either, even with its real id.
    other = uuid.uuid4()
    mine = auth(token("participant", subject=str(other)))
    r = await client.post(f"/recipients/{other}/messages/{message['id']}/read", headers=mine)
    assert r.status_code == 404, r.text


async def test_only_the_owner_and_staff_read_an_inbox(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    welcomed: Welcomed,
) -> None:
    pid, _, _, _, _, items = welcomed
    url = f"/recipients/{pid}/messages"

    for role in ("coordinator", "counsellor", "ops"):
        r = await client.get(url, headers=auth(token(role)))
        assert r.status_code == 200, r.text
        assert [m["id"] for m in r.json()["items"]] == [m["id"] for m in items]
    for who in (
        token("participant", subject=str(uuid.uuid4())),
        token("mentor"),
        token("employer", org="partner-1"),
    ):
        r = await client.get(url, headers=auth(who))
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
    r = await client.get(url)
    assert r.status_code == 401


async def test_ops_read_an_inbox_as_metadata_never_its_words(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    welcomed: Welcomed,
) -> None:
    """Ops keep the services running: when and how a message went, not what it said (the
    welcome greets by name; other messages say when a person is where). As `/messages`."""
    pid, _, _, personal, _, items = welcomed
    assert personal.given_name in items[0]["body"]
    url = f"/recipients/{pid}/messages"
    r = await client.get(url, headers=auth(token("ops")))
    assert r.status_code == 200, r.text
    (seen,) = r.json()["items"]
    assert seen["subject"] is None
    assert seen["body"] is None
    assert personal.given_name not in r.text
    assert {k: v for k, v in seen.items() if k not in ("subject", "body")} == {
        k: v for k, v in items[0].items() if k not in ("subject", "body")
    }
    r = await client.get(url, headers=auth(token("counsellor")))
    assert r.json()["items"][0]["body"] == items[0]["body"]


async def test_an_empty_inbox_and_a_bad_cursor(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    nobody = uuid.uuid4()
    assert await _inbox(client, nobody, token) == []
    r = await client.get(
        f"/recipients/{nobody}/messages",
        params={"cursor": "garbage!!"},
        headers=auth(token("coordinator")),
    )
    assert r.status_code == 400, r.text
    assert r.json()["title"] == "Bad cursor"
