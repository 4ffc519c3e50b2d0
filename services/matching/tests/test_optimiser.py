"""The openings optimiser in the service, on real PostgreSQL and Kafka: K and places respected
at the best total, the next candidate after a decline, a run when something asked for one (a
burst makes one run; a run in progress elsewhere is not waited for), and the worker proposing
for a new opening by itself."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from voimala_contracts import ParticipantRegistered
from voimala_kit.testing import auth, running_app, wait_for
from voimala_matching.bootstrap import bootstrap, build_deps
from voimala_matching.domain.assignment import scaled
from voimala_matching.domain.scoring import Filtered, score_opening
from voimala_matching.handlers import openings as opening_cases
from voimala_matching.handlers import openings_optimiser
from voimala_matching.handlers import profiles as profile_cases
from voimala_matching.handlers import proposals as proposal_cases
from voimala_matching.handlers.deps import Deps
from voimala_matching.repository import openings, profiles
from voimala_matching.settings import Settings

from .conftest import employer, opening, participant, partner, profile, registered

K = 3  # the default `proposals_per_participant`, which the service under test uses too


@pytest.fixture(scope="module")
def auto(settings: Settings) -> Deps:
    """The service's dependencies as they are where the optimiser runs by itself."""
    return build_deps(settings.model_copy(update={"optimiser_auto": True}))


async def _open(db: asyncpg.Connection, participant_id: uuid.UUID) -> dict[uuid.UUID, float]:
    rows = await db.fetch(
        """SELECT opening_id, score FROM proposal WHERE participant_id = $1
        AND kind = 'opening' AND status IN ('proposed', 'accepted')""",
        participant_id,
    )
    return {r["opening_id"]: r["score"] for r in rows}


async def _best_total(
    deps: Deps, db: asyncpg.Connection, pids: list[uuid.UUID], oids: list[uuid.UUID]
) -> int:
    """Brute force: every way of giving each opening (one place) one of the people or no one,
    with nobody in more than K; the best scaled total."""
    score: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for pid, oid in itertools.product(pids, oids):
        p, o = await profiles.get(db, pid), await openings.get(db, oid)
        assert p is not None
        assert o is not None
        result = score_opening(
            profiles.to_scoring(p), openings.to_scoring(o), deps.settings.weights
        )
        if not isinstance(result, Filtered):
            score[(pid, oid)] = scaled(result.score)
    best = 0
    for choice in itertools.product([None, *pids], repeat=len(oids)):
        if all(choice.count(pid) <= K for pid in pids) and all(
            c is None or (c, oid) in score for c, oid in zip(choice, oids, strict=True)
        ):
            best = max(best, sum(score[(c, o)] for c, o in zip(choice, oids, strict=True) if c))
    return best


async def test_k_and_places_hold_at_the_best_total_and_a_decline_is_filled(
    client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Connection,
    auto: Deps,
) -> None:
    tag = uuid.uuid4().hex[:6]
    need, n1, n2, n3 = (f"{s}-{tag}" for s in ("sorting", "labels", "pallets", "scanner"))
    p = await partner(client, token)
    nice = [[n1, n2, n3], [n1, n2], [n1], [n3]]
    oids = [
        uuid.UUID(
            (await opening(client, token, p["id"], required_skills=[need], nice_skills=n))["id"]
        )
        for n in nice
    ]
    # Per opening, the star is everyone's best: per-opening ranking proposes them four times.
    star = await participant(client, producer, token, skills=[need, n1, n2, n3])
    other = await participant(client, producer, token, skills=[need, n1])

    async with db.transaction():
        made = await openings_optimiser.fill(auto, db, oids)
    assert len(made) == 4
    pending = {oid: [x.participant_id for x in made if x.opening_id == oid] for oid in oids}
    assert all(len(who) == 1 for who in pending.values())  # one place each
    assert len(await _open(db, star)) == K
    assert len(await _open(db, other)) == 1
    chosen = sum(scaled(x.explanation.score) for x in made)
    assert chosen == await _best_total(auto, db, [star, other], oids)

    # Nothing more to fill: a second run proposes nobody (no churn).
    async with db.transaction():
        assert await openings_optimiser.fill(auto, db, oids) == []

    # The partner declines the star at one opening: the other is proposed there at once
    # (the star is never proposed to it again).
    declined = next(x for x in made if x.participant_id == star)
    r = await client.post(
        f"/proposals/{declined.id}/decline",
        json={"reason": "filled otherwise"},
        headers=employer(token, p["id"]),
    )
    assert r.status_code == 200, r.text
    rows = await db.fetch(
        "SELECT participant_id FROM proposal WHERE opening_id = $1 AND status = 'proposed'",
        declined.opening_id,
    )
    assert [r["participant_id"] for r in rows] == [other]
    assert len(await _open(db, star)) == K - 1
    assert len(await _open(db, other)) == 2

    # A new opening: the next run asked for gives it the star, who has room again.
    fifth = await opening(client, token, p["id"], required_skills=[need], nice_skills=[n2])
    async with db.transaction():
        await openings_optimiser.request(auto, db, "test")
        assert await openings_optimiser.run_requested(auto, db) is not None
    assert uuid.UUID(fifth["id"]) in await _open(db, star)
    assert len(await _open(db, star)) == K


async def test_a_burst_of_requests_makes_one_run_and_a_busy_lock_is_not_waited_for(
    settings: Settings, db: asyncpg.Connection, auto: Deps
) -> None:
    other = await asyncpg.connect(settings.database_url)
    try:
        async with other.transaction():
            await openings_optimiser.fill(auto, other, [])  # holds the lock: a run elsewhere
            async with db.transaction():
                for _ in range(5):
                    await openings_optimiser.request(auto, db, "burst")
            async with db.transaction():
                assert await openings_optimiser.run_requested(auto, db) is None
        assert await db.fetchval("SELECT count(*) FROM optimiser_request") >= 5  # still there
        async with db.transaction():
            assert await openings_optimiser.run_requested(auto, db) is not None
        assert await db.fetchval("SELECT count(*) FROM optimiser_request") == 0
        async with db.transaction():
            assert await openings_optimiser.run_requested(auto, db) is None  # nothing asked
    finally:
        await other.close()


async def test_the_changes_that_call_for_a_run_ask_for_one(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
    db: asyncpg.Connection,
    auto: Deps,
) -> None:
    p = await partner(client, token)
    oid = uuid.UUID((await opening(client, token, p["id"]))["id"])
    pid = uuid.uuid4()

    async def asked() -> int:
        n: int = await db.fetchval("SELECT count(*) FROM optimiser_request")
        return n

    tr = db.transaction()
    await tr.start()
    try:
        before = await asked()
        data = ParticipantRegistered(participant_id=pid, profile=profile())
        await profile_cases.keep_profile(auto, db, data, registered(pid, profile()))
        assert await asked() == before + 1
        change = opening_cases.ChangeOpening(oid, {"places": 2})
        await opening_cases.change_opening(auto, db, change)
        assert await asked() == before + 2
        (made, *_) = await openings_optimiser.fill(auto, db, [oid])
        await proposal_cases.withdraw_one(auto, db, made, "test")
        assert await asked() == before + 3
        # Where the optimiser does not run by itself, nothing asks.
        change = opening_cases.ChangeOpening(oid, {"places": 3})
        await opening_cases.change_opening(build_deps(settings), db, change)
        assert await asked() == before + 3
    finally:
        await tr.rollback()


@pytest.fixture
async def auto_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second process of the service, where the optimiser's worker runs by itself (it shares
    the database; the session's process keeps reading the topics)."""
    update: dict[str, Any] = {
        "optimiser_auto": True,
        "optimiser_poll": 0.2,
        "run_consumer": False,
        "run_relay": False,
    }
    async with running_app(bootstrap(settings.model_copy(update=update))) as c:
        yield c


async def test_the_worker_proposes_for_a_new_opening_by_itself(
    auto_client: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    token: Callable[..., str],
    db: asyncpg.Connection,
) -> None:
    need = f"stocktaking-{uuid.uuid4().hex[:6]}"
    pid = await participant(auto_client, producer, token, skills=[need])
    p = await partner(auto_client, token)
    o = await opening(auto_client, token, p["id"], required_skills=[need], nice_skills=[], places=2)

    async def proposed() -> list[dict[str, Any]] | None:
        r = await auto_client.get(
            f"/proposals?opening_id={o['id']}&status=proposed", headers=auth(token("coordinator"))
        )
        items: list[dict[str, Any]] = r.json()["items"]
        return items or None

    (made,) = await wait_for(proposed, timeout=60)
    assert made["participant_id"] == str(pid)
    assert made["proposed_by"] == "engine"
