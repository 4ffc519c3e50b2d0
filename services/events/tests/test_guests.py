"""Guests' own keys and a guest's erasure; an erased participant's access request answered.
On the real broker, database and keyring."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from voimala_contracts import new_event, topics
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_kit.personal import GUEST, Keyring
from voimala_kit.testing import auth, opened, read_topic, wait_for
from voimala_scheduling.domain.registrations import GUEST_KEY

from .conftest import first_occurrence, guest, new_series


async def _register(client: httpx.AsyncClient, occurrence_id: str, body: dict[str, Any]) -> str:
    r = await client.post(f"/occurrences/{occurrence_id}/registrations", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _events(kafka: str, db: asyncpg.Connection, occurrence_id: str) -> list[dict[str, Any]]:
    """The occurrence's events on the topic, once the service published all it wrote."""

    async def published() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM outbox") == 0)

    await wait_for(published, timeout=60)
    records = await read_topic(kafka, topics.EVENTS, timeout=120)
    return [json.loads(r.value) for r in records if r.key == occurrence_id.encode()]


def _of(events: list[dict[str, Any]], kind: str, registration_id: str) -> dict[str, Any]:
    (found,) = [
        e for e in events if e["type"] == kind and e["data"]["registration_id"] == registration_id
    ]
    return found


async def test_one_guest_is_erased_alone_their_seat_released_their_contact_unreadable(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
    keyring: Keyring,
) -> None:
    assert GUEST_KEY == GUEST  # the domain's copy of the kit's prefix
    occ = await first_occurrence(client, (await new_series(client, staff, capacity=1))["id"])
    other = await first_occurrence(client, (await new_series(client, staff))["id"])
    oid = occ["occurrence_id"]
    anna, bo = guest("anna"), guest("bo")
    anna_email = anna["guest"]["email"]
    seat = await _register(client, oid, anna)
    waiting = await _register(client, oid, bo)
    elsewhere = await _register(client, other["occurrence_id"], {"guest": anna["guest"]})

    before = await _events(kafka_bootstrap, db, oid)
    confirmed = _of(before, "registration.confirmed.v1", seat)
    waitlisted = _of(before, "registration.waitlisted.v1", waiting)
    # Each guest's contact is sealed with their own key, named in the sealed form.
    assert confirmed["data"]["personal_subject"] == f"guest:{seat}"
    assert confirmed["data"]["personal"]["key"] == f"guest:{seat}"
    assert anna_email not in json.dumps(before)
    assert (await opened(keyring, confirmed))["data"]["personal"]["email"] == anna_email

    # Only a coordinator erases, by exactly one of e-mail, phone, registration id.
    r = await client.post(
        "/guests/erasure", json={"email": anna_email}, headers=auth(token("counsellor"))
    )
    assert r.status_code == 403
    r = await client.post(
        "/guests/erasure", json={"email": anna_email, "registration_id": seat}, headers=staff
    )
    assert r.status_code == 422
    assert anna_email not in r.text

    r = await client.post("/guests/erasure", json={"email": anna_email.upper()}, headers=staff)
    assert r.status_code == 202, r.text
    assert r.json() == {"registrations": 2, "cancelled": 2, "attendance": 0, "keys_destroyed": 2}

    after = await _events(kafka_bootstrap, db, oid)
    # Her contact, in every event that carried it, is unreadable; his is not.
    assert (await opened(keyring, confirmed))["data"]["personal"] is None
    assert (await opened(keyring, waitlisted))["data"]["personal"]["name"] == "Guest bo"
    # Her seat went to him, as a cancellation gives it; the cancellation names no one.
    cancelled = _of(after, "registration.cancelled.v1", seat)
    assert cancelled["data"]["personal"] is None
    promoted = _of(after, "registration.promoted.v1", waiting)
    assert (await opened(keyring, promoted))["data"]["personal"]["name"] == "Guest bo"

    # Nothing here holds her contact; the rows stay as anonymous facts.
    assert (
        await db.fetchval(
            "SELECT count(*) FROM registration WHERE lower(guest_email) = lower($1) "
            "OR person_key LIKE $2",
            anna_email,
            f"%{anna_email.lower()}%",
        )
        == 0
    )
    rows = await db.fetch(
        "SELECT status, anonymised_at IS NOT NULL AS anonymised, cancel_token FROM registration "
        "WHERE id = ANY($1::uuid[])",
        [uuid.UUID(seat), uuid.UUID(elsewhere)],
    )
    assert [(r["status"], r["anonymised"], r["cancel_token"]) for r in rows] == [
        ("cancelled", True, None)
    ] * 2
    assert (
        await db.fetchval("SELECT guest_name FROM registration WHERE id = $1", uuid.UUID(waiting))
        == "Guest bo"
    )
    assert await db.fetchval("SELECT confirmed FROM occurrence WHERE id = $1", uuid.UUID(oid)) == 1
    # Audited by registration id (a guest has no participant id).
    audited = await db.fetch(
        "SELECT participant_id, purpose FROM audit_log WHERE action = 'guest.erased'"
        " AND participant_id = ANY($1::uuid[])",
        [uuid.UUID(seat), uuid.UUID(elsewhere)],
    )
    assert sorted(str(a["participant_id"]) for a in audited) == sorted([seat, elsewhere])
    assert {a["purpose"] for a in audited} == {"guest_erasure"}

    # Notifications is told to forget her (ids only).
    records = await read_topic(kafka_bootstrap, topics.EVENTS, timeout=120)
    told = [json.loads(r.value) for r in records if b"guest.erased.v1" in r.value]
    (erasure,) = [e for e in told if seat in e["data"]["registration_ids"]]
    assert sorted(erasure["data"]["registration_ids"]) == sorted([seat, elsewhere])
    assert anna_email not in json.dumps(erasure)

    # Asked again (by her registration, or her e-mail): nothing left to erase.
    for body in ({"registration_id": seat}, {"email": anna_email}):
        r = await client.post("/guests/erasure", json=body, headers=staff)
        assert r.status_code == 202
        assert r.json()["registrations"] == 0


async def test_a_guest_is_found_by_phone_or_by_a_registration_of_theirs(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    a = await first_occurrence(client, (await new_series(client, staff))["id"])
    b = await first_occurrence(client, (await new_series(client, staff))["id"])
    phone = f"+35840{uuid.uuid4().int % 10**7:07d}"
    caller = {"guest": {"name": "Phone Guest", "phone": phone}}
    first = await _register(client, a["occurrence_id"], caller)
    await _register(client, b["occurrence_id"], caller)
    r = await client.post("/guests/erasure", json={"registration_id": first}, headers=staff)
    assert r.status_code == 202, r.text
    assert r.json()["registrations"] == 2
    assert await db.fetchval("SELECT count(*) FROM registration WHERE guest_phone = $1", phone) == 0
    r = await client.post("/guests/erasure", json={"phone": phone}, headers=staff)
    assert r.json()["registrations"] == 0


async def test_an_erased_participants_access_request_is_answered_with_nothing_held(
    client: httpx.AsyncClient, kafka_bootstrap: str, db: asyncpg.Connection, keyring: Keyring
) -> None:
    pid, erasure, request = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for data in (
            ErasureRequested(
                erasure_id=erasure, participant_id=pid, reason="request", requested_at=now
            ),
            AccessRequested(request_id=request, participant_id=pid, requested_at=now),
        ):
            event = new_event(data, service="participants", subject=str(pid))
            await producer.send_and_wait(
                topics.PARTICIPANTS, event.to_json(), key=str(pid).encode()
            )
    finally:
        await producer.stop()

    async def answered() -> bool:
        found = await db.fetchval("SELECT 1 FROM privacy_answer WHERE request_id = $1", request)
        return bool(found) and await db.fetchval("SELECT count(*) FROM outbox") == 0

    await wait_for(answered, timeout=60)
    records = await read_topic(kafka_bootstrap, topics.EVENTS, timeout=120)
    answers = [
        json.loads(r.value)
        for r in records
        if r.key == str(pid).encode() and b"privacy.events_exported.v1" in r.value
    ]
    # This instance's answer: other suites' instances (each its own keyring) answer too, and
    # theirs does not open with this session's keys.
    ours = [(await opened(keyring, a))["data"] for a in answers]
    (data,) = [d for d in ours if d["personal"] is not None]
    assert data["request_id"] == str(request)
    held = data["personal"]["data"]
    assert held["registrations"] == []
    assert held["attendance"] == []
    assert len(held["erasure"]) == 1
