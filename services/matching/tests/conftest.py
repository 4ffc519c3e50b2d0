"""Fixtures for the matching suites: the service in-process on real PostgreSQL and Kafka,
fed with real participant events through the `voimala.participants` topic."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
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
    ParticipantConsentChanged,
    ParticipantExited,
    ParticipantProfileUpdated,
    ParticipantRegistered,
    new_event,
    topics,
)
from voimala_kit.kafka import make_producer
from voimala_kit.testing import PROBLEM_JSON, auth, running_app, wait_for
from voimala_matching.bootstrap import bootstrap
from voimala_matching.settings import Settings


def business_id() -> str:
    """A new valid Finnish business ID (a random base and its check digit)."""
    while True:
        base = f"{random.randrange(10**7):07d}"
        remainder = sum(int(d) * w for d, w in zip(base, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            return f"{base}-{0 if remainder == 0 else 11 - remainder}"


@pytest.fixture(scope="session")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    # The openings optimiser does not run by itself here: the suites propose by hand and ask
    # the engine when they mean to (test_optimiser.py runs it and its worker explicitly).
    return await service_settings(Settings, expiry_poll=0.3, optimiser_auto=False)


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings)) as c:
        yield c


@pytest.fixture(scope="session")
async def db(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own (after the service migrated its database)."""
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="session")
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, "matching-test")
    await p.start()
    yield p
    await p.stop()


def profile(**overrides: Any) -> MatchingProfile:
    values: dict[str, Any] = {
        "skills": ["forklift", "warehouse"],
        "languages": [
            LanguageSkill(code="fi", level="native"),
            LanguageSkill(code="en", level="B1"),
        ],
        "municipality": "Salo",
        "availability": ["full_time"],
        "goals": "Work in logistics and warehouse operations",
        "matching_consent": True,
    }
    return MatchingProfile(**(values | overrides))


async def send(producer: AIOKafkaProducer, event: CloudEvent) -> None:
    await producer.send_and_wait(
        topics.PARTICIPANTS,
        value=event.to_json(),
        key=event.subject.encode(),
        headers=list(STRUCTURED),
    )


def registered(pid: uuid.UUID, p: MatchingProfile) -> CloudEvent:
    data = ParticipantRegistered(participant_id=pid, profile=p)
    return new_event(data, service="participants", subject=str(pid))


def updated(pid: uuid.UUID, p: MatchingProfile) -> CloudEvent:
    data = ParticipantProfileUpdated(participant_id=pid, profile=p)
    return new_event(data, service="participants", subject=str(pid))


def consent(pid: uuid.UUID, purpose: str, granted: bool) -> CloudEvent:
    data = ParticipantConsentChanged(
        participant_id=pid,
        purpose=purpose,  # type: ignore[arg-type]
        granted=granted,
        text_version="2026-01",
        recorded_at=datetime.now(UTC),
    )
    return new_event(data, service="participants", subject=str(pid))


def exited(pid: uuid.UUID) -> CloudEvent:
    data = ParticipantExited(
        participant_id=pid, exit_date=datetime.now(UTC).date(), outcome="employed"
    )
    return new_event(data, service="participants", subject=str(pid))


async def profile_of(
    client: httpx.AsyncClient, token: Callable[..., str], pid: uuid.UUID
) -> dict[str, Any] | None:
    r = await client.get(f"/profiles/{pid}", headers=auth(token("coordinator")))
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def participant(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    **overrides: Any,
) -> uuid.UUID:
    """A participant registered through a real event, once matching has their profile."""
    pid = uuid.uuid4()
    await send(producer, registered(pid, profile(**overrides)))

    async def kept() -> dict[str, Any] | None:
        return await profile_of(client, token, pid)

    # (the session's own consumer group starts at the topics' beginning: on a broker many
    # sessions have written to, the first profile waits for it to catch up)
    await wait_for(kept, timeout=240)
    return pid


async def partner(
    client: httpx.AsyncClient, token: Callable[..., str], **overrides: Any
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    body: dict[str, Any] = {
        "kind": "association",
        "name": f"Salon Seudun Yhdistys {tag}",
        "municipality": "Salo",
        "contacts": [{"name": f"Kaisa Contact{tag}", "email": f"kaisa.{tag}@example.fi"}],
    } | overrides
    r = await client.post("/partners", json=body, headers=auth(token("coordinator")))
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


def employer(token: Callable[..., str], partner_id: str) -> dict[str, str]:
    return auth(token("employer", org=partner_id))


async def opening(
    client: httpx.AsyncClient, token: Callable[..., str], partner_id: str, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "work_trial",
        "title": "Warehouse work trial",
        "description": "Logistics warehouse in Salo",
        "required_skills": ["forklift"],
        "nice_skills": ["warehouse", "inventory"],
        "languages": [{"code": "fi", "min_level": "B1"}],
        "municipality": "Salo",
        "hours": "full_time",
        "places": 1,
    } | overrides
    r = await client.post(
        f"/partners/{partner_id}/openings", json=body, headers=employer(token, partner_id)
    )
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


async def mentor(
    client: httpx.AsyncClient, token: Callable[..., str], **overrides: Any
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    body: dict[str, Any] = {
        "name": f"Matti Mentor{tag}",
        "email": f"matti.{tag}@example.fi",
        "fields": ["logistics"],
        "languages": ["fi"],
        "capacity": 1,
        "municipality": "Salo",
    } | overrides
    r = await client.post("/mentors", json=body, headers=auth(token("coordinator")))
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body
