"""A participant's rights over their data: access and erasure asked through Kafka, answered on
the service's topic; checked on the real broker and database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from voimala_contracts import EventData, new_event, topics
from voimala_contracts.participants import IdeaSubmitted
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_kit.personal import Keyring
from voimala_kit.testing import auth, opened, read_topic, wait_for
from voimala_scheduling.domain.privacy import fit

from .conftest import first_occurrence, guest, new_series


async def _send(kafka: str, pid: uuid.UUID, *items: EventData | tuple[EventData, int]) -> None:
    """Publish as the participants service does, keyed by the participant (one partition, so
    the service reads them in this order); `(data, n)` sends the same request n times, each
    time as a new event (a request repeated, not a record redelivered)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        for item in items:
            data, times = item if isinstance(item, tuple) else (item, 1)
            for _ in range(times):
                event = new_event(data, service="participants", subject=str(pid))
                await producer.send_and_wait(
                    topics.PARTICIPANTS, event.to_json(), key=str(pid).encode()
                )
    finally:
        await producer.stop()


async def _answers(
    kafka: str, db: asyncpg.Connection, pid: uuid.UUID, kind: str, last: uuid.UUID
) -> list[dict[str, Any]]:
    """Events of type `kind` about the participant on the topic, once this service has answered
    the request `last` and published everything it wrote (its outbox is empty).

    Other instances of the service (other suites' and the browser tests', each a consumer
    group of its own reading `voimala.participants` from the start) answer the same requests
    from their own empty databases: the caller tells this instance's answers by content."""

    async def published() -> bool:
        answered = await db.fetchval("SELECT 1 FROM privacy_answer WHERE request_id = $1", last)
        return bool(answered) and await db.fetchval("SELECT count(*) FROM outbox") == 0

    await wait_for(published, timeout=60)
    records = await read_topic(kafka, topics.EVENTS, timeout=120)
    found = [json.loads(r.value) for r in records if r.key == str(pid).encode()]
    return [e for e in found if e["type"] == kind]


async def _on_topic(kafka: str, key: str, kind: str) -> list[dict[str, Any]]:
    records = await read_topic(kafka, topics.EVENTS, timeout=120)
    found = [json.loads(r.value) for r in records if r.key == key.encode()]
    return [e for e in found if e["type"] == kind]


def _idea(author: uuid.UUID, text: str) -> IdeaSubmitted:
    return IdeaSubmitted(
        idea_id=uuid.uuid4(),
        text=text,
        author_participant_id=author,
        submitted_at=datetime.now(UTC),
    )


async def _register(
    client: httpx.AsyncClient,
    occurrence_id: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    r = await client.post(
        f"/occurrences/{occurrence_id}/registrations", json=body or {}, headers=headers
    )
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


async def _starts_soon(
    client: httpx.AsyncClient, staff: dict[str, str], occurrence_id: str
) -> None:
    """Time passes: the occurrence starts in half an hour (check-in is open)."""
    soon = datetime.now(UTC) + timedelta(minutes=30)
    r = await client.patch(
        f"/occurrences/{occurrence_id}", json={"starts_at": soon.isoformat()}, headers=staff
    )
    assert r.status_code == 200, r.text


async def _is_over(db: asyncpg.Connection, occurrence_id: str) -> None:
    """Time passes again: the occurrence is over."""
    await db.execute(
        "UPDATE occurrence SET starts_at = now() - interval '3 hours', "
        "ends_at = now() - interval '1 hour' WHERE id = $1",
        uuid.UUID(occurrence_id),
    )


async def _idea_kept(db: asyncpg.Connection, idea: IdeaSubmitted) -> bool:
    async def probe() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM idea WHERE id = $1", idea.idea_id))

    return bool(await wait_for(probe, timeout=60))


async def test_an_access_request_is_answered_once_with_everything_held_about_the_person(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
    keyring: Keyring,
) -> None:
    pid, other = uuid.uuid4(), uuid.uuid4()
    me = auth(token("participant", subject=str(pid)))
    full = await first_occurrence(client, (await new_series(client, staff, capacity=1))["id"])
    await _register(client, full["occurrence_id"], auth(token("participant", subject=str(other))))
    waiting = await _register(client, full["occurrence_id"], me)
    assert waiting["position"] == 1
    await _register(client, full["occurrence_id"], staff, guest("a"))
    workshop = await first_occurrence(
        client, (await new_series(client, staff, capacity=5, category="workshop"))["id"]
    )
    seat = await _register(client, workshop["occurrence_id"], me)
    await _register(client, workshop["occurrence_id"], staff, {"participant_id": str(other)})
    await _starts_soon(client, staff, workshop["occurrence_id"])
    r = await client.post(
        f"/occurrences/{workshop['occurrence_id']}/attendance",
        json={"registration_id": seat["id"]},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    mine = _idea(pid, "Kokkikurssi miehille")
    await _send(kafka_bootstrap, pid, mine)
    assert await _idea_kept(db, mine)

    first, second = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    await _send(
        kafka_bootstrap,
        pid,
        (AccessRequested(request_id=first, participant_id=pid, requested_at=now), 2),
        AccessRequested(request_id=second, participant_id=pid, requested_at=now),
    )
    found = await _answers(kafka_bootstrap, db, pid, "privacy.events_exported.v1", second)
    assert all("ciphertext" in a["data"]["personal"] for a in found)  # sealed: the person's key
    # This instance's answers open with this suite's keyring (another's sealed with its own).
    answers = [a for a in [await opened(keyring, a) for a in found] if a["data"]["personal"]]
    # The second request was read after the first one twice: the first was answered once.
    assert [a["data"]["request_id"] for a in answers] == [str(first), str(second)]
    answer = answers[0]
    assert answer["subject"] == str(pid)
    assert answer["data"]["participant_id"] == str(pid)
    data = answer["data"]["personal"]["data"]
    registrations = {r["id"]: r for r in data["registrations"]}
    assert set(registrations) == {waiting["id"], seat["id"]}
    assert registrations[waiting["id"]]["status"] == "waitlisted"
    assert registrations[waiting["id"]]["position"] == 1
    assert registrations[waiting["id"]]["occurrence"]["title"]["fi"] == "Kielikahvila"
    assert registrations[seat["id"]]["status"] == "confirmed"
    assert registrations[seat["id"]]["occurrence"]["occurrence_id"] == workshop["occurrence_id"]
    assert registrations[seat["id"]]["participant_id"] == str(pid)
    (came,) = data["attendance"]
    assert (came["registration_id"], came["status"], came["walk_in"]) == (
        seat["id"],
        "attended",
        False,
    )
    assert {r["registration_id"] for r in data["reminders"]} == {seat["id"]}
    assert [(i["id"], i["text"]) for i in data["ideas"]] == [(str(mine.idea_id), mine.text)]
    assert "_truncated" not in data
    # Nothing about anyone else: not the other participant, not the guest.
    text = json.dumps(answer)
    assert str(other) not in text
    assert "Guest a" not in text
    assert "guesta" not in text
    # Each export is audited as the service's own read, once per request.
    assert await _audit(db, pid, actor="system") == [("events.exported", "access_request")] * 2


async def test_erasure_releases_the_seat_keeps_the_counts_and_forgets_the_person(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
) -> None:
    pid, next_in_line = uuid.uuid4(), uuid.uuid4()
    me = auth(token("participant", subject=str(pid)))
    full = await first_occurrence(client, (await new_series(client, staff, capacity=1))["id"])
    oid = full["occurrence_id"]
    seat = await _register(client, oid, me)
    waiting = await _register(client, oid, auth(token("participant", subject=str(next_in_line))))
    assert waiting["status"] == "waitlisted"
    past = await first_occurrence(
        client, (await new_series(client, staff, capacity=5, category="workshop"))["id"]
    )
    came = await _register(client, past["occurrence_id"], me)
    await _register(client, past["occurrence_id"], staff, guest("b"))
    await _starts_soon(client, staff, past["occurrence_id"])
    r = await client.post(
        f"/occurrences/{past['occurrence_id']}/attendance",
        json={"registration_id": came["id"]},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    await _is_over(db, past["occurrence_id"])
    r = await client.post(f"/occurrences/{past['occurrence_id']}/no-shows", headers=staff)
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 1  # the guest
    mine = _idea(pid, "Sählyä lauantaisin")
    await _send(kafka_bootstrap, pid, mine)
    assert await _idea_kept(db, mine)
    before = await _counts(db, past["occurrence_id"])

    erasure, again = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    late = _idea(pid, "Myöhästynyt idea")
    await _send(
        kafka_bootstrap,
        pid,
        (
            ErasureRequested(
                erasure_id=erasure, participant_id=pid, reason="request", requested_at=now
            ),
            2,
        ),
        late,  # about the erased person: acknowledged without effect
        AccessRequested(request_id=uuid.uuid4(), participant_id=pid, requested_at=now),
        ErasureRequested(
            erasure_id=again, participant_id=pid, reason="retention", requested_at=now
        ),
    )
    found = await _answers(kafka_bootstrap, db, pid, "privacy.events_erased.v1", again)
    # This instance's answer to the first request is the one that counts registrations (other
    # instances hold none: registrations come through this one's API, though they may have
    # kept the idea); sent once, though the request came twice.
    (answer,) = [a for a in found if a["data"]["counts"]["registrations"]]
    assert answer["data"]["erasure_id"] == str(erasure)
    assert answer["subject"] == str(pid)
    assert answer["data"]["counts"] == {"registrations": 2, "attendance": 1, "ideas": 1}
    assert "personal" not in answer["data"]
    assert str(again) in {a["data"]["erasure_id"] for a in found}  # erased already: zero

    # Nothing here names the person any more; the rows stay as anonymous facts.
    for table, column in (
        ("registration", "participant_id"),
        ("attendance", "participant_id"),
        ("idea", "author_participant_id"),
    ):
        assert await db.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = $1", pid) == 0  # noqa: S608
    assert (
        await db.fetchval(
            "SELECT count(*) FROM registration WHERE person_key LIKE $1 OR created_by = $2",
            f"%{pid}%",
            str(pid),
        )
        == 0
    )
    assert await db.fetchval("SELECT count(*) FROM idea WHERE id = $1", late.idea_id) == 0
    assert await db.fetchval("SELECT text FROM idea WHERE id = $1", mine.idea_id) == mine.text
    assert (
        await db.fetchval(
            "SELECT erasure_id FROM erased_participants WHERE participant_id = $1", pid
        )
        == erasure
    )
    assert await _counts(db, past["occurrence_id"]) == before

    # Their seat went to the first on the waitlist, as a cancellation gives it.
    r = await client.get(f"/occurrences/{oid}/registrations", headers=staff)
    statuses = {i["id"]: (i["status"], i["participant_id"]) for i in r.json()["items"]}
    assert statuses == {
        seat["id"]: ("cancelled", None),
        waiting["id"]: ("confirmed", str(next_in_line)),
    }
    assert await db.fetchval("SELECT confirmed FROM occurrence WHERE id = $1", uuid.UUID(oid)) == 1
    (cancelled,) = await _on_topic(kafka_bootstrap, oid, "registration.cancelled.v1")
    assert cancelled["data"]["registration_id"] == seat["id"]
    assert cancelled["data"]["participant_id"] is None
    (promoted,) = await _on_topic(kafka_bootstrap, oid, "registration.promoted.v1")
    assert promoted["data"]["participant_id"] == str(next_in_line)

    # Not brought back through the API either.
    r = await client.post(
        f"/occurrences/{oid}/registrations", json={"participant_id": str(pid)}, headers=staff
    )
    assert r.status_code == 409
    assert r.json()["title"] == "Participant erased"
    assert str(pid) not in r.text
    r = await client.post(
        f"/occurrences/{past['occurrence_id']}/attendance",
        json={"participant_id": str(pid)},
        headers=staff,
    )
    assert r.status_code == 409
    assert r.json()["title"] == "Participant erased"
    r = await client.get(f"/participants/{pid}/registrations", headers=staff)
    assert r.json()["items"] == []
    # One erasure per request id; the access request after the erasure is answered too (with
    # nothing held: test_guests.py), each answer audited in its own transaction.
    assert await _audit(db, pid, actor="system") == [
        ("events.erased", "erasure_request"),
        ("events.exported", "access_request"),
        ("events.erased", "erasure_retention"),
    ]


async def test_an_erased_participant_checked_in_is_no_no_show_of_an_occurrence_under_way(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
) -> None:
    pid, absent = uuid.uuid4(), uuid.uuid4()
    occ = await first_occurrence(client, (await new_series(client, staff, capacity=5))["id"])
    oid = occ["occurrence_id"]
    came = await _register(client, oid, auth(token("participant", subject=str(pid))))
    await _register(client, oid, auth(token("participant", subject=str(absent))))
    await db.execute(  # time passes: the occurrence is under way
        "UPDATE occurrence SET starts_at = now() - interval '10 minutes', "
        "ends_at = now() + interval '1 hour' WHERE id = $1",
        uuid.UUID(oid),
    )
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"registration_id": came["id"]}, headers=staff
    )
    assert r.status_code == 201, r.text
    erasure = uuid.uuid4()
    now = datetime.now(UTC)
    await _send(
        kafka_bootstrap,
        pid,
        ErasureRequested(
            erasure_id=erasure, participant_id=pid, reason="request", requested_at=now
        ),
    )
    await _answers(kafka_bootstrap, db, pid, "privacy.events_erased.v1", erasure)
    # Under way: the registration is not cancelled (no seat to give), only anonymised.
    r = await client.get(f"/occurrences/{oid}/registrations", headers=staff)
    assert {(i["id"], i["status"], i["participant_id"]) for i in r.json()["items"]} == {
        (came["id"], "confirmed", None),
        (r.json()["items"][1]["id"], "confirmed", str(absent)),
    }
    await _is_over(db, oid)
    r = await client.post(f"/occurrences/{oid}/no-shows", headers=staff)
    assert r.status_code == 200, r.text
    # Only the one who stayed away: the erased person's check-in still counts as theirs.
    assert [(a["participant_id"], a["status"]) for a in r.json()["items"]] == [
        (str(absent), "no_show")
    ]
    assert await _counts(db, oid) == {
        "registration.confirmed": 2,
        "attendance.attended": 1,
        "attendance.no_show": 1,
    }


async def _audit(
    db: asyncpg.Connection, pid: uuid.UUID, actor: str | None = None
) -> list[tuple[str, str]]:
    """The participant's audit rows here, oldest first: (action, purpose)."""
    rows = await db.fetch(
        "SELECT action, purpose FROM audit_log WHERE participant_id = $1 "
        "AND ($2::text IS NULL OR actor = $2) ORDER BY id",
        pid,
        actor,
    )
    return [(r["action"], r["purpose"]) for r in rows]


async def test_reads_and_changes_of_registrations_and_attendance_are_audited(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    db: asyncpg.Connection,
) -> None:
    pid, other = uuid.uuid4(), uuid.uuid4()
    me = auth(token("participant", subject=str(pid)))
    occ = await first_occurrence(client, (await new_series(client, staff, capacity=5))["id"])
    oid = occ["occurrence_id"]
    mine = await _register(client, oid, me)
    theirs = await _register(client, oid, staff, {"participant_id": str(other)})
    await _register(client, oid, {}, guest("c"))  # a guest: no participant, no row
    assert await _audit(db, pid) == [("registration.created", "own_data")]
    r = await client.get(f"/participants/{other}/registrations", headers=me)
    assert r.status_code == 403  # refused: nothing was read, nothing is recorded
    r = await client.get(f"/participants/{pid}/registrations", headers=me)
    assert r.status_code == 200
    r = await client.get(f"/occurrences/{oid}/registrations", headers=staff)
    assert len(r.json()["items"]) == 3
    r = await client.post(f"/registrations/{theirs['id']}/cancel", json={}, headers=staff)
    assert r.status_code == 200
    await _starts_soon(client, staff, oid)
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"registration_id": mine["id"]}, headers=staff
    )
    assert r.status_code == 201
    boss = str(uuid.uuid4())
    r = await client.get(
        f"/occurrences/{oid}/attendance", headers=auth(token("coordinator", subject=boss))
    )
    assert r.status_code == 200
    assert await _audit(db, pid) == [
        ("registration.created", "own_data"),
        ("registration.read", "own_data"),
        ("registration.read", "staff_view"),
        ("attendance.recorded", "staff_view"),
        ("attendance.read", "staff_view"),
    ]
    assert await _audit(db, other) == [
        ("registration.created", "staff_view"),
        ("registration.read", "staff_view"),
        ("registration.cancelled", "staff_view"),
    ]
    coordinator = await db.fetchval(
        "SELECT actor_roles FROM audit_log WHERE participant_id = $1 AND action = $2",
        other,
        "registration.cancelled",
    )
    assert coordinator == ["coordinator"]
    # A coordinator lists them through the service's own API.
    r = await client.get("/audit-log", params={"participant_id": str(pid)}, headers=staff)
    assert r.status_code == 200, r.text
    r_denied = await client.get("/audit-log", params={"participant_id": str(pid)}, headers=me)
    assert r_denied.status_code == 403
    listed = [(i["action"], i["actor"], i["service"]) for i in r.json()["items"]]
    assert listed[0] == ("attendance.read", boss, "events")
    assert len(listed) == 5


async def test_cancelling_an_occurrence_or_a_series_is_audited_for_everyone_registered(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    db: asyncpg.Connection,
) -> None:
    pid, other = uuid.uuid4(), uuid.uuid4()
    one = await new_series(client, staff, capacity=5)
    occ = await first_occurrence(client, one["id"])
    await _register(client, occ["occurrence_id"], staff, {"participant_id": str(pid)})
    await _register(client, occ["occurrence_id"], staff, guest("d"))
    r = await client.post(f"/occurrences/{occ['occurrence_id']}/cancel", json={}, headers=staff)
    assert r.status_code == 200, r.text
    r = await client.post(f"/occurrences/{occ['occurrence_id']}/cancel", json={}, headers=staff)
    assert r.status_code == 200  # the same again: nothing changes, nothing is recorded
    assert await _audit(db, pid) == [
        ("registration.created", "staff_view"),
        ("registration.cancelled", "staff_view"),
    ]
    many = await new_series(client, staff, capacity=5)
    occ = await first_occurrence(client, many["id"])
    await _register(client, occ["occurrence_id"], staff, {"participant_id": str(other)})
    r = await client.post(
        f"/series/{many['id']}/cancel", json={"from_date": occ["date"]}, headers=staff
    )
    assert r.status_code == 200, r.text
    assert await _audit(db, other) == [
        ("registration.created", "staff_view"),
        ("registration.cancelled", "staff_view"),
    ]


async def _counts(db: asyncpg.Connection, occurrence_id: str) -> dict[str, int]:
    """What a report counts of one occurrence: registrations and attendance by status."""
    oid = uuid.UUID(occurrence_id)
    regs = await db.fetch(
        "SELECT status, count(*) AS n FROM registration WHERE occurrence_id = $1 GROUP BY 1", oid
    )
    came = await db.fetch(
        "SELECT status, count(*) AS n FROM attendance WHERE occurrence_id = $1 GROUP BY 1", oid
    )
    return {f"registration.{r['status']}": r["n"] for r in regs} | {
        f"attendance.{r['status']}": r["n"] for r in came
    }


def test_an_export_too_large_for_one_record_loses_its_oldest_records_and_says_so() -> None:
    data = {
        "registrations": [{"id": n, "note": "x" * 100} for n in range(100)],
        "ideas": [{"id": n} for n in range(3)],
    }
    assert fit(data, 100_000) == data
    cut = fit(data, 5_000)
    assert len(json.dumps(cut)) <= 5_000
    assert cut["ideas"] == data["ideas"]
    kept = len(cut["registrations"])
    assert 0 < kept < 100
    assert cut["registrations"] == data["registrations"][:kept]  # newest first: the oldest go
    assert cut["_truncated"] == [{"data_set": "registrations", "kept": kept, "total": 100}]
