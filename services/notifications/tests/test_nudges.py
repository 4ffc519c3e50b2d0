"""Nudges from the programme's state, on real Kafka, PostgreSQL, SMTP and the fake SMS
provider, the kit clock moved: a no-show is told once when the series meets next (its SMS held
through quiet hours); a mentor's silence is a reminder on the third day and reaches the
coordinators on the fifth, unless the proposal is answered first."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import (
    STRUCTURED,
    EventData,
    ParticipantContact,
    ParticipantContactChanged,
    new_event,
)
from voimala_contracts.matching import (
    MatchAccepted,
    MatchProposed,
    MentorPersonal,
    MentorRegistered,
)
from voimala_contracts.scheduling import AttendanceRecorded, AttendanceStatus
from voimala_kit.clock import SetClock
from voimala_kit.testing import auth, wait_for
from voimala_notifications.bootstrap import build_deps
from voimala_notifications.domain.nudges import (
    MENTOR_SILENT,
    SENDS,
    MentorSilence,
    MissedOccurrence,
    mentor_due,
    was_reminded,
)
from voimala_notifications.domain.planning import template_values
from voimala_notifications.domain.sms import measure
from voimala_notifications.domain.templates import LANGUAGES, Templates
from voimala_notifications.handlers.nudges import nudge_mentor
from voimala_notifications.settings import Settings

from .conftest import FakeSms
from .samples import NOW, explanation, occurrence, recipient

SERVICE_OF = {
    "voimala.participants": "participants",
    "voimala.events": "events",
    "voimala.matching": "matching",
}
DAY = timedelta(days=1)


SETTINGS = {  # beside conftest's: its own consumer group, SMTP and SMS servers
    "link_secret": "nudges-test-secret-0123456789",
    "delivery_backoff_base": 0.1,
    "delivery_backoff_cap": 0.5,
}


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock(NOW)  # 14:00 in Helsinki


@pytest.fixture(autouse=True)
def _daytime(clock: SetClock) -> None:
    clock.at = NOW


async def _send(
    producer: AIOKafkaProducer,
    data: EventData,
    subject: str | None = None,
    event_id: uuid.UUID | None = None,
) -> uuid.UUID:
    event = new_event(
        data,
        service=SERVICE_OF[data.TOPIC],
        subject=subject or str(uuid.uuid4()),
        event_id=event_id,
        time=NOW,
    )
    await producer.send_and_wait(
        data.TOPIC, event.to_json(), key=event.subject.encode(), headers=list(STRUCTURED)
    )
    return event.id


async def _participant(
    producer: AIOKafkaProducer,
    client: httpx.AsyncClient,
    token: Callable[..., str],
    channels: list[str],
    phone: str,
) -> uuid.UUID:
    pid = uuid.uuid4()
    contact = ParticipantContact(
        given_name="Aino",
        family_name="Virtanen",
        email=f"aino.{pid.hex[:8]}@example.fi",
        phone=phone,
        preferred_channel="sms",
    )
    data = ParticipantContactChanged(participant_id=pid, preferred_language="fi", personal=contact)
    await _send(producer, data, str(pid))
    headers = auth(token("participant", subject=str(pid)))

    async def kept() -> bool:
        r = await client.get(f"/recipients/{pid}/preferences", headers=headers)
        return r.status_code == 200

    await wait_for(kept, timeout=60)
    body = {"language": "fi", "channels": channels}
    r = await client.put(f"/recipients/{pid}/preferences", headers=headers, json=body)
    assert r.status_code == 200, r.text
    return pid


def _no_show(
    pid: uuid.UUID, status: AttendanceStatus = "no_show", with_next: bool = True
) -> EventData:
    missed = occurrence(NOW - DAY)
    return AttendanceRecorded(
        attendance_id=uuid.uuid4(),
        occurrence=missed,
        participant_id=pid,
        status=status,
        recorded_at=NOW,
        next_occurrence=occurrence(NOW + 6 * DAY) if with_next else None,
    )


async def _rows(db: asyncpg.Pool, recipient_id: uuid.UUID, template: str) -> list[Any]:
    return list(
        await db.fetch(
            "SELECT * FROM message WHERE recipient_id = $1 AND template = $2 ORDER BY channel",
            recipient_id,
            template,
        )
    )


async def _async(value: Any) -> Any:
    return value


# The messages themselves


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("send", SENDS, ids=lambda s: s.template)
def test_every_nudge_renders_in_every_language(send: Any, lang: str) -> None:
    settings = Settings(link_secret="test-secret-0123456789")
    pid, mentor = uuid.uuid4(), uuid.uuid4()
    data: EventData
    if send.template == "nudge_no_show":
        data = MissedOccurrence(
            participant_id=pid, occurrence=occurrence(NOW + 6 * DAY), missed=occurrence()
        )
    elif send is MENTOR_SILENT:
        data = MentorSilence(**dict(_proposal(pid, mentor)), reminded=True)
    else:
        data = _proposal(pid, mentor)
    source = _no_show(pid) if send.template == "nudge_no_show" else _proposal(pid, mentor)
    event = new_event(source, service="events", subject="x")
    person = recipient(given_name="Aino-Testname", preferred_language=lang)
    rendered = Templates().render(
        send.template, lang, template_values(send, data, event, person, settings)
    )
    assert rendered.language == lang
    assert "Aino-Testname" in rendered.text
    for text in (rendered.subject, rendered.text, rendered.sms or ""):
        assert "None" not in text
        assert "{{" not in text
    if send.template == "nudge_no_show":
        assert "28.11.2026 16.00" in rendered.text  # the next occurrence's time
    if send.links:
        assert "/actions/" in rendered.text
    if "sms" in send.channels:
        assert rendered.sms
        length = measure(rendered.sms)
        assert length.encoding == "gsm7", rendered.sms
        assert length.segments <= 2, rendered.sms


#: What the coordinators' notice says of the reminder, when there was one and when not.
REMINDED = {
    "fi": ("vaikka hänelle on lähetetty muistutus", "Hänelle ei ole lähetetty muistutusta"),
    "sv": ("trots en påminnelse", "Ingen påminnelse har skickats till mentorn"),
    "en": ("though they were reminded", "No reminder has been sent to them"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("reminded", [True, False])
def test_the_coordinators_notice_says_whether_the_mentor_was_reminded(
    lang: str, reminded: bool
) -> None:
    settings = Settings(link_secret="test-secret-0123456789")
    proposal = _proposal(uuid.uuid4(), uuid.uuid4())
    data = MentorSilence(**dict(proposal), reminded=reminded)
    event = new_event(proposal, service="matching", subject="x")
    person = recipient(given_name="Kaisa", preferred_language=lang)
    rendered = Templates().render(
        MENTOR_SILENT.template, lang, template_values(MENTOR_SILENT, data, event, person, settings)
    )
    said, unsaid = REMINDED[lang] if reminded else REMINDED[lang][::-1]
    assert said in rendered.text
    assert unsaid not in rendered.text


def test_a_reminder_counts_only_when_planned_before_the_notice() -> None:
    assert was_reminded(NOW + 3 * DAY, NOW + 5 * DAY)
    assert not was_reminded(None, NOW + 5 * DAY)  # the reminder rule is off
    assert not was_reminded(NOW + 5 * DAY, NOW + 5 * DAY)


def test_a_mentor_nudge_is_never_planned_past_the_expiry() -> None:
    assert mentor_due(NOW, 3, NOW + 7 * DAY) == NOW + 3 * DAY
    assert mentor_due(NOW, 5, NOW + 4 * DAY) is None
    assert mentor_due(NOW, 0, NOW + 7 * DAY) is None


# No-shows


async def test_a_no_show_is_told_once_when_the_series_meets_next(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    pid = await _participant(producer, client, token, ["in_app"], "+358409990101")
    came = await _participant(producer, client, token, ["in_app"], "+358409990102")
    alone = await _participant(producer, client, token, ["in_app"], "+358409990103")
    event = _no_show(pid)
    event_id = await _send(producer, event, str(uuid.uuid4()))
    await _send(producer, event, str(uuid.uuid4()), event_id=event_id)  # delivered again
    await _send(producer, _no_show(came, status="attended"))
    await _send(producer, _no_show(alone, with_next=False))  # the series ended
    headers = auth(token("participant", subject=str(pid)))

    async def told() -> list[Any]:
        r = await client.get(f"/recipients/{pid}/messages", headers=headers)
        return [m for m in r.json()["items"] if m["template"] == "nudge_no_show"]

    (message,) = await wait_for(told, timeout=60)
    assert "Kielikahvila" in message["subject"]
    assert "28.11.2026 16.00" in message["body"]
    # a later event on the same partitions shows the ones before were read
    marker = await _participant(producer, client, token, ["in_app"], "+358409990104")
    await _send(producer, _no_show(marker))
    await wait_for(lambda: _rows(db, marker, "nudge_no_show"), timeout=60)
    assert len(await _rows(db, pid, "nudge_no_show")) == 1
    assert await _rows(db, came, "nudge_no_show") == []
    assert await _rows(db, alone, "nudge_no_show") == []


async def test_a_no_show_at_night_is_texted_when_the_quiet_hours_end(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
    sms: FakeSms,
    clock: SetClock,
) -> None:
    # A number of this run's own: a consumer that reads the topic from its start also meets
    # earlier runs' no-shows for their participants, and would text a shared number.
    phone = f"+35840{uuid.uuid4().int % 10**7:07d}"
    pid = await _participant(producer, client, token, ["sms"], phone)
    clock.at = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 23:00 in Helsinki
    await _send(producer, _no_show(pid))

    async def held() -> Any:
        rows = await _rows(db, pid, "nudge_no_show")
        return next((r for r in rows if r["channel"] == "sms"), None)

    row = await wait_for(held, timeout=60)
    assert row["status"] == "held"
    assert row["not_before"] == datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 08:00 local
    assert sms.to(phone) == []

    clock.at = datetime(2026, 11, 28, 5, 59, 50, tzinfo=UTC)  # ten seconds before 08:00
    (text,) = await wait_for(lambda: _async(sms.to(phone)), timeout=30)
    assert text["text"].startswith("Voimala: kaipasimme sinua!")


# A mentor's silence


def _proposal(pid: uuid.UUID, mentor: uuid.UUID) -> MatchProposed:
    return MatchProposed(
        proposal_id=uuid.uuid4(),
        participant_id=pid,
        kind="mentor",
        mentor_id=mentor,
        notify_kind="mentor",
        notify_id=mentor,
        explanation=explanation(),
        proposed_by="engine",
        expires_at=NOW + 14 * DAY,
    )


async def _mentor(
    producer: AIOKafkaProducer, client: httpx.AsyncClient, token: Callable[..., str]
) -> tuple[uuid.UUID, uuid.UUID]:
    mentor, user = uuid.uuid4(), uuid.uuid4()
    personal = MentorPersonal(user_id=user, name="Mirja", email=f"mirja.{user.hex[:8]}@example.fi")
    await _send(
        producer,
        MentorRegistered(mentor_id=mentor, fields=["it"], capacity=2, personal=personal),
        str(mentor),
    )
    headers = auth(token("mentor", subject=str(user)))

    async def kept() -> bool:
        r = await client.get(f"/recipients/{user}/preferences", headers=headers)
        return r.status_code == 200

    await wait_for(kept, timeout=60)
    return mentor, user


async def _coordinator(client: httpx.AsyncClient, token: Callable[..., str]) -> uuid.UUID:
    staff = uuid.uuid4()
    r = await client.put(
        f"/staff/{staff}",
        json={"given_name": "Kaisa", "email": f"kaisa.{staff.hex[:8]}@salo.example.fi"},
        headers=auth(token("coordinator", subject=str(staff))),
    )
    assert r.status_code == 204, r.text
    return staff


async def _inbox(
    client: httpx.AsyncClient, token: Callable[..., str], role: str, who: uuid.UUID, template: str
) -> list[Any]:
    headers = auth(token(role, subject=str(who)))
    r = await client.get(f"/recipients/{who}/messages", headers=headers)
    assert r.status_code == 200, r.text
    return [m for m in r.json()["items"] if m["template"] == template]


async def test_a_silent_mentor_is_reminded_on_the_third_day_and_the_coordinator_told_on_the_fifth(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
    clock: SetClock,
) -> None:
    coordinator = await _coordinator(client, token)
    mentor, user = await _mentor(producer, client, token)
    proposal = _proposal(uuid.uuid4(), mentor)
    await _send(producer, proposal, str(proposal.proposal_id))

    async def planned() -> list[Any]:
        rows = await db.fetch(
            "SELECT * FROM message"
            " WHERE ref = $1 AND template LIKE 'nudge_%' AND channel = 'in_app'",
            proposal.proposal_id,
        )
        return list(rows) if len(rows) == 2 else []

    rows = {r["template"]: r for r in await wait_for(planned, timeout=60)}
    assert rows["nudge_mentor_reminder"]["recipient_id"] == user
    assert rows["nudge_mentor_reminder"]["not_before"] == NOW + 3 * DAY
    assert rows["nudge_mentor_silent"]["recipient_id"] == coordinator
    assert rows["nudge_mentor_silent"]["not_before"] == NOW + 5 * DAY

    clock.at = NOW + 3 * DAY - timedelta(minutes=1)
    assert await _inbox(client, token, "mentor", user, "nudge_mentor_reminder") == []
    clock.at = NOW + 3 * DAY
    (reminder,) = await wait_for(
        lambda: _inbox(client, token, "mentor", user, "nudge_mentor_reminder"), timeout=30
    )
    assert "/actions/" in reminder["body"]
    clock.at = NOW + 4 * DAY
    assert await _inbox(client, token, "coordinator", coordinator, "nudge_mentor_silent") == []

    clock.at = NOW + 5 * DAY
    (notice,) = await wait_for(
        lambda: _inbox(client, token, "coordinator", coordinator, "nudge_mentor_silent"),
        timeout=30,
    )
    assert str(proposal.proposal_id) in notice["body"]


async def test_an_answer_before_the_fifth_day_cancels_what_waits(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Pool,
) -> None:
    await _coordinator(client, token)
    mentor, _ = await _mentor(producer, client, token)
    proposal = _proposal(uuid.uuid4(), mentor)
    await _send(producer, proposal, str(proposal.proposal_id))

    async def nudges() -> list[Any]:
        rows = await db.fetch(
            "SELECT status FROM message WHERE ref = $1 AND template LIKE 'nudge_%'",
            proposal.proposal_id,
        )
        return list(rows)

    await wait_for(nudges, timeout=60)
    core = proposal.model_dump(exclude={"proposed_by", "expires_at"})
    accepted = MatchAccepted(**core, accepted_at=NOW + DAY)
    await _send(producer, accepted, str(proposal.proposal_id))

    async def cancelled() -> bool:
        return {r["status"] for r in await nudges()} == {"cancelled"}

    assert await wait_for(cancelled, timeout=60)


# Last: it registers coordinators of its own, whom the tests above would count.
@pytest.mark.parametrize(("reminder_days", "reminded"), [(3.0, True), (0.0, False)])
async def test_the_notice_tells_of_the_reminder_only_when_the_rule_is_on(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    db: asyncpg.Pool,
    settings: Settings,
    clock: SetClock,
    reminder_days: float,
    reminded: bool,
) -> None:
    coordinator = await _coordinator(client, token)
    deps = build_deps(settings.model_copy(update={"nudge_mentor_reminder_days": reminder_days}))
    deps = replace(deps, clock=clock)
    proposal = _proposal(uuid.uuid4(), uuid.uuid4())  # a mentor not known here: no reminder row
    event = new_event(proposal, service="matching", subject=str(proposal.proposal_id), time=NOW)
    async with db.acquire() as conn, conn.transaction():
        await nudge_mentor(deps, conn, proposal, event)
    (row,) = await db.fetch(
        "SELECT body, not_before FROM message WHERE ref = $1 AND recipient_id = $2"
        " AND template = 'nudge_mentor_silent' AND channel = 'in_app'",
        proposal.proposal_id,
        coordinator,
    )
    assert row["not_before"] == NOW + 5 * DAY
    said, unsaid = REMINDED["fi"] if reminded else REMINDED["fi"][::-1]
    assert said in row["body"]
    assert unsaid not in row["body"]
