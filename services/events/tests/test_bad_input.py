"""Bad input: 422 or 409 with problem details, and nothing written."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from voimala_kit.testing import PROBLEM_JSON

from .conftest import a_series, first_occurrence, guest, new_series, tomorrow


async def _counts(db: asyncpg.Connection) -> tuple[int, int, int, int]:
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM series) s, (SELECT count(*) FROM occurrence) o, "
        "(SELECT count(*) FROM registration) r, (SELECT count(*) FROM reminder) e"
    )
    assert row is not None
    return row["s"], row["o"], row["r"], row["e"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"rrule": "FREQ=MINUTELY"},  # every minute forever
        {"rrule": "FREQ=SECONDLY;INTERVAL=1"},
        {"rrule": "FREQ=HOURLY;COUNT=5"},
        {"rrule": "FREQ=DAILY;BYHOUR=10,11,12"},
        {"rrule": "FREQ=WEEKLY;BYDAY=XX"},
        {"rrule": "FREQ=WEEKLY;INTERVAL=0"},
        {"rrule": "FREQ=WEEKLY;INTERVAL=-1"},
        {"rrule": "FREQ=DAILY;COUNT=100000"},
        {"rrule": "FREQ=MONTHLY;BYMONTHDAY=0"},
        {"rrule": "BYDAY=MO"},
        {"rrule": "not a rule"},
        {"rrule": "FREQ=WEEKLY;COUNT=3;UNTIL=20280101"},
        {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},  # never
        {"rrule": "FREQ=WEEKLY;UNTIL=20200101"},  # over before it starts
        {"rrule": "FREQ=WEEKLY;" + "BYDAY=MO;" * 60},
        {"start_time": "15:00", "end_time": "14:00"},  # end before start
        {"start_time": "15:00", "end_time": "15:00"},
        {"capacity": -1},
        {"first_date": "2020-01-01"},
        {"slots": {"minutes": 20, "start": "09:00", "end": "10:00"}},  # outside the hours
        {"category": "party"},
        {"audience": "robots"},
        {"surprise": True},
        {"title": {"fi": ""}},
    ],
)
async def test_a_bad_series_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection, overrides: dict
) -> None:
    before = await _counts(db)
    r = await client.post("/series", json=a_series(**overrides), headers=staff)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert r.json()["errors"]
    assert await _counts(db) == before


async def test_only_staff_schedule(client: httpx.AsyncClient, token) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/series", json=a_series())
    assert r.status_code == 401
    headers = {"Authorization": f"Bearer {token('participant')}"}
    r = await client.post("/series", json=a_series(), headers=headers)
    assert r.status_code == 403


async def test_registration_that_cannot_be_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection
) -> None:
    past = await new_series(client, staff, rrule="FREQ=DAILY;COUNT=1", first_date="2026-01-01")
    # A series that started long ago has nothing left within the horizon to register to; one
    # that started yesterday has yesterday's occurrence, which is over.
    yesterday = tomorrow().fromordinal(tomorrow().toordinal() - 2).isoformat()
    past = await new_series(
        client, staff, rrule="FREQ=DAILY;COUNT=1", first_date=yesterday, start_time="08:00"
    )
    past_occ = (await client.get(f"/series/{past['id']}/occurrences?start={yesterday}")).json()
    not_open = await new_series(client, staff, registration_opens_days_before=0)
    closed = await new_series(client, staff, registration_closes_minutes_before=10080)
    drop_in = await new_series(client, staff, capacity=None)
    members_only = await new_series(client, staff, audience="participants")
    cancelled = await new_series(client, staff)
    cancelled_occ = await first_occurrence(client, cancelled["id"])
    r = await client.post(
        f"/occurrences/{cancelled_occ['occurrence_id']}/cancel", json={}, headers=staff
    )
    assert r.status_code == 200
    targets = [
        (past_occ["items"][0]["occurrence_id"], "Occurrence past"),
        (
            (await first_occurrence(client, not_open["id"]))["occurrence_id"],
            "Registration not open",
        ),
        ((await first_occurrence(client, closed["id"]))["occurrence_id"], "Registration closed"),
        ((await first_occurrence(client, drop_in["id"]))["occurrence_id"], "Drop-in"),
        (cancelled_occ["occurrence_id"], "Occurrence cancelled"),
        ((await first_occurrence(client, members_only["id"]))["occurrence_id"], "For participants"),
    ]
    before = await _counts(db)
    for occurrence_id, title in targets:
        r = await client.post(f"/occurrences/{occurrence_id}/registrations", json=guest(1))
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
        assert r.json()["title"] == title
    assert await _counts(db) == before


@pytest.mark.parametrize(
    "body",
    [
        {"guest": {"name": "No Contact"}},
        {"guest": {"name": "Bad Mail", "email": "not-an-address"}},
        {"guest": {"name": "Bad Phone", "phone": "040 12"}},
        {"guest": {"name": "", "email": "a@example.fi"}},
        {},
        {"guest": {"name": "A", "email": "a@example.fi"}, "participant_id": "not-a-uuid"},
        {"guest": {"name": "A", "email": "a@example.fi"}, "extra": 1},
        {"guest": {"name": "A", "email": "a@example.fi"}, "slot_start": "2027-01-01T10:00"},
    ],
)
async def test_a_bad_registration_is_refused(
    client: httpx.AsyncClient, staff: dict[str, str], db: asyncpg.Connection, body: dict
) -> None:
    series = await new_series(client, staff)
    occ = await first_occurrence(client, series["id"])
    before = await _counts(db)
    r = await client.post(f"/occurrences/{occ['occurrence_id']}/registrations", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert "example.fi" not in r.text  # never echoes what was sent
    assert await _counts(db) == before


async def test_unknown_things_are_404_and_bad_months_422(client: httpx.AsyncClient) -> None:
    r = await client.get("/occurrences/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404
    r = await client.post(
        "/occurrences/00000000-0000-0000-0000-000000000000/registrations", json=guest(1)
    )
    assert r.status_code == 404
    for month in ("2027-13", "2027-1", "27-01", "1999-01"):
        r = await client.get(f"/programme/{month}")
        assert r.status_code in (404, 422), month
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
    r = await client.get("/programme.ics", params={"days": 100000})
    assert r.status_code == 422
