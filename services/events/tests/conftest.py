"""Fixtures for the events suites: the service in-process on real PostgreSQL and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.clock import SystemClock
from voimala_kit.testing import auth, running_app
from voimala_scheduling.bootstrap import bootstrap
from voimala_scheduling.domain.occurrences import Occurrence
from voimala_scheduling.domain.registrations import Registration
from voimala_scheduling.settings import Settings

#: The service's clock in these suites: the real time, read as the service reads it.
CLOCK = SystemClock()


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    return await service_settings(Settings, scheduler_poll_seconds=0.3, db_pool_max=20)


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(bootstrap(settings, CLOCK)) as c:
        yield c


@pytest.fixture(scope="module")
async def db(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own, to look at what the service stored."""
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
def staff(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator"))


def tomorrow() -> date:
    return CLOCK.today() + timedelta(days=1)


def a_series(**overrides: Any) -> dict[str, Any]:
    """A weekly series that starts tomorrow (every weekday, so tomorrow has one)."""
    found: dict[str, Any] = {
        "category": "language_cafe",
        "title": {"fi": "Kielikahvila", "sv": "Språkcafé", "en": "Language café"},
        "description": {"fi": "Suomea puhumalla", "en": "Practise Finnish"},
        "rrule": "FREQ=DAILY;COUNT=3",
        "first_date": tomorrow().isoformat(),
        "start_time": "14:00",
        "end_time": "15:30",
        "capacity": 12,
        "skip_holidays": False,
    }
    found.update(overrides)
    return found


async def new_series(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    r = await client.post("/series", json=a_series(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    series: dict[str, Any] = r.json()
    return series


async def first_occurrence(client: httpx.AsyncClient, series_id: str) -> dict[str, Any]:
    r = await client.get(f"/series/{series_id}/occurrences")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    found: dict[str, Any] = items[0]
    return found


def guest(n: int | str) -> dict[str, Any]:
    return {"guest": {"name": f"Guest {n}", "email": f"guest{n}.{uuid.uuid4().hex[:6]}@example.fi"}}


# The domain's values, without a database (test_domain.py, test_registration_event.py).

#: Thursday 2027-03-11, 14:00-15:30 in Helsinki (UTC+2).
STARTS = datetime(2027, 3, 11, 12, 0, tzinfo=UTC)


def occurrence(**overrides: object) -> Occurrence:
    found = Occurrence(
        id=uuid.UUID(int=1),
        series_id=uuid.UUID(int=2),
        rule_date=date(2027, 3, 11),
        starts_at=STARTS,
        ends_at=STARTS + timedelta(minutes=90),
        status="scheduled",
        cancel_reason=None,
        overridden=False,
        confirmed=3,
        attendance_closed_at=None,
        sequence=0,
        updated_at=STARTS - timedelta(days=20),
        capacity=12,
        title={"fi": "Kielikahvila", "sv": "Språkcafé", "en": None},
        location={"fi": "Kahvila <pääkirjasto>", "sv": None, "en": None},
        description={"fi": "Suomea puhumalla"},
        category="language_cafe",
        profession=None,
        audience="everyone",
        host_organisation=None,
        start_time=time(14, 0),
        slot_minutes=None,
        slots_from=None,
        slots_until=None,
        opens_days_before=30,
        closes_minutes_before=60,
    )
    return replace(found, **overrides)  # type: ignore[arg-type]


def registration(**overrides: object) -> Registration:
    found = Registration(
        id=uuid.UUID(int=3),
        occurrence_id=uuid.UUID(int=1),
        participant_id=None,
        guest_name="Guest",
        guest_email="guest@example.fi",
        guest_phone=None,
        guest_language=None,
        person_key="e:guest@example.fi",
        cancel_token=None,
        status="confirmed",
        arrival=7,
        slot_start=None,
        created_at=STARTS - timedelta(days=3),
        promoted_at=None,
        cancelled_at=None,
    )
    return replace(found, **overrides)  # type: ignore[arg-type]
