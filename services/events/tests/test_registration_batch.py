"""Registrations that arrive together are made in one transaction per occurrence
(handlers/registration_queue.py), on the real database: never more confirmed than seats, the
waitlist in arrival order, duplicates refused (also within one batch), an erased participant
refused alone, exactly one outbox event per registration, and a batch that fails as a whole
retried one by one. The relay is off here, so that the outbox rows stay to be counted."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import auth
from voimala_scheduling.handlers import batcher, registration_queue
from voimala_scheduling.settings import Settings

from .conftest import first_occurrence, guest, new_series


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    # A reminder is due a day ahead: the occurrences start tomorrow, so from midday on their
    # reminders would be due at once and the scheduler would add reminder.due.v1 to the outbox
    # rows these tests count. An hour ahead, none is due while they run.
    return await service_settings(
        Settings,
        scheduler_poll_seconds=0.3,
        db_pool_max=20,
        run_relay=False,
        reminder_lead_hours=1.0,
        registration_lanes=2,  # the lanes are tested side by side (deployments run one)
    )


async def _occurrence(client: httpx.AsyncClient, staff: dict[str, str], seats: int) -> str:
    series = await new_series(client, staff, capacity=seats)
    occ: str = (await first_occurrence(client, series["id"]))["occurrence_id"]
    return occ


async def _events(db: asyncpg.Connection, occurrence_id: str) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT payload FROM outbox WHERE key = $1", occurrence_id)
    return [json.loads(bytes(r["payload"])) for r in rows]


async def test_many_at_once_never_overbook_and_keep_arrival_order(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    occ = await _occurrence(client, staff, seats=30)
    url = f"/occurrences/{occ}/registrations"

    results = await asyncio.gather(*(client.post(url, json=guest(i)) for i in range(150)))

    assert all(r.status_code == 201 for r in results), [r.text for r in results][:3]
    bodies = {r.json()["id"]: r.json() for r in results}
    rows = await db.fetch(
        "SELECT id, status, arrival, created_at FROM registration WHERE occurrence_id = $1 "
        "ORDER BY arrival",
        uuid.UUID(occ),
    )
    assert [r["status"] for r in rows] == ["confirmed"] * 30 + ["waitlisted"] * 120
    assert [bodies[str(r["id"])]["status"] for r in rows] == [r["status"] for r in rows]
    assert [bodies[str(r["id"])]["position"] for r in rows[30:]] == list(range(1, 121))
    confirmed = await db.fetchval("SELECT confirmed FROM occurrence WHERE id = $1", uuid.UUID(occ))
    assert confirmed == 30
    # They were made in batches (one transaction's rows share its start time), not one by one.
    assert len({r["created_at"] for r in rows}) < len(rows)
    # One event per registration, each once: confirmed for the seats, waitlisted after.
    events = await _events(db, occ)
    by_registration: dict[str, list[str]] = {}
    for e in events:
        by_registration.setdefault(e["data"]["registration_id"], []).append(e["type"])
    assert sorted(by_registration) == sorted(bodies)
    kinds = [by_registration[str(r["id"])] for r in rows]
    assert kinds[:30] == [["registration.confirmed.v1"]] * 30
    assert kinds[30:] == [["registration.waitlisted.v1"]] * 120
    positions = {e["data"]["registration_id"]: e["data"].get("position") for e in events}
    assert [positions[str(r["id"])] for r in rows[30:]] == list(range(1, 121))


async def test_the_same_person_twice_in_one_batch_is_registered_once(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    occ = await _occurrence(client, staff, seats=5)
    url = f"/occurrences/{occ}/registrations"
    same = guest("twin")
    others = [guest(i) for i in range(10)]

    results = await asyncio.gather(*(client.post(url, json=b) for b in [same] * 4 + others))

    twins = results[:4]
    assert sorted(r.status_code for r in twins) == [201, 409, 409, 409]
    made = next(r.json() for r in twins if r.status_code == 201)
    for r in twins:
        if r.status_code == 409:
            assert r.json()["existing_registration_id"] == made["id"]
    assert all(r.status_code == 201 for r in results[4:])
    count = await db.fetchval(
        "SELECT count(*) FROM registration WHERE occurrence_id = $1", uuid.UUID(occ)
    )
    assert count == 11
    assert len(await _events(db, occ)) == 11


async def test_an_erased_participant_is_refused_alone(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    db: asyncpg.Connection,
    token: Callable[..., str],
) -> None:
    occ = await _occurrence(client, staff, seats=10)
    url = f"/occurrences/{occ}/registrations"
    erased, fine = uuid.uuid4(), [uuid.uuid4() for _ in range(6)]
    await db.execute(
        "INSERT INTO erased_participants (participant_id, erasure_id, erased_at) "
        "VALUES ($1, $2, now())",
        erased,
        uuid.uuid4(),
    )
    callers = [erased, *fine]

    results = await asyncio.gather(
        *(client.post(url, json={}, headers=auth(token("participant", str(p)))) for p in callers)
    )

    assert results[0].status_code == 409, results[0].text
    assert results[0].json()["title"] == "Participant erased"
    assert all(r.status_code == 201 for r in results[1:]), [r.text for r in results[1:]]
    held = await db.fetch(
        "SELECT participant_id FROM registration WHERE occurrence_id = $1", uuid.UUID(occ)
    )
    assert {r["participant_id"] for r in held} == set(fine)
    audited = await db.fetch(
        "SELECT participant_id FROM audit_log WHERE action = 'registration.created' "
        "AND participant_id = ANY($1::uuid[])",
        callers,
    )
    assert sorted(r["participant_id"] for r in audited) == sorted(fine)


async def test_a_batch_that_fails_is_tried_again_one_by_one(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    db: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    occ = await _occurrence(client, staff, seats=3)
    url = f"/occurrences/{occ}/registrations"
    real = registration_queue.register_many
    failed: list[int] = []

    async def fails_once(*args: Any) -> Any:
        if not failed:
            failed.append(len(args[2]))
            await real(*args)  # written, then rolled back by the failure
            raise RuntimeError("a batch failing as a whole")
        return await real(*args)

    monkeypatch.setattr(registration_queue, "register_many", fails_once)

    results = await asyncio.gather(*(client.post(url, json=guest(i)) for i in range(8)))

    assert failed
    assert all(r.status_code == 201 for r in results), [r.text for r in results][:3]
    statuses = sorted(r.json()["status"] for r in results)
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 5
    rows = await db.fetch("SELECT id FROM registration WHERE occurrence_id = $1", uuid.UUID(occ))
    assert sorted(str(r["id"]) for r in rows) == sorted(r.json()["id"] for r in results)
    assert await db.fetchval("SELECT confirmed FROM occurrence WHERE id = $1", uuid.UUID(occ)) == 3
    assert len(await _events(db, occ)) == 8


async def test_one_batch_takes_several_occurrences_each_with_its_own_seats(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    occs = [await _occurrence(client, staff, seats=seats) for seats in (2, 5, 0)]
    asked = [(occs[i % 3], i) for i in range(60)]

    results = await asyncio.gather(
        *(client.post(f"/occurrences/{o}/registrations", json=guest(i)) for o, i in asked)
    )

    assert all(r.status_code == 201 for r in results), [r.text for r in results][:3]
    bodies = {r.json()["id"]: r.json() for r in results}
    started: dict[str, set[Any]] = {}
    for occ, seats in zip(occs, (2, 5, 0), strict=True):
        rows = await db.fetch(
            "SELECT id, status, created_at FROM registration WHERE occurrence_id = $1 "
            "ORDER BY arrival",
            uuid.UUID(occ),
        )
        assert len(rows) == 20
        assert [r["status"] for r in rows] == ["confirmed"] * seats + ["waitlisted"] * (20 - seats)
        assert [bodies[str(r["id"])]["position"] for r in rows[seats:]] == list(
            range(1, 21 - seats)
        )
        counted = await db.fetchval(
            "SELECT confirmed FROM occurrence WHERE id = $1", uuid.UUID(occ)
        )
        assert counted == seats
        started[occ] = {r["created_at"] for r in rows}
        assert len(await _events(db, occ)) == 20
    # Some transaction registered people for more than one of the occurrences (three
    # occurrences, fewer lanes: two of them share one).
    assert any(started[a] & started[b] for a, b in itertools.combinations(occs, 2))


class _Lanes:
    """What each batch of the process ran: its lane, and that no batch in flight at the same
    time held any of its occurrences."""

    def __init__(self) -> None:
        self.in_flight: dict[int, set[uuid.UUID]] = {}
        self.lanes: set[int] = set()
        self.side_by_side = 0
        self.clashes: list[set[uuid.UUID]] = []
        self.came: dict[uuid.UUID, list[str]] = {}

    async def run(self, real: Any, db: Any, deps: Any, asks: list[Any]) -> Any:
        occs = {a.cmd.occurrence_id for a in asks}
        lanes = {deps.registrar.lane(o) for o in occs}
        assert len(lanes) == 1, lanes  # one batch: one lane
        for held in self.in_flight.values():
            if held & occs:
                self.clashes.append(held & occs)
        me = id(asks)
        self.in_flight[me] = occs
        self.lanes |= lanes
        self.side_by_side = max(self.side_by_side, len(self.in_flight))
        try:
            return await real(db, deps, asks)
        finally:
            del self.in_flight[me]


async def test_many_occurrences_at_once_spread_over_the_lanes_side_by_side(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    db: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An odd number of occurrences: arriving round robin, one occurrence's requests meet
    # both lanes' turns (an occurrence sent to whichever lane is free would be in both).
    seats = (3, 0, 7, 1, 12, 4, 2)
    occs = [await _occurrence(client, staff, seats=n) for n in seats]
    seen = _Lanes()
    real_run, real_submit = registration_queue._run, batcher.Batcher.submit

    async def run(db_: Any, deps: Any, asks: list[Any]) -> Any:
        return await seen.run(real_run, db_, deps, asks)

    async def submit(self: Any, key: Any, item: Any, run_: Any) -> Any:
        seen.came.setdefault(key, []).append(item.cmd.guest.email)  # the order they came
        return await real_submit(self, key, item, run_)

    monkeypatch.setattr(registration_queue, "_run", run)
    monkeypatch.setattr(batcher.Batcher, "submit", submit)
    asked = [(occs[i % len(occs)], i) for i in range(30 * len(occs))]

    results = await asyncio.gather(
        *(client.post(f"/occurrences/{o}/registrations", json=guest(i)) for o, i in asked)
    )

    assert all(r.status_code == 201 for r in results), [r.text for r in results][:3]
    # Every lane had batches, two ran at once, and never two at once for one occurrence.
    assert seen.lanes == {0, 1}
    assert seen.side_by_side >= 2
    assert seen.clashes == []
    bodies = {r.json()["id"]: r.json() for r in results}
    for occ, n in zip(occs, seats, strict=True):
        rows = await db.fetch(
            "SELECT id, status, guest_email FROM registration WHERE occurrence_id = $1 "
            "ORDER BY arrival",
            uuid.UUID(occ),
        )
        assert len(rows) == 30
        # Registered in the order they came, the seats first, then the waitlist in order.
        assert [r["guest_email"] for r in rows] == seen.came[uuid.UUID(occ)]
        assert [r["status"] for r in rows] == ["confirmed"] * n + ["waitlisted"] * (30 - n)
        assert [bodies[str(r["id"])]["position"] for r in rows[n:]] == list(range(1, 31 - n))
        counted = await db.fetchval("SELECT confirmed FROM occurrence WHERE id = $1", occ)
        assert counted == n
        # Exactly one event per registration, of its kind.
        kinds: dict[str, list[str]] = {}
        for e in await _events(db, occ):
            kinds.setdefault(e["data"]["registration_id"], []).append(e["type"])
        assert sorted(kinds) == sorted(str(r["id"]) for r in rows)
        assert [kinds[str(r["id"])] for r in rows] == [["registration.confirmed.v1"]] * n + [
            ["registration.waitlisted.v1"]
        ] * (30 - n)
