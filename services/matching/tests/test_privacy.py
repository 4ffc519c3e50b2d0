"""A person's rights through Kafka: access and erasure requests from `voimala.participants`,
answered on `voimala.matching` once per request id (issue 11 B, C).

The requests are real events on the participants topic; the answers are read back from the
matching topic. A repeat is known to have been handled (and given no answer) when a later
request about the same participant, on the same partition, has been answered.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from voimala_contracts import CloudEvent, new_event, topics
from voimala_contracts.matching import Explanation
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_kit.personal import Keyring
from voimala_kit.testing import auth, opened, read_topic, wait_for
from voimala_matching.bootstrap import build_deps
from voimala_matching.handlers.privacy import erase_participant
from voimala_matching.repository import profiles, proposals
from voimala_matching.repository.indexes import LiveIndexes
from voimala_matching.repository.proposals import NewProposal
from voimala_matching.settings import Settings

from .conftest import (
    consent,
    employer,
    mentor,
    opening,
    participant,
    partner,
    profile,
    profile_of,
    registered,
    send,
)

SKILL = f"welding-{uuid.uuid4().hex[:6]}"
EXPORTED = "privacy.matching_exported.v1"
ERASED = "privacy.matching_erased.v1"


def access(pid: uuid.UUID, request_id: uuid.UUID | None = None) -> CloudEvent:
    data = AccessRequested(
        request_id=request_id or uuid.uuid4(), participant_id=pid, requested_at=datetime.now(UTC)
    )
    return new_event(data, service="participants", subject=str(pid))


def erasure(pid: uuid.UUID, erasure_id: uuid.UUID | None = None) -> CloudEvent:
    data = ErasureRequested(
        erasure_id=erasure_id or uuid.uuid4(),
        participant_id=pid,
        reason="request",
        requested_at=datetime.now(UTC),
    )
    return new_event(data, service="participants", subject=str(pid))


async def published(kafka: str, pid: uuid.UUID, kind: str | None = None) -> list[dict[str, Any]]:
    """Events on the matching topic about the participant (as subject), of one type or all."""
    found = []
    for r in await read_topic(kafka, topics.MATCHING):
        if r.key == str(pid).encode():
            event: dict[str, Any] = json.loads(r.value)
            if kind is None or event["type"] == kind:
                found.append(event)
    return found


# Other matching processes on this broker (a `make run` stack, another session) read the same
# requests and answer them too, from their own databases: this service's answers are told
# apart by what only it can give, an export its keyring opens, an erasure at the time its own
# database recorded.


async def exports(
    kafka: str, keyring: Keyring, pid: uuid.UUID, rid: uuid.UUID
) -> list[dict[str, Any]]:
    """This service's answers to access request `rid`, their `personal` parts opened."""
    found = []
    for event in await published(kafka, pid, EXPORTED):
        if event["data"]["request_id"] == str(rid):
            data = (await opened(keyring, event))["data"]
            if data["personal"] is not None:
                found.append(data)
    return found


async def erasures(
    kafka: str, db: asyncpg.Connection, pid: uuid.UUID, eid: uuid.UUID
) -> list[dict[str, Any]]:
    """This service's answers to erasure `eid` (none before its database has the erasure)."""
    at = await db.fetchval(
        "SELECT erased_at FROM erased_participants WHERE participant_id = $1", pid
    )
    return [
        e["data"]
        for e in await published(kafka, pid, ERASED)
        if e["data"]["erasure_id"] == str(eid)
        and datetime.fromisoformat(e["data"]["erased_at"]) == at
    ]


async def export(kafka: str, keyring: Keyring, pid: uuid.UUID, rid: uuid.UUID) -> Any:
    async def arrived() -> dict[str, Any] | None:
        found = await exports(kafka, keyring, pid, rid)
        return found[0] if found else None

    return await wait_for(arrived, timeout=60)


async def _confirmed_match(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    pid: uuid.UUID,
    opening_id: str,
    partner_id: str,
) -> str:
    """A proposal of `pid` to the opening, accepted, confirmed (consent) and `hired`."""
    coordinator = auth(token("coordinator"))
    body = {"participant_id": str(pid), "opening_id": opening_id}
    r = await client.post("/proposals", json=body, headers=coordinator)
    assert r.status_code == 201, r.text
    proposal_id: str = r.json()["id"]
    r = await client.post(
        f"/proposals/{proposal_id}/accept", headers=employer(token, partner_id), json={}
    )
    assert r.status_code == 200, r.text
    await send(producer, consent(pid, "contact_sharing", True))

    async def confirmed() -> bool:
        r = await client.get(f"/proposals/{proposal_id}", headers=coordinator)
        return bool(r.json()["status"] == "confirmed")

    await wait_for(confirmed, timeout=60)
    r = await client.post(
        f"/proposals/{proposal_id}/outcome",
        json={"outcome": "hired"},
        headers=employer(token, partner_id),
    )
    assert r.status_code == 200, r.text
    return proposal_id


async def _history(
    client: httpx.AsyncClient, producer: AIOKafkaProducer, token: Callable[..., str]
) -> tuple[uuid.UUID, dict[str, str]]:
    """A participant with one of each: a confirmed and hired match, a declined proposal (with
    a partner's free-text reason), an open proposal and a mentor proposal."""
    pid = await participant(
        client, producer, token, skills=[SKILL], target_group="subsidy_500_plus"
    )
    p = await partner(client, token)
    hired_at, declining, waiting = [
        await opening(client, token, p["id"], required_skills=[SKILL], nice_skills=[])
        for _ in range(3)
    ]
    coordinator = auth(token("coordinator"))
    ids = {"hired": await _confirmed_match(client, producer, token, pid, hired_at["id"], p["id"])}
    for name, o in (("declined", declining), ("open", waiting)):
        body = {"participant_id": str(pid), "opening_id": o["id"]}
        r = await client.post("/proposals", json=body, headers=coordinator)
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    r = await client.post(
        f"/proposals/{ids['declined']}/decline",
        json={"reason": "Aino had no forklift licence"},
        headers=employer(token, p["id"]),
    )
    assert r.status_code == 200, r.text
    m = await mentor(client, token, fields=[SKILL])
    body = {"participant_id": str(pid), "mentor_id": m["id"]}
    r = await client.post("/proposals", json=body, headers=coordinator)
    assert r.status_code == 201, r.text
    ids["mentor"] = r.json()["id"]
    ids["partner"], ids["opening"] = p["id"], waiting["id"]
    return pid, ids


async def test_an_access_request_is_answered_once_with_everything_held(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    kafka_bootstrap: str,
    keyring: Keyring,
) -> None:
    pid, ids = await _history(client, producer, token)
    other = await participant(client, producer, token, skills=[SKILL])
    request = access(pid)
    await send(producer, request)
    await send(producer, access(pid, AccessRequested.model_validate(request.data).request_id))
    rid = AccessRequested.model_validate(request.data).request_id
    data = await export(kafka_bootstrap, keyring, pid, rid)

    assert data["participant_id"] == str(pid)
    held = data["personal"]["data"]
    (kept,) = held["profile"]
    assert kept["participant_id"] == str(pid)
    assert kept["skills"] == [SKILL]
    assert kept["target_group"] == "subsidy_500_plus"  # theirs to know, though never shown
    assert {c["purpose"]: c["granted"] for c in held["consents"]} == {
        "matching": True,
        "contact_sharing": True,
    }
    shown = {p["id"]: p for p in held["proposals"]}
    assert set(shown) == {ids["hired"], ids["declined"], ids["open"]}
    assert shown[ids["hired"]]["status"] == "confirmed"
    assert shown[ids["declined"]]["reason"] == "Aino had no forklift licence"
    # The whole explanation, as staff see it: the priority factor too.
    factors = {f["name"] for f in shown[ids["open"]]["explanation"]["factors"]}
    assert "priority" in factors
    assert [m["id"] for m in held["mentor_matches"]] == [ids["mentor"]]
    assert held["outcomes"] == [
        {
            "proposal_id": ids["hired"],
            "kind": "opening",
            "outcome": "hired",
            "outcome_at": shown[ids["hired"]]["outcome_at"],
        }
    ]
    assert held["exit"] == []
    assert held["erasure"] == []
    assert str(other) not in json.dumps(data)

    # The repeat (same request id, another event) got no answer: a later request has one.
    later = access(pid)
    await send(producer, later)
    later_id = AccessRequested.model_validate(later.data).request_id
    await export(kafka_bootstrap, keyring, pid, later_id)
    assert len(await exports(kafka_bootstrap, keyring, pid, rid)) == 1


async def test_erasure_removes_the_profile_anonymises_proposals_and_stays(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    kafka_bootstrap: str,
    db: asyncpg.Connection,
    settings: Settings,
    keyring: Keyring,
) -> None:
    pid, ids = await _history(client, producer, token)
    coordinator = auth(token("coordinator"))
    candidates = f"/openings/{ids['opening']}/candidates"
    # Another process's ranking index, kept in step from the database as every process's is.
    elsewhere = LiveIndexes(settings.weights)
    await elsewhere.sync(db)
    assert pid in elsewhere.profiles.profiles

    request = erasure(pid)
    eid = ErasureRequested.model_validate(request.data).erasure_id
    await send(producer, request)

    async def erased() -> dict[str, Any] | None:
        found = await erasures(kafka_bootstrap, db, pid, eid)
        return found[0] if found else None

    done = await wait_for(erased, timeout=60)
    assert done["counts"] == {
        "profile": 1,
        "consents": 1,
        "proposals": 3,
        "mentor_matches": 1,
        "outcomes": 1,
        "proposals_withdrawn": 2,  # the open one and the mentor's
    }
    assert "personal" not in done

    # The profile is gone: from the database, the candidates, and the other process's index.
    assert await profile_of(client, token, pid) is None
    r = await client.get(candidates, headers=coordinator)
    assert str(pid) not in {c["participant_id"] for c in r.json()}
    await elsewhere.sync(db)
    assert pid not in elsewhere.profiles.profiles

    # Open proposals withdrawn (the partner and the mentor were told), all anonymised: no row
    # names the participant, the facts stay (the match, its status and outcome, its score).
    withdrawn = [
        e
        for e in await published(kafka_bootstrap, uuid.UUID(ids["open"]), "match.declined.v1")
        if e["data"]["withdrawn"]
    ]
    assert [e["data"]["reason"] for e in withdrawn] == ["participant_unavailable"]
    assert await db.fetchval("SELECT count(*) FROM proposal WHERE participant_id = $1", pid) == 0
    rows = {
        str(r["id"]): r
        for r in await db.fetch(
            "SELECT * FROM proposal WHERE id = ANY($1::uuid[])",
            [ids[k] for k in ("hired", "declined", "open", "mentor")],
        )
    }
    assert {r["status"] for r in rows.values()} == {"confirmed", "declined", "withdrawn"}
    assert rows[ids["hired"]]["outcome"] == "hired"
    assert len({r["participant_id"] for r in rows.values()}) == 1  # one anonymous id
    assert rows[ids["declined"]]["reason"] is None  # the partner's words about them
    assert rows[ids["open"]]["reason"] == "participant_unavailable"
    explanation = json.loads(rows[ids["open"]]["explanation"])
    assert explanation["matched_skills"] == []
    assert explanation["factors"]
    assert all("note" not in f for f in explanation["factors"])
    r = await client.get(f"/proposals?participant_id={pid}", headers=coordinator)
    assert r.json()["items"] == []

    # A replayed registration, a repeated erasure request: nothing comes back, no second answer
    # (known once an access request sent after them is answered: it holds the erasure only).
    await send(producer, registered(pid, profile(skills=[SKILL])))
    await send(producer, consent(pid, "matching", True))
    await send(producer, erasure(pid, eid))
    later = access(pid)
    await send(producer, later)
    rid = AccessRequested.model_validate(later.data).request_id
    held = (await export(kafka_bootstrap, keyring, pid, rid))["personal"]["data"]
    assert [len(held[k]) for k in ("profile", "proposals", "mentor_matches", "outcomes")] == [
        0,
        0,
        0,
        0,
    ]
    assert len(held["erasure"]) == 1
    assert await profile_of(client, token, pid) is None
    assert await db.fetchval("SELECT count(*) FROM profile WHERE participant_id = $1", pid) == 0
    assert len(await erasures(kafka_bootstrap, db, pid, eid)) == 1
    # Both requests are in the audit log, done by the service itself, the repeat not.
    audited = await db.fetch(
        "SELECT actor, action, purpose FROM audit_log WHERE participant_id = $1 ORDER BY id", pid
    )
    assert [tuple(r) for r in audited if r["actor"] == "system"] == [
        ("system", "erased", "erasure"),
        ("system", "access.exported", "access_request"),
    ]


async def _waiting_on_a_lock(db: asyncpg.Connection, backend: int) -> bool:
    found: bool = await db.fetchval(
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", backend
    )
    return found


async def test_a_proposal_made_while_the_profile_is_erased_is_erased_too_or_not_made(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Connection,
    settings: Settings,
) -> None:
    p = await partner(client, token)
    o = await opening(client, token, p["id"], required_skills=[SKILL], nice_skills=[])
    first, second = [await participant(client, producer, token, skills=[SKILL]) for _ in "ab"]

    def new(pid: uuid.UUID) -> NewProposal:
        return NewProposal(
            id=uuid.uuid4(),
            participant_id=pid,
            kind="opening",
            opening_id=uuid.UUID(o["id"]),
            mentor_id=None,
            partner_id=uuid.UUID(p["id"]),
            score=0.5,
            explanation=Explanation(score=0.5),
            status="proposed",
            proposed_by="engine",
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )

    making, erasing = [await asyncpg.connect(settings.database_url) for _ in "ab"]
    try:
        # The proposal first: the erasure's delete waits for it, then withdraws and anonymises
        # it as any other.
        made = new(first)
        async with making.transaction():
            assert await proposals.insert(making, made)
            erased = asyncio.create_task(_erase(settings, erasing, first))
            await wait_for(lambda: _waiting_on_a_lock(db, erasing.get_server_pid()))
        await erased
        row = await db.fetchrow(
            "SELECT participant_id, status FROM proposal WHERE id = $1", made.id
        )
        assert row["status"] == "withdrawn"
        assert row["participant_id"] != first

        # The erasure first: the proposal waits for it, then is not made.
        async with erasing.transaction():
            await profiles.erase(erasing, second)
            made = asyncio.create_task(proposals.insert(making, new(second)))
            await wait_for(lambda: _waiting_on_a_lock(db, making.get_server_pid()))
        assert await made is False
    finally:
        await making.close()
        await erasing.close()


async def _erase(settings: Settings, conn: asyncpg.Connection, pid: uuid.UUID) -> None:
    """The erasure's use case, as the consumer runs it (in a transaction of its own)."""
    event = erasure(pid)
    async with conn.transaction():
        await erase_participant(
            build_deps(settings), conn, ErasureRequested.model_validate(event.data), event
        )
