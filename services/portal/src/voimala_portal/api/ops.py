"""The operations team's page: every service's readiness, version and what its metrics say.

There is no operations API yet (consumer lag, outbox backlog and the dead-letter list will
come from it), so this page reads what every service already exposes without a token:
`/health/ready`, `/openapi.json` (its version) and `/metrics` (Prometheus text). The page
shows no personal data: none of these holds any.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from voimala_kit.service import is_ready, readiness

from ..repository.sessions import SessionUser
from ..services import Service
from ..web.deps import Portal, PortalDep
from ..web.pages import render
from ..web.routing import page_router
from ..web.session import require

router = page_router()
Ops = Annotated[SessionUser, Depends(require("ops"))]
SERVICES: tuple[Service, ...] = ("participants", "events", "matching", "notifications")
#: One slow service must not hold the page: each answer is waited for this long.
TIMEOUT = 5.0


@dataclass
class Counts:
    """What a service's metrics say about its events (counters since the process started)."""

    published: float = 0.0
    consumed: dict[str, float] = field(default_factory=dict)
    retries: float = 0.0
    last_batch: float | None = None


@dataclass
class ServiceState:
    name: str
    reachable: bool = False
    ready: bool = False
    checks: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    counts: Counts | None = None


#: The series this page reads; every other line (request histograms: most of the text) is
#: dropped before parsing, which otherwise took most of the page's time (bench/portal_pages.py).
_WANTED = (
    "voimala_events_published_total",
    "voimala_events_consumed_total",
    "voimala_retries_total",
    "voimala_relay_last_batch_size",
)


def read_metrics(text: str) -> Counts:
    """The platform's own counters out of a Prometheus text exposition."""
    counts = Counts()
    wanted = "\n".join(line for line in text.splitlines() if line.startswith(_WANTED))
    for family in text_string_to_metric_families(wanted + "\n"):
        for sample in family.samples:
            if sample.name == "voimala_events_published_total":
                counts.published += sample.value
            elif sample.name == "voimala_events_consumed_total":
                outcome = sample.labels.get("outcome", "other")
                counts.consumed[outcome] = counts.consumed.get(outcome, 0.0) + sample.value
            elif sample.name == "voimala_retries_total":
                counts.retries += sample.value
            elif sample.name == "voimala_relay_last_batch_size":
                counts.last_batch = (counts.last_batch or 0.0) + sample.value
    return counts


async def _get(http: httpx.AsyncClient, url: str) -> httpx.Response | None:
    try:
        return await http.get(url, timeout=TIMEOUT)
    except httpx.HTTPError:
        return None


async def service_state(portal: Portal, name: Service) -> ServiceState:
    base = portal.services.base_url(name)
    http = portal.services.http
    ready, api, metrics = await asyncio.gather(
        _get(http, f"{base}/health/ready"),
        _get(http, f"{base}/openapi.json"),
        _get(http, f"{base}/metrics"),
    )
    state = ServiceState(name)
    if ready is not None:
        state.reachable = True
        state.ready = ready.status_code == 200
        state.checks = _checks(ready)
    if api is not None and api.status_code == 200:
        state.version = str(api.json().get("info", {}).get("version") or "") or None
    if metrics is not None and metrics.status_code == 200:
        state.counts = read_metrics(metrics.text)
    return state


def _checks(response: httpx.Response) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    checks = body.get("checks") if isinstance(body, dict) else None
    return {str(k): str(v) for k, v in checks.items()} if isinstance(checks, dict) else {}


async def portal_state(request: Request, portal: Portal) -> ServiceState:
    """The portal's own readiness, checked in-process as the kit's `/health/ready` does."""
    checks = await readiness(portal.platform)
    return ServiceState(
        "portal",
        reachable=True,
        ready=is_ready(checks),
        checks=checks,
        version=request.app.version,
        counts=read_metrics(generate_latest(REGISTRY.restricted_registry(_WANTED)).decode()),
    )


@router.get("/ops")
async def status(request: Request, user: Ops, portal: PortalDep) -> Response:
    states = await asyncio.gather(
        portal_state(request, portal), *(service_state(portal, s) for s in SERVICES)
    )
    return render(
        request,
        "ops/status.html",
        {
            "states": states,
            "all_ready": all(s.ready for s in states),
            "checked_at": portal.clock.now(),
        },
    )
