"""The database boundary: a pool with bounded waits, and one transaction per unit of work."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from types import TracebackType
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction

from .metrics import DB_POOL_TIMEOUTS, watch_pool
from .settings import ServiceSettings

__all__ = ["Connection", "Database", "mark_outbox_written"]

#: What business code receives: a connection inside a transaction (pooled or not).
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


_wrote_outbox: ContextVar[bool] = ContextVar("wrote_outbox", default=False)


def mark_outbox_written() -> None:
    """Called by the outbox: this transaction, once committed, has events to publish."""
    _wrote_outbox.set(True)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (an extra round trip per transaction, -15 %).

    asyncpg still rolls back an open transaction. The platform never leaves session state on
    a pooled connection it gives back: nothing calls SET or LISTEN, advisory locks are
    transaction-scoped, and the two session locks unlock themselves (migrations' lock;
    notifications' delivery, which holds its recipients while it hands over, closes the
    connection if the unlock fails).
    """


class Database:
    """Owns the pool. Business code receives a connection inside a transaction, never commits."""

    def __init__(
        self, pool: asyncpg.Pool, dsn: str, acquire_timeout: float, service: str = "unnamed"
    ) -> None:
        self.pool = pool
        self.dsn = dsn
        self.service = service
        self._acquire_timeout = acquire_timeout
        #: Units of work waiting for a connection now (`voimala_db_pool_waiting`).
        self.waiting = 0
        #: Set after a transaction that wrote to the outbox has committed: wakes this process's
        #: relay at once, without a database NOTIFY (which serialises every commit).
        self.outbox_committed = asyncio.Event()
        watch_pool(service, self)

    @classmethod
    async def connect(cls, settings: ServiceSettings) -> Database:
        pool = await asyncpg.create_pool(
            settings.database_url,
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            command_timeout=settings.db_command_timeout,
            timeout=settings.db_acquire_timeout,
            server_settings={"application_name": settings.service_name, "timezone": "UTC"},
            reset=_keep_session,
        )
        return cls(pool, settings.database_url, settings.db_acquire_timeout, settings.service_name)

    def pool_reading(self) -> tuple[int, int, int, int]:
        """Connections in use, idle, at most, and the units of work waiting for one."""
        size, idle = self.pool.get_size(), self.pool.get_idle_size()
        return size - idle, idle, self.pool.get_max_size(), self.waiting

    def connection(self) -> _Lease:
        """A pooled connection. When it goes back after a transaction that wrote to the outbox
        committed, this process's relay is woken, however the transaction was opened
        (`transaction()` or the connection's own): otherwise the relay would find those events
        only at its idle poll (0.25 s; measured, that was the p99 at a steady rate)."""
        return _Lease(self)

    async def _acquire(self) -> PoolConnectionProxy[asyncpg.Record]:
        if self.pool.get_idle_size():
            # An idle connection: nothing to wait for, so no timeout to arm (~4 % of a cheap
            # read) and nothing to count.
            return await self.pool.acquire()
        self.waiting += 1
        try:
            # asyncio.timeout rather than acquire(timeout=...): asyncpg's timeout is
            # asyncio.wait_for, a task of its own per acquire on Python 3.11.
            async with asyncio.timeout(self._acquire_timeout):
                return await self.pool.acquire()
        except TimeoutError:
            DB_POOL_TIMEOUTS.labels(self.service).inc()
            raise
        finally:
            self.waiting -= 1

    def transaction(self) -> _Transaction:
        """One transaction: committed when the block ends, rolled back if it raises."""
        return _Transaction(_Lease(self))

    async def ping(self) -> None:
        async with self.connection() as conn:
            await conn.fetchval("SELECT 1")

    async def close(self) -> None:
        await self.pool.close()


class _Lease:
    """`Database.connection()`: a connection from the pool, given back when the block ends.

    A class rather than generator-based context managers: the two nested ones it replaces
    (and asyncpg's acquire context inside them) cost ~3 % of the CPU of a cheap read.
    """

    __slots__ = ("_conn", "_db", "_outer")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: PoolConnectionProxy[asyncpg.Record] | None = None
        self._outer = False

    async def __aenter__(self) -> Connection:
        # Restored by value, not by token: the relay hands an open transaction to another task
        # to finish (a token may only be reset in the context that made it).
        self._outer = _wrote_outbox.get()
        _wrote_outbox.set(False)
        try:
            self._conn = await self._db._acquire()
        except BaseException:
            _wrote_outbox.set(self._outer)
            raise
        return self._conn

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            assert self._conn is not None  # entered
            await self._db.pool.release(self._conn)
            if kind is None and _wrote_outbox.get():
                self._db.outbox_committed.set()
        finally:
            _wrote_outbox.set(self._outer)


class _Transaction:
    """`Database.transaction()`: `async with db.connection() as conn, conn.transaction()`, as
    one class (each request that writes opens one)."""

    __slots__ = ("_lease", "_tx")

    def __init__(self, lease: _Lease) -> None:
        self._lease = lease
        self._tx: Transaction | None = None

    async def __aenter__(self) -> Connection:
        conn = await self._lease.__aenter__()
        try:
            self._tx = conn.transaction()
            await self._tx.start()
        except BaseException as failed:
            await self._lease.__aexit__(type(failed), failed, failed.__traceback__)
            raise
        return conn

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tx is not None  # entered
        try:
            await self._tx.__aexit__(kind, error, tb)  # commit, or roll back what raised
        except BaseException as failed:
            await self._lease.__aexit__(type(failed), failed, failed.__traceback__)
            raise
        await self._lease.__aexit__(kind, error, tb)
