"""The participants API, in-process on real PostgreSQL and Kafka (migrations, relay and all)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import ConsumerRecord
from voimala_contracts import topics
from voimala_kit.clock import SystemClock
from voimala_kit.personal import Keyring
from voimala_kit.testing import PROBLEM_JSON, auth, opened, read_topic, wait_for
from voimala_participants.settings import Settings

from .conftest import person as new_person


@pytest.fixture
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator"))


async def _register(client: httpx.AsyncClient, staff: dict[str, str], **overrides: Any) -> Any:
    r = await client.post("/participants", json=new_person(**overrides), headers=staff)
    assert r.status_code == 201, r.text
    return r.json()


def _assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    return body


# Registering


async def test_register_returns_201_with_the_record_and_computed_youth(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    # The service's year is Helsinki's: from 22:00 UTC on Dec 31 it is already the next one.
    year = SystemClock().today().year
    person = new_person(birth_year=year - 29, skills=["forklift", "forklift", "welding"])
    r = await client.post("/participants", json=person, headers=staff)

    assert r.status_code == 201, r.text
    body = r.json()
    uuid.UUID(body["id"])
    assert body["youth"] is True
    assert body["given_name"] == person["given_name"]
    assert body["family_name"] == person["family_name"]
    assert body["email"] == person["email"]
    assert body["phone"] == person["phone"]
    assert body["birth_year"] == year - 29
    assert body["skills"] == ["forklift", "welding"]  # duplicates dropped, order kept
    assert body["languages"] == person["languages"]
    assert body["status"] == "active"
    assert body["matching_consent"] is True
    datetime.fromisoformat(body["created_at"])

    older = await _register(client, staff, birth_year=year - 30)
    assert older["youth"] is False
    unknown = await _register(client, staff, birth_year=None)
    assert unknown["youth"] is False


async def test_only_name_is_required(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    r = await client.post(
        "/participants", json={"given_name": "Eino", "family_name": "Leino"}, headers=staff
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["preferred_language"] == "fi"
    assert body["email"] is None
    assert body["phone"] is None
    assert body["youth"] is False
    assert body["skills"] == []
    assert body["matching_consent"] is False


async def _records_for(
    kafka_bootstrap: str, pid: str, at_least: int = 4
) -> list[ConsumerRecord[bytes, bytes]]:
    """The participant's records on the topic, once at least `at_least` of them are there."""

    async def published() -> list[ConsumerRecord[bytes, bytes]] | None:
        records = await read_topic(kafka_bootstrap, topics.PARTICIPANTS)
        mine = [r for r in records if r.key == pid.encode()]
        return mine if len(mine) >= at_least else None

    found: list[ConsumerRecord[bytes, bytes]] = await wait_for(published, timeout=60)
    return found


async def test_registering_publishes_contact_changed_then_registered_keyed_by_the_id(
    client: httpx.AsyncClient, staff: dict[str, str], kafka_bootstrap: str, keyring: Keyring
) -> None:
    person = new_person(preferred_language="sv")
    r = await client.post(
        "/participants", json=person, headers=staff | {"X-Correlation-ID": "reg-test-1"}
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]

    records = await _records_for(kafka_bootstrap, pid)
    # Same key, so the same partition, in the order they were written: the contact first.
    assert len({r.partition for r in records}) == 1
    assert [r.offset for r in records] == sorted(r.offset for r in records)
    everything = [json.loads(r.value) for r in records]
    assert [e["type"] for e in everything] == [
        "participant.contact_changed.v1",
        "participant.registered.v1",
        "participant.consent_changed.v1",
        "participant.consent_changed.v1",
    ]
    assert [(e["data"]["purpose"], e["data"]["granted"]) for e in everything[2:]] == [
        ("registry", True),
        ("matching", True),
    ]
    events = everything[:2]
    assert len({e["id"] for e in events}) == 2
    for record, event in zip(records, everything, strict=True):
        assert dict(record.headers)["content-type"].startswith(b"application/cloudevents+json")
        assert event["specversion"] == "1.0"
        assert event["source"] == "/voimala/participants"
        assert event["subject"] == pid
        assert event["correlationid"] == "reg-test-1"
        assert event["data"]["participant_id"] == pid
    for event in events:
        assert event["data"]["preferred_language"] == "sv"
    contact, registered = events

    assert set(contact["data"]) == {"participant_id", "preferred_language", "personal"}
    # Sealed on the topic with the person's key: nothing of it readable there.
    assert person["given_name"] not in json.dumps(contact)
    assert (await opened(keyring, contact))["data"]["personal"] == {
        "given_name": person["given_name"],
        "family_name": person["family_name"],
        "email": person["email"],
        "phone": person["phone"],
        "preferred_channel": "in_app",
    }
    assert set(registered["data"]) == {"participant_id", "preferred_language", "profile"}
    assert registered["data"]["profile"] == {
        "skills": person["skills"],
        "languages": person["languages"],
        "municipality": "Salo",
        "youth": True,
        "education_level": None,
        "availability": [],
        "goals": None,
        "target_group": None,
        "wants_mentor": False,
        "matching_consent": True,
        "status": "active",
    }
    # The personal data is nowhere but under contact_changed's data.personal: not in its
    # envelope, and not anywhere in the registration.
    outside = json.dumps(
        [
            {**contact, "data": {k: v for k, v in contact["data"].items() if k != "personal"}},
            registered,
        ]
    )
    for personal in (person["given_name"], person["family_name"], person["email"], person["phone"]):
        assert personal not in outside
    assert "birth_year" not in json.dumps(events)  # only the computed youth travels


async def test_the_outbox_is_empty_once_the_relay_published(
    client: httpx.AsyncClient, staff: dict[str, str], settings: Settings, kafka_bootstrap: str
) -> None:
    pid = (await _register(client, staff))["id"]
    await _records_for(kafka_bootstrap, pid)

    async def drained() -> bool:
        conn = await asyncpg.connect(settings.database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM outbox") == 0
        finally:
            await conn.close()

    await wait_for(drained, timeout=30)


# Invalid input


async def test_invalid_input_is_a_422_problem_that_does_not_echo_the_values(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex[:8]
    bad = {
        "given_name": f"Secretname{tag}" * 20,  # too long
        "family_name": f"Family{tag}",
        "email": f"not-an-email-{tag}",
        "phone": f"040-x{tag}",  # a letter: never a number, whatever the tag
        "preferred_language": f"de{tag}",
        "birth_year": 1800,
        "municipality": "Salo",
    }
    r = await client.post("/participants", json=bad, headers=staff)

    body = _assert_problem(r, 422)
    failed = {tuple(e["loc"]) for e in body["errors"]}
    assert {
        ("body", "given_name"),
        ("body", "email"),
        ("body", "phone"),
        ("body", "preferred_language"),
        ("body", "birth_year"),
    } <= failed
    assert all(set(e) == {"loc", "type", "msg"} for e in body["errors"])
    assert tag not in r.text
    assert "1800" not in r.text
    for value in bad.values():
        assert str(value) not in r.text


@pytest.mark.parametrize(
    "email", ["aino.secret{tag}@", "aino.secret{tag}", "aino secret{tag}@example.fi"]
)
async def test_a_bad_email_is_not_echoed(
    client: httpx.AsyncClient, staff: dict[str, str], email: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    bad_email = email.format(tag=tag)
    r = await client.post("/participants", json=new_person(email=bad_email), headers=staff)

    body = _assert_problem(r, 422)
    assert [e["loc"] for e in body["errors"]] == [["body", "email"]]
    assert bad_email not in r.text
    assert f"secret{tag}" not in r.text


async def test_an_unknown_field_is_a_422(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    r = await client.post("/participants", json=new_person(nickname="Ainoska"), headers=staff)

    body = _assert_problem(r, 422)
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["body", "nickname"], "extra_forbidden")
    ]
    assert "Ainoska" not in r.text


@pytest.mark.parametrize(
    "phone", ["+0401234567", "+35840", "040-ABCDEFG", "12", "+358 40 123 4567 ext"]
)
async def test_a_phone_that_is_not_a_valid_number_is_a_422(
    client: httpx.AsyncClient, staff: dict[str, str], phone: str
) -> None:
    r = await client.post("/participants", json=new_person(phone=phone), headers=staff)

    body = _assert_problem(r, 422)
    assert [e["loc"] for e in body["errors"]] == [["body", "phone"]]


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("0401234567", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("040-123 4567", "+358401234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
async def test_a_phone_is_stored_as_e164_read_in_finland_by_default(
    client: httpx.AsyncClient, staff: dict[str, str], phone: str, stored: str
) -> None:
    body = await _register(client, staff, phone=phone)
    assert body["phone"] == stored


async def test_a_body_that_is_not_json_is_a_422_problem(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    r = await client.post(
        "/participants",
        content=b'{"given_name": "Secretjson',
        headers=staff | {"content-type": "application/json"},
    )
    _assert_problem(r, 422)
    assert "Secretjson" not in r.text


# Reading


async def test_a_participant_reads_their_own_record_but_no_one_elses(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    mine = await _register(client, staff)
    theirs = await _register(client, staff)
    own = auth(token("participant", subject=mine["id"]))

    r = await client.get(f"/participants/{mine['id']}", headers=own)
    assert r.status_code == 200, r.text
    assert r.json() == mine

    r = await client.get(f"/participants/{theirs['id']}", headers=own)
    body = _assert_problem(r, 403)
    assert theirs["given_name"] not in r.text
    assert "detail" in body


async def test_staff_read_any_record(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    created = await _register(client, staff)
    for role in ("coordinator", "counsellor"):
        r = await client.get(f"/participants/{created['id']}", headers=auth(token(role)))
        assert r.status_code == 200, r.text
        assert r.json()["id"] == created["id"]


async def test_an_unknown_participant_is_a_404(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    unknown = str(uuid.uuid4())
    _assert_problem(await client.get(f"/participants/{unknown}", headers=staff), 404)
    own = auth(token("participant", subject=unknown))
    _assert_problem(await client.get(f"/participants/{unknown}", headers=own), 404)


async def test_a_malformed_id_is_a_422(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    _assert_problem(await client.get("/participants/not-a-uuid", headers=staff), 422)


@pytest.mark.parametrize("role", ["employer", "mentor", "participant", "ops"])
async def test_only_staff_may_register(
    client: httpx.AsyncClient, token: Callable[..., str], role: str
) -> None:
    r = await client.post(
        "/participants", json=new_person(), headers=auth(token(role, org="partner-1"))
    )
    _assert_problem(r, 403)


async def test_an_employer_may_not_read_or_list_participants(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    created = await _register(client, staff)
    employer = auth(token("employer", org="partner-1"))
    _assert_problem(await client.get(f"/participants/{created['id']}", headers=employer), 403)
    _assert_problem(await client.get("/participants", headers=employer), 403)
    own = auth(token("participant", subject=created["id"]))
    _assert_problem(await client.get("/participants", headers=own), 403)


async def test_no_token_is_a_401(client: httpx.AsyncClient) -> None:
    r = await client.post("/participants", json=new_person())
    _assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")


# Listing


async def test_the_list_walks_every_page_once_in_order(
    client: httpx.AsyncClient, staff: dict[str, str], settings: Settings
) -> None:
    created = [(await _register(client, staff))["id"] for _ in range(5)]

    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await client.get("/participants", params=params, headers=staff)
        assert r.status_code == 200, r.text
        page = r.json()
        pages += 1
        assert len(page["items"]) <= 2
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 2
        assert pages < 1000

    assert len(seen) == len(set(seen)), "a participant was listed twice"
    assert set(created) <= set(seen)
    conn = await asyncpg.connect(settings.database_url)
    try:
        everyone = [str(r["id"]) for r in await conn.fetch(_ALL_IN_ORDER)]
    finally:
        await conn.close()
    assert seen == everyone
    assert pages == -(-len(everyone) // 2)  # ceil: no empty trailing page


_ALL_IN_ORDER = "SELECT id FROM participant ORDER BY created_at, id"


async def test_a_page_larger_than_the_rest_has_no_next_cursor(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await _register(client, staff)
    r = await client.get("/participants", params={"limit": 200}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "a",
        "%%%",
        _b64({"not": "a list"}),
        _b64(["only one"]),
        _b64(["not a date", str(uuid.uuid4())]),
        _b64(["2025-01-01T00:00:00+00:00", "not-a-uuid"]),
        _b64([1, 2]),
        _b64([None, None]),
    ],
)
async def test_a_garbage_cursor_is_a_400_problem(
    client: httpx.AsyncClient, staff: dict[str, str], cursor: str
) -> None:
    r = await client.get("/participants", params={"cursor": cursor}, headers=staff)
    body = _assert_problem(r, 400)
    assert body["title"] == "Bad cursor"


@pytest.mark.parametrize("limit", [0, 201, -1])
async def test_a_limit_out_of_range_is_a_422(
    client: httpx.AsyncClient, staff: dict[str, str], limit: int
) -> None:
    _assert_problem(await client.get("/participants", params={"limit": limit}, headers=staff), 422)
