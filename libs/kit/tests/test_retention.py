"""Retention of the kit's own tables on the real PostgreSQL: rows past their period go, in
batches, counted; recent rows and unsent outbox rows stay."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from prometheus_client import REGISTRY
from voimala_kit import Database, ServiceSpec, create_app
from voimala_kit.retention import Purge, Retention, kit_purges
from voimala_kit.testing import running_app, wait_for

from .conftest import KitSettings

INBOX = Purge("inbox", "processed_at", timedelta(days=45))
_AGED = """
INSERT INTO inbox (consumer, event_id, event_type, processed_at)
SELECT $1, gen_random_uuid(), 'sample.happened.v1', now() - $2::interval
FROM generate_series(1, $3)
"""
_UNSENT = """
INSERT INTO outbox (event_id, topic, key, payload, created_at)
SELECT gen_random_uuid(), 'test.samples', 'k', '\\x7b7d', now() - interval '400 days'
FROM generate_series(1, 3)
"""


async def _fill(db: Database) -> None:
    async with db.connection() as conn:
        await conn.execute(_AGED, "old", timedelta(days=46), 20)
        await conn.execute(_AGED, "recent", timedelta(days=44), 5)
        await conn.execute(_AGED, "today", timedelta(0), 5)
        await conn.execute(_UNSENT)


async def _left(db: Database) -> dict[str, int]:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT consumer, count(*) AS n FROM inbox GROUP BY consumer")
        unsent = await conn.fetchval("SELECT count(*) FROM outbox")
    return {r["consumer"]: r["n"] for r in rows} | {"outbox": unsent}


def _purged(service: str) -> float:
    labels = {"service": service, "component": "inbox"}
    return REGISTRY.get_sample_value("voimala_retention_purged_rows_total", labels) or 0.0


async def test_old_inbox_rows_go_in_batches_and_recent_and_unsent_rows_stay(db: Database) -> None:
    await _fill(db)
    before = _purged("kittest-batches")
    retention = Retention(db, service="kittest-batches", purges=[INBOX], batch_size=7)
    assert await retention.purge_all() == {"inbox": 20}  # 7 + 7 + 6
    assert await _left(db) == {"recent": 5, "today": 5, "outbox": 3}
    assert _purged("kittest-batches") - before == 20
    assert await retention.purge_all() == {"inbox": 0}


async def test_replicas_purging_at_once_share_the_rows(db: Database) -> None:
    await _fill(db)
    replicas = [Retention(db, service="kittest-shared", purges=[INBOX], batch_size=3)] * 3
    done = await asyncio.gather(*(r.purge(INBOX) for r in replicas))
    assert sum(done) == 20
    assert await _left(db) == {"recent": 5, "today": 5, "outbox": 3}


async def test_the_worker_purges_at_start_and_stops_when_asked(db: Database) -> None:
    await _fill(db)
    stop = asyncio.Event()
    worker = Retention(db, service="kittest-worker", purges=[INBOX], interval=3600)
    task = asyncio.create_task(worker.run(stop))

    async def purged() -> bool:
        return "old" not in await _left(db)

    await wait_for(purged)
    stop.set()
    await asyncio.wait_for(task, 10)  # it does not sleep out its hour
    assert await _left(db) == {"recent": 5, "today": 5, "outbox": 3}


async def test_every_service_process_runs_the_retention_worker(
    db: Database, kit_dsn: str, jwt_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    await _fill(db)
    settings = KitSettings(
        service_name="participants",  # any service with a topic; nothing is published here
        database_url=kit_dsn,
        jwt_public_key_file=jwt_keys[1],
        run_relay=False,
    )
    async with running_app(create_app(ServiceSpec(settings, None, "kit", tmp_path))) as client:

        async def purged() -> bool:
            return "old" not in await _left(db)

        await wait_for(purged)
        assert (await client.get("/health/ready")).json()["checks"]["retention"] == "running"
    assert await _left(db) == {"recent": 5, "today": 5, "outbox": 3}


def test_the_inbox_is_kept_longer_than_any_topic_keeps_a_record() -> None:
    (default,) = kit_purges(KitSettings(database_url="postgresql://unused"))
    assert (default.table, default.keep) == ("inbox", timedelta(days=45))
    assert default.keep > timedelta(days=30)  # the dead-letter topics' retention, the longest
    (shorter,) = kit_purges(KitSettings(database_url="postgresql://unused", retention_inbox_days=2))
    assert shorter.keep == timedelta(days=2)
