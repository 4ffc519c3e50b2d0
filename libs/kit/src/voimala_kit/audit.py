"""The audit log of personal data: who read or changed whose data, when and why.

Every service has the same `audit_log` table (the kit's migration 0003) and writes a row per
person in the transaction that reads or changes that person's data, so a read that commits is
always recorded and a recorded read always happened:

    async with platform.db.transaction() as conn:
        rows = await registrations.of(conn, participant_id)
        await audit.record(conn, who, [participant_id], "registration.read", "staff_view")

Rows are never rewritten: the table refuses UPDATE, DELETE and TRUNCATE (a trigger, and the
service's role holds no such privilege). A coordinator lists one person's rows, newest first,
from every service at the same address, `GET /audit-log?participant_id=...`, which the kit
mounts in every service (`audit_router`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from .auth import Principal, require
from .db import Connection, Database
from .http import Page, Problem, next_time_cursor, time_cursor

__all__ = [
    "SYSTEM",
    "AuditEntry",
    "AuditLogEntry",
    "audit_router",
    "record",
    "trail",
]

#: The actor of what the service does by itself (a consumed event, a retention sweep), when
#: no person asked for it.
SYSTEM = Principal("system", frozenset())

_WRITE = """
INSERT INTO audit_log (actor, actor_roles, participant_id, action, purpose)
SELECT $1, $2, pid, $4, $5 FROM unnest($3::uuid[]) AS pid
"""
_TRAIL = """
SELECT id, at, actor, actor_roles, action, purpose FROM audit_log
WHERE participant_id = $1 AND ($2::timestamptz IS NULL OR (at, id) < ($2, $3::bigint))
ORDER BY at DESC, id DESC
LIMIT $4
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One read or change of a participant's personal data: who, when, what and why."""

    id: int
    at: datetime
    actor: str
    actor_roles: list[str]
    action: str
    purpose: str


async def record(
    conn: Connection,
    who: Principal,
    participant_ids: Sequence[uuid.UUID],
    action: str,
    purpose: str,
) -> None:
    """One row per person (each once) for `action` done by `who` for `purpose`, in the
    caller's transaction. `action` says what was done ("registration.read",
    "contact.changed"), `purpose` why ("staff_view", "case_work"); neither holds personal
    data. Nothing is written for no one."""
    if participant_ids:
        ids = list(dict.fromkeys(participant_ids))
        await conn.execute(_WRITE, who.subject, sorted(who.roles), ids, action, purpose)


async def trail(
    conn: Connection, participant_id: uuid.UUID, before: tuple[datetime, int] | None, limit: int
) -> list[AuditEntry]:
    """One person's rows, newest first, before the (time, id) cursor if given."""
    at, aid = before or (None, None)
    return [AuditEntry(**r) for r in await conn.fetch(_TRAIL, participant_id, at, aid, limit)]


class AuditLogEntry(BaseModel):
    """Who read or changed the person's data, when, what and why, and in which service."""

    at: datetime
    actor: str = Field(description="the token's subject, or `system`")
    actor_roles: list[str]
    action: str
    purpose: str
    service: str


Coordinator = Annotated[Principal, Depends(require("coordinator"))]


def _cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The cursor this endpoint gave out; anything else is invalid input (422)."""
    try:
        return time_cursor(cursor, int)
    except Problem:
        errors = [{"loc": ["query", "cursor"], "type": "value_error", "msg": "not a cursor"}]
        raise Problem(
            422, "Invalid request", "the cursor is not one this API gave out", errors=errors
        ) from None


def audit_router(service: str) -> APIRouter:
    """`GET /audit-log`: one person's audit rows in this service, for coordinators."""
    router = APIRouter(tags=["audit"])

    @router.get("/audit-log", response_model=Page[AuditLogEntry])
    async def audit_log(
        request: Request,
        who: Coordinator,
        participant_id: Annotated[uuid.UUID, Query(description="whose data")],
        cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = (
            None
        ),
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> Page[AuditLogEntry]:
        """Who read or changed this participant's personal data in this service, when and
        why, newest first (coordinators). Every service answers at this address, in this
        shape: together they are everything done with the person's data."""
        before = _cursor(cursor)
        db: Database = request.app.state.platform.db
        async with db.connection() as conn:
            rows = await trail(conn, participant_id, before, limit + 1)
        return Page[AuditLogEntry](
            items=[
                AuditLogEntry(
                    at=r.at,
                    actor=r.actor,
                    actor_roles=r.actor_roles,
                    action=r.action,
                    purpose=r.purpose,
                    service=service,
                )
                for r in rows[:limit]
            ],
            next_cursor=next_time_cursor(rows, limit, lambda r: (r.at, r.id)),
        )

    return router
