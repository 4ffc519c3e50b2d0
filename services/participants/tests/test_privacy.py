"""A person's rights, on real PostgreSQL and Kafka: access requests answered by every service,
erasure confirmed by every service, a past report unchanged by an erasure, retention and the
purge of old exports (the kit clock moved).

The other services' answers are published onto their topics here, as they would publish them.
The broker is shared: another service's test run may answer the same requests too, so answers
are published as soon as the request is committed (before the request itself reaches Kafka),
and a "silent" service's stray answer is removed before its silence is checked.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import EventData, new_event, topics
from voimala_contracts.privacy import (
    EventsErased,
    EventsExported,
    ExportedData,
    MatchingErased,
    MatchingExported,
    NotificationsErased,
    NotificationsExported,
)
from voimala_contracts.scheduling import AttendanceRecorded, OccurrenceInfo, Texts
from voimala_kit.clock import SetClock
from voimala_kit.testing import auth, read_topic, running_app, wait_for
from voimala_participants.bootstrap import bootstrap
from voimala_participants.domain.privacy import (
    answers_of,
    erasure_due_on,
    request_status,
    retention_cutoff,
)
from voimala_participants.handlers.erasure import destroy_keys
from voimala_participants.settings import Settings
from voimala_participants.workers import sweep_once

from .conftest import failed_fields, person, problem

CLOCK = SetClock(datetime.now(UTC))
#: A new consumer group reads the three topics from their first offset (tens of thousands of
#: events on a shared broker): the first answers can take minutes to come through.
CATCH_UP = 300


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    service = bootstrap(settings, CLOCK)
    async with running_app(service) as c:
        yield service, c


@pytest.fixture
def client(app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app[1]


@pytest.fixture(autouse=True)
def _clock_now() -> None:
    """Each test starts with the clock at the real time."""
    CLOCK.at = datetime.now(UTC)


@pytest.fixture
def coordinator(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-1"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


async def _publish(kafka_bootstrap: str, items: list[tuple[EventData, str]]) -> list[uuid.UUID]:
    """Each event onto its own topic, as its service would; their ids."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    ids = []
    try:
        for data, subject in items:
            service = data.TOPIC.split(".")[1]
            event = new_event(data, service=service, subject=subject)
            await producer.send_and_wait(data.TOPIC, event.to_json(), key=subject.encode())
            ids.append(event.id)
    finally:
        await producer.stop()
    return ids


def _exports(request_id: str, pid: str, services: tuple[str, ...]) -> list[tuple[EventData, str]]:
    models: dict[str, type[EventsExported | MatchingExported | NotificationsExported]] = {
        "events": EventsExported,
        "matching": MatchingExported,
        "notifications": NotificationsExported,
    }
    return [
        (
            models[s](
                request_id=uuid.UUID(request_id),
                participant_id=uuid.UUID(pid),
                exported_at=datetime.now(UTC),
                personal=ExportedData(data={f"{s}_records": [{"from": s, "request": request_id}]}),
            ),
            pid,
        )
        for s in services
    ]


def _occurrence(starts: datetime) -> OccurrenceInfo:
    return OccurrenceInfo(
        occurrence_id=uuid.uuid4(),
        series_id=uuid.uuid4(),
        category="language_cafe",
        title=Texts(fi="Kielikahvila", en="Language café"),
        location=Texts(fi="Salon pääkirjasto"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        local_start="2026-01-01T16:00",
        local_end="2026-01-01T18:00",
    )


def _attended(pid: str, starts: datetime) -> tuple[EventData, str]:
    occurrence = _occurrence(starts)
    data = AttendanceRecorded(
        attendance_id=uuid.uuid4(),
        occurrence=occurrence,
        participant_id=uuid.UUID(pid),
        status="attended",
        recorded_at=datetime.now(UTC),
    )
    return data, str(occurrence.occurrence_id)


async def _timeline_kinds(db: asyncpg.Connection, pid: str) -> set[str]:
    rows = await db.fetch("SELECT kind FROM timeline_entry WHERE participant_id = $1", pid)
    return {r["kind"] for r in rows}


# Pure rules


def test_the_retention_period_runs_from_the_end_of_the_year_of_exit() -> None:
    assert erasure_due_on(date(2026, 5, 10), 5) == date(2032, 1, 1)
    assert date(2026, 12, 31) < retention_cutoff(date(2032, 1, 1), 5)
    assert not date(2026, 1, 1) < retention_cutoff(date(2031, 12, 31), 5)


def test_a_service_that_has_not_answered_in_time_is_named() -> None:
    asked = datetime(2026, 3, 1, 12, tzinfo=UTC)
    answered = {"events": asked + timedelta(minutes=1)}
    soon = answers_of(asked, answered, asked + timedelta(hours=1), timedelta(hours=24))
    assert [a.status for a in soon] == ["answered", "waiting", "waiting"]
    assert request_status(soon, purged=False) == "waiting"
    late = answers_of(asked, answered, asked + timedelta(hours=25), timedelta(hours=24))
    assert {a.service: a.status for a in late} == {
        "events": "answered",
        "matching": "not_answered_in_time",
        "notifications": "not_answered_in_time",
    }
    assert request_status(late, purged=False) == "incomplete"
    assert request_status(late, purged=True) == "purged"


# Access requests


async def test_only_a_coordinator_asks_for_access_and_reads_it(
    client: httpx.AsyncClient, coordinator: dict[str, str], token: Callable[..., str]
) -> None:
    pid = await _register(client, coordinator)
    for role, subject in (("counsellor", None), ("ops", None), ("participant", pid)):
        headers = auth(token(role, subject=subject))
        problem(await client.post(f"/participants/{pid}/access-requests", headers=headers), 403)
        problem(
            await client.post(
                f"/participants/{pid}/erasure", json={"reason": "request"}, headers=headers
            ),
            403,
        )
    r = await client.post(f"/participants/{pid}/access-requests", headers=coordinator)
    assert r.status_code == 202, r.text
    counsellor = auth(token("counsellor"))
    problem(await client.get(r.headers["Location"], headers=counsellor), 403)
    problem(
        await client.post(f"/participants/{uuid.uuid4()}/access-requests", headers=coordinator), 404
    )
    problem(await client.get(f"/access-requests/{uuid.uuid4()}", headers=coordinator), 404)
    problem(await client.get("/access-requests/not-an-id", headers=coordinator), 422)
    problem(await client.get(r.headers["Location"]), 401)


async def test_an_access_request_gathers_this_service_and_every_answer(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    token: Callable[..., str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
) -> None:
    pid = await _register(client, coordinator, preferred_language="sv")
    assert (await client.get(f"/participants/{pid}", headers=coordinator)).is_success
    own = auth(token("participant", subject=pid))
    assert (await client.post("/ideas", json={"text": "Kielikahvila"}, headers=own)).is_success
    visit = {"participant_id": pid, "purpose": "job_search"}
    assert (await client.post("/visits", json=visit, headers=coordinator)).is_success
    other = await _register(client, coordinator)

    r = await client.post(f"/participants/{pid}/access-requests", headers=coordinator)
    assert r.status_code == 202, r.text
    asked = r.json()
    request_id = asked["request_id"]
    assert r.headers["Location"] == f"/access-requests/{request_id}"
    assert asked["status"] == "waiting"
    assert asked["export"] is None
    assert asked["language"] == "sv"
    assert [s["status"] for s in asked["services"]] == ["waiting"] * 3
    await _publish(kafka_bootstrap, _exports(request_id, pid, ("events", "matching")))
    # Answers that are not to this request of this person are not kept.
    await _publish(
        kafka_bootstrap,
        _exports(str(uuid.uuid4()), pid, ("notifications",))
        + _exports(request_id, other, ("notifications",)),
    )
    await _publish(kafka_bootstrap, _exports(request_id, pid, ("notifications",)))

    async def complete() -> dict[str, Any] | None:
        got = await client.get(f"/access-requests/{request_id}", headers=coordinator)
        body: dict[str, Any] = got.json()
        return body if body["status"] == "complete" else None

    done = await wait_for(complete, timeout=CATCH_UP)
    export = done["export"]
    assert set(export) == {"participants", "events", "matching", "notifications"}
    for service in ("events", "matching", "notifications"):
        # The first answer of each service is kept. Another suite's service may still run in
        # this test session (matching's keeps its service for the session) and answer for
        # real before the answer published here: then its export is kept, not ours.
        ours = {f"{service}_records": [{"from": service, "request": request_id}]}
        assert export[service] == ours or (export[service] and service == "matching")
    mine = export["participants"]
    (record,) = mine["participant"]
    assert record["id"] == pid
    assert record["preferred_language"] == "sv"
    assert record["given_name"].startswith("Aino")
    assert "search_text" not in record
    assert {c["purpose"] for c in mine["consents"]} >= {"registry", "matching"}
    assert [e["number"] for e in mine["episodes"]] == [1]
    assert "participant.registered" in {t["kind"] for t in mine["timeline"]}
    assert [v["purpose"] for v in mine["visits"]] == ["job_search"]
    assert [i["text"] for i in mine["ideas"]] == ["Kielikahvila"]
    assert "read_profile" in {a["action"] for a in mine["audit_log"]}
    assert other not in json.dumps(mine)
    assert all(s["status"] == "answered" and s["answered_at"] for s in done["services"])
    # Reading the export is audited; the request went out keyed by the person, without data.
    actions = await db.fetch(
        "SELECT action, actor FROM audit_log WHERE participant_id = $1", uuid.UUID(pid)
    )
    assert ("read_access_export", "coordinator-1") in {(a["action"], a["actor"]) for a in actions}
    records = await read_topic(kafka_bootstrap, topics.PARTICIPANTS)
    (sent,) = [
        json.loads(x.value)
        for x in records
        if x.key == pid.encode() and json.loads(x.value)["type"] == "privacy.access_requested.v1"
    ]
    assert sent["subject"] == pid
    assert sent["data"]["request_id"] == request_id
    assert "Aino" not in json.dumps(sent)


async def test_a_silent_service_is_named_once_its_time_has_passed(
    app: tuple[FastAPI, httpx.AsyncClient],
    coordinator: dict[str, str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
) -> None:
    _, client = app
    pid = await _register(client, coordinator)
    r = await client.post(f"/participants/{pid}/access-requests", headers=coordinator)
    request_id = r.json()["request_id"]
    await _publish(kafka_bootstrap, _exports(request_id, pid, ("events", "matching")))

    async def two_answers() -> bool:
        count = await db.fetchval(
            "SELECT count(*) FROM access_answer WHERE request_id = $1 "
            "AND service IN ('events', 'matching')",
            uuid.UUID(request_id),
        )
        return bool(count == 2)

    await wait_for(two_answers, timeout=CATCH_UP)
    # Another test run's notifications service on the shared broker may have answered too.
    await db.execute(
        "DELETE FROM access_answer WHERE request_id = $1 AND service = 'notifications'",
        uuid.UUID(request_id),
    )
    waiting = (await client.get(f"/access-requests/{request_id}", headers=coordinator)).json()
    assert waiting["status"] == "waiting"
    assert waiting["export"] is None

    CLOCK.at = datetime.now(UTC) + timedelta(hours=24, minutes=1)
    late = (await client.get(f"/access-requests/{request_id}", headers=coordinator)).json()
    statuses = {s["service"]: s["status"] for s in late["services"]}
    assert statuses == {
        "events": "answered",
        "matching": "answered",
        "notifications": "not_answered_in_time",
    }
    assert late["status"] == "incomplete"
    assert late["export"]["notifications"] is None
    assert late["export"]["participants"]["participant"][0]["id"] == pid


async def test_exports_are_purged_after_their_time(
    app: tuple[FastAPI, httpx.AsyncClient],
    coordinator: dict[str, str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
) -> None:
    service, client = app
    pid = await _register(client, coordinator)
    old = (await client.post(f"/participants/{pid}/access-requests", headers=coordinator)).json()
    await _publish(kafka_bootstrap, _exports(old["request_id"], pid, ("events",)))

    async def answered() -> bool:
        return bool(
            await db.fetchval(
                "SELECT count(*) FROM access_answer WHERE request_id = $1",
                uuid.UUID(old["request_id"]),
            )
        )

    await wait_for(answered, timeout=CATCH_UP)
    CLOCK.at = datetime.now(UTC) + timedelta(days=30, minutes=1)
    fresh = (await client.post(f"/participants/{pid}/access-requests", headers=coordinator)).json()
    swept = await sweep_once(service.state.platform)
    assert swept.purged >= 1
    purged = (await client.get(f"/access-requests/{old['request_id']}", headers=coordinator)).json()
    assert purged["status"] == "purged"
    assert purged["export"] is None
    left = await db.fetch(
        "SELECT export FROM access_answer WHERE request_id = $1", uuid.UUID(old["request_id"])
    )
    assert left
    assert all(r["export"] is None for r in left)
    kept = await db.fetchval(
        "SELECT export IS NOT NULL FROM access_request WHERE id = $1",
        uuid.UUID(fresh["request_id"]),
    )
    assert kept


# Erasure


async def test_erasure_is_refused_as_the_api_says(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    pid = await _register(client, coordinator)
    url = f"/participants/{pid}/erasure"
    for body, field in (
        ({}, "reason"),
        ({"reason": "bored"}, "reason"),
        ({"reason": "request", "note": "x" * 501}, "note"),
        ({"reason": "request", "name": "Aino"}, "name"),
    ):
        refused = problem(await client.post(url, json=body, headers=coordinator), 422)
        assert ("body", field) in failed_fields(refused)
    body = {"reason": "request"}
    problem(
        await client.post(f"/participants/{uuid.uuid4()}/erasure", json=body, headers=coordinator),
        404,
    )
    problem(await client.get(f"/erasures/{uuid.uuid4()}", headers=coordinator), 404)
    first = await client.post(url, json=body, headers=coordinator)
    assert first.status_code == 202, first.text
    again = problem(await client.post(url, json=body, headers=coordinator), 409)
    assert again["erasure_id"] == first.json()["erasure_id"]
    assert again["title"] == "Already erased"
    assert first.headers["Location"] == f"/erasures/{again['erasure_id']}"


async def test_an_erasure_erases_this_service_and_gathers_every_confirmation(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    token: Callable[..., str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
) -> None:
    pid = await _register(client, coordinator, birth_date="1990-04-03", birth_year=None)
    name = (await client.get(f"/participants/{pid}", headers=coordinator)).json()["given_name"]
    own = auth(token("participant", subject=pid))
    assert (await client.post("/ideas", json={"text": "Sählyä"}, headers=own)).is_success
    visit = {"participant_id": pid, "purpose": "job_search"}
    assert (await client.post("/visits", json=visit, headers=coordinator)).is_success
    await _publish(kafka_bootstrap, [_attended(pid, datetime.now(UTC) - timedelta(hours=3))])
    await wait_for(lambda: _has_kind(db, pid, "activity.attended"), timeout=CATCH_UP)
    request = await client.post(f"/participants/{pid}/access-requests", headers=coordinator)
    request_id = request.json()["request_id"]

    r = await client.post(
        f"/participants/{pid}/erasure",
        json={"reason": "request", "note": "asked at the service point"},
        headers=coordinator,
    )
    assert r.status_code == 202, r.text
    erasure = r.json()
    eid = erasure["erasure_id"]
    assert r.headers["Location"] == f"/erasures/{eid}"
    assert erasure["status"] == "waiting"
    assert erasure["reason"] == "request"
    (mine, *others) = erasure["services"]
    assert mine["service"] == "participants"
    assert mine["status"] == "erased"
    assert mine["counts"]["participant"] == 1
    assert mine["counts"]["consents"] >= 2
    assert mine["counts"]["ideas"] == 1
    assert mine["counts"]["visits_anonymised"] == 1
    assert mine["counts"]["access_exports"] == 1
    assert [o["status"] for o in others] == ["waiting"] * 3

    await _confirmations(kafka_bootstrap, eid, pid)

    # The record reads as erased; nothing else of the person answers.
    gone = problem(await client.get(f"/participants/{pid}", headers=coordinator), 410)
    assert gone["erasure_id"] == eid
    assert name not in json.dumps(gone)
    for path in ("consents", "timeline", "episodes"):
        problem(await client.get(f"/participants/{pid}/{path}", headers=coordinator), 404)
    problem(await client.post(f"/participants/{pid}/access-requests", headers=coordinator), 410)
    listed = await client.get("/participants", params={"q": name}, headers=coordinator)
    assert listed.json()["items"] == []
    purged = (await client.get(f"/access-requests/{request_id}", headers=coordinator)).json()
    assert purged["status"] == "purged"
    assert purged["export"] is None

    # The erasure went out keyed by the person, with the reason and without the note.
    records = await read_topic(kafka_bootstrap, topics.PARTICIPANTS)
    (sent,) = [
        json.loads(x.value)
        for x in records
        if x.key == pid.encode() and json.loads(x.value)["type"] == "privacy.erasure_requested.v1"
    ]
    assert sent["data"]["erasure_id"] == eid
    assert sent["data"]["reason"] == "request"
    assert "service point" not in json.dumps(sent)

    async def complete() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(f"/erasures/{eid}", headers=coordinator)).json()
        return body if body["status"] == "complete" else None

    done = await wait_for(complete, timeout=CATCH_UP)
    assert [s["service"] for s in done["services"]] == [
        "participants",
        "events",
        "matching",
        "notifications",
    ]
    assert done["services"][1]["counts"] == {"registrations": 2, "attendance": 1}
    assert done["note"] == "asked at the service point"

    # A later event about the person is acknowledged without effect.
    (late,) = await _publish(
        kafka_bootstrap, [_attended(pid, datetime.now(UTC) - timedelta(hours=1))]
    )

    async def consumed() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", late))

    await wait_for(consumed, timeout=CATCH_UP)
    assert await _timeline_kinds(db, pid) == set()
    # Nor does their token, still valid until it expires, put their name to an idea.
    late_idea = await client.post("/ideas", json={"text": "Vielä yksi"}, headers=own)
    assert late_idea.json()["from_participant"] is False
    # Nothing in the database holds the name or the birth date, nor the person's id outside
    # the erasure's own record, their requests and the audit trail.
    await _nothing_of(db, pid, [name, "1990-04-03"])


async def _confirmations(kafka_bootstrap: str, eid: str, pid: str) -> None:
    counts = {
        "events": {"registrations": 2, "attendance": 1},
        "matching": {"profile": 1},
        "notifications": {"recipient": 1},
    }
    models: list[type[EventsErased | MatchingErased | NotificationsErased]] = [
        EventsErased,
        MatchingErased,
        NotificationsErased,
    ]
    await _publish(
        kafka_bootstrap,
        [
            (
                model(
                    erasure_id=uuid.UUID(eid),
                    participant_id=uuid.UUID(pid),
                    erased_at=datetime.now(UTC),
                    counts=counts[model.TOPIC.split(".")[1]],
                ),
                pid,
            )
            for model in models
        ],
    )


async def _has_kind(db: asyncpg.Connection, pid: str, kind: str) -> bool:
    return kind in await _timeline_kinds(db, pid)


async def _nothing_of(db: asyncpg.Connection, pid: str, values: list[str]) -> None:
    """No table holds the values; the person's id only where the erasure needs it."""
    tables = [
        r["table_name"]
        for r in await db.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    ]
    # The outbox's payload is bytes (and the relay deletes what it published).
    allowed_id = {"erasure", "access_request", "audit_log", "outbox"}
    for table in tables:
        for value in [*values, pid]:
            if value == pid and table in allowed_id:
                continue
            found = await db.fetchval(
                f"SELECT count(*) FROM {table} t WHERE t::text ILIKE $1",  # noqa: S608 - names
                f"%{value}%",
            )
            assert found == 0, (table, value == pid)


async def test_a_past_report_gives_the_same_counts_after_an_erasure(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
) -> None:
    staff = coordinator
    erased = await _register(client, staff, birth_year=2004, gender="female", education_level=3)
    kept = await _register(client, staff, birth_year=1970, gender="male")
    for pid in (erased, kept):
        visit = {"participant_id": pid, "purpose": "job_search"}
        assert (await client.post("/visits", json=visit, headers=staff)).is_success
    # Attended now, not minutes ago: the report counts a first activity from the day of entry
    # in Helsinki, and just after midnight there a moment ago was the day before.
    await _publish(kafka_bootstrap, [_attended(erased, datetime.now(UTC))])
    await wait_for(lambda: _has_kind(db, erased, "activity.attended"), timeout=CATCH_UP)
    today = CLOCK.today().isoformat()
    exited = {"exit_date": today, "outcome": "employed"}
    assert (
        await client.post(f"/participants/{erased}/exit", json=exited, headers=staff)
    ).is_success
    as_of = (await db.fetchval("SELECT now()")).isoformat()
    query = {"month": today[:7], "as_of": as_of}
    before = (await client.get("/reports/programme", params=query, headers=staff)).json()
    assert before["entries"]["total"] >= 2
    assert before["exits"]["total"] >= 1

    r = await client.post(
        f"/participants/{erased}/erasure", json={"reason": "consent_withdrawn"}, headers=staff
    )
    assert r.status_code == 202, r.text
    after = (await client.get("/reports/programme", params=query, headers=staff)).json()
    assert after == before
    assert after["service_point"]["identified"] >= 2
    assert after["lead_times_days"]["registration_to_first_activity"]["count"] >= 1


async def test_the_key_of_an_erased_person_is_destroyed(
    app: tuple[FastAPI, httpx.AsyncClient], coordinator: dict[str, str], kafka_bootstrap: str
) -> None:
    service, client = app
    keyring = service.state.platform.keyring
    pid = await _register(client, coordinator)
    name = (await client.get(f"/participants/{pid}", headers=coordinator)).json()["given_name"]

    async def contact() -> dict[str, Any] | None:
        for x in await read_topic(kafka_bootstrap, topics.PARTICIPANTS):
            event = json.loads(x.value)
            if x.key == pid.encode() and event["type"] == "participant.contact_changed.v1":
                data: dict[str, Any] = event["data"]
                return data
        return None

    sealed = await wait_for(contact, timeout=CATCH_UP)
    assert name not in json.dumps(sealed)
    opened, erased = await keyring.open_data(pid, sealed)
    assert not erased
    assert name in json.dumps(opened)

    r = await client.post(
        f"/participants/{pid}/erasure", json={"reason": "other"}, headers=coordinator
    )
    assert r.json()["key_destroyed_at"] is not None
    opened, erased = await keyring.open_data(pid, sealed)
    assert erased
    assert name not in json.dumps(opened)
    # The sweep has nothing left to destroy for them.
    async with service.state.platform.db.transaction() as conn:
        assert await destroy_keys(service.state.platform.deps, conn, 1000) == 0


async def test_retention_erases_exited_participants_after_the_period(
    app: tuple[FastAPI, httpx.AsyncClient], coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    service, client = app
    platform = service.state.platform
    exited = await _register(client, coordinator)
    active = await _register(client, coordinator)
    today = CLOCK.today()
    body = {"exit_date": today.isoformat(), "outcome": "education"}
    assert (
        await client.post(f"/participants/{exited}/exit", json=body, headers=coordinator)
    ).is_success
    years = platform.settings.retention_years_after_exit
    # The last day of the period: still kept.
    CLOCK.at = datetime(today.year + years, 12, 31, 12, tzinfo=UTC)
    await sweep_once(platform)
    assert (
        await db.fetchval("SELECT count(*) FROM participant WHERE id = $1", uuid.UUID(exited)) == 1
    )
    # The first day after it: erased, for retention, by no person.
    CLOCK.at = datetime(today.year + years + 1, 1, 1, 12, tzinfo=UTC)
    swept = await sweep_once(platform)
    assert swept.erased >= 1
    row = await db.fetchrow(
        "SELECT id, reason, requested_by FROM erasure WHERE participant_id = $1",
        uuid.UUID(exited),
    )
    assert row is not None
    assert row["reason"] == "retention"
    assert row["requested_by"] == "system:retention"
    problem(await client.get(f"/participants/{exited}", headers=coordinator), 410)
    erasure = (await client.get(f"/erasures/{row['id']}", headers=coordinator)).json()
    assert erasure["reason"] == "retention"
    assert erasure["services"][0]["counts"]["participant"] == 1
    # An active participant is never erased by retention.
    assert (await client.get(f"/participants/{active}", headers=coordinator)).status_code == 200


async def test_a_replay_into_an_empty_database_brings_no_one_back(
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    db: asyncpg.Connection,
    kafka_bootstrap: str,
    service_settings: Callable[..., Any],
) -> None:
    pid = await _register(client, coordinator)
    await _publish(kafka_bootstrap, [_attended(pid, datetime.now(UTC) - timedelta(hours=2))])
    await wait_for(lambda: _has_kind(db, pid, "activity.attended"), timeout=CATCH_UP)
    erased = await client.post(
        f"/participants/{pid}/erasure", json={"reason": "request"}, headers=coordinator
    )
    assert erased.status_code == 202
    (last,) = await _publish(kafka_bootstrap, [_attended(pid, datetime.now(UTC))])

    # Every topic from its first offset, into an empty database, by a new consumer group.
    fresh: Settings = await service_settings(Settings)
    async with running_app(bootstrap(fresh, CLOCK)):
        replayed = await asyncpg.connect(fresh.database_url)
        try:

            async def caught_up() -> bool:
                found = await replayed.fetchval(
                    "SELECT count(*) FROM inbox WHERE event_id = $1", last
                )
                return bool(found)

            await wait_for(caught_up, timeout=CATCH_UP)
            assert await replayed.fetchval("SELECT count(*) FROM timeline_entry") == 0
            assert await _timeline_kinds(replayed, pid) == set()
        finally:
            await replayed.close()
