"""Every read of a participant's data through matching's API is audited in the transaction of
the read (issue 11 E): who (subject and roles), whose, what and why; a refused read is not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from voimala_kit.testing import auth

from .conftest import mentor, opening, participant, partner, problem

SKILL = f"masonry-{uuid.uuid4().hex[:6]}"


async def _rows(db: asyncpg.Connection, actor: str) -> list[tuple[str, str, str, list[str]]]:
    """(participant, action, purpose, roles) written for `actor`, oldest first."""
    found = await db.fetch(
        """SELECT participant_id, action, purpose, actor_roles FROM audit_log
        WHERE actor = $1 ORDER BY id""",
        actor,
    )
    return [(str(r["participant_id"]), r["action"], r["purpose"], r["actor_roles"]) for r in found]


async def test_reads_of_profiles_rankings_and_proposals_are_audited(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Connection,
) -> None:
    first = await participant(client, producer, token, skills=[SKILL])
    second = await participant(client, producer, token, skills=[SKILL])
    p = await partner(client, token)
    o = await opening(client, token, p["id"], required_skills=[SKILL], nice_skills=[])
    counsellor = str(uuid.uuid4())
    staff = auth(token("counsellor", subject=counsellor))

    assert (await client.get(f"/profiles/{first}", headers=staff)).status_code == 200
    r = await client.get(f"/participants/{first}/openings", headers=staff)
    assert r.status_code == 200, r.text
    r = await client.get(f"/participants/{first}/mentors", headers=staff)
    assert r.status_code == 200, r.text
    assert await _rows(db, counsellor) == [
        (str(first), "profile.read", "staff_view", ["counsellor"]),
        (str(first), "openings_ranking.read", "staff_view", ["counsellor"]),
        (str(first), "mentors_ranking.read", "staff_view", ["counsellor"]),
    ]

    # The partner's ranking: one row per candidate shown, in one statement.
    user = str(uuid.uuid4())
    partner_token = auth(token("employer", subject=user, org=p["id"]))
    r = await client.get(f"/openings/{o['id']}/candidates", headers=partner_token)
    assert r.status_code == 200, r.text
    shown = {c["participant_id"] for c in r.json()}
    assert shown == {str(first), str(second)}
    rows = await _rows(db, user)
    assert sorted(rows) == sorted(
        (pid, "candidates.read", "matching", ["employer"]) for pid in shown
    )

    # A proposal: made (a change), read by the partner, listed, read by the participant.
    coordinator = str(uuid.uuid4())
    body = {"participant_id": str(first), "opening_id": o["id"]}
    r = await client.post(
        "/proposals", json=body, headers=auth(token("coordinator", subject=coordinator))
    )
    assert r.status_code == 201, r.text
    proposal = r.json()["id"]
    assert await _rows(db, coordinator) == [
        (str(first), "proposal.created", "staff_view", ["coordinator"])
    ]
    assert (await client.get(f"/proposals/{proposal}", headers=partner_token)).status_code == 200
    r = await client.get(f"/proposals?opening_id={o['id']}", headers=partner_token)
    assert [x["id"] for x in r.json()["items"]] == [proposal]
    assert (await _rows(db, user))[len(shown) :] == [
        (str(first), "proposal.read", "matching", ["employer"]),
        (str(first), "proposal.read", "matching", ["employer"]),
    ]
    own = auth(token("participant", subject=str(first)))
    assert (await client.get(f"/proposals/{proposal}", headers=own)).status_code == 200
    assert await _rows(db, str(first)) == [
        (str(first), "proposal.read", "own_data", ["participant"])
    ]

    # Refused reads leave no row: another partner, another participant, a mentor.
    stranger = str(uuid.uuid4())
    for refused in (
        token("employer", subject=stranger, org=str(uuid.uuid4())),
        token("participant", subject=stranger),
        token("mentor", subject=stranger),
    ):
        problem(await client.get(f"/proposals/{proposal}", headers=auth(refused)), 403)
        problem(await client.get(f"/openings/{o['id']}/candidates", headers=auth(refused)), 403)
    assert await _rows(db, stranger) == []


async def test_answers_to_proposals_are_audited_and_listed_for_a_coordinator(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Connection,
) -> None:
    pid = await participant(client, producer, token, skills=[SKILL])
    m = await mentor(client, token, fields=[SKILL])
    body = {"participant_id": str(pid), "mentor_id": m["id"]}
    r = await client.post("/proposals", json=body, headers=auth(token("coordinator")))
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/proposals/{r.json()['id']}/decline",
        json={"reason": "full this month"},
        headers=auth(token("mentor", subject=m["user_id"])),
    )
    assert r.status_code == 200, r.text
    assert await _rows(db, m["user_id"]) == [
        (str(pid), "proposal.declined", "matching", ["mentor"])
    ]

    # A coordinator lists who did what with the participant's data here (the kit's endpoint).
    r = await client.get(f"/audit-log?participant_id={pid}", headers=auth(token("coordinator")))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    assert [i["action"] for i in items][:2] == ["proposal.declined", "proposal.created"]
    assert {i["service"] for i in items} == {"matching"}
    problem(
        await client.get(f"/audit-log?participant_id={pid}", headers=auth(token("counsellor"))),
        403,
    )
