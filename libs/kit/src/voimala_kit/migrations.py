"""Numbered `.sql` migrations: applied once, in order, checksummed.

A service has two sets: the platform's own (outbox, inbox) and its own `migrations/` folder.
An applied file that has changed since is refused: history is not rewritten, a new file is
added instead. Replicas starting together take an advisory lock, so only one migrates.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .db import Connection
from .logging import get_logger

__all__ = ["KIT_MIGRATIONS", "Migration", "MigrationError", "load", "migrate"]

KIT_MIGRATIONS = Path(__file__).parent / "sql"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 7_305_114  # any constant: one advisory lock for "migrating" per database
log = get_logger(__name__)


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    scope: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load(scope: str, folder: Path) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: name must look like 0001_what_it_does.sql")
        found.append(Migration(scope, int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a number")
    return found


_CREATE_HISTORY = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    scope      text        NOT NULL,
    version    integer     NOT NULL,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, version)
)"""
_APPLIED = "SELECT scope, version, checksum FROM schema_migrations"
_RECORD = "INSERT INTO schema_migrations (scope, version, name, checksum) VALUES ($1, $2, $3, $4)"


async def migrate(
    conn: Connection, folders: dict[str, Path], timeout: float = 3600
) -> list[Migration]:
    """Apply what is new of each scope's folder (in the order given); return what was applied.

    `timeout` bounds waiting for another process's migrations and each migration itself,
    instead of the pool's per-statement limit: rewriting a large table takes minutes."""
    wanted = [m for scope, folder in folders.items() for m in load(scope, folder)]
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY, timeout=timeout)
    try:
        await conn.execute(_CREATE_HISTORY)
        applied = {(r["scope"], r["version"]): r["checksum"] for r in await conn.fetch(_APPLIED)}
        done = []
        for migration in wanted:
            known = applied.get((migration.scope, migration.version))
            if known is not None:
                if known != migration.checksum:
                    raise MigrationError(
                        f"{migration.scope} {migration.version:04d}_{migration.name}.sql was "
                        "changed after it was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql, timeout=timeout)
                await conn.execute(
                    _RECORD, migration.scope, migration.version, migration.name, migration.checksum
                )
            log.info("db.migration_applied", scope=migration.scope, version=migration.version)
            done.append(migration)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
