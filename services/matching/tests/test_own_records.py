"""What the portal's employer and mentor pages need: a mentor's own record by the token's
subject, and the engine's proposals asked for by the opening's own partner."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from aiokafka import AIOKafkaProducer
from voimala_kit.testing import auth

from .conftest import employer, mentor, opening, participant, partner, problem

SKILL = f"glazing-{uuid.uuid4().hex[:6]}"


async def test_a_mentor_reads_their_own_record_by_subject(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    m = await mentor(client, token, capacity=3)
    r = await client.get("/mentors/me", headers=auth(token("mentor", subject=m["user_id"])))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == m["id"]
    assert r.json()["capacity"] == 3
    assert r.json()["active_mentees"] == 0
    # A mentor token of nobody registered, and a subject that is no UUID: 404, not a 500.
    problem(await client.get("/mentors/me", headers=auth(token("mentor"))), 404)
    problem(await client.get("/mentors/me", headers=auth(token("mentor", subject="x"))), 404)
    # Only mentors: staff and employers have no "own" mentor record.
    problem(await client.get("/mentors/me", headers=auth(token("coordinator"))), 403)


async def test_the_openings_own_partner_asks_the_engine_for_candidates(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> None:
    p = await partner(client, token)
    o = await opening(client, token, p["id"], required_skills=[SKILL], nice_skills=[], places=1)
    pid = await participant(client, producer, token, skills=[SKILL])
    url = f"/openings/{o['id']}/proposals"
    # Another partner's employer, a mentor: refused; nothing proposed.
    problem(await client.post(url, headers=employer(token, str(uuid.uuid4()))), 403)
    problem(await client.post(url, headers=auth(token("mentor"))), 403)
    problem(
        await client.post(f"/openings/{uuid.uuid4()}/proposals", headers=employer(token, p["id"])),
        404,
    )
    r = await client.post(url, headers=employer(token, p["id"]))
    assert r.status_code == 201, r.text
    (proposal,) = r.json()
    assert proposal["participant_id"] == str(pid)
    assert proposal["proposed_by"] == "engine"
    assert "priority" not in {f["name"] for f in proposal["explanation"]["factors"]}
    # Asked again: the one place already has its proposal, nothing new.
    r = await client.post(url, headers=employer(token, p["id"]))
    assert [x["id"] for x in r.json()] == [proposal["id"]]
