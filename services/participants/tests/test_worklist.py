"""The counsellor's worklist: two no-shows in a row, a month without activity (the kit clock
moved), staff closing items with a note, the audit, the access export and the erasure."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from voimala_contracts import new_event
from voimala_contracts.scheduling import AttendanceRecorded, AttendanceStatus, OccurrenceInfo, Texts
from voimala_kit.clock import SetClock
from voimala_kit.testing import auth, running_app, wait_for
from voimala_participants.bootstrap import bootstrap
from voimala_participants.domain.worklist import missed_in_a_row
from voimala_participants.handlers.worklist import notice_inactive
from voimala_participants.settings import Settings

from .conftest import person, problem

CLOCK = SetClock(datetime.now(UTC))
#: A new consumer group reads the shared topics from their first offset: it takes a while.
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
    CLOCK.at = datetime.now(UTC)


@pytest.fixture
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("counsellor", subject="counsellor-7"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    r = await client.post("/participants", json=person(), headers=headers)
    assert r.status_code == 201, r.text
    pid: str = r.json()["id"]
    return pid


def _occurrence(days_ago: float, series: uuid.UUID | None = None) -> OccurrenceInfo:
    starts = datetime.now(UTC) - timedelta(days=days_ago)
    return OccurrenceInfo(
        occurrence_id=uuid.uuid4(),
        series_id=series or uuid.uuid4(),
        category="workshop",
        title=Texts(fi="Työnhakupaja"),
        location=Texts(fi="Salon pääkirjasto"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        local_start="2026-01-01T10:00",
        local_end="2026-01-01T12:00",
    )


async def _attendance(
    kafka_bootstrap: str, pid: str, status: AttendanceStatus, days_ago: float
) -> None:
    data = AttendanceRecorded(
        attendance_id=uuid.uuid4(),
        occurrence=_occurrence(days_ago),
        participant_id=uuid.UUID(pid),
        status=status,
        recorded_at=datetime.now(UTC),
    )
    subject = str(data.occurrence.occurrence_id)
    event = new_event(data, service="events", subject=subject)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(data.TOPIC, event.to_json(), key=subject.encode())
    finally:
        await producer.stop()


async def _path_has(db: asyncpg.Connection, pid: str, kind: str, count: int) -> None:
    async def there() -> bool:
        found = await db.fetchval(
            "SELECT count(*) FROM timeline_entry WHERE participant_id = $1 AND kind = $2",
            uuid.UUID(pid),
            kind,
        )
        return bool(found >= count)

    await wait_for(there, timeout=CATCH_UP)


async def _items(db: asyncpg.Connection, pid: str, reason: str) -> list[Any]:
    return list(
        await db.fetch(
            "SELECT * FROM worklist_item WHERE participant_id = $1 AND reason = $2",
            uuid.UUID(pid),
            reason,
        )
    )


def test_only_the_latest_records_count() -> None:
    assert missed_in_a_row(["activity.no_show", "activity.no_show"], 2)
    assert not missed_in_a_row(["activity.no_show", "activity.attended"], 2)
    assert not missed_in_a_row(["activity.no_show"], 2)
    assert not missed_in_a_row(["activity.no_show", "activity.no_show"], 0)


async def test_the_second_no_show_in_a_row_puts_one_item_on_the_worklist(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection, kafka_bootstrap: str
) -> None:
    pid = await _register(client, staff)
    # Each record once the one before is on the path, as days apart they would be: records of
    # different occurrences travel on different partitions and may otherwise overtake.
    await _attendance(kafka_bootstrap, pid, "no_show", days_ago=9)
    await _path_has(db, pid, "activity.no_show", 1)
    await _attendance(kafka_bootstrap, pid, "attended", days_ago=6)
    await _path_has(db, pid, "activity.attended", 1)
    await _attendance(kafka_bootstrap, pid, "no_show", days_ago=3)
    await _path_has(db, pid, "activity.no_show", 2)
    # no-show, attended, no-show: never two in a row
    assert await _items(db, pid, "no_shows_in_a_row") == []

    await _attendance(kafka_bootstrap, pid, "no_show", days_ago=1)
    await _path_has(db, pid, "activity.no_show", 3)
    [item] = await _items(db, pid, "no_shows_in_a_row")
    assert item["status"] == "open"

    # a third in a row adds nothing while the item is open
    await _attendance(kafka_bootstrap, pid, "no_show", days_ago=0.5)
    await _path_has(db, pid, "activity.no_show", 4)
    assert len(await _items(db, pid, "no_shows_in_a_row")) == 1

    listed = await _listed(client, staff, "open")
    mine = [i for i in listed if i["participant_id"] == pid]
    assert [i["reason"] for i in mine] == ["no_shows_in_a_row"]
    assert mine[0]["created_at"]
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE participant_id = $1 AND action = 'read_worklist'",
        uuid.UUID(pid),
    )
    assert audited >= 1


async def _listed(
    client: httpx.AsyncClient, headers: dict[str, str], status: str
) -> list[dict[str, Any]]:
    """Every item of a status, page by page (cursor pagination)."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"status": status, "limit": "2", **({"cursor": cursor} if cursor else {})}
        r = await client.get("/worklist", params=params, headers=headers)
        assert r.status_code == 200, r.text
        found += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return found


async def test_thirty_days_without_activity_is_one_item_and_closing_it_is_on_the_path(
    app: tuple[FastAPI, httpx.AsyncClient],
    staff: dict[str, str],
    db: asyncpg.Connection,
    token: Callable[..., str],
) -> None:
    service, client = app
    platform = service.state.platform
    pid = await _register(client, staff)

    CLOCK.at = datetime.now(UTC) + timedelta(days=29)
    async with platform.db.transaction() as conn:
        await notice_inactive(platform.deps, conn)
    assert await _items(db, pid, "inactive") == []

    CLOCK.at = datetime.now(UTC) + timedelta(days=31)
    for _ in range(2):  # a second sweep adds nothing
        async with platform.db.transaction() as conn:
            await notice_inactive(platform.deps, conn)
    [item] = await _items(db, pid, "inactive")

    item_id = str(item["id"])
    r = await client.post(f"/worklist/{item_id}/done", json={"note": "Soitettu"}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done"
    assert r.json()["note"] == "Soitettu"
    assert r.json()["closed_by"] == "counsellor-7"
    again = await client.post(f"/worklist/{item_id}/dismiss", json={}, headers=staff)
    problem(again, 409)
    problem(await client.post(f"/worklist/{uuid.uuid4()}/done", json={}, headers=staff), 404)
    assert item_id in [i["id"] for i in await _listed(client, staff, "done")]

    kinds = [
        e["kind"]
        for e in (await client.get(f"/participants/{pid}/timeline", headers=staff)).json()["items"]
    ]
    assert "worklist.done" in kinds
    # the close is activity: a sweep the same day adds nothing
    async with platform.db.transaction() as conn:
        await notice_inactive(platform.deps, conn)
    assert len(await _items(db, pid, "inactive")) == 1

    own = auth(token("participant", subject=pid))
    problem(await client.get("/worklist", headers=own), 403)
    problem(await client.get("/worklist", headers=auth(token("employer"))), 403)


async def test_the_worklist_is_in_the_access_export_and_gone_after_an_erasure(
    app: tuple[FastAPI, httpx.AsyncClient],
    staff: dict[str, str],
    db: asyncpg.Connection,
    token: Callable[..., str],
) -> None:
    service, client = app
    platform = service.state.platform
    coordinator = auth(token("coordinator", subject="coordinator-1"))
    pid = await _register(client, staff)
    CLOCK.at = datetime.now(UTC) + timedelta(days=31)
    async with platform.db.transaction() as conn:
        await notice_inactive(platform.deps, conn)
    [item] = await _items(db, pid, "inactive")
    r = await client.post(
        f"/worklist/{item['id']}/dismiss", json={"note": "Muuttanut"}, headers=staff
    )
    assert r.status_code == 200, r.text

    r = await client.post(f"/participants/{pid}/access-requests", headers=coordinator)
    assert r.status_code == 202, r.text
    request = (await client.get(r.headers["Location"], headers=coordinator)).json()
    assert request["request_id"]
    own = await db.fetchval(
        "SELECT export::text FROM access_request WHERE id = $1",
        uuid.UUID(request["request_id"]),
    )
    assert "Muuttanut" in own

    r = await client.post(
        f"/participants/{pid}/erasure", json={"reason": "request"}, headers=coordinator
    )
    assert r.status_code == 202, r.text
    assert await _items(db, pid, "inactive") == []
    counts = (await client.get(r.headers["Location"], headers=coordinator)).json()
    participants_part = next(s for s in counts["services"] if s["service"] == "participants")
    assert participants_part["counts"]["worklist"] == 1
