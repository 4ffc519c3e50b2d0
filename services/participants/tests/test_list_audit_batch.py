"""The list's audit rows are written together (`repository.audit.AuditBatches`): pages that wait
at the same time share one transaction, and a page is answered only once its rows are
committed. Every person on a page answered has exactly one audit row for it; a page whose
rows could not be written is a 503 with nothing of the page in it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from voimala_kit.db import Database
from voimala_kit.testing import auth
from voimala_participants.repository.audit import AuditBatches, AuditWriteError
from voimala_participants.settings import Settings

from .conftest import person, problem

#: The actor whose audit rows the database refuses (the trigger below).
REFUSED = "coordinator-refused"
_REFUSE = f"""
CREATE OR REPLACE FUNCTION refuse_test_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
CREATE OR REPLACE TRIGGER refuse_test_audit BEFORE INSERT ON audit_log FOR EACH ROW
    WHEN (NEW.actor = '{REFUSED}') EXECUTE FUNCTION refuse_test_audit();
"""


@pytest.fixture(scope="module")
async def refusing(db: asyncpg.Connection) -> None:
    await db.execute(_REFUSE)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    yield Database(pool, settings.database_url, acquire_timeout=5)
    await pool.close()


async def _people(client: httpx.AsyncClient, headers: dict[str, str], n: int) -> str:
    """`n` people whose family name holds a new tag: the tag, to list them by."""
    tag = uuid.uuid4().hex[:8]
    for _ in range(n):
        r = await client.post(
            "/participants", json=person(family_name=f"Batch{tag}"), headers=headers
        )
        assert r.status_code == 201, r.text
    return f"batch{tag}"


async def _list(
    client: httpx.AsyncClient, headers: dict[str, str], tag: str, purpose: str, **query: Any
) -> httpx.Response:
    return await client.get(
        "/participants",
        params={"q": tag, "limit": 3, **query},
        headers={**headers, "x-purpose": purpose},
    )


async def _audited(db: asyncpg.Connection, purpose: str) -> list[str]:
    rows = await db.fetch(
        "SELECT participant_id::text AS id FROM audit_log WHERE purpose = $1 AND action = 'list'"
        " ORDER BY participant_id",
        purpose,
    )
    return [r["id"] for r in rows]


async def test_pages_listed_at_once_each_audit_exactly_whom_they_show(
    client: httpx.AsyncClient, token: Callable[..., str], db: asyncpg.Connection
) -> None:
    readers = [auth(token("coordinator", subject=f"coordinator-batch-{n}")) for n in range(3)]
    tag = await _people(client, readers[0], 7)
    run = uuid.uuid4().hex[:6]
    purposes = [f"batch {run} {n}" for n in range(12)]
    # Twelve pages at once, by three readers, the first and second pages of the list.
    first = await _list(client, readers[0], tag, "batch first page")
    cursor = first.json()["next_cursor"]
    answers = await asyncio.gather(
        *(
            _list(client, readers[n % 3], tag, p, **({"cursor": cursor} if n % 2 else {}))
            for n, p in enumerate(purposes)
        )
    )
    for purpose, r in zip(purposes, answers, strict=True):
        assert r.status_code == 200, r.text
        shown = sorted(item["id"] for item in r.json()["items"])
        assert len(shown) == 3
        assert await _audited(db, purpose) == shown  # each shown once, nobody else


async def test_a_page_whose_audit_rows_fail_is_not_shown(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    db: asyncpg.Connection,
    refusing: None,
) -> None:
    tag = await _people(client, auth(token("coordinator")), 2)
    refused = auth(token("coordinator", subject=REFUSED))
    purpose = f"refused {uuid.uuid4().hex[:6]}"
    body = problem(await _list(client, refused, tag, purpose), 503)
    assert "items" not in body
    assert await _audited(db, purpose) == []


async def test_pages_that_share_a_failed_write_are_none_of_them_shown(
    client: httpx.AsyncClient,
    token: Callable[..., str],
    db: asyncpg.Connection,
    refusing: None,
) -> None:
    """A page is answered if and only if its rows are committed, whichever write it shared."""
    good = auth(token("coordinator", subject="coordinator-batch-good"))
    tag = await _people(client, good, 2)
    run = uuid.uuid4().hex[:6]
    asked = [(refused, f"shared {run} {n}") for n in range(6) for refused in (True, False)]
    refused_headers = auth(token("coordinator", subject=REFUSED))
    answers = await asyncio.gather(
        *(_list(client, refused_headers if r else good, tag, p) for r, p in asked)
    )
    for (was_refused, purpose), r in zip(asked, answers, strict=True):
        audited = await _audited(db, purpose)
        if r.status_code == 200:
            assert not was_refused
            assert audited == sorted(item["id"] for item in r.json()["items"])
        else:
            problem(r, 503)
            assert audited == []
    assert any(r.status_code == 503 for r in answers)


async def test_pages_waiting_together_are_written_in_one_transaction(
    database: Database, db: asyncpg.Connection, refusing: None
) -> None:
    """All that waits when the writer starts is one transaction, whoever read and why; a
    failed write fails every page of it, and the next write is tried afresh."""
    batches = AuditBatches(database)
    run = uuid.uuid4().hex[:6]
    pages = [
        (f"batch-actor-{n % 3}", ["coordinator"] if n % 2 else ["coordinator", "ops"], n)
        for n in range(8)
    ]
    ids = {n: [uuid.uuid4() for _ in range(n + 1)] for _, _, n in pages}
    await asyncio.gather(
        *(batches.record(a, roles, ids[n], "list", f"tx {run} {n}") for a, roles, n in pages)
    )
    rows = await db.fetch(
        "SELECT xmin::text AS tx, actor, actor_roles, participant_id, purpose FROM audit_log"
        " WHERE purpose LIKE $1",
        f"tx {run} %",
    )
    assert len({r["tx"] for r in rows}) == 1
    assert sorted((r["purpose"], r["participant_id"]) for r in rows) == sorted(
        (f"tx {run} {n}", pid) for n, pid_list in ids.items() for pid in pid_list
    )
    for r in rows:
        a, roles, _ = pages[int(r["purpose"].rsplit(" ", 1)[1])]
        assert (r["actor"], r["actor_roles"]) == (a, roles)

    failing = [batches.record(REFUSED, ["coordinator"], [uuid.uuid4()], "list", f"tx {run} x")]
    failing.append(
        batches.record("batch-actor-0", ["coordinator"], [uuid.uuid4()], "list", f"tx {run} y")
    )
    outcomes = await asyncio.gather(*failing, return_exceptions=True)
    assert all(isinstance(o, AuditWriteError) for o in outcomes), outcomes
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE purpose = ANY($1)", [f"tx {run} x", f"tx {run} y"]
        )
        == 0
    )
    await batches.record("batch-actor-0", ["coordinator"], [uuid.uuid4()], "list", f"tx {run} z")
    assert (
        await db.fetchval("SELECT count(*) FROM audit_log WHERE purpose = $1", f"tx {run} z") == 1
    )
