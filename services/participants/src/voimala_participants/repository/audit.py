"""The audit log of personal-data reads, written in the transaction of the read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection

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
    """One read of a participant's personal data: who, when, what and why."""

    id: int
    at: datetime
    actor: str
    actor_roles: list[str]
    action: str
    purpose: str


async def write(
    conn: Connection,
    actor: str,
    roles: Sequence[str],
    participant_ids: Sequence[uuid.UUID],
    action: str,
    purpose: str,
) -> None:
    if participant_ids:
        await conn.execute(_WRITE, actor, sorted(roles), list(participant_ids), action, purpose)


async def trail(
    conn: Connection, participant_id: uuid.UUID, before: tuple[datetime, int] | None, limit: int
) -> list[AuditEntry]:
    """Newest first, before the (time, id) cursor if given."""
    at, aid = before or (None, None)
    return [AuditEntry(**r) for r in await conn.fetch(_TRAIL, participant_id, at, aid, limit)]
