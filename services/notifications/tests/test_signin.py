"""Sign-in links (signin.requested.v1 from the portal): a known address gets the e-mail in the
person's language and the portal is told who it is, exactly once; an unknown address gets
nothing, and nothing is told. Real Kafka in, a real SMTP server out."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import (
    STRUCTURED,
    EventData,
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
    topics,
)
from voimala_contracts.matching import (
    ContactPerson,
    MentorPersonal,
    MentorRegistered,
    PartnerPersonal,
    PartnerRegistered,
)
from voimala_contracts.portal import SigninAddress, SigninRequested
from voimala_kit.clock import SetClock
from voimala_kit.testing import wait_for

from .conftest import SmtpServer

SERVICE_OF = {topics.PARTICIPANTS: "participants", topics.MATCHING: "matching"}


SETTINGS = {  # beside conftest's: its own consumer group, SMTP and SMS servers
    "run_relay": False,  # the outbox rows stay, for the tests to read
    "link_secret": "signin-test-secret-0123456789",
}


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock(datetime.now(UTC))


async def _send(producer: AIOKafkaProducer, data: EventData, subject: str, **kw: Any) -> Any:
    service = "portal" if data.TOPIC == topics.PORTAL else SERVICE_OF[data.TOPIC]
    event = new_event(data, service=service, subject=subject, **kw)
    await producer.send_and_wait(
        data.TOPIC, event.to_json(), key=subject.encode(), headers=list(STRUCTURED)
    )
    return event


def _address(label: str) -> str:
    return f"{label}.{uuid.uuid4().hex[:8]}@example.fi"


async def _known(db: asyncpg.Pool, recipient_id: uuid.UUID) -> bool:
    return bool(await db.fetchval("SELECT email FROM recipient WHERE id = $1", recipient_id))


async def _request(
    producer: AIOKafkaProducer, email: str, *, minutes: int = 15, **kw: Any
) -> tuple[uuid.UUID, str, Any]:
    link_id = uuid.uuid4()
    link = f"http://portal.test/sign-in/link/{uuid.uuid4().hex}"
    data = SigninRequested(
        link_id=link_id,
        expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
        personal=SigninAddress(email=email, link=link),
    )
    event = await _send(producer, data, str(link_id), **kw)
    return link_id, link, event


async def _identified(app: FastAPI, db: asyncpg.Pool, link_id: uuid.UUID) -> list[dict[str, Any]]:
    """The `signin.identified.v1` events in the outbox, their sealed `personal` opened."""
    rows = await db.fetch("SELECT payload FROM outbox WHERE key = $1", str(link_id))
    found = [json.loads(r["payload"]) for r in rows]
    told = [e for e in found if e["type"] == "signin.identified.v1"]
    for event in told:
        assert "sealed" in event["data"]["personal"]  # the name never travels in clear
        event["data"], _ = await app.state.platform.keyring.open_data(
            event["subject"], event["data"]
        )
    return told


async def test_an_employer_contact_gets_the_link_in_their_language_and_the_portal_is_told(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: asyncpg.Pool,
    producer: AIOKafkaProducer,
    smtp: SmtpServer,
) -> None:
    partner_id, user_id = uuid.uuid4(), uuid.uuid4()
    address = _address("Riikka.Salminen")
    await _send(
        producer,
        PartnerRegistered(
            partner_id=partner_id,
            kind="employer",
            name="Elektroniikkapalvelu Oy",
            personal=PartnerPersonal(
                contacts=[
                    ContactPerson(
                        user_id=user_id,
                        name="Riikka Salminen",
                        email=address,
                        preferred_language="sv",
                        preferred_channel="sms",  # the link goes by e-mail all the same
                    )
                ]
            ),
        ),
        str(partner_id),
    )
    await wait_for(lambda: _known(db, user_id))
    link_id, link, event = await _request(producer, address.upper())  # any letter case

    mails = await wait_for(lambda: _async(smtp.mailbox.to(address)))
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Subject"] == "Inloggningslänk till Voimala"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"{link}?lang=sv" in text
    assert "Hej Riikka Salminen!" in text
    (told,) = await wait_for(lambda: _identified(app, db, link_id))
    assert told["subject"] == str(link_id)
    assert told["data"] == {
        "link_id": str(link_id),
        "role": "employer",
        "subject": str(user_id),
        "org": str(partner_id),
        "personal": {"name": "Riikka Salminen"},
    }
    row = await db.fetchrow(
        "SELECT channel, template, mandatory FROM message WHERE event_id = $1", event.id
    )
    assert dict(row) == {"channel": "email", "template": "sign_in", "mandatory": True}

    # The same request again (a replay past the inbox: a new consumer, a restored backup):
    # no second e-mail, no second answer.
    await db.execute("DELETE FROM inbox WHERE event_id = $1", event.id)
    again = await _send(producer, event_data(event), str(link_id), event_id=event.id)
    assert again.id == event.id
    await wait_for(lambda: _inbox_has(db, event.id))
    assert len(smtp.mailbox.to(address)) == 1
    assert len(await _identified(app, db, link_id)) == 1


def event_data(event: Any) -> SigninRequested:
    return SigninRequested.model_validate(event.data)


async def _inbox_has(db: asyncpg.Pool, event_id: uuid.UUID) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM inbox WHERE event_id = $1", event_id))


async def _async(value: Any) -> Any:
    return value


async def test_a_mentor_and_a_participant_sign_in_as_themselves(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: asyncpg.Pool,
    producer: AIOKafkaProducer,
    smtp: SmtpServer,
) -> None:
    mentor_id, mentor_user = uuid.uuid4(), uuid.uuid4()
    mentor_address = _address("mentor")
    await _send(
        producer,
        MentorRegistered(
            mentor_id=mentor_id,
            fields=["electronics"],
            capacity=2,
            personal=MentorPersonal(
                user_id=mentor_user, name="Matti Mentori", email=mentor_address
            ),
        ),
        str(mentor_id),
    )
    pid = uuid.uuid4()
    participant_address = _address("aino")
    await _send(
        producer,
        ParticipantContactChanged(
            participant_id=pid,
            preferred_language="en",
            personal=ParticipantContact(
                given_name="Aino", family_name="Virtanen", email=participant_address
            ),
        ),
        str(pid),
    )
    await wait_for(lambda: _known(db, mentor_user))
    await wait_for(lambda: _known(db, pid))
    mentor_link, _, _ = await _request(producer, mentor_address)
    participant_link, _, _ = await _request(producer, participant_address)
    (mentor,) = await wait_for(lambda: _identified(app, db, mentor_link))
    (participant,) = await wait_for(lambda: _identified(app, db, participant_link))
    assert (mentor["data"]["role"], mentor["data"]["subject"]) == ("mentor", str(mentor_user))
    assert mentor["data"]["org"] is None
    assert (participant["data"]["role"], participant["data"]["subject"]) == (
        "participant",
        str(pid),
    )
    mail = (await wait_for(lambda: _async(smtp.mailbox.to(participant_address))))[0]
    assert mail["Subject"] == "Your sign-in link to Voimala"


async def test_an_unknown_or_late_request_sends_nothing_and_tells_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: asyncpg.Pool,
    producer: AIOKafkaProducer,
    smtp: SmtpServer,
) -> None:
    unknown = _address("nobody")
    link_id, _, event = await _request(producer, unknown)
    await wait_for(lambda: _inbox_has(db, event.id))
    # a known address, but the request is read after its link expired
    pid = uuid.uuid4()
    late_address = _address("late")
    await _send(
        producer,
        ParticipantContactChanged(
            participant_id=pid,
            personal=ParticipantContact(given_name="Late", family_name="L", email=late_address),
        ),
        str(pid),
    )
    await wait_for(lambda: _known(db, pid))
    late_link, _, late = await _request(producer, late_address, minutes=-1)
    await wait_for(lambda: _inbox_has(db, late.id))
    assert smtp.mailbox.to(unknown) == []
    assert smtp.mailbox.to(late_address) == []
    assert await _identified(app, db, link_id) == []
    assert await _identified(app, db, late_link) == []
    assert (
        await db.fetchval(
            "SELECT count(*) FROM message WHERE event_id = ANY($1::uuid[])", [event.id, late.id]
        )
        == 0
    )
