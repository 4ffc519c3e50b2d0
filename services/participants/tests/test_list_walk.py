"""The list without free text walks one index in the list's order (a skill's rows, a
language's, a target group's, a status's, or the registration order) with a statement whose generic
plan PostgreSQL keeps: every combination of those filters lists exactly the people the filters
say, in registration order, across pages, each one shown audited once per page; a value nobody
has is an empty page; and after a few pages the statement is no longer planned per page."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.clock import SystemClock
from voimala_kit.testing import auth
from voimala_participants.domain import CEFR_ORDER, youth_limit
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
SELECT id::text, languages::text FROM participant
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
            languages=LANGUAGES[n % 3],
            birth_year=2002 if n % 4 < 2 else 1970,
            **({"subsidy_days": subsidy} if subsidy else {}),
        )
        status = {3: "paused", 8: "paused"}.get(n)
        if status:
            r = await client.patch(f"/participants/{pid}", json={"status": status}, headers=headers)
            assert r.status_code == 200, r.text


LANGUAGES = [
    [{"code": "fi", "level": "native"}, {"code": "en", "level": "B2"}],
    [{"code": "uk", "level": "C1"}, {"code": "en", "level": "A2"}],
    [{"code": "sv", "level": "B1"}],
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "paused"},
    {"status": "paused", "youth": "false"},
    {"target_group": "subsidy_500_plus"},
    {"target_group": "subsidy_300_499", "status": "active"},
    {"youth": "true"},
    {"skill": "forklift", "status": "active", "youth": "true"},
    {"language": "en"},
    {"language": "en", "language_level": "B1"},
    {"language": "uk", "status": "active", "target_group": "subsidy_300_499"},
    {"language": "sv", "language_level": "C2"},
]


def _speaks(languages: str, params: dict[str, Any]) -> bool:
    """The language filter read plainly: the language, at the level asked or above."""
    if "language" not in params:
        return True
    levels = list(CEFR_ORDER)
    least = levels.index(params.get("language_level", levels[0]))
    return any(
        x["code"] == params["language"] and levels.index(x["level"]) >= least
        for x in json.loads(languages)
    )


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
            assert ids == [r["id"] for r in expected if _speaks(r["languages"], params)], params
            assert all(p["youth"] is youth for p in shown if youth is not None)
            assert await _audited(db) - before == len(ids), params
    # A value nobody has: an empty page, nobody audited.
    nobody = {"skill": skill, "status": "paused", "target_group": "subsidy_300_499"}
    for params in ({"skill": f"{skill} none"}, nobody, {"language": "zu"}):
        assert await _listed(client, coordinator, **params) == []


async def test_a_language_correction_moves_the_person_between_the_languages_lists(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    skill = f"speaking {uuid.uuid4().hex[:8]}"
    pid = await _register(client, coordinator, skills=[skill], languages=LANGUAGES[2])
    assert [p["id"] for p in await _listed(client, coordinator, skill=skill, language="sv")] == [
        pid
    ]
    new = [{"code": "et", "level": "A1"}]
    r = await client.patch(f"/participants/{pid}", json={"languages": new}, headers=coordinator)
    assert r.status_code == 200, r.text
    assert await _listed(client, coordinator, skill=skill, language="sv") == []
    assert [p["id"] for p in await _listed(client, coordinator, language="et")][-1] == pid
    # The triggers keep the table exactly as the arrays say, for every participant stored.
    assert await db.fetchval(_MISMATCHED) == 0


_SPOKEN = """SELECT DISTINCT l->>'code', p.created_at, p.id
    FROM participant p, jsonb_array_elements(p.languages) AS l"""
_MISMATCHED = f"""SELECT count(*) FROM (
    ({_SPOKEN} EXCEPT SELECT code, created_at, participant_id FROM participant_language)
    UNION ALL
    (SELECT code, created_at, participant_id FROM participant_language EXCEPT {_SPOKEN})
) d"""  # noqa: S608 - constant parts


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
    walked = (
        Filters(status="active"),
        Filters(skill="forklift"),
        Filters(language="en"),
        Filters(),
    )
    for filters in walked:
        for _ in range(8):
            await participants.page(db, None, 2, filters, CLOCK.today(), reader)
    # Each of the four statements (one per index walked) ran 8 times on this connection: the
    # later ones on the generic plan, planned once.
    plans = await db.fetch(
        "SELECT generic_plans FROM pg_prepared_statements"
        " WHERE statement LIKE '%WITH page AS%' AND statement LIKE '%(SELECT $3::text)%'"
        " AND statement NOT LIKE '%pg_prepared_statements%'"
    )
    assert len(plans) == 4
    assert all(p["generic_plans"] >= 3 for p in plans), plans
