from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from voimala_kit.migrations import MigrationError, load, migrate


def _write(folder: Path, name: str, sql: str) -> None:
    (folder / name).write_text(sql, encoding="utf-8")


async def test_applies_each_file_once_in_order(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE t (n int);")
    _write(tmp_path, "0002_fill.sql", "INSERT INTO t VALUES (1);")
    conn = await asyncpg.connect(await new_database("mig"))
    try:
        first = await migrate(conn, {"svc": tmp_path})
        second = await migrate(conn, {"svc": tmp_path})
        assert [m.version for m in first] == [1, 2]
        assert second == []
        assert await conn.fetchval("SELECT count(*) FROM t") == 1
    finally:
        await conn.close()


async def test_refuses_an_applied_file_that_changed(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE t (n int);")
    conn = await asyncpg.connect(await new_database("mig"))
    try:
        await migrate(conn, {"svc": tmp_path})
        _write(tmp_path, "0001_create.sql", "CREATE TABLE t (n bigint);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(conn, {"svc": tmp_path})
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_done(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE t (n int); INSERT INTO nowhere VALUES (1);")
    conn = await asyncpg.connect(await new_database("mig"))
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate(conn, {"svc": tmp_path})
        assert await conn.fetchval("SELECT to_regclass('t')") is None
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 0
    finally:
        await conn.close()


async def test_replicas_starting_together_migrate_once(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE t (n int);")
    dsn = await new_database("mig")
    conns = [await asyncpg.connect(dsn) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c, {"svc": tmp_path}) for c in conns))
        assert sorted(len(r) for r in results) == [0, 0, 1]
    finally:
        for c in conns:
            await c.close()


async def test_a_migration_may_run_longer_than_the_pools_statement_limit(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    # Services connect with a short per-statement limit; rewriting a large table takes longer.
    _write(tmp_path, "0001_slow.sql", "SELECT pg_sleep(0.6); CREATE TABLE t (n int);")
    conn = await asyncpg.connect(await new_database("mig"), command_timeout=0.2)
    try:
        with pytest.raises(asyncio.TimeoutError):
            await conn.execute("SELECT pg_sleep(0.6)")
        assert [m.version for m in await migrate(conn, {"svc": tmp_path})] == [1]
        assert await conn.fetchval("SELECT to_regclass('t') IS NOT NULL")
        _write(tmp_path, "0002_slower.sql", "SELECT pg_sleep(0.6);")
        with pytest.raises(asyncio.TimeoutError):
            await migrate(conn, {"svc": tmp_path}, timeout=0.3)
    finally:
        await conn.close()


def test_rejects_badly_named_files(tmp_path: Path) -> None:
    _write(tmp_path, "create_things.sql", "SELECT 1;")
    with pytest.raises(MigrationError, match="0001_what_it_does"):
        load("svc", tmp_path)
