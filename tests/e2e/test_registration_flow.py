"""Flow 1, thin: a coordinator registers a participant; every service does its part."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from voimala_contracts import topics
from voimala_kit.personal import Keyring
from voimala_kit.testing import opened, read_topic, wait_for

from ..conftest import Platform

pytestmark = pytest.mark.e2e


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _person(language: str = "sv") -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    return {
        "given_name": f"Ebba{tag}",
        "family_name": f"Lindqvist{tag}",
        "email": f"ebba.{tag}@example.fi",
        "phone": "+358401234567",
        "preferred_language": language,
        "birth_year": 2004,
        "municipality": "Salo",
        "skills": ["customer service", "Swedish"],
        "languages": [{"code": "sv", "level": "native"}, {"code": "fi", "level": "B1"}],
        "matching_consent": True,
    }


async def _messages(client: httpx.AsyncClient, platform: Platform, pid: str, token: str) -> Any:
    r = await client.get(
        f"{platform['notifications'].url}/recipients/{pid}/messages", headers=_auth(token)
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_registered_participant_is_welcomed_and_profiled(
    platform: Platform, token: Callable[..., str], kafka_bootstrap: str, keyring: Keyring
) -> None:
    person = _person("sv")
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{platform['participants'].url}/participants",
            json=person,
            headers=_auth(token("coordinator")) | {"X-Correlation-ID": "e2e-flow-1"},
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        assert r.json()["youth"] is True

        own = token("participant", subject=pid)

        async def welcomed() -> Any:
            return await _messages(client, platform, pid, own)

        (message,) = await wait_for(welcomed)
        assert message["language"] == "sv"
        assert message["subject"] == "Välkommen till VOITTO-programmet"
        assert person["given_name"] in message["body"]
        assert message["status"] == "sent"

        async def profiled() -> Any:
            r = await client.get(
                f"{platform['matching'].url}/profiles/{pid}", headers=_auth(token("counsellor"))
            )
            return r.json() if r.status_code == 200 else None

        profile = await wait_for(profiled)
        # matching normalises skills for comparison (case-folded)
        assert [s.casefold() for s in profile["skills"]] == ["customer service", "swedish"]
        assert profile["youth"] is True
        assert not {"given_name", "family_name", "email", "phone", "birth_year"} & set(profile)

        ready = await client.get(f"{platform['events'].url}/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["database"] == "ok"

        # Another participant may not read this inbox.
        stranger = token("participant", subject=str(uuid.uuid4()))
        r = await client.get(
            f"{platform['notifications'].url}/recipients/{pid}/messages", headers=_auth(stranger)
        )
        assert r.status_code == 403

    # On the topic, for this participant: the contact first, then the registration (and
    # the consents recorded with it); all in one partition, in order.
    async def published() -> Any:
        records = await read_topic(kafka_bootstrap, topics.PARTICIPANTS, at_least=2)
        mine = [r for r in records if r.key == pid.encode()]
        return mine if len(mine) >= 2 else None

    everything = await wait_for(published)
    assert len({r.partition for r in everything}) == 1
    assert [r.offset for r in everything] == sorted(r.offset for r in everything)
    for r in everything:
        data = json.loads(r.value)["data"]
        if json.loads(r.value)["type"] != "participant.contact_changed.v1":
            assert "personal" not in data
    mine = [
        r
        for r in everything
        if json.loads(r.value)["type"]
        in {"participant.contact_changed.v1", "participant.registered.v1"}
    ]
    events = [
        from_structured_event(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value))
        for r in mine
    ]
    assert [e.get_type() for e in events] == [
        "participant.contact_changed.v1",
        "participant.registered.v1",
    ]
    for event in events:
        assert event.get_specversion() == "1.0"
        assert event.get_source() == "/voimala/participants"
        assert event.get_subject() == pid
        assert event.get_extension("correlationid") == "e2e-flow-1"
    # Personal data travels only in the one marked place, contact_changed's data.personal,
    # sealed with the person's key: not readable on the topic, opened by a consumer.
    for secret in (person["given_name"], person["family_name"], person["email"], person["phone"]):
        assert secret.encode() not in mine[0].value
    contact = (await opened(keyring, json.loads(mine[0].value)))["data"]
    registered = json.loads(mine[1].value)["data"]
    assert contact["personal"]["given_name"] == person["given_name"]
    assert contact["personal"]["email"] == person["email"]
    assert "personal" not in registered
    outside = json.dumps([{k: v for k, v in contact.items() if k != "personal"}, registered])
    for secret in (person["given_name"], person["family_name"], person["email"], person["phone"]):
        assert secret not in outside

    logs = platform.logs()
    for secret in (person["email"], person["family_name"], person["phone"]):
        assert secret not in logs
    assert "e2e-flow-1" in logs  # the correlation id followed the flow into the logs


async def test_requests_without_a_valid_token_get_401(platform: Platform) -> None:
    forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiY29vcmRpbmF0b3IiXX0."
    async with httpx.AsyncClient(timeout=10) as client:
        for name, path in [
            ("participants", "/participants"),
            ("matching", f"/profiles/{uuid.uuid4()}"),
            ("notifications", f"/recipients/{uuid.uuid4()}/messages"),
        ]:
            for headers in ({}, _auth(forged)):
                r = await client.get(f"{platform[name].url}{path}", headers=headers)
                assert r.status_code == 401, (name, r.text)
                assert r.headers["content-type"] == "application/problem+json"


async def test_a_consumer_killed_and_restarted_sends_each_welcome_once(
    platform: Platform, token: Callable[..., str]
) -> None:
    notifications = platform["notifications"]
    notifications.kill()  # SIGKILL: no chance to commit anything
    async with httpx.AsyncClient(timeout=10) as client:
        pids = []
        for _ in range(5):
            r = await client.post(
                f"{platform['participants'].url}/participants",
                json=_person("fi"),
                headers=_auth(token("coordinator")),
            )
            assert r.status_code == 201
            pids.append(r.json()["id"])
        notifications.start()
        await asyncio.to_thread(notifications.wait_ready)
        staff = token("coordinator")
        for pid in pids:

            async def arrived(pid: str = pid) -> Any:
                return await _messages(client, platform, pid, staff)

            assert len(await wait_for(arrived)) >= 1
        await asyncio.sleep(1.0)  # let any duplicate have its chance
        for pid in pids:
            messages = await _messages(client, platform, pid, staff)
            assert [m["language"] for m in messages] == ["fi"]
