"""The list's skill filter reads `participant_skill` (migration 0009), which triggers keep from
`participant.skills`: a page of one skill is that skill's holders in registration order, after
a correction as before it, across pages, with the other filters, and audited as every page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import auth

from .conftest import person


@pytest.fixture
def coordinator(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-skill"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _listed(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    """Every page of the list, followed by its cursor: the ids in the order shown."""
    shown: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/participants", params=query, headers=headers)
        assert r.status_code == 200, r.text
        shown += [p["id"] for p in r.json()["items"]]
        if (cursor := r.json()["next_cursor"]) is None:
            return shown


async def test_a_skill_lists_its_holders_in_order_across_pages_and_follows_corrections(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    skill = f"glassblowing {uuid.uuid4().hex[:8]}"
    holders = [await _register(client, coordinator, skills=[skill, "forklift"]) for _ in range(5)]
    other = await _register(client, coordinator, skills=["forklift"])
    paused = await _register(client, coordinator, skills=[skill])
    r = await client.patch(
        f"/participants/{paused}", json={"status": "paused"}, headers=coordinator
    )
    assert r.status_code == 200, r.text

    assert await _listed(client, coordinator, skill=skill, limit=2) == [*holders, paused]
    assert await _listed(client, coordinator, skill=skill, status="paused") == [paused]

    # A correction moves the person in or out of the skill's list, as it changes the array.
    for pid, skills in ((holders[0], ["forklift"]), (other, [skill])):
        r = await client.patch(f"/participants/{pid}", json={"skills": skills}, headers=coordinator)
        assert r.status_code == 200, r.text
    assert await _listed(client, coordinator, skill=skill, limit=3) == [
        *holders[1:],
        other,
        paused,
    ]
    # A skill nobody has: an empty page (answered from that skill's rows, of which there are none).
    assert await _listed(client, coordinator, skill=f"{skill} none") == []
    # Every one shown was an audited read, once for each page that showed them.
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE participant_id = $1 AND action = 'list'"
        " AND actor = 'coordinator-skill'",
        uuid.UUID(paused),
    )
    assert audited == 3
    # The triggers keep the table exactly as the arrays say, for every participant stored.
    mismatched = await db.fetchval(_MISMATCHED)
    assert mismatched == 0


_MISMATCHED = """SELECT count(*) FROM (
    (SELECT DISTINCT s, p.created_at, p.id FROM participant p, unnest(p.skills) AS s
     EXCEPT SELECT skill, created_at, participant_id FROM participant_skill)
    UNION ALL
    (SELECT skill, created_at, participant_id FROM participant_skill
     EXCEPT SELECT DISTINCT s, p.created_at, p.id FROM participant p, unnest(p.skills) AS s)
) d"""
