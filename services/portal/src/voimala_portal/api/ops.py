"""The operations team's pages (role `ops`), from the operations API (`voimala-ops-api`,
`PORTAL_OPS_URL`) called with a token minted for the signed-in person:

    /ops                          every service: ready or not, version, uptime, consumer lag,
                                  outbox backlog, dead letters kept on its topic
    /ops/dead-letters[?service=]  the newest dead letters (ops_dead_letters.py)
    /ops/dead-letters/{id}        one, its personal data only counted, and its replay

No page shows personal data: the operations API never answers any.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..services import ServiceError
from ..web.deps import PortalDep
from ..web.pages import render
from ..web.routing import page_router
from . import ops_dead_letters
from .ops_dead_letters import Ops, unreachable

router = page_router()


def uptime(seconds: float | None) -> dict[str, int] | None:
    """Days, hours and minutes for the template to say in words."""
    if seconds is None:
        return None
    minutes = int(seconds // 60)
    return {"days": minutes // 1440, "hours": minutes // 60 % 24, "minutes": minutes % 60}


def service_view(state: dict[str, Any]) -> dict[str, Any]:
    """One row of the table: what the API said, numbers as whole numbers."""

    def whole(name: str) -> int | None:
        value = state.get(name)
        return None if value is None else round(float(value))

    checks = state.get("checks") or {}
    return {
        "name": str(state.get("service", "")),
        "reachable": bool(state.get("reachable")),
        "ready": bool(state.get("ready")),
        "failing": {k: v for k, v in checks.items() if v not in ("ok", "running")},
        "version": state.get("version"),
        "uptime": uptime(state.get("uptime_seconds")),
        "lag_records": whole("lag_records"),
        "lag_seconds": whole("lag_seconds"),
        "outbox_backlog": whole("outbox_backlog"),
        "outbox_oldest_seconds": whole("outbox_oldest_seconds"),
        "dead_letters": state.get("dead_letters"),
        "consumer": state.get("service") in ops_dead_letters.CONSUMERS,
    }


@router.get("/ops")
async def status(request: Request, user: Ops, portal: PortalDep) -> Response:
    try:
        states = await portal.services.as_user(user).get("ops", "/ops/status")
    except ServiceError as exc:
        if exc.status < 500:
            raise
        return unreachable(request, "status")
    views = [service_view(s) for s in states]
    return render(
        request,
        "ops/status.html",
        {
            "here": "status",
            "states": views,
            "all_ready": all(s["ready"] for s in views),
            "kafka_unknown": any(s["dead_letters"] is None for s in views),
            "checked_at": portal.clock.now(),
        },
    )


router.include_router(ops_dead_letters.router)
