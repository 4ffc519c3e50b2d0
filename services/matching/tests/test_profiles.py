"""Matching keeps a pseudonymous profile from real participant events, and nothing personal.

It sees every participant event on the topic, `participant.contact_changed.v1` (sent just
before each registration) included: a known type it does not handle, so it skips it, and
keeps none of its contact data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from voimala_contracts import (
    CloudEvent,
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
    topics,
)
from voimala_kit.testing import auth, read_topic, wait_for
from voimala_matching.settings import Settings

from .conftest import (
    consent,
    exited,
    opening,
    participant,
    partner,
    problem,
    profile,
    profile_of,
    registered,
    send,
    updated,
)

#: Skills unique to this run: the topic holds earlier runs' participants too.
SK = {s: f"{s}-{uuid.uuid4().hex[:6]}" for s in ["crane"]}
PERSONAL_FIELDS = {"given_name", "family_name", "email", "phone", "birth_year", "personal"}


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


async def test_a_registered_participant_gets_a_pseudonymous_profile_and_no_contact(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Connection,
    settings: Settings,
    kafka_bootstrap: str,
) -> None:
    pid = uuid.uuid4()
    contact, personal = _contact_changed(pid)
    reg = registered(pid, profile(youth=True, target_group="subsidy_500_plus", wants_mentor=True))
    await send(producer, contact)
    await send(producer, reg)

    async def kept() -> dict[str, Any] | None:
        return await profile_of(client, token, pid)

    found = await wait_for(kept, timeout=60)
    assert not PERSONAL_FIELDS & set(found)
    assert "target_group" not in found  # for ranking only, never shown
    assert found["skills"] == ["forklift", "warehouse"]
    assert found["languages"] == [{"code": "fi", "level": "native"}, {"code": "en", "level": "B1"}]
    assert found["youth"] is True
    assert found["wants_mentor"] is True
    assert found["matching_consent"] is True

    # Nothing personal anywhere in matching's database.
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    everything = [
        await db.fetchval(f'SELECT coalesce(json_agg(t)::text, $$$$) FROM "{name}" t')  # noqa: S608 - names from the catalogue
        for name in (r["table_name"] for r in tables)
    ]
    for value in (personal.given_name, personal.family_name, personal.email, personal.phone):
        assert value is not None
        assert all(value not in table for table in everything)

    # The contact change was skipped (no inbox row, no dead letter), the registration applied.
    applied = {
        r["event_id"]
        for r in await db.fetch(
            "SELECT event_id FROM inbox WHERE event_id = ANY($1::uuid[])", [contact.id, reg.id]
        )
    }
    assert applied == {reg.id}
    dead = await read_topic(kafka_bootstrap, topics.dead_letter("matching"))
    ours = [
        r
        for r in dead
        if r.key == str(pid).encode()
        and dict(r.headers).get("dlq.consumer") == settings.group_id.encode()
    ]
    assert ours == []


async def test_profile_updates_apply(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    pid = await participant(client, producer, token)
    await send(producer, updated(pid, profile(skills=["Cooking "], municipality="Turku")))

    async def changed() -> dict[str, Any] | None:
        found = await profile_of(client, token, pid)
        return found if found and found["skills"] == ["Cooking "] else None

    found = await wait_for(changed, timeout=60)
    assert found["municipality"] == "Turku"


async def test_withdrawn_consent_and_exit_remove_a_candidate_at_once(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    p = await partner(client, token)
    o = await opening(client, token, p["id"], required_skills=[SK["crane"]], nice_skills=[])
    withdrawing = await participant(client, producer, token, skills=[SK["crane"]])
    leaving = await participant(client, producer, token, skills=[SK["crane"]])
    staying = await participant(client, producer, token, skills=[SK["crane"]])
    url = f"/openings/{o['id']}/candidates"
    coordinator = auth(token("coordinator"))

    r = await client.get(url, headers=coordinator)
    assert r.status_code == 200, r.text
    assert {c["participant_id"] for c in r.json()} == {str(withdrawing), str(leaving), str(staying)}

    # A proposal outstanding for the one who withdraws is withdrawn too.
    r = await client.post(
        "/proposals",
        json={"participant_id": str(withdrawing), "opening_id": o["id"]},
        headers=coordinator,
    )
    assert r.status_code == 201, r.text
    proposal_id = r.json()["id"]

    await send(producer, consent(withdrawing, "matching", False))
    await send(producer, exited(leaving))

    async def removed() -> list[str] | None:
        r = await client.get(url, headers=coordinator)
        ids = [c["participant_id"] for c in r.json()]
        return ids if ids == [str(staying)] else None

    await wait_for(removed, timeout=60)
    assert await profile_of(client, token, leaving) is None
    r = await client.get(f"/proposals/{proposal_id}", headers=coordinator)
    assert r.json()["status"] == "withdrawn"

    # A late profile event does not bring an exited participant back.
    await send(producer, updated(leaving, profile(skills=[SK["crane"]])))
    await send(producer, updated(staying, profile(skills=[SK["crane"], "late"])))

    async def caught_up() -> bool:
        found = await profile_of(client, token, staying)
        return bool(found and "late" in found["skills"])

    await wait_for(caught_up, timeout=60)
    assert await profile_of(client, token, leaving) is None


async def test_staff_read_profiles_others_get_403(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    pid = await participant(client, producer, token)
    url = f"/profiles/{pid}"
    assert (await client.get(url, headers=auth(token("counsellor")))).status_code == 200
    for who in (
        token("participant", subject=str(pid)),
        token("employer", org=str(uuid.uuid4())),
        token("mentor"),
    ):
        problem(await client.get(url, headers=auth(who)), 403)
    assert (await client.get(url)).status_code == 401
    problem(await client.get(f"/profiles/{uuid.uuid4()}", headers=auth(token("counsellor"))), 404)
