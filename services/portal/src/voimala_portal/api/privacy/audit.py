"""Who read or changed a participant's data, in every service: each service's `GET /audit-log`
(the kit's, coordinators only) read at once, merged newest first. A service that cannot be read
is named on the page; the others are still shown."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from voimala_kit import get_logger

from ...services import Caller, Service, ServiceError
from ...web.deps import PortalDep
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import Coordinator, name_of, path_id, when
from .words import purposes, roles, service_names

router = page_router()
log = get_logger(__name__)

AUDITED: tuple[Service, ...] = ("participants", "events", "matching", "notifications")
PAGE = 200
#: Pages read from each service at most: the page shows the newest entries, and says so.
PAGES = 5


@dataclass
class Trail:
    service: Service
    items: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    failed: bool = False


async def trail(caller: Caller, service: Service, participant_id: uuid.UUID) -> Trail:
    found = Trail(service)
    cursor: str | None = None
    try:
        for _page in range(PAGES):
            answer = await caller.get(
                service, "/audit-log", participant_id=str(participant_id), cursor=cursor, limit=PAGE
            )
            found.items.extend(i for i in answer.get("items") or [] if isinstance(i, dict))
            cursor = answer.get("next_cursor")
            if not cursor:
                return found
        found.more = True
    except ServiceError as exc:
        log.warning("portal.audit_unreachable", service=service, status=exc.status)
        found.failed = True
    return found


def merged(trails: list[Trail]) -> list[dict[str, Any]]:
    """Every entry, newest first; an entry without its service's name gets the one it came from."""
    entries = []
    for t in trails:
        for item in t.items:
            at = when(item.get("at"))
            if at is not None:
                entries.append({**item, "service": item.get("service") or t.service, "when": at})
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(entries, key=lambda e: e["when"] or oldest, reverse=True)


@router.get("/staff/participants/{participant_id}/audit")
async def audit_page(
    request: Request, participant_id: str, portal: PortalDep, user: Coordinator
) -> Response:
    pid = path_id(participant_id)
    caller = portal.services.as_user(user)
    trails = await asyncio.gather(*(trail(caller, s, pid) for s in AUDITED))
    try:
        name = await name_of(caller, pid)
    except ServiceError:  # the register is named below as not reached, if it is
        name = None
    _ = translator(request).gettext
    names = service_names(_)
    return render(
        request,
        "privacy/audit.html",
        {
            "pid": pid,
            "name": name,
            "entries": merged(list(trails)),
            "unreached": [names[t.service] for t in trails if t.failed],
            "cut": [names[t.service] for t in trails if t.more],
            "services": names,
            "roles": roles(_),
            "purposes": purposes(_),
            "me": user.subject,
        },
    )
