"""The two hottest reads skip FastAPI's dependency solving for plain requests
(`voimala_kit.http.hot`, api/hot.py): what they answer, and the audit rows they write, are
the same as for a request FastAPI serves (one the resolver leaves to it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.testing import auth

from .conftest import failed_fields, person, problem


@pytest.fixture
def coordinator(token: Callable[..., str]) -> dict[str, str]:
    return auth(token("coordinator", subject="coordinator-hot"))


async def _register(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> Any:
    r = await client.post("/participants", json=person(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _audit_rows(db: asyncpg.Connection, pid: str, action: str) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT actor, purpose FROM audit_log WHERE participant_id = $1 AND action = $2"
        " ORDER BY id",
        uuid.UUID(pid),
        action,
    )
    return [(r["actor"], r["purpose"]) for r in rows]


async def test_a_read_answers_and_audits_alike_served_hot_or_by_fastapi(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    pid = (await _register(client, coordinator))["id"]
    plain = await client.get(f"/participants/{pid}", headers=coordinator)
    # Without hyphens: a UUID FastAPI reads, which the resolver leaves to it.
    left = await client.get(f"/participants/{pid.replace('-', '')}", headers=coordinator)
    assert plain.status_code == left.status_code == 200
    assert plain.json() == left.json()
    assert plain.headers["content-type"] == left.headers["content-type"]
    rows = await _audit_rows(db, pid, "read_profile")
    assert rows == [("coordinator-hot", "case_work")] * 2


async def test_the_list_answers_and_audits_alike_served_hot_or_by_fastapi(
    client: httpx.AsyncClient, coordinator: dict[str, str], db: asyncpg.Connection
) -> None:
    tag = uuid.uuid4().hex[:8]
    young = await _register(client, coordinator, family_name=f"Hotlist{tag}", birth_year=2006)
    await _register(client, coordinator, family_name=f"Hotlist{tag}", birth_year=1970)
    query = {"q": f"hotlist{tag}", "limit": "1"}
    plain = await client.get(
        "/participants", params={**query, "youth": "true"}, headers=coordinator
    )
    # `youth=1` is true to FastAPI; the resolver reads only true and false, and leaves it.
    left = await client.get("/participants", params={**query, "youth": "1"}, headers=coordinator)
    assert plain.status_code == left.status_code == 200
    assert plain.json() == left.json()
    assert [p["id"] for p in plain.json()["items"]] == [young["id"]]
    assert await _audit_rows(db, young["id"], "list") == [("coordinator-hot", "case_work")] * 2


async def test_bad_input_to_a_hot_read_is_the_same_problem(
    client: httpx.AsyncClient, coordinator: dict[str, str], token: Callable[..., str]
) -> None:
    pid = (await _register(client, coordinator))["id"]
    problem(await client.get(f"/participants/{pid}"), 401)
    problem(await client.get(f"/participants/{pid}", headers=auth(token("employer"))), 403)
    other = auth(token("participant", subject=str(uuid.uuid4())))
    problem(await client.get(f"/participants/{pid}", headers=other), 403)
    r = await client.get("/participants/not-a-uuid", headers=coordinator)
    assert failed_fields(problem(r, 422)) == {("path", "participant_id")}
    r = await client.get("/participants?limit=0", headers=coordinator)
    assert failed_fields(problem(r, 422)) == {("query", "limit")}
    r = await client.get("/participants", headers=coordinator | {"X-Purpose": "x" * 300})
    assert failed_fields(problem(r, 422)) == {("header", "x-purpose")}
    problem(await client.get("/participants", headers=auth(token("participant"))), 403)
    problem(await client.get("/participants?cursor=nonsense", headers=coordinator), 400)
