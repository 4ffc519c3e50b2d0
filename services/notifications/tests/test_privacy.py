"""A person's rights through Kafka, end to end inside the service: real access and erasure
requests on `voimala.participants`, the answers in the outbox, a real SMTP server and the fake
SMS provider out; and the audit rows of reads of a person's data through the API.

Events about one participant are keyed by their id, so they are read in the order sent: a
later access request for them, once answered, shows that everything sent before it was read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
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
    ParticipantExited,
    new_event,
)
from voimala_contracts.matching import ContactPerson, PartnerPersonal, PartnerRegistered
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_kit.clock import SetClock
from voimala_kit.testing import auth, wait_for

from .conftest import FakeSms, SmtpServer
from .samples import NOW, sample

SERVICE_OF = {
    "voimala.participants": "participants",
    "voimala.events": "events",
    "voimala.matching": "matching",
}
EXPORTED = "privacy.notifications_exported.v1"
ERASED = "privacy.notifications_erased.v1"
LATE_EVENING = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 23:00 in Helsinki
NEXT_MORNING = datetime(2026, 11, 28, 6, 0, 10, tzinfo=UTC)  # just after 08:00 there


SETTINGS = {  # beside conftest's: its own consumer group, SMTP and SMS servers
    "run_relay": False,  # the answers stay in the outbox, for the tests to read
    "delivery_backoff_base": 0.1,
    "delivery_backoff_cap": 0.5,
}


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock(NOW)  # 14:00 in Helsinki


@pytest.fixture(autouse=True)
def _daytime(clock: SetClock) -> None:
    clock.at = NOW


async def _send(producer: AIOKafkaProducer, data: EventData, subject: uuid.UUID) -> None:
    event = new_event(data, service=SERVICE_OF[data.TOPIC], subject=str(subject))
    await producer.send_and_wait(
        data.TOPIC, event.to_json(), key=event.subject.encode(), headers=list(STRUCTURED)
    )


async def _async(value: Any) -> Any:
    return value


def _contact(pid: uuid.UUID, language: str, mailbox: str = "ebba") -> ParticipantContactChanged:
    tag = pid.hex[:8]
    return ParticipantContactChanged(
        participant_id=pid,
        preferred_language=language,  # type: ignore[arg-type]
        personal=ParticipantContact(
            given_name=f"Ebba{tag}",
            family_name=f"Lindqvist{tag}",
            email=f"{mailbox}.{tag}@example.fi",
            phone=f"+35840{int(tag, 16) % 10_000_000:07d}",
            preferred_channel="email",
        ),
    )


async def _participant(
    producer: AIOKafkaProducer,
    client: httpx.AsyncClient,
    token: Callable[..., str],
    *,
    language: str = "fi",
    preferences: dict[str, Any] | None = None,
    mailbox: str = "ebba",
) -> tuple[uuid.UUID, ParticipantContact]:
    """A participant known to the service, e-mail and SMS chosen (and these preferences)."""
    pid = uuid.uuid4()
    contact = _contact(pid, language, mailbox)
    await _send(producer, contact, pid)
    headers = auth(token("participant", subject=str(pid)))

    async def kept() -> bool:
        r = await client.get(f"/recipients/{pid}/preferences", headers=headers)
        return r.status_code == 200

    await wait_for(kept)
    chosen = {"language": language, "channels": ["email", "sms"]} | (preferences or {})
    r = await client.put(f"/recipients/{pid}/preferences", headers=headers, json=chosen)
    assert r.status_code == 200, r.text
    return pid, contact.personal


async def _answers(app: FastAPI, db: asyncpg.Pool, event_type: str) -> list[dict[str, Any]]:
    """The service's answers of this type in its outbox, their `personal` opened."""
    rows = await db.fetch("SELECT payload FROM outbox ORDER BY created_at")
    found = [json.loads(r["payload"]) for r in rows]
    keyring = getattr(app.state.platform, "keyring", None)
    out = []
    for event in (e for e in found if e["type"] == event_type):
        if keyring is not None:
            event["data"], _ = await keyring.open_data(event["subject"], event["data"])
        out.append(event)
    return out


async def _answer(
    app: FastAPI, db: asyncpg.Pool, event_type: str, key: str, request_id: uuid.UUID
) -> dict[str, Any]:
    async def answered() -> dict[str, Any] | None:
        for event in await _answers(app, db, event_type):
            if event["data"][key] == str(request_id):
                return event
        return None

    found: dict[str, Any] = await wait_for(answered, timeout=60)
    return found


async def _access(
    producer: AIOKafkaProducer, pid: uuid.UUID, request_id: uuid.UUID | None = None
) -> uuid.UUID:
    request_id = request_id or uuid.uuid4()
    asked = AccessRequested(request_id=request_id, participant_id=pid, requested_at=NOW)
    await _send(producer, asked, pid)
    return request_id


async def _exported(
    app: FastAPI, db: asyncpg.Pool, producer: AIOKafkaProducer, pid: uuid.UUID
) -> dict[str, Any]:
    """A new access request for the person, answered: what is held about them now."""
    request_id = await _access(producer, pid)
    answer = await _answer(app, db, EXPORTED, "request_id", request_id)
    data: dict[str, Any] = answer["data"]["personal"]["data"]
    return data


async def _messages(db: asyncpg.Pool, pid: uuid.UUID) -> list[Any]:
    return list(await db.fetch("SELECT * FROM message WHERE recipient_id = $1", pid))


async def _all_sent(db: asyncpg.Pool, pid: uuid.UUID, n: int) -> list[Any]:
    rows = await _messages(db, pid)
    return rows if len(rows) == n and all(r["status"] == "sent" for r in rows) else []


async def test_an_access_request_is_answered_with_all_that_is_held_about_the_person(
    app: FastAPI,
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
    smtp: SmtpServer,
) -> None:
    quiet = {"quiet_start": "22:15", "quiet_end": "07:30"}
    pid, person = await _participant(producer, client, token, language="sv", preferences=quiet)
    other, someone = await _participant(producer, client, token)
    await _send(producer, sample("registration.confirmed.v1", pid), pid)
    await _send(producer, sample("registration.confirmed.v1", other), other)
    (mail,) = await wait_for(lambda: _async(smtp.mailbox.to(person.email)), timeout=30)
    await wait_for(lambda: _all_sent(db, pid, 3), timeout=30)  # in the inbox, by e-mail, SMS

    request_id = await _access(producer, pid)
    await _access(producer, pid, request_id)  # the same request again: one answer
    answer = await _answer(app, db, EXPORTED, "request_id", request_id)
    data = (await _exported(app, db, producer, pid)) | {}
    assert [e["data"]["request_id"] for e in await _answers(app, db, EXPORTED)].count(
        str(request_id)
    ) == 1

    assert answer["subject"] == str(pid)
    assert answer["data"]["participant_id"] == str(pid)
    exported = answer["data"]["personal"]["data"]
    assert exported == data  # nothing changed in between: the same answer
    assert set(exported) == {"contact", "preferences", "messages", "inbox", "deliveries"}
    (contact,) = exported["contact"]
    assert contact["email"] == person.email
    assert contact["phone"] == person.phone
    assert contact["given_name"] == person.given_name
    assert contact["family_name"] == person.family_name
    (preferences,) = exported["preferences"]
    assert preferences["language"] == "sv"
    assert preferences["channels"] == ["email", "sms"]
    assert (preferences["quiet_start"], preferences["quiet_end"]) == ("22:15:00", "07:30:00")
    by_channel = {m["channel"]: m for m in exported["messages"]}
    assert set(by_channel) == {"email", "sms"}
    assert by_channel["email"]["language"] == "sv"
    assert by_channel["email"]["subject"] == mail["Subject"]
    assert by_channel["email"]["body"].startswith(f"Hej {person.given_name}!")
    assert by_channel["sms"]["body"]
    (item,) = exported["inbox"]
    assert item["channel"] == "in_app"
    assert item["template"] == "registration_confirmed"
    assert item["subject"] == mail["Subject"]
    deliveries = {d["channel"]: d for d in exported["deliveries"]}
    assert set(deliveries) == {"in_app", "email", "sms"}
    assert deliveries["email"]["status"] == "sent"
    assert deliveries["email"]["attempts"] == 1
    assert deliveries["email"]["sent_at"] is not None
    assert "_truncated" not in exported
    # As it goes to Kafka, the export is sealed with the person's key: nothing readable.
    raw = await db.fetchval("SELECT payload FROM outbox WHERE event_id = $1", answer["id"])
    for secret in (person.email, person.given_name, mail["Subject"]):
        assert secret.encode() not in raw
    # Nothing about anyone else.
    text = json.dumps(exported)
    assert str(other) not in text
    assert someone.email not in text
    assert someone.given_name not in text


async def test_an_access_request_for_someone_unknown_is_answered_empty(
    app: FastAPI, producer: AIOKafkaProducer, db: asyncpg.Pool
) -> None:
    exported = await _exported(app, db, producer, uuid.uuid4())
    assert exported == {
        "contact": [],
        "preferences": [],
        "messages": [],
        "inbox": [],
        "deliveries": [],
    }


async def _partner_told(
    producer: AIOKafkaProducer, db: asyncpg.Pool, pid: uuid.UUID
) -> tuple[uuid.UUID, str]:
    """A match confirmed: the participant's contact e-mailed to the partner's contact person."""
    partner, user = uuid.uuid4(), uuid.uuid4()
    address = f"rekry.{user.hex[:8]}@yritys.example.fi"
    contact = ContactPerson(user_id=user, name="Pekka", email=address)
    registered = PartnerRegistered(
        partner_id=partner,
        kind="employer",
        name="Salon Kauppa Oy",
        personal=PartnerPersonal(contacts=[contact]),
    )
    await _send(producer, registered, partner)
    confirmed = sample("match.confirmed.v1", pid)
    confirmed = confirmed.model_copy(update={"notify_id": partner, "partner_id": partner})
    await _send(producer, confirmed, pid)

    async def told() -> list[Any]:
        rows = await _messages(db, user)
        return [r for r in rows if r["channel"] == "email" and r["status"] == "sent"]

    await wait_for(told, timeout=30)
    return user, address


async def _counts_by_channel(db: asyncpg.Pool) -> dict[str, int]:
    rows = await db.fetch("SELECT channel, count(*) AS n FROM message GROUP BY channel")
    return {r["channel"]: r["n"] for r in rows}


async def test_an_erasure_leaves_nothing_of_the_person_and_nothing_is_sent_after(
    app: FastAPI,
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
    smtp: SmtpServer,
    sms: FakeSms,
    clock: SetClock,
) -> None:
    pid, person = await _participant(producer, client, token)
    marker, marker_person = await _participant(producer, client, token)
    partner_user, partner_address = await _partner_told(producer, db, pid)
    (told,) = smtp.mailbox.to(partner_address)
    assert person.email in told.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # At 23:00 a reminder: the e-mail goes at once, the SMS waits for 08:00 (quiet hours).
    clock.at = LATE_EVENING
    for who in (pid, marker):
        await _send(producer, sample("reminder.due.v1", who), who)

    async def settled(who: uuid.UUID) -> bool:
        """All sent but the reminder's SMS, held for the morning."""
        rows = await _messages(db, who)
        waiting = [r for r in rows if r["status"] != "sent"]
        return [(r["template"], r["channel"], r["status"]) for r in waiting] == [
            ("reminder", "sms", "held")
        ]

    for who in (pid, marker):
        await wait_for(lambda w=who: settled(w), timeout=30)
    mails_before = len(smtp.mailbox.to(person.email))
    texts_before = len(sms.to(person.phone))  # the match's, in the afternoon
    own = await _messages(db, pid)
    before = await _counts_by_channel(db)

    erasure_id = uuid.uuid4()
    erase = ErasureRequested(
        erasure_id=erasure_id, participant_id=pid, reason="request", requested_at=LATE_EVENING
    )
    await _send(producer, erase, pid)
    answer = await _answer(app, db, ERASED, "erasure_id", erasure_id)

    assert answer["subject"] == str(pid)
    assert answer["data"]["counts"] == {
        "contact": 1,
        "preferences": 1,
        "messages": sum(r["channel"] != "in_app" for r in own),
        "inbox": sum(r["channel"] == "in_app" for r in own),
        "cancelled": 1,  # the SMS held for the morning
        "shared_contact": 2,  # the partner's e-mail and inbox item with the contact
        "waiting_events": 0,
    }
    assert await db.fetchval("SELECT count(*) FROM recipient WHERE id = $1", pid) == 0
    assert await _messages(db, pid) == []
    # Anonymous delivery facts stay: as many messages by channel as before, none with words.
    assert await _counts_by_channel(db) == before
    anonymous = await db.fetch("SELECT * FROM message WHERE recipient_id IS NULL")
    assert len(anonymous) >= len(own)
    assert {(r["subject"], r["body"], r["html"]) for r in anonymous} == {("", "", None)}
    assert not {r["id"] for r in anonymous} & {r["id"] for r in own}  # new ids: no way back
    # The partner's messages keep their words, not the participant's contact.
    shared = [r for r in await _messages(db, partner_user) if r["template"] == "match_contact"]
    assert len(shared) == 2
    for message in shared:
        assert "[erased]" in message["body"]
        for secret in (person.email, person.phone, person.given_name):
            assert secret not in message["body"]
            assert secret not in (message["html"] or "")
    rows = await db.fetch(
        "SELECT id FROM message WHERE strpos(body, $1) > 0 OR strpos(body, $2) > 0",
        person.email,
        person.phone,
    )
    assert rows == []

    # Morning: the marker's held SMS goes; the erased person's does not.
    clock.at = NEXT_MORNING
    await wait_for(lambda: _async(sms.to(marker_person.phone)), timeout=30)
    assert len(sms.to(person.phone)) == texts_before
    assert (
        await db.fetchval(
            "SELECT count(*) FROM message WHERE status IN ('queued', 'held')"
            " AND recipient_id IS NULL"
        )
        == 0
    )

    # Later: the contact replayed, a notice for them, the same erasure again. Then an access
    # request, answered once all of it was read.
    await _send(producer, _contact(pid, "fi"), pid)
    await _send(producer, sample("registration.confirmed.v1", pid), pid)
    await _send(producer, erase, pid)
    kept = await db.fetchrow("SELECT * FROM erased_participants WHERE participant_id = $1", pid)
    assert kept is not None
    # Answered (else participants would name this service as not answering): nothing held,
    # and when the person was erased here.
    assert await _exported(app, db, producer, pid) == {
        "contact": [],
        "preferences": [],
        "messages": [],
        "inbox": [],
        "deliveries": [],
        "erasure": [{"erased_at": kept["erased_at"].isoformat()}],
    }
    assert await db.fetchval("SELECT count(*) FROM recipient WHERE id = $1", pid) == 0
    assert await _messages(db, pid) == []
    assert len(smtp.mailbox.to(person.email)) == mails_before
    assert len(sms.to(person.phone)) == texts_before
    answers = [e for e in await _answers(app, db, ERASED) if e["subject"] == str(pid)]
    assert len(answers) == 1
    kept = await db.fetchrow("SELECT * FROM erased_participants WHERE participant_id = $1", pid)
    assert kept is not None
    assert kept["erasure_id"] == erasure_id
    # The marker was not touched.
    assert await db.fetchval("SELECT email FROM recipient WHERE id = $1", marker) == (
        marker_person.email
    )


async def _erasure_waits(db: asyncpg.Pool) -> bool:
    """Some transaction waits for an advisory lock in this database (the erasure)."""
    return bool(
        await db.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
        )
    )


async def test_an_erasure_waits_for_an_e_mail_being_handed_over_and_nothing_leaves_after(
    app: FastAPI,
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
    smtp: SmtpServer,
) -> None:
    pid, person = await _participant(producer, client, token, mailbox="slow")
    smtp.mailbox.holding.clear()
    smtp.mailbox.release.clear()
    try:
        await _send(producer, sample("registration.confirmed.v1", pid), pid)
        await wait_for(lambda: _async(smtp.mailbox.holding.is_set()), timeout=30)
        # The e-mail is in the SMTP server's hands, not yet accepted: the erasure comes now.
        erasure_id = uuid.uuid4()
        erase = ErasureRequested(
            erasure_id=erasure_id, participant_id=pid, reason="request", requested_at=NOW
        )
        await _send(producer, erase, pid)
        await wait_for(lambda: _erasure_waits(db), timeout=30)
        assert not [
            e for e in await _answers(app, db, ERASED) if e["data"]["erasure_id"] == str(erasure_id)
        ]
    finally:
        smtp.mailbox.release.set()
    answer = await _answer(app, db, ERASED, "erasure_id", erasure_id)
    # The hand-off ended (and was recorded) before the erasure: nothing was left to cancel.
    assert len(smtp.mailbox.to(person.email)) == 1
    assert answer["data"]["counts"]["cancelled"] == 0
    assert await _messages(db, pid) == []


async def test_an_exited_participant_s_contact_given_to_a_partner_is_erased_too(
    app: FastAPI,
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    pid, person = await _participant(producer, client, token)
    exited = ParticipantExited(participant_id=pid, exit_date=NOW.date(), outcome="employed")
    await _send(producer, exited, pid)
    partner_user, _ = await _partner_told(producer, db, pid)
    assert await _messages(db, pid) == []  # an exited participant is told nothing
    erasure_id = uuid.uuid4()
    erase = ErasureRequested(
        erasure_id=erasure_id, participant_id=pid, reason="request", requested_at=NOW
    )
    await _send(producer, erase, pid)
    answer = await _answer(app, db, ERASED, "erasure_id", erasure_id)
    assert answer["data"]["counts"]["shared_contact"] == 2
    for message in await _messages(db, partner_user):
        assert person.email not in message["body"]
        assert person.phone not in message["body"]


async def test_a_new_erasure_request_for_someone_erased_is_answered_with_nothing_to_do(
    app: FastAPI,
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    pid, _ = await _participant(producer, client, token)
    counts = []
    for _ in range(2):
        erasure_id = uuid.uuid4()
        erase = ErasureRequested(
            erasure_id=erasure_id, participant_id=pid, reason="retention", requested_at=NOW
        )
        await _send(producer, erase, pid)
        answer = await _answer(app, db, ERASED, "erasure_id", erasure_id)
        counts.append(answer["data"]["counts"])
    assert counts[0]["contact"] == 1
    assert set(counts[1].values()) == {0}


async def _audit(db: asyncpg.Pool, pid: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = await db.fetch(
        "SELECT actor, action, purpose FROM audit_log WHERE participant_id = $1 ORDER BY id", pid
    )
    return [(r["actor"], r["action"], r["purpose"]) for r in rows]


async def test_reads_of_a_persons_data_are_audited_in_the_service(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    pid, _ = await _participant(producer, client, token)
    changed_by_self = await _audit(db, pid)
    assert changed_by_self == [(str(pid), "preferences.changed", "self_service")]
    own = auth(token("participant", subject=str(pid)))
    for path in (f"/recipients/{pid}/messages", f"/recipients/{pid}/preferences"):
        assert (await client.get(path, headers=own)).status_code == 200
    assert await _audit(db, pid) == changed_by_self  # one's own reads: not audited

    staff, ops = str(uuid.uuid4()), str(uuid.uuid4())
    as_staff = auth(token("counsellor", subject=staff))
    as_ops = auth(token("ops", subject=ops))
    reads = [
        (f"/recipients/{pid}/messages", as_staff),
        (f"/recipients/{pid}/preferences", as_staff),
        (f"/recipients/{pid}/messages", as_ops),
        (f"/messages?recipient_id={pid}", as_ops),
    ]
    for path, headers in reads:
        r = await client.get(path, headers=headers)
        assert r.status_code == 200, r.text
    assert (await _audit(db, pid))[1:] == [
        (staff, "inbox.read", "staff_view"),
        (staff, "preferences.read", "staff_view"),
        (ops, "inbox.metadata_read", "operations"),
        (ops, "deliveries.read", "operations"),
    ]
    # A refused read reads nothing and records nothing.
    stranger = auth(token("participant", subject=str(uuid.uuid4())))
    assert (await client.get(f"/recipients/{pid}/messages", headers=stranger)).status_code == 403
    assert len(await _audit(db, pid)) == len(reads) + 1
    # A coordinator lists them, newest first, as every service does.
    r = await client.get(
        "/audit-log", params={"participant_id": str(pid)}, headers=auth(token("coordinator"))
    )
    assert r.status_code == 200, r.text
    listed = [(e["actor"], e["action"], e["service"]) for e in r.json()["items"]]
    assert listed[0] == (ops, "deliveries.read", "notifications")
    assert len(listed) == len(reads) + 1


async def test_the_delivery_list_audits_everyone_it_names(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    pid, _ = await _participant(producer, client, token)
    await _send(producer, sample("registration.confirmed.v1", pid), pid)
    await wait_for(lambda: _all_sent(db, pid, 3), timeout=30)
    ops = str(uuid.uuid4())
    r = await client.get("/messages", headers=auth(token("ops", subject=ops)))
    assert r.status_code == 200, r.text
    named = {m["recipient_id"] for m in r.json()["items"]}
    assert str(pid) in named
    rows = await db.fetch("SELECT participant_id FROM audit_log WHERE actor = $1", ops)
    assert {str(r["participant_id"]) for r in rows} == named
    assert len(rows) == len(named)  # each person once per read


async def test_an_erasure_is_audited_as_the_service_s_own_act(
    app: FastAPI,
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    pid, _ = await _participant(producer, client, token)
    await _exported(app, db, producer, pid)
    erasure_id = uuid.uuid4()
    erase = ErasureRequested(
        erasure_id=erasure_id,
        participant_id=pid,
        reason="consent_withdrawn",
        requested_at=NOW + timedelta(minutes=1),
    )
    await _send(producer, erase, pid)
    await _answer(app, db, ERASED, "erasure_id", erasure_id)
    assert (await _audit(db, pid))[-2:] == [
        ("system", "notifications.exported", "access_request"),
        ("system", "notifications.erased", "erasure_consent_withdrawn"),
    ]
