"""Retention of the kit's own tables: what the platform keeps only to do its work goes when it
has served. Run by every service process as the `retention` worker (service.py).

- `inbox` (the ids of the events a consumer has applied, so that one delivered again is not
  applied twice): purged `retention_inbox_days` after it was applied, 45 days by default.
  That must be longer than any record can come back: the topics keep 14 days and the dead
  letters 30 (deploy/k8s/base/kafka/topics.yaml), and a dead letter replayed by ops returns to
  its topic, so 30 days and two weeks of margin. An event older than the period that did come
  back (a consumer group reset to a backup's offsets) would be applied again.
- `outbox`: the relay deletes a row as soon as Kafka has it (relay.py), so there are no sent
  rows to keep. An unsent row is never purged (that would lose an event): it is an alert
  instead (`voimala_outbox_oldest_age_seconds`).
- Dead letters are not in the database: they are the `<service>.dlq` topics, whose own
  retention is the topic's (30 days).

Rows go in batches of `retention_batch_size`, each its own short statement, oldest first;
replicas share the work without waiting for each other (`SKIP LOCKED`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from .db import Database
from .errors import sleep_or_stop
from .logging import get_logger
from .metrics import RETENTION_PURGED
from .settings import ServiceSettings

__all__ = ["Purge", "Retention", "kit_purges"]

log = get_logger(__name__)


@dataclass(frozen=True)
class Purge:
    """Rows of `table` whose `column` (a time) is older than `keep` are purged."""

    table: str
    column: str
    keep: timedelta

    @property
    def statement(self) -> str:
        # Identifiers are the kit's own constants, never input.
        return f"""
DELETE FROM {self.table} WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM {self.table} WHERE {self.column} < now() - $1::interval
    ORDER BY {self.column} LIMIT $2 FOR UPDATE SKIP LOCKED
))"""  # noqa: S608 - constants, not input


def kit_purges(settings: ServiceSettings) -> list[Purge]:
    """The kit's tables with a retention period: the inbox (see the module's docstring)."""
    return [Purge("inbox", "processed_at", timedelta(days=settings.retention_inbox_days))]


class Retention:
    """Purges each `Purge` now and then; the rows are counted in
    `voimala_retention_purged_rows_total`."""

    def __init__(
        self,
        db: Database,
        *,
        service: str,
        purges: list[Purge],
        batch_size: int = 5000,
        interval: float = 3600.0,
    ) -> None:
        self._db = db
        self._service = service
        self._purges = purges
        self._batch_size = batch_size
        self._interval = interval
        for purge in purges:
            RETENTION_PURGED.labels(service, purge.table)

    async def purge(self, purge: Purge, stop: asyncio.Event | None = None) -> int:
        """Every row of one table past its period, batch by batch; how many went."""
        total = 0
        while stop is None or not stop.is_set():
            async with self._db.connection() as conn:
                status = await conn.execute(purge.statement, purge.keep, self._batch_size)
            gone = int(status.split()[-1])
            total += gone
            RETENTION_PURGED.labels(self._service, purge.table).inc(gone)
            if gone < self._batch_size:
                break
        return total

    async def purge_all(self, stop: asyncio.Event | None = None) -> dict[str, int]:
        purged = {p.table: await self.purge(p, stop) for p in self._purges}
        if any(purged.values()):
            log.info("retention.purged", **purged)
        return purged

    async def run(self, stop: asyncio.Event) -> None:
        """Purge at start, then every `interval` seconds, until asked to stop."""
        while not stop.is_set():
            await self.purge_all(stop)
            await sleep_or_stop(self._interval, stop)
