"""Matching keeps a pseudonymous profile from real `participant.registered.v1` events.

It sees every participant event on the topic, `participant.contact_changed.v1` (sent just
before each registration) included: a known type it does not handle, so it skips it, and
keeps none of its contact data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
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
from voimala_kit.testing import read_topic, running_app, wait_for
from voimala_matching.bootstrap import bootstrap
from voimala_matching.settings import Settings

PROBLEM_JSON = "application/problem+json"
PERSONAL_FIELDS = {"given_name", "family_name", "email", "phone", "birth_year", "personal"}


@pytest.fixture(scope="module")
async def settings(
    new_database: Callable[[str], Awaitable[str]], jwt_keys: tuple[Path, Path]
) -> Settings:
    return Settings(
        database_url=await new_database("matching"),
        jwt_public_key_file=jwt_keys[1],
        consumer_group=f"matching-test-{uuid.uuid4().hex[:8]}",
        relay_idle_poll=0.2,
    )


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings)) as c:
        yield c


@pytest.fixture(scope="module")
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, "matching-test")
    await p.start()
    yield p
    await p.stop()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _contact_changed(pid: uuid.UUID) -> tuple[CloudEvent, ParticipantContact]:
    tag = uuid.uuid4().hex[:8]
    personal = ParticipantContact(
        given_name=f"Aino{tag}",
        family_name=f"Virtanen{tag}",
        email=f"aino.{tag}@example.fi",
        phone="+358409876543",
        preferred_channel="sms",
    )
    data = ParticipantContactChanged(participant_id=pid, preferred_language="fi", personal=personal)
    return new_event(data, service="participants", subject=str(pid)), personal


def _registered(pid: uuid.UUID, profile: MatchingProfile) -> CloudEvent:
    data = ParticipantRegistered(participant_id=pid, preferred_language="fi", profile=profile)
    return new_event(data, service="participants", subject=str(pid))


async def _send(producer: AIOKafkaProducer, event: CloudEvent) -> None:
    await producer.send_and_wait(
        topics.PARTICIPANTS,
        value=event.to_json(),
        key=event.subject.encode(),
        headers=list(STRUCTURED),
    )


async def _register(
    producer: AIOKafkaProducer, pid: uuid.UUID, profile: MatchingProfile
) -> tuple[CloudEvent, CloudEvent, ParticipantContact]:
    """As the participants service does: the contact first, then the registration."""
    contact, personal = _contact_changed(pid)
    registered = _registered(pid, profile)
    await _send(producer, contact)
    await _send(producer, registered)
    return contact, registered, personal


async def _profile_of(
    client: httpx.AsyncClient, pid: uuid.UUID, token: Callable[..., str]
) -> dict[str, Any]:
    async def kept() -> dict[str, Any] | None:
        r = await client.get(f"/profiles/{pid}", headers=_auth(token("counsellor")))
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    profile: dict[str, Any] = await wait_for(kept, timeout=60)
    return profile


PROFILE = MatchingProfile(
    skills=["forklift", "warehouse"],
    languages=[LanguageSkill(code="fi", level="native"), LanguageSkill(code="en", level="B1")],
    municipality="Salo",
    youth=True,
    matching_consent=True,
)


#: The participant, their contact and registration events, the contact, the profile kept.
Profiled = tuple[uuid.UUID, CloudEvent, CloudEvent, ParticipantContact, dict[str, Any]]


@pytest.fixture(scope="module")
async def profiled(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> Profiled:
    pid = uuid.uuid4()
    contact, registered, personal = await _register(producer, pid, PROFILE)
    return pid, contact, registered, personal, await _profile_of(client, pid, token)


async def test_a_registered_participant_gets_a_pseudonymous_profile(
    profiled: Profiled,
) -> None:
    pid, _, _, personal, profile = profiled

    assert set(profile) == {
        "participant_id",
        "skills",
        "languages",
        "municipality",
        "youth",
        "matching_consent",
        "updated_at",
    }
    assert not PERSONAL_FIELDS & set(profile)
    assert profile["participant_id"] == str(pid)
    assert profile["skills"] == ["forklift", "warehouse"]
    assert profile["languages"] == [
        {"code": "fi", "level": "native"},
        {"code": "en", "level": "B1"},
    ]
    assert profile["municipality"] == "Salo"
    assert profile["youth"] is True
    assert profile["matching_consent"] is True
    text = str(profile)
    for value in (personal.given_name, personal.family_name, personal.email, personal.phone):
        assert value is not None
        assert value not in text


async def test_matching_stores_nothing_personal(profiled: Profiled, settings: Settings) -> None:
    pid, _, _, personal, _ = profiled
    conn = await asyncpg.connect(settings.database_url)
    try:
        row = await conn.fetchval(
            "SELECT row_to_json(p)::text FROM profile p WHERE participant_id = $1", pid
        )
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        everything = [
            await conn.fetchval(f'SELECT coalesce(json_agg(t)::text, $$$$) FROM "{name}" t')  # noqa: S608 - names from the catalogue
            for name in (r["table_name"] for r in tables)
        ]
    finally:
        await conn.close()
    assert row is not None
    assert str(pid) in row
    for value in (personal.given_name, personal.family_name, personal.email, personal.phone):
        assert value is not None
        assert all(value not in table for table in everything)


async def test_contact_changed_is_skipped_not_applied_nor_dead_lettered(
    profiled: Profiled, settings: Settings, kafka_bootstrap: str
) -> None:
    # The profile is there, so the consumer has read past the contact change before it.
    pid, contact, registered, _, _ = profiled
    conn = await asyncpg.connect(settings.database_url)
    try:
        applied = {
            r["event_id"]
            for r in await conn.fetch(
                "SELECT event_id FROM inbox WHERE event_id = ANY($1::uuid[])",
                [contact.id, registered.id],
            )
        }
    finally:
        await conn.close()
    assert applied == {registered.id}
    # A known type it does not handle is no poison: this consumer dead-lettered nothing of the
    # participant (which would also be contact data kept outside notifications). The topic is
    # shared with any other matching consumer on this broker: count only this one's.
    dead = await read_topic(kafka_bootstrap, topics.dead_letter("matching"))
    ours = [
        r
        for r in dead
        if r.key == str(pid).encode()
        and dict(r.headers).get("dlq.consumer") == settings.group_id.encode()
    ]
    assert ours == []


async def test_a_later_registration_event_updates_the_profile(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    pid = uuid.uuid4()
    await _register(producer, pid, PROFILE)
    assert (await _profile_of(client, pid, token))["skills"] == ["forklift", "warehouse"]

    changed = MatchingProfile(skills=["cooking"], municipality="Turku", youth=False)
    await _send(producer, _registered(pid, changed))

    async def updated() -> dict[str, Any] | None:
        profile = await _profile_of(client, pid, token)
        return profile if profile["skills"] == ["cooking"] else None

    profile = await wait_for(updated, timeout=60)
    assert profile["municipality"] == "Turku"
    assert profile["youth"] is False
    assert profile["matching_consent"] is False
    assert profile["languages"] == []


async def test_staff_read_profiles_others_get_403(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    profiled: Profiled,
) -> None:
    pid, _, _, _, _ = profiled
    url = f"/profiles/{pid}"

    r = await client.get(url, headers=_auth(token("coordinator")))
    assert r.status_code == 200, r.text
    for who in (
        token("participant", subject=str(pid)),  # not even their own: it is matching's view
        token("participant"),
        token("employer", org="partner-1"),
        token("mentor"),
    ):
        r = await client.get(url, headers=_auth(who))
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert (await client.get(url)).status_code == 401


async def test_an_unknown_profile_is_a_404(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    r = await client.get(f"/profiles/{uuid.uuid4()}", headers=_auth(token("counsellor")))
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert r.json()["status"] == 404
