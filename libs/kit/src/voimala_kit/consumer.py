"""The consumer: inbox dedupe, effects and inbox row in one transaction, offsets after commit.

What can never succeed (not JSON, an invalid envelope or data, a type no contract knows, a
handler's PermanentError, or any error that outlives its retries) goes to the service's
dead-letter topic with headers that say where it came from and why: never personal data.
Transient errors (database or broker away) are retried with capped backoff for as long as
they last, holding the partition: order matters more than progress.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from voimala_contracts import (
    CloudEvent,
    EventData,
    InvalidEventError,
    is_known,
    parse_data,
    parse_envelope,
    topics,
)

from .clock import SystemClock
from .context import work_context
from .db import Connection, Database
from .errors import PermanentError, backoff_delay, is_transient, sleep_or_stop
from .lag import LagMeter
from .logging import error_fields, get_logger
from .metrics import CONSUMER_RETRIES, EVENT_SECONDS, EVENTS_CONSUMED, RETRIES, consumer_started
from .personal import PERSONAL_ERASED, Keyring, contains_sealed

__all__ = ["ApplyMany", "Consumer", "Handler", "Stopping"]

log = get_logger(__name__)
DataT = TypeVar("DataT", bound=EventData)
# One statement for a whole batch; an id already there (or twice in the batch) comes back
# only once, or not at all.
_INBOX = """
INSERT INTO inbox (consumer, event_id, event_type)
SELECT $1, id, type FROM unnest($2::uuid[], $3::text[]) AS batch(id, type)
ON CONFLICT DO NOTHING
RETURNING event_id
"""

#: A fetch waits at the broker until this much is there or FETCH_MAX_WAIT_MS have passed:
#: while the topics are quiet, aiokafka's defaults (a fetch returns with the first event, or
#: empty after 500 ms). While events keep coming (the last fetch brought some), the next one
#: waits up to BUSY_FETCH_WAIT_MS for BUSY_FETCH_MIN_BYTES: a steady stream the consumer keeps
#: up with comes in fetches of several events (one transaction and one fetch each) instead of
#: about one each. Measured with a consumer that kept up with 1,000 events/s for 15 s (issue
#: 18): 5,350-8,783 fetches -> 1,106-1,537, the consumer's CPU 0.22-0.33 -> 0.06-0.09 ms an
#: event. It adds at most BUSY_FETCH_WAIT_MS to an event's way, and only while others came
#: just before it; a backlog of BUSY_FETCH_MIN_BYTES comes at once.
FETCH_MIN_BYTES = 1
FETCH_MAX_WAIT_MS = 500
BUSY_FETCH_MIN_BYTES = 64 * 1024
BUSY_FETCH_WAIT_MS = 10
#: How long `getmany` waits for records: while busy, briefly, so that the fetches go back to
#: the quiet settings soon after a stream ends (each busy fetch that finds nothing is a
#: request every BUSY_FETCH_WAIT_MS).
_POLL_MS = 200
_BUSY_POLL_MS = 30

#: Applies several events at once, in the consumer's transaction: (data, event) in order.
ApplyMany = Callable[[Connection, Sequence[tuple[Any, CloudEvent]]], Awaitable[None]]


@dataclass(frozen=True)
class Handler(Generic[DataT]):
    """Applies one event type inside the consumer's transaction.

    With `apply_many`, the events of a fetch that are new (past the inbox) and have this same
    `apply_many` (several types may share one) are given to it together, so that their writes
    can be one statement for the batch: each partition's order is kept (a run of a partition's
    consecutive events goes whole; the runs at the same place in several partitions go
    together). `apply` stays the handler of one event: a fetch that fails for any reason but
    a transient one is applied again event by event with `apply`, so that a bad event is
    dead-lettered alone with its reason and the others pass.
    """

    model: type[DataT]
    apply: Callable[[Connection, DataT, CloudEvent], Awaitable[None]]
    apply_many: ApplyMany | None = None


@dataclass(frozen=True)
class _Work:
    record: ConsumerRecord[bytes, bytes]
    event: CloudEvent
    data: EventData
    handler: Handler[Any]


class Stopping(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside the loop when shutdown was asked while waiting to retry."""


class Consumer:
    def __init__(
        self,
        db: Database,
        producer: AIOKafkaProducer,
        *,
        service: str,
        group_id: str,
        bootstrap_servers: str,
        subscribe: Sequence[str],
        handlers: Sequence[Handler[Any]],
        unknown_types: Literal["dead_letter", "skip"] = "dead_letter",
        backoff_base: float = 0.2,
        backoff_cap: float = 30.0,
        max_attempts: int = 5,
        max_records: int = 500,
        fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
        fetch_min_bytes: int = FETCH_MIN_BYTES,
        busy_fetch_wait_ms: int = BUSY_FETCH_WAIT_MS,
        busy_fetch_min_bytes: int = BUSY_FETCH_MIN_BYTES,
        commit_every: float = 0.1,
        lag_every: float = 5.0,
        security: Mapping[str, Any] | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._producer = producer
        self._service = service
        self._group_id = group_id
        self._bootstrap = bootstrap_servers
        self._security = dict(security or {})
        self._topics = list(subscribe)
        self._handlers = {h.model.TYPE: h for h in handlers}
        self._batching = any(h.apply_many is not None for h in handlers)
        self._unknown = unknown_types
        self._backoff = (backoff_base, backoff_cap)
        self._max_attempts = max_attempts
        self._max_records = max_records
        self._fetch = {"fetch_max_wait_ms": fetch_max_wait_ms, "fetch_min_bytes": fetch_min_bytes}
        self._busy_fetch = {
            "fetch_max_wait_ms": busy_fetch_wait_ms,
            "fetch_min_bytes": busy_fetch_min_bytes,
        }
        self._commit_every = commit_every
        self.dead_letter_topic = topics.dead_letter(service)
        self._stop = asyncio.Event()
        self._lag_every = lag_every
        consumer_started(service, self._topics)

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        consumer = AIOKafkaConsumer(
            *self._topics,
            **self._security,
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            client_id=f"{self._service}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self._max_records,
            **self._fetch,
        )
        await consumer.start()
        log.info("consumer.started", topics=self._topics, group=self._group_id)
        meter = LagMeter(
            consumer,
            service=self._service,
            bootstrap_servers=self._bootstrap,
            every=self._lag_every,
            security=self._security,
        )
        measuring = asyncio.Event()
        meter_task = asyncio.create_task(meter.run(measuring))
        try:
            await self._consume(consumer, stop)
        except Stopping:
            log.info("consumer.stopping_uncommitted")
        finally:
            measuring.set()
            await asyncio.wait([meter_task], timeout=10)
            meter_task.cancel()
            await consumer.stop()
            log.info("consumer.stopped")

    async def _consume(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        """Fetch, apply, commit the offsets of what the database has committed.

        Under load offsets go at most every `commit_every` seconds (each commit is a Kafka
        round trip on the consumer's path and a write on the broker); a crash then re-reads at
        most that much, which the inbox absorbs. What is pending is committed as soon as a
        fetch comes back empty, and before stopping.
        """
        loop = asyncio.get_running_loop()
        pending: dict[TopicPartition, int] = {}
        committed_at = -math.inf
        busy = False
        while not stop.is_set():
            batches = await consumer.getmany(
                timeout_ms=_BUSY_POLL_MS if busy else _POLL_MS, max_records=self._max_records
            )
            if bool(batches) != busy:
                busy = self._pace(consumer, bool(batches))
            if batches:
                await self.process_many(batches)
                pending.update({tp: records[-1].offset + 1 for tp, records in batches.items()})
            if pending and (not batches or loop.time() - committed_at >= self._commit_every):
                await self._commit_assigned(consumer, pending)
                pending, committed_at = {}, loop.time()
        if pending:
            await self._commit_assigned(consumer, pending)

    def _pace(self, consumer: AIOKafkaConsumer, busy: bool) -> bool:
        """Set how long the next fetches wait at the broker (see BUSY_FETCH_WAIT_MS).

        Called right after `getmany` returned, before anything is awaited: the fetch that the
        records just taken make room for is built after this, so it has the new settings.
        aiokafka has no public way to change them on a running consumer; its fetcher reads
        these two attributes for every request (aiokafka 0.14, pinned below 0.15). Without
        them the consumer keeps the settings it started with."""
        fetcher = getattr(consumer, "_fetcher", None)
        settings = self._busy_fetch if busy else self._fetch
        if fetcher is not None and hasattr(fetcher, "_fetch_max_wait_ms"):
            fetcher._fetch_max_wait_ms = settings["fetch_max_wait_ms"]
            fetcher._fetch_min_bytes = settings["fetch_min_bytes"]
        return busy

    async def _commit_assigned(
        self, consumer: AIOKafkaConsumer, offsets: Mapping[TopicPartition, int]
    ) -> None:
        """Commit what is still ours: a rebalance may have taken a partition since its records
        were applied; its next owner reads them again and the inbox absorbs them."""
        assigned = consumer.assignment()
        mine = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if not mine:
            return
        try:
            await self.commit(consumer, mine)
        except (CommitFailedError, IllegalStateError) as exc:
            log.warning("consumer.offsets_not_committed", **error_fields(exc))

    async def commit(
        self, consumer: AIOKafkaConsumer, offsets: Mapping[TopicPartition, int]
    ) -> None:
        """Commit the fetch's offsets in one request; only ever after the database committed."""
        await consumer.commit(dict(offsets))

    async def process(
        self, tp: TopicPartition, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> None:
        """Apply one partition's records (see `process_many`)."""
        await self.process_many({tp: records})

    async def process_many(
        self, batches: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]
    ) -> None:
        """Apply one fetch: poison to the dead letters, the rest in ONE transaction.

        Each partition's records keep their order; partitions hold different keys, so their
        interleaving does not matter. One transaction and one offset commit per fetch rather
        than per partition: a third of the commits (fsyncs) and Kafka round trips with three
        partitions, and no partition waits behind another's commits.
        """
        work: list[_Work] = []
        for records in batches.values():
            for record in records:
                item = await self._decode(record)
                if item is not None:
                    work.append(item)
        if work:
            await self._apply(work)

    async def _decode(self, record: ConsumerRecord[bytes, bytes]) -> _Work | None:
        try:
            event = parse_envelope(record.value)
        except InvalidEventError as exc:
            await self._dead_letter(record, "InvalidEventError", exc.reason)
            return None
        handler = self._handlers.get(event.type)
        if handler is None:
            if is_known(event.type) or self._unknown == "skip":
                EVENTS_CONSUMED.labels(self._service, record.topic, "skipped").inc()
                return None
            await self._dead_letter(record, "UnknownEventType", f"no contract for {event.type}")
            return None
        if self._keyring is not None and contains_sealed(event.data):
            opened = await self._open(self._keyring, event, handler)
            if opened is None:
                EVENTS_CONSUMED.labels(self._service, record.topic, "skipped").inc()
                return None
            event = opened
        try:
            data = parse_data(event, handler.model)
        except InvalidEventError as exc:
            await self._dead_letter(record, "InvalidEventError", exc.reason, event)
            return None
        return _Work(record, event, data, handler)

    async def _open(
        self, keyring: Keyring, event: CloudEvent, handler: Handler[Any]
    ) -> CloudEvent | None:
        """The event with its personal parts opened; None (skip it) when the handler needs
        the part and the person's key was destroyed. Plain parts pass as they are."""
        attempt = 0
        while True:
            try:
                data, erased = await keyring.open_data(event.subject, event.data)
                break
            except Exception as exc:
                if not is_transient(exc):
                    raise
                attempt += 1
                RETRIES.labels(self._service, "keyring", type(exc).__name__).inc()
                if await sleep_or_stop(backoff_delay(attempt, *self._backoff), self._stop):
                    raise Stopping from exc
        if erased:
            PERSONAL_ERASED.labels(self._service, event.type).inc()
            needed = handler.model.model_fields.get("personal")
            if needed is not None and needed.is_required():
                return None
        return event.model_copy(update={"data": data})

    async def _apply(self, work: list[_Work]) -> None:
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                outcomes = await self._apply_once(work)
            except Exception as exc:
                if len(work) > 1 and not is_transient(exc):
                    # Find the one that fails: each of the batch on its own.
                    for item in work:
                        await self._apply([item])
                    return
                attempt += 1
                error = type(exc).__name__
                RETRIES.labels(self._service, "consumer", error).inc()
                CONSUMER_RETRIES.labels(self._service, work[0].record.topic).inc()
                if not is_transient(exc) and (
                    isinstance(exc, PermanentError) or attempt >= self._max_attempts
                ):
                    reason = str(exc) if isinstance(exc, PermanentError) else "handler failed"
                    if not isinstance(exc, PermanentError):
                        log.error(
                            "consumer.handler_failed",
                            event_id=str(work[0].event.id),
                            **error_fields(exc),
                        )
                    await self._dead_letter(work[0].record, error, reason, work[0].event)
                    return
                log.warning("consumer.retry", attempt=attempt, batch=len(work), **error_fields(exc))
                if await sleep_or_stop(backoff_delay(attempt, *self._backoff), self._stop):
                    raise Stopping from exc
                continue
            EVENT_SECONDS.labels(self._service).observe(time.perf_counter() - started)
            counted = Counter(
                (item.record.topic, "applied" if fresh else "duplicate")
                for item, fresh in zip(work, outcomes, strict=True)
            )
            for (topic, outcome), count in counted.items():
                EVENTS_CONSUMED.labels(self._service, topic, outcome).inc(count)
            return

    async def _apply_once(self, work: list[_Work]) -> list[bool]:
        async with self._db.transaction() as conn:
            rows = await conn.fetch(
                _INBOX, self._group_id, [w.event.id for w in work], [w.event.type for w in work]
            )
            fresh = {r["event_id"] for r in rows}
            outcomes = []
            new: list[_Work] = []
            for item in work:
                outcomes.append(item.event.id in fresh)
                if item.event.id in fresh:
                    fresh.discard(item.event.id)  # a second copy in this batch is a duplicate
                    new.append(item)
            if not self._batching or len(new) == 1:  # as before: one by one, in order
                for item in new:
                    await self._apply_one(conn, item)
            elif new:
                for step in _steps(new):
                    await self._apply_step(conn, step)
        return outcomes

    async def _apply_one(self, conn: Connection, item: _Work) -> None:
        event = item.event
        with work_context(event.correlationid, str(event.id), str(event.id)):
            await item.handler.apply(conn, item.data, event)

    async def _apply_step(self, conn: Connection, step: list[_Work]) -> None:
        many = step[0].handler.apply_many
        if many is None or len(step) == 1:
            for item in step:
                await self._apply_one(conn, item)
            return
        first = step[0].event
        with work_context(first.correlationid, str(first.id), str(first.id)):
            await many(conn, [(item.data, item.event) for item in step])

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        error_class: str,
        reason: str,
        event: CloudEvent | None = None,
    ) -> None:
        headers = [
            ("dlq.original.topic", record.topic),
            ("dlq.original.partition", str(record.partition)),
            ("dlq.original.offset", str(record.offset)),
            ("dlq.consumer", self._group_id),
            ("dlq.error.class", error_class),
            ("dlq.error.message", reason[:500]),
            ("dlq.time", SystemClock().now().isoformat()),
        ]
        if event is not None:
            headers += [("dlq.event.id", str(event.id)), ("dlq.event.type", event.type)]
        attempt = 0
        while True:
            try:
                await self._producer.send_and_wait(
                    self.dead_letter_topic,
                    value=record.value,
                    key=record.key,
                    headers=[*record.headers, *((k, v.encode()) for k, v in headers)],
                )
                break
            except Exception as exc:
                attempt += 1
                RETRIES.labels(self._service, "dead_letter", type(exc).__name__).inc()
                if await sleep_or_stop(backoff_delay(attempt, *self._backoff), self._stop):
                    raise Stopping from exc
        EVENTS_CONSUMED.labels(self._service, record.topic, "dead_lettered").inc()
        log.warning(
            "consumer.dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=error_class,
            reason=reason[:200],
        )


def _steps(work: Sequence[_Work]) -> list[list[_Work]]:
    """The fetch's new events in the order they are applied: each partition's runs of
    consecutive events with the same `apply_many`, one run of every partition at a time, the
    runs of one round that share an `apply_many` merged into one step (partitions hold
    different keys, so their interleaving does not matter; each one's order is kept)."""
    runs: dict[tuple[str, int], list[list[_Work]]] = {}
    for item in work:
        partition = runs.setdefault((item.record.topic, item.record.partition), [])
        many = item.handler.apply_many
        if many is not None and partition and partition[-1][0].handler.apply_many is many:
            partition[-1].append(item)
        else:
            partition.append([item])
    steps: list[list[_Work]] = []
    queues = [iter(r) for r in runs.values()]
    while queues:
        heads = [(q, next(q, None)) for q in queues]
        queues = [q for q, head in heads if head is not None]
        merged: dict[int, list[_Work]] = {}
        for _, run in heads:
            if run is None:
                continue
            many = run[0].handler.apply_many
            if many is None:
                steps.append(run)
            else:
                merged.setdefault(id(many), []).extend(run)
        steps.extend(merged.values())
    return steps
