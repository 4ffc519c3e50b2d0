"""The outbox relay: publishes committed outbox rows to Kafka, then deletes them.

Safe to run in several replicas. Rows are grouped in lanes by key; a batch takes only rows of
lanes whose advisory lock its transaction holds for the whole claim (the lanes of the rows at
the head of the outbox, tried before any row is taken), so one aggregate's events are never
published by two batches at once, and stay in order. Rows
are claimed by what is committed now, never by a cursor, so a transaction that commits after a
later one leaves no gap. A crash between publishing and deleting publishes the batch again:
consumers deduplicate.

One statement per batch claims and deletes (the delete commits only after every ack), and the
relay vacuums the outbox itself every few thousand deleted rows: autovacuum visits a database
about once a minute, and until it does every claim walks the dead rows (measured: a claim of
50 rows read 63 buffers on a fresh table and 4,116 after 20,000 published rows, 0.4 -> 15 ms).

While one batch waits for its acks and commits, the next is claimed and sent (two in flight,
each in its own transaction): the lanes the first holds are skipped by the second's claim, so
no key is in both, and either can fail and be published again without overtaking the other.
Measured in bench/pipeline.py at 2,000 events/s: a batch spent most of its time waiting for
Kafka's acks and its commit, which the next batch's events had to wait for as well.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from contextlib import AsyncExitStack
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from aiokafka import AIOKafkaProducer
from voimala_contracts import STRUCTURED, topics

from .db import Database
from .errors import backoff_delay, is_transient, sleep_or_stop
from .logging import error_fields, get_logger
from .metrics import EVENTS_PUBLISHED, OUTBOX_BATCH, RETRIES, outbox, relay_started

__all__ = ["Relay", "Sent"]

log = get_logger(__name__)
_LANE_LOCK = 7_305_115

# The outbox's `lane` is mod(abs(hashtext(key)), 64). First the lanes of the oldest rows (as
# many as the batches in flight could take) are try-locked, each once (`mine`); then the
# oldest rows of the lanes won are taken. A lane this transaction holds stays held for the
# whole scan, so every earlier row of it was taken first. (A lock tried row by row as the scan
# met them could skip a row whose lane another batch held, and take a later row of that lane
# once that batch committed mid-scan: one aggregate out of order.) A lane another batch
# holds, this relay's own in flight or another replica's, is skipped with all its rows; only
# the lanes of rows near the head are locked, so a batch in flight leaves the other lanes to
# the next. The rows are deleted and returned in one statement; RETURNING has no order, so
# they are sorted by position before they are sent. The delete finds them by the primary key
# (`= ANY(ARRAY(...))`), not by a hash join over the whole outbox: with 50,000 rows waiting a
# claim of 500 took 6.8 ms this way and 26.6 ms the other.
# The same statement makes the transaction's commit asynchronous (SET LOCAL, without a round
# trip of its own): the relay's next claim need not wait for the WAL flush of this delete.
# A delete lost in a crash before that flush (a fraction of a second; the writers' commits
# flush it with theirs) leaves its rows to be published again, which consumers absorb as they
# absorb a relay killed between the acks and the commit.
_CLAIM = f"""
WITH settings AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true)
), ahead AS MATERIALIZED (
    SELECT DISTINCT lane FROM (SELECT lane FROM outbox ORDER BY position LIMIT $2) AS head
), mine AS MATERIALIZED (
    SELECT lane FROM ahead, settings WHERE pg_try_advisory_xact_lock({_LANE_LOCK}, lane)
), claimed AS (
    SELECT position FROM outbox
    WHERE lane IN (SELECT lane FROM mine)
    ORDER BY position
    LIMIT $1
    FOR UPDATE OF outbox SKIP LOCKED
)
DELETE FROM outbox AS o WHERE o.position = ANY(ARRAY(SELECT position FROM claimed))
RETURNING o.position, o.topic, o.key, o.payload
"""  # noqa: S608 - constants, not input
_HEADERS = list(STRUCTURED)
# Outside a transaction; TRUNCATE false: never an exclusive lock that would stall the writers.
_VACUUM = "VACUUM (TRUNCATE false) outbox"
# The oldest row by position (the primary key's index), not by a scan for min(created_at).
_BACKLOG = """
SELECT (SELECT count(*) FROM outbox) AS backlog,
       (SELECT extract(epoch FROM created_at) FROM outbox ORDER BY position LIMIT 1) AS oldest
"""


@dataclass(frozen=True)
class Sent:
    """A batch handed to the producer: its rows, their acks to come, and the open transaction
    (and pooled connection) that deleted them."""

    rows: list[Any]
    acks: list[asyncio.Future[Any]]
    held: AsyncExitStack


class Relay:
    def __init__(
        self,
        db: Database,
        producer: AIOKafkaProducer,
        *,
        service: str,
        batch_size: int = 500,
        idle_poll: float = 0.25,
        busy_wait: float = 0.01,
        backoff_base: float = 0.2,
        backoff_cap: float = 30.0,
        measure_every: float = 5.0,
        vacuum_every: int = 2_000,
        in_flight: int = 2,
    ) -> None:
        self._db = db
        self._producer = producer
        self._service = service
        self._batch_size = batch_size
        self._idle_poll = idle_poll
        self._busy_wait = busy_wait
        self._backoff = (backoff_base, backoff_cap)
        self._measure_every = measure_every
        self._vacuum_every = vacuum_every
        self._deleted = 0  # rows deleted since the last vacuum
        self._vacuuming: asyncio.Task[None] | None = None
        self._in_flight = in_flight
        self._flying: deque[asyncio.Task[int]] = deque()  # batches waiting for acks and commit
        relay_started(service, topics.BY_SERVICE.get(service))

    async def measure_backlog(self) -> tuple[int, float | None]:
        """Count the rows not yet published and note when the oldest was written."""
        async with self._db.connection() as conn:
            row = await conn.fetchrow(_BACKLOG)
        assert row is not None  # one row, always
        backlog = int(row["backlog"])
        oldest = None if row["oldest"] is None else float(row["oldest"])
        outbox.measured(self._service, backlog, oldest)
        return backlog, oldest

    async def _measure(self, stop: asyncio.Event) -> None:
        """Measured beside the publishing loop, so that a stuck relay is still seen as one."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(self.measure_backlog(), timeout=self._measure_every * 2)
            except Exception as exc:  # noqa: BLE001 - the last measurement stays shown
                log.warning("relay.backlog_unmeasured", **error_fields(exc))
            if await sleep_or_stop(self._measure_every, stop):
                return

    async def publish_batch(self) -> int:
        """Publish up to one batch in one transaction; return how many rows went out."""
        sent = await self.send_batch()
        return 0 if sent is None else await self.finish(sent)

    async def send_batch(self) -> Sent | None:
        """Claim a batch in a transaction of its own and hand every row to the producer; the
        transaction stays open (the rows deleted, their lanes locked) until `finish`. None,
        and the transaction committed, when there was nothing to claim."""
        held = AsyncExitStack()
        conn = await held.enter_async_context(self._db.transaction())
        try:
            rows = await conn.fetch(_CLAIM, self._batch_size, self._batch_size * self._in_flight)
            if not rows:
                await held.aclose()
                return None
            rows.sort(key=itemgetter(0))
            send = self._producer.send
            acks = [await send(r[1], value=r[3], key=r[2].encode(), headers=_HEADERS) for r in rows]
        except BaseException as exc:
            await held.__aexit__(type(exc), exc, exc.__traceback__)  # rolls back
            raise
        return Sent(rows, acks, held)

    async def finish(self, sent: Sent) -> int:
        """Wait for every ack of a sent batch, then commit its delete; an exception rolls it
        back (its rows are published again). Return how many rows went out."""
        async with sent.held:
            await asyncio.gather(*sent.acks)
        rows = sent.rows
        for topic, count in Counter(r[1] for r in rows).items():
            EVENTS_PUBLISHED.labels(self._service, topic).inc(count)
        OUTBOX_BATCH.labels(self._service).set(len(rows))
        self._deleted += len(rows)
        return len(rows)

    async def vacuum(self) -> None:
        """Reclaim the published rows now, so that claims stay cheap between autovacuums."""
        self._deleted = 0
        try:
            async with self._db.connection() as conn:
                await conn.execute(_VACUUM)
        except Exception as exc:  # noqa: BLE001 - autovacuum still comes; the relay goes on
            log.warning("relay.vacuum_failed", **error_fields(exc))

    def _vacuum_when_due(self) -> None:
        """Beside the publishing (VACUUM blocks no insert, claim or delete), one at a time."""
        if self._deleted >= self._vacuum_every and (
            self._vacuuming is None or self._vacuuming.done()
        ):
            self._vacuuming = asyncio.create_task(self.vacuum())

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until asked to stop.

        Idle, it wakes when a transaction of this process that wrote to the outbox commits,
        and polls every `idle_poll` seconds for what other processes wrote.
        """
        measuring = asyncio.create_task(self._measure(stop))
        try:
            await self._publish(stop)
        finally:
            measuring.cancel()
            await self._settle()
            if self._vacuuming is not None:
                await asyncio.wait([self._vacuuming], timeout=10)
                self._vacuuming.cancel()

    async def _publish(self, stop: asyncio.Event) -> None:
        wake = self._db.outbox_committed
        loop = asyncio.get_running_loop()
        attempt = 0
        while not stop.is_set():
            # Cleared before the claim: a commit during the batch wakes the next round.
            wake.clear()
            claimed_at = loop.time()
            try:
                claimed, overlapped = await self._step()
                attempt = 0
            except Exception as exc:  # noqa: BLE001 - the relay outlives any one failure
                attempt += 1
                RETRIES.labels(self._service, "relay", type(exc).__name__).inc()
                level = "warning" if is_transient(exc) else "error"
                getattr(log, level)("relay.retry", attempt=attempt, **error_fields(exc))
                if await sleep_or_stop(backoff_delay(attempt, *self._backoff), stop):
                    break
                continue
            self._vacuum_when_due()
            if not claimed and not overlapped:
                await self._idle(wake, stop)
            elif claimed < self._batch_size:
                # Busy: gather a few more commits into the next batch rather than running a
                # claim, a Kafka round trip and a delete for each one (fewer, fuller batches):
                # claims at most every `busy_wait`; a round that took longer gathered enough.
                gather = self._busy_wait - (loop.time() - claimed_at)
                if gather > 0:
                    await asyncio.sleep(gather)

    async def _step(self) -> tuple[int, bool]:
        """Claim and send a batch while earlier ones wait for their acks and commit, then wait
        for the oldest while `in_flight` are flying (it raises if that batch failed: rolled
        back, it is published again). Return how many rows were claimed now, and whether a
        batch was in flight meanwhile (its lanes were skipped: finding nothing is not idle
        yet)."""
        flying = self._flying
        overlapped = bool(flying)
        try:
            sent = await self.send_batch()
        except BaseException:
            await self._settle()
            raise
        if sent is not None:
            flying.append(asyncio.create_task(self.finish(sent)))
        # A claim that found nothing waits for every batch in flight (their lanes may hold
        # what is left) rather than claiming again and again meanwhile.
        while flying and (sent is None or len(flying) >= self._in_flight or flying[0].done()):
            await flying.popleft()
        return (0 if sent is None else len(sent.rows)), overlapped

    async def _settle(self) -> None:
        """Wait for the batches in flight when the relay stops or fails; a failure is logged
        (its rows, rolled back, are published again)."""
        while self._flying:
            try:
                await self._flying.popleft()
            except Exception as exc:  # noqa: BLE001 - the relay outlives any one failure
                log.warning("relay.batch_failed", **error_fields(exc))

    async def _idle(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        waiting = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())}
        await asyncio.wait(waiting, timeout=self._idle_poll, return_when=asyncio.FIRST_COMPLETED)
        for f in waiting:
            f.cancel()
