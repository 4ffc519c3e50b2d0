"""Reminders: one reminder.due.v1 per confirmed registration, with two replicas of the service
on one database and a restart in between (each replica runs the scheduler)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import httpx
from voimala_contracts import topics
from voimala_kit.personal import Keyring
from voimala_kit.testing import auth, opened, read_topic, running_app, wait_for
from voimala_scheduling.bootstrap import bootstrap
from voimala_scheduling.settings import Settings

from .conftest import a_series, guest


async def test_one_reminder_per_confirmed_registration_across_replicas_and_restarts(
    new_database: Callable[[str], Awaitable[str]],
    keyring_dsn: str,
    keyring: Keyring,
    jwt_keys: tuple[Path, Path],
    token: Callable[..., str],
    kafka_bootstrap: str,
) -> None:
    dsn = await new_database("events_reminders")

    def replica() -> Settings:
        return Settings(
            database_url=dsn,
            keyring_url=keyring_dsn,
            jwt_public_key_file=jwt_keys[1],
            consumer_group=f"events-rem-{uuid.uuid4().hex[:8]}",
            relay_idle_poll=0.2,
            scheduler_poll_seconds=0.05,  # both replicas race for the same rows
            reminder_lead_hours=24 * 30,  # every reminder is due as soon as it exists
        )

    staff = auth(token("coordinator"))
    db = await asyncpg.connect(dsn)

    async def unsent() -> bool:
        n = await db.fetchval(
            "SELECT count(*) FROM reminder WHERE sent_at IS NULL AND dropped_at IS NULL"
        )
        return n == 0

    try:
        async with AsyncExitStack() as stack:
            a = await stack.enter_async_context(running_app(bootstrap(replica())))
            b_stack = AsyncExitStack()
            b = await b_stack.enter_async_context(running_app(bootstrap(replica())))
            r = await a.post("/series", json=a_series(capacity=6), headers=staff)
            assert r.status_code == 201, r.text
            occ = (await a.get(f"/series/{r.json()['id']}/occurrences")).json()["items"][0]
            url = f"/occurrences/{occ['occurrence_id']}/registrations"
            regs = []
            for i in range(10):  # spread over both replicas
                client: httpx.AsyncClient = a if i % 2 else b
                r = await client.post(url, json=guest(i))
                assert r.status_code == 201
                regs.append(r.json())
            assert [x["status"] for x in regs].count("confirmed") == 6
            await wait_for(unsent, timeout=30)

            # Restart: replica b goes away; a cancellation promotes one from the waitlist
            # while only a runs; then b comes back and a goes away.
            await b_stack.aclose()
            first = next(x for x in regs if x["status"] == "confirmed")
            r = await a.post(f"/registrations/{first['id']}/cancel", json={}, headers=staff)
            assert r.status_code == 200
            await stack.aclose()
        async with running_app(bootstrap(replica())) as b2:
            r = await b2.post(url, json=guest("late"))  # waitlisted: no reminder
            assert r.json()["status"] == "waitlisted"
            await wait_for(unsent, timeout=30)
            sent = await db.fetch("SELECT registration_id FROM reminder WHERE sent_at IS NOT NULL")
            confirmed_ever = await db.fetch(
                "SELECT id FROM registration WHERE occurrence_id = $1 "
                "AND (status = 'confirmed' OR id = $2)",
                uuid.UUID(occ["occurrence_id"]),
                uuid.UUID(first["id"]),
            )
            assert {r["registration_id"] for r in sent} == {r["id"] for r in confirmed_ever}
            assert len(sent) == 7  # 6 confirmed at first, and the one promoted later

            records = await read_topic(kafka_bootstrap, topics.EVENTS, at_least=1, timeout=30)

            async def all_published() -> list[dict]:
                nonlocal records
                records = await read_topic(kafka_bootstrap, topics.EVENTS, timeout=120)
                mine = [
                    json.loads(rec.value)
                    for rec in records
                    if rec.key == occ["occurrence_id"].encode()
                    and json.loads(rec.value)["type"] == "reminder.due.v1"
                ]
                return mine if len(mine) >= 7 else []

            reminders = await wait_for(all_published, timeout=30)
    finally:
        await db.close()
    per_registration = Counter(e["data"]["registration_id"] for e in reminders)
    assert set(per_registration.values()) == {1}, per_registration
    assert set(per_registration) == {str(r["id"]) for r in confirmed_ever}
    one = (await opened(keyring, reminders[0]))["data"]
    assert one["occurrence"]["occurrence_id"] == occ["occurrence_id"]
    assert one["occurrence"]["local_start"].endswith("T14:00")
    assert one["personal"]["email"].startswith("guest")
