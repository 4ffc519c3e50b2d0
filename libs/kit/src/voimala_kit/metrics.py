"""Prometheus metrics of the platform. Labels are bounded and never hold personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "EVENTS_CONSUMED",
    "EVENTS_PUBLISHED",
    "EVENT_SECONDS",
    "HTTP_REQUESTS",
    "HTTP_SECONDS",
    "OUTBOX_BATCH",
    "RETRIES",
]

EVENTS_PUBLISHED = Counter(
    "voimala_events_published_total", "Outbox rows published to Kafka", ["service", "topic"]
)
OUTBOX_BATCH = Gauge(
    "voimala_relay_last_batch_size", "Rows in the relay's last published batch", ["service"]
)
EVENTS_CONSUMED = Counter(
    "voimala_events_consumed_total",
    "Messages read by a consumer, by outcome (applied, duplicate, skipped, dead_lettered)",
    ["service", "topic", "outcome"],
)
RETRIES = Counter(
    "voimala_retries_total", "Retried attempts after an error", ["service", "component", "error"]
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
