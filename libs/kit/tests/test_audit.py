"""The audit log on the real PostgreSQL: written in the caller's transaction, read newest first,
never rewritten (by the service's own role above all), taken over where a service had it, and
listed to coordinators only at `GET /audit-log`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from fastapi import FastAPI
from voimala_kit import Database, Principal, TokenVerifier
from voimala_kit.audit import SYSTEM, audit_router, record, trail
from voimala_kit.http import install_http
from voimala_kit.migrations import KIT_MIGRATIONS, migrate
from voimala_kit.testing import PROBLEM_JSON, auth, running_app

COORDINATOR = Principal("staff-1", frozenset({"counsellor", "coordinator"}))
REFUSED = ("UPDATE audit_log SET purpose = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log")

# participants' own audit_log, as its 0002_registry.sql created it before the kit had one.
PARTICIPANTS_AUDIT_LOG = """
CREATE TABLE audit_log (
    id             bigserial   PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text        NOT NULL,
    actor_roles    text[]      NOT NULL,
    participant_id uuid        NOT NULL,
    action         text        NOT NULL,
    purpose        text        NOT NULL
);
CREATE INDEX audit_log_of ON audit_log (participant_id, at DESC, id DESC);
"""


async def test_a_read_is_recorded_per_person_in_the_callers_transaction(db: Database) -> None:
    ann, bo = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as conn:
        await record(conn, COORDINATOR, [ann, bo, ann], "registration.read", "staff_view")
        await record(conn, COORDINATOR, [], "registration.read", "staff_view")
    with pytest.raises(RuntimeError):  # noqa: PT012 - the failing transaction is the point
        async with db.transaction() as conn:
            await record(conn, COORDINATOR, [ann], "contact.changed", "case_work")
            raise RuntimeError("the change failed: neither it nor its audit row is kept")
    async with db.connection() as conn:
        (entry,) = await trail(conn, ann, None, 10)
        assert [e.actor for e in await trail(conn, bo, None, 10)] == ["staff-1"]
    assert (entry.actor, entry.actor_roles) == ("staff-1", ["coordinator", "counsellor"])
    assert (entry.action, entry.purpose) == ("registration.read", "staff_view")


async def test_the_trail_is_newest_first_and_pages_by_time_and_id(db: Database) -> None:
    pid = uuid.uuid4()
    async with db.transaction() as conn:  # one transaction: every row has the same time
        for n in range(5):
            await record(conn, SYSTEM, [pid], f"read.{n}", "retention")
    async with db.connection() as conn:
        first = await trail(conn, pid, None, 3)
        rest = await trail(conn, pid, (first[-1].at, first[-1].id), 3)
    assert [e.action for e in first + rest] == [f"read.{n}" for n in (4, 3, 2, 1, 0)]
    assert (rest[0].actor, rest[0].actor_roles) == ("system", [])


@pytest.mark.parametrize("statement", REFUSED)
async def test_no_row_is_rewritten_or_removed_even_by_a_superuser(
    db: Database, statement: str
) -> None:
    pid = uuid.uuid4()
    async with db.transaction() as conn:
        await record(conn, COORDINATOR, [pid], "registration.read", "staff_view")
    async with db.connection() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("DELETE FROM audit_log WHERE participant_id = $1", uuid.uuid4())
        assert len(await trail(conn, pid, None, 10)) == 1


@pytest.fixture(scope="module")
async def service_role_dsn(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A database as production has it: owned by the service's own login role (no superuser),
    which runs the migrations itself (deploy/local/postgres.sh, deploy/compose/initdb)."""
    name = f"t_audit_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'audit-test'")
        await admin.execute(f"CREATE DATABASE {name} OWNER {name}")
    finally:
        await admin.close()
    base = pg_admin_dsn.split("@", 1)[1].rsplit("/", 1)[0]
    yield f"postgresql://{name}:audit-test@{base}/{name}"
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"DROP ROLE IF EXISTS {name}")
    finally:
        await admin.close()


@pytest.mark.parametrize("statement", REFUSED)
async def test_the_services_own_role_may_add_and_read_but_not_rewrite_or_remove(
    service_role_dsn: str, tmp_path: Path, statement: str
) -> None:
    conn = await asyncpg.connect(service_role_dsn)
    try:
        await migrate(conn, {"svc": tmp_path, "kit": KIT_MIGRATIONS})
        pid = uuid.uuid4()
        await record(conn, COORDINATOR, [pid], "registration.read", "staff_view")
        superuser = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        assert await conn.fetchval(superuser) is False
        # Refused for want of the privilege, before the trigger would refuse it too.
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await conn.execute(statement)
        assert len(await trail(conn, pid, None, 10)) == 1
    finally:
        await conn.close()


async def _fresh(new_database: Callable[[str], Awaitable[str]]) -> asyncpg.Connection:
    return await asyncpg.connect(await new_database("audit"))


async def test_a_service_that_had_the_table_keeps_it_on_a_fresh_database_and_an_old_one(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "0001_registry.sql").write_text(PARTICIPANTS_AUDIT_LOG)
    before_audit = tmp_path / "kit-then"
    before_audit.mkdir()
    for path in sorted(KIT_MIGRATIONS.glob("000[12]_*.sql")):
        (before_audit / path.name).write_text(path.read_text())
    fresh, old = await _fresh(new_database), await _fresh(new_database)
    try:
        # Fresh: the service's migrations, then the kit's, in the order service.py gives.
        await migrate(fresh, {"participants": own, "kit": KIT_MIGRATIONS})
        # Old: migrated when the kit had no audit log, with a row in it; then today's kit.
        await migrate(old, {"kit": before_audit, "participants": own})
        pid = uuid.uuid4()
        await record(old, COORDINATOR, [pid], "read_timeline", "case_work")
        applied = await migrate(old, {"participants": own, "kit": KIT_MIGRATIONS})
        assert [m.name for m in applied] == ["audit_log", "inbox_retention"]
        for conn in (fresh, old):
            await record(conn, COORDINATOR, [pid], "registration.read", "staff_view")
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute("DELETE FROM audit_log")
        assert [e.action for e in await trail(old, pid, None, 10)] == [
            "registration.read",
            "read_timeline",
        ]
    finally:
        await fresh.close()
        await old.close()


@dataclass
class _Platform:
    """What `GET /audit-log` takes from the running service: its pool and its token check."""

    db: Database
    verifier: TokenVerifier


def _audit_app(db: Database, public_key: Path) -> FastAPI:
    """The kit's router as create_app mounts it (tests/contract checks every service has it),
    with the kit's error answers, on the real database."""
    app = FastAPI()
    install_http(app, "participants")
    app.include_router(audit_router("participants"))
    app.state.platform = _Platform(
        db, TokenVerifier.from_file(public_key, "voimala-dev", "voimala")
    )
    return app


async def test_coordinators_list_a_persons_trail_in_pages_and_no_one_else_does(
    db: Database, jwt_keys: tuple[Path, Path], token: Callable[..., str]
) -> None:
    pid = uuid.uuid4()
    async with db.transaction() as conn:
        await record(conn, COORDINATOR, [pid], "registration.read", "staff_view")
        await record(conn, SYSTEM, [pid, uuid.uuid4()], "erasure.done", "erasure")
    async with running_app(_audit_app(db, jwt_keys[1])) as client:
        coordinator = auth(token("coordinator"))
        first = await client.get(f"/audit-log?participant_id={pid}&limit=1", headers=coordinator)
        assert first.status_code == 200, first.text
        cursor = first.json()["next_cursor"]
        second = await client.get(
            "/audit-log", params={"participant_id": str(pid), "cursor": cursor}, headers=coordinator
        )
        for role in ("counsellor", "ops", "participant", "employer", "mentor"):
            refused = await client.get(
                f"/audit-log?participant_id={pid}", headers=auth(token(role))
            )
            assert refused.status_code == 403
            assert refused.headers["content-type"] == PROBLEM_JSON
            assert "coordinator" in refused.json()["detail"]
        assert (await client.get(f"/audit-log?participant_id={pid}")).status_code == 401
        bad_id = await client.get("/audit-log?participant_id=nobody", headers=coordinator)
        bad_cursor = await client.get(
            f"/audit-log?participant_id={pid}&cursor=bm90LWEtY3Vyc29y", headers=coordinator
        )
    (newest,) = first.json()["items"]
    assert newest == {
        "at": newest["at"],
        "actor": "system",
        "actor_roles": [],
        "action": "erasure.done",
        "purpose": "erasure",
        "service": "participants",
    }
    assert second.json()["next_cursor"] is None
    assert [i["action"] for i in second.json()["items"]] == ["registration.read"]
    assert second.json()["items"][0]["actor_roles"] == ["coordinator", "counsellor"]
    assert (bad_id.status_code, bad_cursor.status_code) == (422, 422)
    assert bad_cursor.json()["errors"][0]["loc"] == ["query", "cursor"]
