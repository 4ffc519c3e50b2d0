"""GET /reports/attendance on real PostgreSQL: a known February and March 2025 (registrations,
a waiting list, check-ins, walk-ins, no-shows, a cancelled date, a slot-booked date, a drop-in
date, dates either side of midnight at a month's turn in Helsinki) give exact counts per month,
per series and for the period; counts only, no person in it; the same past report whenever
asked; staff only."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.clock import HELSINKI
from voimala_kit.testing import auth, running_app
from voimala_scheduling.bootstrap import bootstrap
from voimala_scheduling.settings import Settings

from .conftest import CLOCK

P1, P2, P3, P4 = (uuid.uuid4() for _ in range(4))
GUEST = "g:guest-one"
TITLES = {
    "cafe": {"fi": "Kielikahvila", "sv": "Språkcafé", "en": "Language café"},
    "slots": {"fi": "Työnhakupaja", "sv": "Jobbsökarverkstad", "en": "Job search clinic"},
    "drop": {"fi": "Avoimet ovet", "sv": "Öppet hus", "en": "Open doors"},
}


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    """No scheduler: the dates below are written as closed, and nothing else may add to them."""
    return await service_settings(Settings, run_scheduler=False)


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings, CLOCK)) as c:
        yield c


def _at(day: str, hm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=HELSINKI)


async def _series(db: asyncpg.Connection, key: str, **extra: Any) -> uuid.UUID:
    sid = uuid.uuid4()
    await db.execute(
        """
        INSERT INTO series (id, category, title, description, location, audience, capacity,
            rrule, first_date, start_time, end_time, slot_minutes, slots_from, slots_until,
            created_by)
        VALUES ($1, 'language_cafe', $2::jsonb, '{"fi": "-"}', '{"fi": "Kirjasto"}', 'everyone',
            $3, 'FREQ=WEEKLY;COUNT=1', '2025-02-01', '10:00', '12:00', $4, $5, $6, 'test')
        """,
        sid,
        json.dumps(TITLES[key]),
        extra.get("capacity"),
        extra.get("slot_minutes"),
        extra.get("slots_from"),
        extra.get("slots_until"),
    )
    return sid


async def _date(
    db: asyncpg.Connection,
    series_id: uuid.UUID,
    starts: datetime,
    *,
    capacity: int | None = None,
    status: str = "scheduled",
) -> uuid.UUID:
    oid = uuid.uuid4()
    ends = starts + timedelta(minutes=90)
    await db.execute(
        """
        INSERT INTO occurrence (id, series_id, rule_date, starts_at, ends_at, capacity, status,
            attendance_closed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $5 < now() THEN $5 END)
        """,
        oid,
        series_id,
        starts.date(),
        starts,
        ends,
        capacity,
        status,
    )
    return oid


async def _person(
    db: asyncpg.Connection,
    oid: uuid.UUID,
    who: uuid.UUID | str | None,
    registration: str | None,
    came: str | None,
) -> None:
    """A registration (confirmed, waitlisted, cancelled or none) and what happened at the door
    (attended, no_show or none); no registration and attended is a walk-in."""
    pid = who if isinstance(who, uuid.UUID) else None
    key = f"p:{who}" if pid else who
    reg_id = None
    if registration is not None:
        reg_id = uuid.uuid4()
        await db.execute(
            """
            INSERT INTO registration (id, occurrence_id, participant_id, guest_name, person_key,
                status)
            VALUES ($1, $2, $3, $4, $5, $6)
            """,
            reg_id,
            oid,
            pid,
            None if pid else "Guest",
            key,
            registration,
        )
    if came is not None:
        await db.execute(
            """
            INSERT INTO attendance (id, occurrence_id, registration_id, participant_id,
                person_key, status, walk_in, recorded_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')
            """,
            uuid.uuid4(),
            oid,
            reg_id if registration == "confirmed" else None,
            pid,
            key,
            came,
            registration != "confirmed",
        )


@pytest.fixture(scope="module")
async def known(db: asyncpg.Connection) -> dict[str, uuid.UUID]:
    cafe = await _series(db, "cafe", capacity=10)
    slots = await _series(db, "slots", slot_minutes=30, slots_from=time(10), slots_until=time(12))
    drop = await _series(db, "drop")
    a1 = await _date(db, cafe, _at("2025-02-10", "14:00"))
    for who, reg, came in (
        (P1, "confirmed", "attended"),
        (P2, "confirmed", "no_show"),
        (GUEST, "confirmed", "attended"),
        (P3, "waitlisted", None),
        (None, None, "attended"),  # an anonymous walk-in
        (P4, "cancelled", None),
    ):
        await _person(db, a1, who, reg, came)
    a2 = await _date(db, cafe, _at("2025-02-17", "14:00"), capacity=8)
    for who, reg, came in ((P1, "confirmed", "attended"), (P2, "confirmed", "attended")):
        await _person(db, a2, who, reg, came)
    await _person(db, a2, P3, None, "attended")  # a participant walking in
    a3 = await _date(db, cafe, _at("2025-02-24", "14:00"), status="cancelled")
    await _person(db, a3, P1, "cancelled", None)
    b1 = await _date(db, slots, _at("2025-02-12", "10:00"))
    await _person(db, b1, P2, "confirmed", "attended")
    await _person(db, b1, GUEST, "confirmed", "no_show")
    # Either side of midnight as February turns to March in Helsinki (21:30 and 22:30 UTC).
    await _person(
        db, await _date(db, cafe, _at("2025-02-28", "23:30")), P1, "confirmed", "attended"
    )
    await _person(
        db, await _date(db, cafe, _at("2025-03-01", "00:30")), P3, "confirmed", "attended"
    )
    a4 = await _date(db, cafe, _at("2025-03-03", "14:00"))
    await _person(db, a4, P1, "confirmed", "no_show")
    await _person(db, a4, P2, "confirmed", "attended")
    c1 = await _date(db, drop, _at("2025-03-05", "12:00"))
    for who in (P1, P2, None):
        await _person(db, c1, who, None, "attended")
    # April is outside the period.
    april = await _date(db, cafe, _at("2025-04-01", "00:30"))
    await _person(db, april, P4, "confirmed", "attended")
    return {"cafe": cafe, "slots": slots, "drop": drop, "april": april}


FEBRUARY = {
    "occurrences_held": 4,
    "occurrences_cancelled": 1,
    "occurrences_upcoming": 0,
    "places_offered": 10 + 8 + 4 + 10,
    "held_without_place_limit": 0,
    "registrations": 8,
    "waitlisted": 1,
    "attended": 8,
    "attended_registered": 6,
    "walk_ins": 2,
    "no_shows": 2,
    "attendance_rate": 0.75,
    "unique_attendees": 5,
}
MARCH = {
    "occurrences_held": 3,
    "occurrences_cancelled": 0,
    "occurrences_upcoming": 0,
    "places_offered": 20,
    "held_without_place_limit": 1,
    "registrations": 3,
    "waitlisted": 0,
    "attended": 5,
    "attended_registered": 2,
    "walk_ins": 3,
    "no_shows": 1,
    "attendance_rate": 0.667,
    "unique_attendees": 4,
}
TOTAL = {
    "occurrences_held": 7,
    "occurrences_cancelled": 1,
    "occurrences_upcoming": 0,
    "places_offered": 52,
    "held_without_place_limit": 1,
    "registrations": 11,
    "waitlisted": 1,
    "attended": 13,
    "attended_registered": 8,
    "walk_ins": 5,
    "no_shows": 3,
    "attendance_rate": 0.727,
    "unique_attendees": 6,
}
CAFE = {
    "occurrences_held": 5,
    "occurrences_cancelled": 1,
    "occurrences_upcoming": 0,
    "places_offered": 48,
    "held_without_place_limit": 0,
    "registrations": 9,
    "waitlisted": 1,
    "attended": 9,
    "attended_registered": 7,
    "walk_ins": 2,
    "no_shows": 2,
    "attendance_rate": 0.778,
    "unique_attendees": 5,
}


def _figures(part: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in part.items() if k not in ("series", "month")}


async def _report(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> httpx.Response:
    return await client.get("/reports/attendance", params=params, headers=headers)


async def test_a_known_period_counts_exactly(
    client: httpx.AsyncClient, staff: dict[str, str], known: dict[str, uuid.UUID]
) -> None:
    r = await _report(client, staff, **{"from": "2025-02-01", "to": "2025-03-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == ("2025-02-01", "2025-03-31")
    assert [m["month"] for m in body["months"]] == ["2025-02", "2025-03"]
    feb, mar = body["months"]
    assert _figures(feb) == FEBRUARY
    assert _figures(mar) == MARCH
    assert _figures(body["total"]) == TOTAL
    # By series, in the order of their Finnish titles.
    series = body["total"]["series"]
    assert [s["title"]["fi"] for s in series] == ["Avoimet ovet", "Kielikahvila", "Työnhakupaja"]
    drop, cafe, slots = series
    assert _figures(cafe) == {**CAFE, "series_id": str(known["cafe"]), "title": TITLES["cafe"]}
    assert (slots["occurrences_held"], slots["places_offered"], slots["attendance_rate"]) == (
        1,
        4,
        0.5,
    )
    assert (drop["held_without_place_limit"], drop["walk_ins"], drop["unique_attendees"]) == (
        1,
        3,
        3,
    )
    assert drop["attendance_rate"] is None
    assert [s["unique_attendees"] for s in mar["series"]] == [3, 2]
    # Counts only: no participant, no person key.
    for secret in (P1, P2, P3, P4, GUEST, "p:"):
        assert str(secret) not in r.text


async def test_a_month_alone_and_a_past_report_stays_the_same(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    known: dict[str, uuid.UUID],
    db: asyncpg.Connection,
) -> None:
    r = await _report(client, staff, month="2025-02")
    assert r.status_code == 200, r.text
    assert (r.json()["from"], r.json()["to"]) == ("2025-02-01", "2025-02-28")
    assert [m["month"] for m in r.json()["months"]] == ["2025-02"]
    assert _figures(r.json()["total"]) == FEBRUARY
    # Something recorded later in another month changes nothing in February, byte for byte.
    await _person(db, known["april"], P2, None, "attended")
    again = await _report(client, staff, month="2025-02")
    assert again.content == r.content
    april = (await _report(client, staff, month="2025-04")).json()["total"]
    assert (april["attended"], april["walk_ins"], april["unique_attendees"]) == (2, 1, 2)


async def test_a_date_not_yet_over_is_upcoming_not_held(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    known: dict[str, uuid.UUID],
    db: asyncpg.Connection,
) -> None:
    today = CLOCK.today()
    starts = datetime.combine(today + timedelta(days=1), datetime.min.time(), HELSINKI)
    oid = await _date(db, known["drop"], starts.replace(hour=10))
    await _person(db, oid, P1, "confirmed", None)
    r = await _report(
        client, staff, **{"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    )
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert (total["occurrences_upcoming"], total["occurrences_held"]) == (1, 0)
    assert (total["registrations"], total["unique_attendees"]) == (0, 0)
    assert total["attendance_rate"] is None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2025-02-01"},
        {"from": "2025-03-01", "to": "2025-02-01"},
        {"from": "2024-01-01", "to": "2025-03-01"},
        {"month": "2025-02", "from": "2025-02-01", "to": "2025-02-02"},
        {"month": "2025-13"},
        {"month": "0000-01"},
        {"month": "9999-12"},
        {"from": "9999-12-30", "to": "9999-12-31"},
    ],
)
async def test_a_bad_period_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], params: dict[str, str]
) -> None:
    r = await _report(client, staff, **params)
    assert r.status_code == 422, r.text


async def test_staff_only(client: httpx.AsyncClient, token: Callable[..., str]) -> None:
    counsellor = await _report(client, auth(token("counsellor")), month="2025-02")
    assert counsellor.status_code == 200
    participant = auth(token("participant", subject=str(P1)))
    assert (await _report(client, participant, month="2025-02")).status_code == 403
    assert (await client.get("/reports/attendance", params={"month": "2025-02"})).status_code == 401
