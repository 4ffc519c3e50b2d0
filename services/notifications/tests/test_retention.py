"""Messages are deleted after their retention period (two years by default), the recent ones
kept, each deletion audited; on the real database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

import asyncpg
import pytest
from fastapi import FastAPI
from voimala_kit.clock import SetClock
from voimala_kit.testing import running_app
from voimala_notifications.bootstrap import bootstrap
from voimala_notifications.retention import message_retention, purge_messages
from voimala_notifications.settings import Settings
from voimala_notifications.workers import workers

from .samples import NOW


@pytest.fixture(scope="module")
async def settings(service_settings: Callable[..., Awaitable[Settings]]) -> Settings:
    # The purge is called by the test (the worker's own first run would race with it).
    return await service_settings(
        Settings, run_consumer=False, run_retention=False, retention_batch_size=2
    )


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = bootstrap(settings, clock=SetClock(NOW))
    async with running_app(app):
        yield app


@pytest.fixture(scope="module")
async def db(settings: Settings, app: FastAPI) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


async def _message(db: asyncpg.Connection, recipient: uuid.UUID, age: timedelta) -> uuid.UUID:
    mid = uuid.uuid4()
    await db.execute(
        "INSERT INTO message (id, recipient_id, event_id, channel, template, language, subject,"
        " body, status, created_at) VALUES ($1, $2, $3, 'email', 't', 'fi', 's', 'b', 'sent', $4)",
        mid,
        recipient,
        uuid.uuid4(),
        NOW - age,
    )
    return mid


def test_the_default_period_is_two_years() -> None:
    assert Settings.model_fields["retention_message_days"].default == 730


async def test_messages_past_their_period_are_purged_and_recent_ones_kept(
    app: FastAPI, db: asyncpg.Connection
) -> None:
    pid = uuid.uuid4()
    await db.execute(
        "INSERT INTO recipient (id, kind, preferred_language) VALUES ($1, 'participant', 'fi')",
        pid,
    )
    old = [await _message(db, pid, timedelta(days=731 + n)) for n in range(5)]
    anonymous = await _message(db, pid, timedelta(days=800))
    await db.execute("UPDATE message SET recipient_id = NULL WHERE id = $1", anonymous)
    recent = await _message(db, pid, timedelta(days=729))
    today = await _message(db, pid, timedelta(0))

    # Batches of two: every old one goes, over several statements.
    assert await purge_messages(app.state.platform, None) == 6
    left = await db.fetch(
        "SELECT id FROM message WHERE id = ANY($1::uuid[])", [*old, anonymous, recent, today]
    )
    assert {r["id"] for r in left} == {recent, today}
    audited = await db.fetch(
        "SELECT actor, action, purpose FROM audit_log WHERE participant_id = $1", pid
    )
    assert {tuple(r) for r in audited} == {("system", "messages.purged", "retention")}
    assert await purge_messages(app.state.platform, None) == 0  # nothing more


def test_the_purge_runs_as_a_worker_of_the_service(app: FastAPI) -> None:
    deps = app.state.platform.deps
    assert "message-retention" not in dict(workers(deps, {}))  # retention off, as here
    on = replace(deps, settings=deps.settings.model_copy(update={"run_retention": True}))
    assert dict(workers(on, {}))["message-retention"] is message_retention
