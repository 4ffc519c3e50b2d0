"""The audit log of personal-data reads and changes: the kit's (`voimala_kit.audit`), the same
table and the same rules in every service, written in the transaction of the read."""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from voimala_kit import Principal
from voimala_kit.audit import AuditEntry, record, trail
from voimala_kit.db import Connection, Database
from voimala_kit.logging import get_logger

__all__ = ["AuditBatches", "AuditEntry", "AuditWriteError", "batches", "record", "trail", "write"]

log = get_logger(__name__)


async def write(
    conn: Connection,
    actor: str,
    roles: Sequence[str],
    participant_ids: Sequence[uuid.UUID],
    action: str,
    purpose: str,
) -> None:
    """`record` for an actor known by name and roles rather than by a token."""
    await record(conn, Principal(actor, frozenset(roles)), participant_ids, action, purpose)


# Group commit of the list's audit rows: every page waiting hands its rows to one writer, which
# writes all of them at once (one transaction, one commit, one WAL flush) and answers each page
# once that commit is done. A page is shown only after its rows are committed, as when it wrote
# them itself; if the write fails, every page of it fails (`AuditWriteError`), none is shown
# unaudited. The rows are `record`'s, one per person; `at` is the batch's time.
# The pages are grouped by who read, why and how: one execution per group, all of them in one
# round trip and one implicit transaction (`executemany` is atomic); one group, one statement.
_WRITE = """
INSERT INTO audit_log (actor, actor_roles, participant_id, action, purpose)
SELECT $1, $2, pid, $4, $5 FROM unnest($3::uuid[]) AS pid
"""
#: The most pages one write takes (the rest wait for the next).
MAX_PAGES = 200

_Key = tuple[str, tuple[str, ...], str, str]


class AuditWriteError(Exception):
    """The write holding a page's audit rows was not committed: the page must not be shown."""


@dataclass(slots=True)
class _Page:
    key: _Key
    ids: Sequence[uuid.UUID]
    done: asyncio.Future[None]


def _groups(pages: list[_Page]) -> list[tuple[str, list[str], list[uuid.UUID], str, str]]:
    """One execution's arguments per (actor, roles, action, purpose), with all its pages' ids."""
    ids: dict[_Key, list[uuid.UUID]] = {}
    for p in pages:
        ids.setdefault(p.key, []).extend(p.ids)
    return [
        (actor, list(roles), found, action, purpose)
        for (actor, roles, action, purpose), found in ids.items()
    ]


class AuditBatches:
    """The one writer of a process's (a database's) batched audit rows. No task runs while
    nothing waits: the first page to wait starts one, which writes until nothing is left."""

    def __init__(self, db: Database, max_pages: int = MAX_PAGES) -> None:
        self._db = db
        self._max = max_pages
        self._waiting: list[_Page] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(
        self, actor: str, roles: Sequence[str], ids: Sequence[uuid.UUID], action: str, purpose: str
    ) -> None:
        """Return once one row per id is committed; `AuditWriteError` if it could not be."""
        if not ids:
            return
        key = (actor, tuple(roles), action, purpose)
        page = _Page(key, ids, asyncio.get_running_loop().create_future())
        self._waiting.append(page)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        # A caller that goes away (the client hung up) cancels only its own future: its rows
        # stay in the batch and are written all the same.
        await page.done

    async def _write(self) -> None:
        taken: list[_Page] = []
        try:
            while self._waiting:
                taken, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
                failed = await self._commit(taken)
                for p in taken:
                    if not p.done.done():
                        if failed is None:
                            p.done.set_result(None)
                        else:
                            p.done.set_exception(failed)
                taken = []
        finally:
            # No await since the last empty check: nothing can have joined. Stopped half way
            # (the process stops): whoever still waits is told the rows are not known written.
            self._writer = None
            for p in taken + self._waiting:
                if not p.done.done():
                    p.done.set_exception(AuditWriteError("stopped"))
            self._waiting = []

    async def _commit(self, pages: list[_Page]) -> AuditWriteError | None:
        """Write the pages' rows in one transaction; the failure to answer them with, if any."""
        try:
            groups = _groups(pages)
            async with self._db.connection() as conn:
                if len(groups) == 1:  # the usual case: one statement, cheaper to send
                    await conn.execute(_WRITE, *groups[0])
                else:
                    await conn.executemany(_WRITE, groups)
        except Exception as error:  # noqa: BLE001 - whatever failed, no page of it is shown
            log.warning("audit.batch_failed", pages=len(pages), error=type(error).__name__)
            return AuditWriteError(type(error).__name__)
        return None


_BATCHES: weakref.WeakKeyDictionary[Database, AuditBatches] = weakref.WeakKeyDictionary()


def batches(db: Database) -> AuditBatches:
    """The database's one batched audit writer in this process."""
    found = _BATCHES.get(db)
    if found is None:
        found = _BATCHES[db] = AuditBatches(db)
    return found
