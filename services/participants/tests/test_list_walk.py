"""The list without a language or free text walks one index in the list's order (a skill's
rows, a target group's, a status's, or the registration order) with a statement whose generic
plan PostgreSQL keeps: every combination of those filters lists exactly the people the filters
say, in registration order, across pages, each one shown audited once per page; a value nobody
has is an empty page; and after a few pages the statement is no longer planned per page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.clock import SystemClock
from voimala_kit.testing import auth
from voimala_participants.domain import youth_limit
from voimala_participants.repository import participants
from voimala_participants.repository.participants import Filters, Reader

from .conftest import person

ACTOR = "coordinator-walk"
#: The service's own clock: youth is decided by its day.
CLOCK = SystemClock()


@pytest.fixture
def coordinator(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject=ACTOR))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _listed(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every page of the list, 3 a page, followed by its cursor: the items in the order shown."""
    shown: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/participants", params=query, headers=headers)
        assert r.status_code == 200, r.text
        shown += r.json()["items"]
        if (cursor := r.json()["next_cursor"]) is None:
            return shown


# What the filters say, written plainly: the test's own reading of the stored rows (youth is
# compared with the domain's limit of the day, as the list does).
_EXPECTED = """
SELECT id::text FROM participant
WHERE ($1::text IS NULL OR status = $1)
  AND ($2::text IS NULL OR target_group = $2)
  AND ($3::text IS NULL OR $3 = ANY (skills))
  AND ($4::boolean IS NULL OR $4 = coalesce(birth_date > $5, birth_year > $6, false))
ORDER BY created_at, id
"""


async def _people(client: httpx.AsyncClient, headers: dict[str, str], skill: str) -> None:
    """Ten people with `skill`, active and paused, both target groups and none, young and not."""
    for n in range(10):
        subsidy = {0: 520, 1: 350}.get(n % 3)
        pid = await _register(
            client,
            headers,
            skills=[skill, "forklift"] if n % 2 else [skill],
            birth_year=2002 if n % 4 < 2 else 1970,
            **({"subsidy_days": subsidy} if subsidy else {}),
        )
        status = {3: "paused", 8: "paused"}.get(n)
        if status:
            r = await client.patch(f"/participants/{pid}", json={"status": status}, headers=headers)
            assert r.status_code == 200, r.text


FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "paused"},
    {"status": "paused", "youth": "false"},
    {"target_group": "subsidy_500_plus"},
    {"target_group": "subsidy_300_499", "status": "active"},
    {"youth": "true"},
    {"skill": "forklift", "status": "active", "youth": "true"},
]


async def test_every_combination_lists_whom_the_filters_say_in_order_and_audited(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    skill = f"walking {uuid.uuid4().hex[:8]}"
    await _people(client, coordinator, skill)
    limit = youth_limit(CLOCK.today())
    for extra in FILTERS:
        for with_skill in (True, False):
            params = {**extra, **({"skill": skill} if with_skill else {})}
            before = await _audited(db)
            shown = await _listed(client, coordinator, **params)
            youth = {"true": True, "false": False}.get(params.get("youth", ""))
            expected = await db.fetch(
                _EXPECTED,
                params.get("status"),
                params.get("target_group"),
                params.get("skill"),
                youth,
                limit.born_after,
                limit.year_after,
            )
            ids = [p["id"] for p in shown]
            assert ids == [r["id"] for r in expected], params
            assert all(p["youth"] is youth for p in shown if youth is not None)
            assert await _audited(db) - before == len(ids), params
    # A value nobody has: an empty page, nobody audited.
    nobody = {"skill": skill, "status": "paused", "target_group": "subsidy_300_499"}
    for params in ({"skill": f"{skill} none"}, nobody):
        assert await _listed(client, coordinator, **params) == []


async def _audited(db: asyncpg.Connection) -> int:
    found: int = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE actor = $1 AND action = 'list'", ACTOR
    )
    return found


async def test_a_walked_page_is_not_planned_anew_after_a_few(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    await _register(client, coordinator)
    reader = Reader(ACTOR, ["coordinator"], "test", "list")
    for filters in (Filters(status="active"), Filters(skill="forklift"), Filters()):
        for _ in range(8):
            await participants.page(db, None, 2, filters, CLOCK.today(), reader)
    # Each of the three statements (one per index walked) ran 8 times on this connection: the
    # later ones on the generic plan, planned once.
    plans = await db.fetch(
        "SELECT generic_plans FROM pg_prepared_statements"
        " WHERE statement LIKE '%WITH page AS%' AND statement LIKE '%(SELECT $3::text)%'"
        " AND statement NOT LIKE '%pg_prepared_statements%'"
    )
    assert len(plans) == 3
    assert all(p["generic_plans"] >= 3 for p in plans), plans
