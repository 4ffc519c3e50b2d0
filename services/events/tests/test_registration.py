"""Registration on the real database: seats, waitlist in arrival order, promotion, no
overbooking under concurrency, one registration per person, slots, and who may do what."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime

import asyncpg
import httpx
from voimala_kit.testing import PROBLEM_JSON, auth

from .conftest import first_occurrence, guest, new_series


async def test_fifty_concurrent_registrations_for_twelve_seats(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    series = await new_series(client, staff, capacity=12)
    occ = await first_occurrence(client, series["id"])
    url = f"/occurrences/{occ['occurrence_id']}/registrations"

    results = await asyncio.gather(*(client.post(url, json=guest(i)) for i in range(50)))

    assert all(r.status_code == 201 for r in results), [r.text for r in results][:3]
    bodies = [r.json() for r in results]
    confirmed = [b for b in bodies if b["status"] == "confirmed"]
    waitlisted = [b for b in bodies if b["status"] == "waitlisted"]
    assert len(confirmed) == 12
    assert len(waitlisted) == 38
    assert sorted(b["position"] for b in waitlisted) == list(range(1, 39))
    rows = await db.fetch(
        "SELECT id, status, arrival FROM registration WHERE occurrence_id = $1 ORDER BY arrival",
        uuid.UUID(occ["occurrence_id"]),
    )
    # Arrival order is the order the occurrence's lock was taken: the first 12 hold the seats,
    # and the waitlist positions follow arrival.
    assert [r["status"] for r in rows] == ["confirmed"] * 12 + ["waitlisted"] * 38
    by_id = {b["id"]: b for b in bodies}
    assert [by_id[str(r["id"])]["position"] for r in rows[12:]] == list(range(1, 39))
    seats = await db.fetchval(
        "SELECT confirmed FROM occurrence WHERE id = $1", uuid.UUID(occ["occurrence_id"])
    )
    assert seats == 12

    # Three cancellations (concurrently) promote the first three on the waitlist.
    first_three = [str(r["id"]) for r in rows[12:15]]
    cancelled = await asyncio.gather(
        *(
            client.post(f"/registrations/{b['id']}/cancel", json={}, headers=staff)
            for b in confirmed[:3]
        )
    )
    assert all(r.status_code == 200 for r in cancelled), cancelled[0].text
    after = await db.fetch(
        "SELECT id, status FROM registration WHERE occurrence_id = $1 ORDER BY arrival",
        uuid.UUID(occ["occurrence_id"]),
    )
    statuses = {str(r["id"]): r["status"] for r in after}
    assert [statuses[i] for i in first_three] == ["confirmed"] * 3
    assert sum(s == "confirmed" for s in statuses.values()) == 12
    assert sum(s == "waitlisted" for s in statuses.values()) == 35
    r = await client.get(url, headers=staff)
    waiting = [i for i in r.json()["items"] if i["status"] == "waitlisted"]
    assert [i["position"] for i in waiting] == list(range(1, 36))
    assert waiting[0]["id"] == str(rows[15]["id"])


async def test_a_person_holds_one_registration_per_occurrence(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    series = await new_series(client, staff, capacity=2)
    occ = await first_occurrence(client, series["id"])
    url = f"/occurrences/{occ['occurrence_id']}/registrations"
    pid = str(uuid.uuid4())
    me = auth(token("participant", subject=pid))
    results = await asyncio.gather(*(client.post(url, json={}, headers=me) for _ in range(5)))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409, 409]
    conflict = next(r for r in results if r.status_code == 409)
    assert conflict.headers["content-type"].startswith(PROBLEM_JSON)
    # The same guest e-mail (in another case) is the same person.
    body = guest("x")
    assert (await client.post(url, json=body)).status_code == 201
    body["guest"]["email"] = body["guest"]["email"].upper()
    r = await client.post(url, json=body)
    assert r.status_code == 409, r.text
    assert body["guest"]["email"].lower() not in r.text.lower()


async def test_participants_register_and_cancel_only_themselves(
    client: httpx.AsyncClient, staff: dict[str, str], token: Callable[..., str]
) -> None:
    series = await new_series(client, staff, capacity=1)
    occ = await first_occurrence(client, series["id"])
    url = f"/occurrences/{occ['occurrence_id']}/registrations"
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    mine = auth(token("participant", subject=me))
    r = await client.post(url, json={"participant_id": other}, headers=mine)
    assert r.status_code == 403
    r = await client.post(url, json={}, headers=mine)
    assert r.status_code == 201
    reg = r.json()
    assert reg["participant_id"] == me
    assert reg["status"] == "confirmed"
    assert reg["cancel_token"] is None
    r = await client.post(url, json={}, headers=auth(token("participant", subject=other)))
    assert r.json()["status"] == "waitlisted"
    waiting = r.json()
    # Someone else may not cancel it; its owner may; the waitlisted one is promoted.
    r = await client.post(
        f"/registrations/{reg['id']}/cancel",
        json={},
        headers=auth(token("participant", subject=other)),
    )
    assert r.status_code == 403
    r = await client.post(f"/registrations/{reg['id']}/cancel", json={}, headers=mine)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    r = await client.get(f"/participants/{other}/registrations", headers=staff)
    assert [(i["id"], i["status"]) for i in r.json()["items"]] == [(waiting["id"], "confirmed")]
    # Employers do not register; participants cannot read staff lists.
    r = await client.post(url, json=guest(1), headers=auth(token("employer")))
    assert r.status_code == 403
    r = await client.get(url, headers=mine)
    assert r.status_code == 403


async def test_a_guest_cancels_with_their_token(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await new_series(client, staff, capacity=5)
    occ = await first_occurrence(client, series["id"])
    r = await client.post(
        f"/occurrences/{occ['occurrence_id']}/registrations",
        json={"guest": {"name": "Matti", "phone": "+358401112233", "language": "sv"}},
    )
    assert r.status_code == 201, r.text
    reg = r.json()
    assert reg["cancel_token"]
    r = await client.post(f"/registrations/{reg['id']}/cancel", json={"cancel_token": "nope"})
    assert r.status_code == 403
    r = await client.post(
        f"/registrations/{reg['id']}/cancel", json={"cancel_token": reg["cancel_token"]}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    # Twice is the same as once.
    r = await client.post(
        f"/registrations/{reg['id']}/cancel", json={"cancel_token": reg["cancel_token"]}
    )
    assert r.status_code == 200


async def test_a_guest_phone_is_normalised_as_people_write_it(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    """`040 123 4567` is a Finnish mobile number: stored as +358401234567 (as the participants
    service stores numbers); a number that cannot be anyone's is refused without echoing it."""
    series = await new_series(client, staff, capacity=5)
    occ = await first_occurrence(client, series["id"])
    url = f"/occurrences/{occ['occurrence_id']}/registrations"
    r = await client.post(url, json={"guest": {"name": "Liisa", "phone": "040 123 4567"}})
    assert r.status_code == 201, r.text
    stored = await db.fetchval("SELECT guest_phone FROM registration WHERE id = $1", r.json()["id"])
    assert stored == "+358401234567"
    r = await client.post(url, json={"guest": {"name": "Liisa", "phone": "+358 40 123 4567"}})
    assert r.status_code == 409  # the same person: the same normalised number
    for bad in ("040 12", "call me", "+999 123"):
        r = await client.post(url, json={"guest": {"name": "X", "phone": bad}})
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["loc"][-1] == "phone"
        assert bad not in r.text


async def test_bookable_slots_hold_one_person_each(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await new_series(
        client,
        staff,
        category="counselling_hours",
        start_time="12:00",
        end_time="15:00",
        capacity=None,
        slots={"minutes": 20, "start": "12:00", "end": "13:00"},
    )
    occ = await first_occurrence(client, series["id"])
    assert occ["slots"] == 3
    r = await client.get(f"/occurrences/{occ['occurrence_id']}")
    free = r.json()["free_slots"]
    assert [s["local_start"] for s in free] == ["12:00", "12:20", "12:40"]
    url = f"/occurrences/{occ['occurrence_id']}/registrations"
    r = await client.post(url, json=guest(1))
    assert r.status_code == 422  # a slot must be chosen
    slot = free[1]["starts_at"]
    results = await asyncio.gather(
        *(client.post(url, json={**guest(i), "slot_start": slot}) for i in range(4))
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    # A naive local time names the same slot.
    local = occ["date"] + "T12:40:00"
    r = await client.post(url, json={**guest("local"), "slot_start": local})
    assert r.status_code == 201, r.text
    assert datetime.fromisoformat(r.json()["slot_start"]) == datetime.fromisoformat(
        free[2]["starts_at"]
    )
    r = await client.post(url, json={**guest("off"), "slot_start": occ["date"] + "T12:10:00"})
    assert r.status_code == 422
    r = await client.get(f"/occurrences/{occ['occurrence_id']}")
    assert [s["local_start"] for s in r.json()["free_slots"]] == ["12:00"]


async def test_public_views_hold_no_personal_data(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    series = await new_series(client, staff, capacity=3)
    occ = await first_occurrence(client, series["id"])
    body = guest("secret")
    r = await client.post(f"/occurrences/{occ['occurrence_id']}/registrations", json=body)
    assert r.status_code == 201
    month = occ["date"][:7]
    for path in (
        f"/occurrences/{occ['occurrence_id']}",
        f"/programme/{month}",
        f"/programme/{month}?format=html",
        "/programme.ics",
        f"/series/{series['id']}/occurrences",
    ):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert body["guest"]["email"] not in r.text
        assert "Guest secret" not in r.text
    r = await client.get(f"/occurrences/{occ['occurrence_id']}")
    assert r.json()["seats_left"] == 2
    # When registration opens and closes, so that a page can say so before anyone tries.
    opens = datetime.fromisoformat(r.json()["registration_opens_at"])
    closes = datetime.fromisoformat(r.json()["registration_closes_at"])
    assert opens < closes == datetime.fromisoformat(r.json()["starts_at"])
    r = await client.get(f"/occurrences/{occ['occurrence_id']}/registrations")
    assert r.status_code == 401
    listed = (
        await client.get(f"/occurrences/{occ['occurrence_id']}/registrations", headers=staff)
    ).json()
    assert json.dumps(listed).count(body["guest"]["email"]) == 1
