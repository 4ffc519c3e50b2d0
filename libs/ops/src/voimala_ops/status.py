"""Every service at a glance: ready or not, version, uptime, lag, outbox, dead letters.

Read from what each service serves without a token (`/health/ready`, `/openapi.json`,
`/metrics`) and, for the dead letters kept on each service's topic, from Kafka.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from voimala_contracts import topics

from .config import OpsConfig
from .kafka import onlooker, topic_sizes

__all__ = ["ServiceStatus", "platform_status", "read_metrics"]

#: One slow service must not hold the answer for the others.
TIMEOUT = 5.0
_WANTED = (
    "voimala_consumer_lag_records",
    "voimala_consumer_lag_seconds",
    "voimala_outbox_backlog",
    "voimala_outbox_oldest_age_seconds",
    "voimala_events_consumed_total",
    "process_start_time_seconds",
)


@dataclass
class ServiceStatus:
    service: str
    url: str
    reachable: bool = False
    ready: bool = False
    checks: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    uptime_seconds: float | None = None
    #: Records not processed yet, over every partition the service holds.
    lag_records: float | None = None
    #: The age of the oldest of them (the worst partition).
    lag_seconds: float | None = None
    outbox_backlog: float | None = None
    outbox_oldest_seconds: float | None = None
    #: Dead-lettered since the process started (its metrics).
    dead_lettered: float | None = None
    #: Kept on its dead-letter topic (Kafka), replayed or not.
    dead_letters: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_metrics(text: str, status: ServiceStatus, now: float | None = None) -> None:
    """Fill in what the service's Prometheus text says."""
    wanted = "\n".join(line for line in text.splitlines() if line.startswith(_WANTED))
    sums: dict[str, float] = {}
    worst: dict[str, float] = {}
    for family in text_string_to_metric_families(wanted + "\n"):
        for sample in family.samples:
            name = sample.name
            dead = sample.labels.get("outcome") == "dead_lettered"
            if name == "voimala_events_consumed_total" and not dead:
                continue
            sums[name] = sums.get(name, 0.0) + sample.value
            worst[name] = max(worst.get(name, 0.0), sample.value)
    status.lag_records = sums.get("voimala_consumer_lag_records")
    status.lag_seconds = worst.get("voimala_consumer_lag_seconds")
    status.outbox_backlog = sums.get("voimala_outbox_backlog")
    status.outbox_oldest_seconds = worst.get("voimala_outbox_oldest_age_seconds")
    status.dead_lettered = sums.get("voimala_events_consumed_total")
    started = worst.get("process_start_time_seconds")
    if started:
        status.uptime_seconds = max((now or time.time()) - started, 0.0)


async def _get(http: httpx.AsyncClient, url: str) -> httpx.Response | None:
    try:
        return await http.get(url, timeout=TIMEOUT)
    except httpx.HTTPError:
        return None


async def service_status(http: httpx.AsyncClient, name: str, url: str) -> ServiceStatus:
    ready, api, metrics = await asyncio.gather(
        _get(http, f"{url}/health/ready"),
        _get(http, f"{url}/openapi.json"),
        _get(http, f"{url}/metrics"),
    )
    status = ServiceStatus(name, url)
    if ready is not None:
        status.reachable = True
        status.ready = ready.status_code == 200
        status.checks = _checks(ready)
    if api is not None and api.status_code == 200:
        info = api.json().get("info", {})
        status.version = str(info.get("version") or "") or None
    if metrics is not None and metrics.status_code == 200:
        read_metrics(metrics.text, status)
    return status


def _checks(response: httpx.Response) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    checks = body.get("checks") if isinstance(body, dict) else None
    return {str(k): str(v) for k, v in checks.items()} if isinstance(checks, dict) else {}


async def _dead_letters(config: OpsConfig, names: list[str]) -> dict[str, int] | None:
    try:
        async with asyncio.timeout(15), onlooker(config.kafka) as consumer:
            sizes = await topic_sizes(consumer, [topics.dead_letter(n) for n in names])
    except Exception:  # noqa: BLE001 - the broker away: the rest of the answer still stands
        return None
    return {n: sizes[topics.dead_letter(n)] for n in names}


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification, built once: building it reads the CA bundle, ~30 ms that
    every status page paid again with its new client (the page took ~100 ms in all)."""
    return httpx.create_ssl_context()


async def platform_status(config: OpsConfig) -> list[ServiceStatus]:
    names = list(config.urls)
    async with httpx.AsyncClient(verify=_tls()) as http:
        states, kept = await asyncio.gather(
            asyncio.gather(*(service_status(http, n, config.urls[n]) for n in names)),
            _dead_letters(config, names),
        )
    for state in states:
        state.dead_letters = None if kept is None else kept[state.service]
    return list(states)
