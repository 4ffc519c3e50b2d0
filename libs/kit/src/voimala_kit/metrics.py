"""Prometheus metrics of the platform. Labels are bounded and never hold personal data.

Counters a rule or a dashboard reads are created at start-up at 0 (`consumer_started`,
`relay_started`), so that `increase()` sees the first event and "no dead letters" is a 0, not
a missing series. What must be measured rather than counted (consumer lag, the outbox
backlog) is sampled by the consumer and the relay into the gauges below; ages are kept as
the time of the oldest waiting thing and turned into seconds when Prometheus scrapes, so they
go on growing while whatever should move them is stuck.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "CONSUMER_OUTCOMES",
    "CONSUMER_RETRIES",
    "DB_POOL",
    "DB_POOL_TIMEOUTS",
    "DB_POOL_WAITING",
    "EVENTS_CONSUMED",
    "EVENTS_PUBLISHED",
    "EVENT_SECONDS",
    "HTTP_REQUESTS",
    "HTTP_SECONDS",
    "OUTBOX_BATCH",
    "RETENTION_PURGED",
    "RETRIES",
    "Lag",
    "PoolReading",
    "consumer_started",
    "lag",
    "outbox",
    "relay_started",
    "watch_pool",
]

EVENTS_PUBLISHED = Counter(
    "voimala_events_published_total", "Outbox rows published to Kafka", ["service", "topic"]
)
OUTBOX_BATCH = Gauge(
    "voimala_relay_last_batch_size", "Rows in the relay's last published batch", ["service"]
)
#: Every outcome a consumed message can have; each series exists from start-up at 0.
CONSUMER_OUTCOMES = ("applied", "duplicate", "skipped", "dead_lettered")
EVENTS_CONSUMED = Counter(
    "voimala_events_consumed_total",
    "Messages read by a consumer, by outcome (applied, duplicate, skipped, dead_lettered)",
    ["service", "topic", "outcome"],
)
RETRIES = Counter(
    "voimala_retries_total", "Retried attempts after an error", ["service", "component", "error"]
)
CONSUMER_RETRIES = Counter(
    "voimala_consumer_retries_total",
    "Retried attempts at applying a consumed batch, by the topic it came from",
    ["service", "topic"],
)
EVENT_SECONDS = Histogram(
    "voimala_event_apply_seconds",
    "Time to apply one consumed batch in one transaction",
    ["service"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HTTP_REQUESTS = Counter(
    "voimala_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "voimala_http_request_seconds", "HTTP request duration", ["service", "method", "route"]
)
RETENTION_PURGED = Counter(
    "voimala_retention_purged_rows",
    "Rows of the platform's own tables purged after their retention period, by table",
    # The table is the component: labels are the kit's bounded set (test_metrics.py).
    ["service", "component"],
)
DB_POOL = Gauge(
    "voimala_db_pool_connections",
    "Database pool connections: in_use, idle, and max (the most it may open)",
    ["service", "state"],
)
DB_POOL_WAITING = Gauge(
    "voimala_db_pool_waiting", "Units of work waiting for a pooled connection", ["service"]
)
DB_POOL_TIMEOUTS = Counter(
    "voimala_db_pool_acquire_timeouts_total",
    "Waits for a pooled connection that gave up (the pool stayed exhausted)",
    ["service"],
)


def consumer_started(service: str, topics: Iterable[str]) -> None:
    """Every consumer series at 0 from start-up, so that the first increase is seen."""
    for topic in topics:
        for outcome in CONSUMER_OUTCOMES:
            EVENTS_CONSUMED.labels(service, topic, outcome)
        CONSUMER_RETRIES.labels(service, topic)


def relay_started(service: str, topic: str | None) -> None:
    if topic is not None:
        EVENTS_PUBLISHED.labels(service, topic)
    OUTBOX_BATCH.labels(service)
    outbox.measured(service, 0, None)


class PoolReading(Protocol):
    """What a pool says about itself: connections in use, idle, at most, and waiters."""

    def pool_reading(self) -> tuple[int, int, int, int]: ...


def watch_pool(service: str, owner: PoolReading) -> None:
    """Read a pool's state at every scrape; the newest pool of a service is the one shown.

    The owner is held weakly: a closed and forgotten pool (tests make many) reads as 0.
    """
    ref = weakref.ref(owner)

    def reading(index: int) -> Callable[[], float]:
        def value() -> float:
            current = ref()
            return 0.0 if current is None else float(current.pool_reading()[index])

        return value

    for index, state in enumerate(("in_use", "idle", "max")):
        DB_POOL.labels(service, state).set_function(reading(index))
    DB_POOL_WAITING.labels(service).set_function(reading(3))


@dataclass
class Lag:
    """One partition's lag as last measured: records behind, and the oldest one's time."""

    committed: int
    end: int
    #: Unix time of the oldest record not yet processed; None when caught up.
    oldest: float | None

    @property
    def records(self) -> int:
        return max(self.end - self.committed, 0)


class _ConsumerLag(Collector):
    """`voimala_consumer_lag_{records,seconds}` and the committed offset, per partition."""

    def __init__(self) -> None:
        self._lags: dict[tuple[str, str, int], Lag] = {}

    def measured(self, service: str, lags: dict[tuple[str, int], Lag]) -> None:
        """The partitions a consumer now holds; the ones it no longer holds disappear."""
        for key in [k for k in self._lags if k[0] == service]:
            del self._lags[key]
        for (topic, partition), value in lags.items():
            self._lags[(service, topic, partition)] = value

    def get(self, service: str, topic: str, partition: int) -> Lag | None:
        return self._lags.get((service, topic, partition))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["service", "topic", "partition"]
        records = GaugeMetricFamily(
            "voimala_consumer_lag_records",
            "Records on a partition the consumer has not processed (end offset - committed)",
            labels=labels,
        )
        seconds = GaugeMetricFamily(
            "voimala_consumer_lag_seconds",
            "Age of the oldest record on a partition not processed yet (0 when caught up)",
            labels=labels,
        )
        committed = GaugeMetricFamily(
            "voimala_consumer_committed_offset",
            "The consumer group's committed offset on a partition",
            labels=labels,
        )
        now = time.time()
        for (service, topic, partition), value in sorted(self._lags.items()):
            key = [service, topic, str(partition)]
            records.add_metric(key, value.records)
            age = 0.0 if value.oldest is None or not value.records else now - value.oldest
            seconds.add_metric(key, max(age, 0.0))
            committed.add_metric(key, value.committed)
        yield records
        yield seconds
        yield committed


class _Outbox(Collector):
    """`voimala_outbox_backlog` and `voimala_outbox_oldest_age_seconds`, per service."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[int, float | None]] = {}

    def measured(self, service: str, backlog: int, oldest: float | None) -> None:
        self._state[service] = (backlog, oldest)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily(
            "voimala_outbox_backlog", "Outbox rows not yet published", labels=["service"]
        )
        age = GaugeMetricFamily(
            "voimala_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet published (0 when none waits)",
            labels=["service"],
        )
        now = time.time()
        for service, (rows, oldest) in sorted(self._state.items()):
            backlog.add_metric([service], rows)
            age.add_metric([service], 0.0 if oldest is None or not rows else now - oldest)
        yield backlog
        yield age


lag = _ConsumerLag()
outbox = _Outbox()
REGISTRY.register(lag)
REGISTRY.register(outbox)
