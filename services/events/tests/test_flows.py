"""Changes that people must hear of, attendance, and ideas into the programme: checked on
the events the service publishes to Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from voimala_contracts import new_event, topics
from voimala_contracts.participants import IdeaSubmitted
from voimala_kit.personal import Keyring
from voimala_kit.testing import auth, opened, read_topic, wait_for
from voimala_scheduling.bootstrap import build_deps
from voimala_scheduling.handlers.series import extend_horizon
from voimala_scheduling.settings import Settings

from .conftest import CLOCK, first_occurrence, guest, new_series


async def _published(kafka: str, key: str, kind: str, at_least: int = 1) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]]:
        records = await read_topic(kafka, topics.EVENTS, timeout=120)
        found = [json.loads(r.value) for r in records if r.key == key.encode()]
        mine = [e for e in found if e["type"] == kind]
        return mine if len(mine) >= at_least else []

    found: list[dict[str, Any]] = await wait_for(probe, timeout=30)
    return found


async def test_cancelling_an_occurrence_tells_everyone_registered(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
    keyring: Keyring,
) -> None:
    series = await new_series(client, staff, capacity=1)
    occ = await first_occurrence(client, series["id"])
    url = f"/occurrences/{occ['occurrence_id']}/registrations"
    pid = str(uuid.uuid4())
    r = await client.post(url, json={}, headers=auth(token("participant", subject=pid)))
    assert r.json()["status"] == "confirmed"
    r = await client.post(url, json=guest("w"))
    assert r.json()["status"] == "waitlisted"
    waitlisted = r.json()
    r = await client.post(
        f"/occurrences/{occ['occurrence_id']}/cancel", json={"reason": "ill"}, headers=staff
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    (event,) = await _published(kafka_bootstrap, occ["occurrence_id"], "occurrence.cancelled.v1")
    data = (await opened(keyring, event))["data"]
    assert data["reason"] == "ill"
    assert data["occurrence"]["title"]["fi"] == "Kielikahvila"
    assert data["occurrence"]["local_start"] == occ["date"] + "T14:00"
    people = {
        (p["participant_id"], (p.get("personal") or {}).get("name")) for p in data["registrants"]
    }
    assert people == {(pid, None), (None, "Guest w")}
    statuses = await db.fetch(
        "SELECT status FROM registration WHERE occurrence_id = $1",
        uuid.UUID(occ["occurrence_id"]),
    )
    assert {s["status"] for s in statuses} == {"cancelled"}
    assert waitlisted["id"] in {p["registration_id"] for p in data["registrants"]}
    confirmed = await _published(kafka_bootstrap, occ["occurrence_id"], "registration.confirmed.v1")
    assert confirmed[0]["data"]["participant_id"] == pid
    assert confirmed[0]["data"]["personal"] is None  # a participant is named by id only


async def test_changing_a_series_from_a_date_keeps_earlier_occurrences(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    kafka_bootstrap: str,
    keyring: Keyring,
) -> None:
    series = await new_series(client, staff, rrule="FREQ=DAILY;COUNT=3", capacity=5)
    items = (await client.get(f"/series/{series['id']}/occurrences")).json()["items"]
    assert len(items) == 3
    r = await client.post(
        f"/occurrences/{items[2]['occurrence_id']}/registrations", json=guest("later")
    )
    assert r.status_code == 201
    r = await client.patch(
        f"/series/{series['id']}",
        json={
            "from_date": items[1]["date"],
            "title": {"fi": "Kielikahvila ja peli-ilta"},
            "start_time": "16:00",
            "end_time": "17:30",
        },
        headers=staff,
    )
    assert r.status_code == 200, r.text
    after = (await client.get(f"/series/{series['id']}/occurrences")).json()["items"]
    assert [(o["local_start"], o["title"]["fi"]) for o in after] == [
        ("14:00", "Kielikahvila"),
        ("16:00", "Kielikahvila ja peli-ilta"),
        ("16:00", "Kielikahvila ja peli-ilta"),
    ]
    (changed,) = await _published(
        kafka_bootstrap, items[2]["occurrence_id"], "occurrence.changed.v1"
    )
    assert changed["data"]["previous_local_start"].endswith("T14:00")
    assert changed["data"]["occurrence"]["local_start"].endswith("T16:00")
    registrants = (await opened(keyring, changed))["data"]["registrants"]
    assert [p["personal"]["name"] for p in registrants] == ["Guest later"]
    # Cancelling from the last date on cancels that one only.
    r = await client.post(
        f"/series/{series['id']}/cancel", json={"from_date": items[2]["date"]}, headers=staff
    )
    assert r.json()["cancelled_occurrences"] == 1


async def test_attendance_check_in_walk_ins_and_no_shows(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
) -> None:
    series = await new_series(client, staff, capacity=5)
    occ = await first_occurrence(client, series["id"])
    oid = occ["occurrence_id"]
    came, stayed_away = str(uuid.uuid4()), str(uuid.uuid4())
    regs = {}
    for pid in (came, stayed_away):
        r = await client.post(
            f"/occurrences/{oid}/registrations",
            json={},
            headers=auth(token("participant", subject=pid)),
        )
        regs[pid] = r.json()["id"]
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"registration_id": regs[came]}, headers=staff
    )
    assert r.status_code == 409  # too early: tomorrow's occurrence
    # Time passes: the occurrence starts in half an hour.
    soon = datetime.now(UTC) + timedelta(minutes=30)
    r = await client.patch(
        f"/occurrences/{oid}", json={"starts_at": soon.isoformat()}, headers=staff
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"registration_id": regs[came]}, headers=staff
    )
    assert r.status_code == 201, r.text
    assert r.json()["walk_in"] is False
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"participant_id": came}, headers=staff
    )
    assert r.status_code == 409  # already checked in
    walk_in = str(uuid.uuid4())
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"participant_id": walk_in}, headers=staff
    )
    assert r.json()["walk_in"] is True
    r = await client.post(
        f"/occurrences/{oid}/attendance", json={"walk_in_guest": True}, headers=staff
    )
    assert r.status_code == 201
    r = await client.post(
        f"/occurrences/{oid}/attendance",
        json={"walk_in_guest": True, "participant_id": walk_in},
        headers=staff,
    )
    assert r.status_code == 422
    r = await client.post(f"/occurrences/{oid}/no-shows", headers=staff)
    assert r.status_code == 409  # not over yet
    # Time passes again: it is over.
    await db.execute(
        "UPDATE occurrence SET starts_at = now() - interval '3 hours', "
        "ends_at = now() - interval '1 hour' WHERE id = $1",
        uuid.UUID(oid),
    )
    r = await client.post(f"/occurrences/{oid}/no-shows", headers=staff)
    assert r.status_code == 200
    assert [(a["participant_id"], a["status"]) for a in r.json()["items"]] == [
        (stayed_away, "no_show")
    ]
    events = await _published(kafka_bootstrap, oid, "attendance.recorded.v1", at_least=4)
    seen = {
        (e["data"]["participant_id"], e["data"]["status"], e["data"]["walk_in"]) for e in events
    }
    assert seen == {
        (came, "attended", False),
        (walk_in, "attended", True),
        (None, "attended", True),
        (stayed_away, "no_show", False),
    }
    assert all("personal" not in e["data"] for e in events)
    # A no-show names the series' next occurrence (for the nudge that says when it meets next).
    (missed,) = [e["data"] for e in events if e["data"]["status"] == "no_show"]
    # The listing starts at today's midnight in Helsinki: between 00:00 and 03:00 there the
    # occurrence moved three hours back is not in it, so name the following one by exclusion.
    listed = (await client.get(f"/series/{series['id']}/occurrences")).json()["items"]
    following = next(o for o in listed if o["occurrence_id"] != oid)
    assert missed["next_occurrence"]["occurrence_id"] == following["occurrence_id"]
    assert missed["next_occurrence"]["series_id"] == series["id"]
    assert all(e["data"]["next_occurrence"] is None for e in events if e["data"] is not missed)


async def test_ideas_are_ranked_and_linking_tells_their_authors(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    token: Callable[..., str],
    kafka_bootstrap: str,
) -> None:
    tag = uuid.uuid4().hex[:6]
    wishes = [f"Kokkikurssi {tag}!", f"kokkikurssi   {tag}", f"Kokkikurssi {tag}.", f"Sählyä {tag}"]
    authors = [uuid.uuid4(), None, uuid.uuid4(), uuid.uuid4()]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    ids = []
    try:
        for text, author in zip(wishes, authors, strict=True):
            data = IdeaSubmitted(
                idea_id=uuid.uuid4(),
                text=text,
                author_participant_id=author,
                submitted_at=datetime.now(UTC),
            )
            ids.append(data.idea_id)
            event = new_event(data, service="participants", subject=str(data.idea_id))
            for _ in range(2):  # delivered twice: kept once
                await producer.send_and_wait(
                    topics.PARTICIPANTS, event.to_json(), key=str(data.idea_id).encode()
                )
    finally:
        await producer.stop()

    async def ranked() -> list[dict[str, Any]]:
        r = await client.get("/ideas", headers=staff)
        mine = [i for i in r.json()["items"] if tag in i["theme"]]
        return mine if sum(i["asked"] for i in mine) == 4 else []

    mine = await wait_for(ranked, timeout=30)
    assert [(i["theme"], i["asked"]) for i in mine] == [
        (f"kokkikurssi {tag}", 3),
        (f"sählyä {tag}", 1),
    ]
    series = await new_series(client, staff, category="workshop")
    cooking = [uuid.UUID(i) for i in mine[0]["idea_ids"]]
    r = await client.post(
        f"/series/{series['id']}/ideas", json={"idea_ids": [str(i) for i in cooking]}, headers=staff
    )
    assert r.status_code == 200, r.text
    (event,) = await _published(kafka_bootstrap, series["id"], "idea.realised.v1")
    assert sorted(event["data"]["idea_ids"]) == sorted(str(i) for i in cooking)
    assert sorted(event["data"]["author_participant_ids"]) == sorted(
        str(a) for a in (authors[0], authors[2])
    )
    assert event["data"]["next_occurrence"]["series_id"] == series["id"]
    r = await client.get("/ideas", headers=staff)
    assert all(tag not in i["theme"] or i["asked"] == 1 for i in r.json()["items"])
    r = await client.post(
        f"/series/{series['id']}/ideas", json={"idea_ids": [str(uuid.uuid4())]}, headers=staff
    )
    assert r.status_code == 422
    r = await client.get("/ideas", headers=auth(token("participant")))
    assert r.status_code == 403  # planning is for staff


async def test_the_horizon_is_refilled_but_not_past_a_cancellation(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection, settings: Settings
) -> None:
    deps = build_deps(settings, CLOCK)
    series = await new_series(client, staff, rrule="FREQ=WEEKLY", capacity=3)
    sid = uuid.UUID(series["id"])
    generated = series["occurrences_generated"]
    assert 52 <= generated <= 53  # a year ahead, weekly
    # The horizon rolls: what is missing ahead is generated again, and only that.
    await db.execute(
        "DELETE FROM occurrence WHERE series_id = $1 AND rule_date > now() + interval '180 days'",
        sid,
    )
    assert await extend_horizon(deps, db) >= generated - 27
    assert (
        await db.fetchval("SELECT count(*) FROM occurrence WHERE series_id = $1", sid) == generated
    )
    assert await extend_horizon(deps, db) == 0
    # Cancelled from a date on: those are cancelled, and none come back after it.
    items = (await client.get(f"/series/{series['id']}/occurrences")).json()["items"]
    r = await client.post(
        f"/series/{series['id']}/cancel", json={"from_date": items[4]["date"]}, headers=staff
    )
    assert r.json()["cancelled_occurrences"] == generated - 4
    await db.execute(
        "DELETE FROM occurrence WHERE series_id = $1 AND rule_date > now() + interval '180 days'",
        sid,
    )
    assert await extend_horizon(deps, db) == 0
    scheduled = await db.fetchval(
        "SELECT count(*) FROM occurrence WHERE series_id = $1 AND status = 'scheduled'", sid
    )
    assert scheduled == 4
