"""Notifications across the platform: real services as processes, events on real Kafka."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import STRUCTURED, EventData, new_event, topics
from voimala_contracts.matching import (
    ContactPerson,
    Explanation,
    MatchProposed,
    PartnerPersonal,
    PartnerRegistered,
)
from voimala_contracts.scheduling import OccurrenceInfo, ReminderDue, Texts
from voimala_kit.kafka import make_producer
from voimala_kit.testing import read_topic, wait_for

from ..conftest import Platform

pytestmark = pytest.mark.e2e


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = make_producer(kafka_bootstrap, "e2e-notifications")
    await p.start()
    yield p
    await p.stop()


async def _send(producer: AIOKafkaProducer, data: EventData, service: str, subject: str) -> None:
    event = new_event(data, service=service, subject=subject)
    await producer.send_and_wait(
        data.TOPIC, event.to_json(), key=subject.encode(), headers=list(STRUCTURED)
    )


async def _inbox(client: httpx.AsyncClient, platform: Platform, rid: str, token: str) -> Any:
    r = await client.get(
        f"{platform['notifications'].url}/recipients/{rid}/messages", headers=_auth(token)
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_registered_participant_gets_a_reminder_in_their_language(
    platform: Platform, token: Callable[..., str], producer: AIOKafkaProducer
) -> None:
    tag = uuid.uuid4().hex[:6]
    person = {
        "given_name": f"Matti{tag}",
        "family_name": f"Korhonen{tag}",
        "email": f"matti.{tag}@example.fi",
        "preferred_language": "en",
        "preferred_channel": "email",
        "birth_year": 1975,
        "municipality": "Salo",
        "matching_consent": False,
    }
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{platform['participants'].url}/participants",
            json=person,
            headers=_auth(token("coordinator")),
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        own = token("participant", subject=pid)
        await wait_for(lambda: _inbox(client, platform, pid, own), timeout=60)

        starts = datetime.now(UTC) + timedelta(days=1)
        occurrence = OccurrenceInfo(
            occurrence_id=uuid.uuid4(),
            series_id=uuid.uuid4(),
            category="workshop",
            title=Texts(fi="Työnhakupaja", en="Job-search workshop"),
            location=Texts(fi="Salon pääkirjasto"),
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            local_start="2026-12-03T13:00",
            local_end="2026-12-03T15:00",
        )
        reminder = ReminderDue(
            reminder_id=uuid.uuid4(),
            registration_id=uuid.uuid4(),
            occurrence=occurrence,
            participant_id=uuid.UUID(pid),
        )
        await _send(producer, reminder, "events", str(occurrence.occurrence_id))

        async def reminded() -> Any:
            items = await _inbox(client, platform, pid, own)
            return [m for m in items if m["template"] == "reminder"]

        (message,) = await wait_for(reminded, timeout=60)
        assert message["language"] == "en"
        assert message["subject"] == "Reminder: Job-search workshop 3.12.2026 13.00"
        assert message["body"].startswith(f"Hi {person['given_name']}!")

        # Staff see the delivery of every channel, without bodies or addresses.
        r = await client.get(
            f"{platform['notifications'].url}/messages",
            params={"recipient_id": pid},
            headers=_auth(token("ops")),
        )
        assert r.status_code == 200, r.text
        channels = {m["channel"]: m for m in r.json()["items"] if m["template"] == "reminder"}
        assert set(channels) == {"in_app", "email"}
        assert channels["in_app"]["status"] == "sent"
        assert channels["email"]["status"] in ("queued", "sent")  # is an SMTP server there?
        assert person["email"] not in r.text


async def test_an_employer_answers_a_proposal_once_through_the_link(
    platform: Platform,
    token: Callable[..., str],
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    partner, user, proposal = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contact = ContactPerson(user_id=user, name="Pekka", email=f"pekka.{user.hex[:6]}@example.fi")
    await _send(
        producer,
        PartnerRegistered(
            partner_id=partner,
            kind="employer",
            name="Salon Kone Oy",
            personal=PartnerPersonal(contacts=[contact]),
        ),
        "matching",
        str(partner),
    )
    await _send(
        producer,
        MatchProposed(
            proposal_id=proposal,
            participant_id=uuid.uuid4(),
            kind="opening",
            opening_id=uuid.uuid4(),
            partner_id=partner,
            notify_kind="partner",
            notify_id=partner,
            title="Varastotyöntekijä",
            explanation=Explanation(score=0.7, matched_skills=["trukki"]),
            proposed_by="coordinator",
            expires_at=datetime.now(UTC) + timedelta(days=5),
        ),
        "matching",
        str(proposal),
    )
    url = platform["notifications"].url
    async with httpx.AsyncClient(timeout=10) as client:
        own = token("employer", subject=str(user), org=str(partner))
        (message,) = await wait_for(lambda: _inbox(client, platform, str(user), own), timeout=60)
        assert message["template"] == "match_proposed"
        accept = re.search(r"Hyväksy: \S+?(/actions/\S+)", message["body"])
        decline = re.search(r"Hylkää: \S+?(/actions/\S+)", message["body"])
        assert accept
        assert decline

        r = await client.post(url + accept.group(1))
        assert r.status_code == 200, r.text
        assert r.json()["answer"] == "accept"
        r = await client.post(url + decline.group(1))
        assert r.status_code == 409, r.text
        assert r.json()["detail"] == "this proposal was already answered"

    async def answered() -> Any:
        records = await read_topic(kafka_bootstrap, topics.NOTIFICATIONS, at_least=1)
        mine = [json.loads(r.value) for r in records if r.key == str(proposal).encode()]
        return mine or None

    (event,) = await wait_for(answered, timeout=60)
    assert event["type"] == "action.answered.v1"
    assert event["data"]["answer"] == "accept"
    assert event["data"]["responder_id"] == str(partner)
    assert "pekka" not in json.dumps(event).lower()
