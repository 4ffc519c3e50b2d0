"""A consumer's lag, measured beside it from the broker: in records and in seconds.

Records: the partition's end offset less the group's committed offset. Seconds: the age of
the record at the committed offset, the oldest one not processed yet, read by a probe of its
own (no group, commits nothing) so that a consumer stuck on one partition, or busy on
another, is measured as truly as an idle one. Only the partitions the consumer holds are
measured: with several replicas, each reports its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from .errors import sleep_or_stop
from .logging import error_fields, get_logger
from .metrics import Lag, lag

__all__ = ["LagMeter"]

log = get_logger(__name__)


class LagMeter:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        *,
        service: str,
        bootstrap_servers: str,
        every: float = 5.0,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        self._consumer = consumer
        self._service = service
        self._bootstrap = bootstrap_servers
        self._security = dict(security or {})
        self._every = every
        self._probe: AIOKafkaConsumer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Measure every `every` seconds until stopped; a failed round keeps the last values."""
        probe = AIOKafkaConsumer(
            **self._security,
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._service}-lag",
            enable_auto_commit=False,
            max_partition_fetch_bytes=64 * 1024,
        )
        try:
            await probe.start()
            self._probe = probe
            while not stop.is_set():
                try:
                    await asyncio.wait_for(self.measure(), timeout=max(self._every, 5.0) * 2)
                except Exception as exc:  # noqa: BLE001 - measuring must never stop consuming
                    log.warning("consumer.lag_unmeasured", **error_fields(exc))
                if await sleep_or_stop(self._every, stop):
                    break
        except Exception as exc:  # noqa: BLE001 - the consumer goes on without its meter
            log.warning("consumer.lag_meter_failed", **error_fields(exc))
        finally:
            self._probe = None
            await probe.stop()
            lag.measured(self._service, {})

    async def measure(self) -> dict[tuple[str, int], Lag]:
        """One measurement of every partition the consumer holds now."""
        held = sorted(self._consumer.assignment(), key=lambda tp: (tp.topic, tp.partition))
        if not held:
            lag.measured(self._service, {})
            return {}
        ends = await self._consumer.end_offsets(held)
        # Asked of the broker, not remembered: another replica may have committed since.
        committed = {tp: await self._consumer.committed(tp) for tp in held}
        never = [tp for tp, at in committed.items() if at is None]
        starts = await self._consumer.beginning_offsets(never) if never else {}
        committed = {tp: starts[tp] if at is None else at for tp, at in committed.items()}
        behind = [tp for tp in held if ends[tp] > committed[tp]]
        oldest = await self._oldest(behind, committed) if behind else {}
        result = {
            (tp.topic, tp.partition): Lag(committed[tp], ends[tp], oldest.get(tp)) for tp in held
        }
        lag.measured(self._service, result)
        return result

    async def _oldest(
        self, behind: list[TopicPartition], committed: Mapping[TopicPartition, int]
    ) -> dict[TopicPartition, float]:
        """The time of the record at each committed offset: the oldest not processed yet."""
        probe = self._probe
        assert probe is not None  # started in run()
        probe.assign(behind)
        # The committed offset may point at a record that retention removed or at a
        # transaction marker: then the first record after it is the oldest waiting.
        for tp in behind:
            probe.seek(tp, committed[tp])
        probe.resume(*behind)
        found: dict[TopicPartition, float] = {}
        deadline = asyncio.get_running_loop().time() + 3.0
        while len(found) < len(behind) and asyncio.get_running_loop().time() < deadline:
            waiting = [tp for tp in behind if tp not in found]
            batch = await probe.getmany(*waiting, timeout_ms=500)
            for tp, records in batch.items():
                if records and tp not in found:
                    found[tp] = records[0].timestamp / 1000
        # No fetching ahead between rounds: a long poll still open at the next round's seek
        # would hold that round up (measured: 0.2-0.5 s a round without this).
        probe.pause(*behind)
        return found
