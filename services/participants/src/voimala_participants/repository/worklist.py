"""The counsellor's worklist (`worklist_item`): items added by the rules, listed, closed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.worklist import ATTENDANCE_KINDS, NOT_ACTIVITY


@dataclass(frozen=True, slots=True)
class WorklistRow:
    id: uuid.UUID
    participant_id: uuid.UUID
    reason: str
    #: Ids and counts only (the rule's facts), never free text.
    detail: Any
    status: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    #: Staff's own words on closing: personal data.
    note: str | None


ITEMS = Table("worklist_item", WorklistRow)

# One open item per participant and reason; only for a participant registered here.
_ADD = """
INSERT INTO worklist_item (id, participant_id, reason, detail, created_at)
SELECT $1::uuid, $2::uuid, $3::text, $4::jsonb, $5::timestamptz
WHERE EXISTS (SELECT 1 FROM participant WHERE id = $2::uuid AND status = 'active')
ON CONFLICT (participant_id, reason) WHERE status = 'open' DO NOTHING
RETURNING id
"""
_PAGE = ITEMS.select("""
WHERE ($1::text IS NULL OR status = $1)
  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4
""")
_CLOSE = (
    """
UPDATE worklist_item SET status = $2, closed_at = $3, closed_by = $4, note = $5
WHERE id = $1 AND status = 'open'
RETURNING """
    + ITEMS.column_list
)
_GET = ITEMS.select("WHERE id = $1")
_OF = ITEMS.select("WHERE participant_id = $1 ORDER BY created_at DESC, id DESC")
_ERASE = "DELETE FROM worklist_item WHERE participant_id = $1"
_LATEST_ATTENDANCE = """
SELECT kind FROM timeline_entry
WHERE participant_id = $1 AND kind = ANY($2::text[])
ORDER BY occurred_at DESC, id DESC
LIMIT $3
"""
# Active participants whose last activity on the path is before the cut-off (the registration
# itself is on the path; `created_at` stands in for a record with no path at all).
_INACTIVE = """
INSERT INTO worklist_item (id, participant_id, reason, detail, created_at)
SELECT gen_random_uuid(), p.id, 'inactive',
       jsonb_build_object('last_activity', coalesce(last.at, p.created_at), 'days', $3::int),
       $1::timestamptz
FROM participant p
LEFT JOIN LATERAL (
    SELECT max(t.occurred_at) AS at FROM timeline_entry t
    WHERE t.participant_id = p.id AND NOT (t.kind = ANY($4::text[]))
) last ON true
WHERE p.status = 'active' AND coalesce(last.at, p.created_at) < $2::timestamptz
  AND NOT EXISTS (
      SELECT 1 FROM worklist_item w
      WHERE w.participant_id = p.id AND w.reason = 'inactive' AND w.status = 'open')
ON CONFLICT (participant_id, reason) WHERE status = 'open' DO NOTHING
RETURNING participant_id
"""


async def add(
    conn: Connection,
    participant_id: uuid.UUID,
    reason: str,
    detail: dict[str, Any],
    at: datetime,
) -> uuid.UUID | None:
    """A new open item; None when one for the same reason is open already (or the
    participant is not active here)."""
    found: uuid.UUID | None = await conn.fetchval(
        _ADD, uuid.uuid4(), participant_id, reason, json.dumps(detail), at
    )
    return found


async def page(
    conn: Connection,
    status: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[WorklistRow]:
    """Newest first, of one status (or all), before the (time, id) cursor if given."""
    at, iid = before or (None, None)
    return _loaded(await conn.fetch(_PAGE, status, at, iid, limit))


async def get(conn: Connection, item_id: uuid.UUID) -> WorklistRow | None:
    rows = _loaded(await conn.fetch(_GET, item_id))
    return rows[0] if rows else None


async def close(
    conn: Connection, item_id: uuid.UUID, status: str, at: datetime, by: str, note: str | None
) -> WorklistRow | None:
    """Close an open item; None when it is not open (closed before, or no such item)."""
    rows = _loaded(await conn.fetch(_CLOSE, item_id, status, at, by, note))
    return rows[0] if rows else None


async def of(conn: Connection, participant_id: uuid.UUID) -> list[WorklistRow]:
    """A participant's items, newest first (an access export)."""
    return _loaded(await conn.fetch(_OF, participant_id))


async def erase(conn: Connection, participant_id: uuid.UUID) -> int:
    """Delete a participant's items (their notes may name them); how many there were."""
    status: str = await conn.execute(_ERASE, participant_id)
    return int(status.rsplit(maxsplit=1)[-1])


async def latest_attendance(conn: Connection, participant_id: uuid.UUID, count: int) -> list[str]:
    """The kinds of the participant's latest `count` attendance entries, newest first."""
    rows = await conn.fetch(_LATEST_ATTENDANCE, participant_id, list(ATTENDANCE_KINDS), count)
    return [r["kind"] for r in rows]


async def add_inactive(
    conn: Connection, now: datetime, cutoff: datetime, days: int
) -> list[uuid.UUID]:
    """An `inactive` item for every active participant with no activity since `cutoff` and
    none open; the participants it was added for."""
    rows = await conn.fetch(_INACTIVE, now, cutoff, days, list(NOT_ACTIVITY))
    return [r["participant_id"] for r in rows]


def _loaded(records: list[Any]) -> list[WorklistRow]:
    rows = ITEMS.load_all(records)
    return [
        WorklistRow(
            r.id,
            r.participant_id,
            r.reason,
            json.loads(r.detail) if isinstance(r.detail, str) else r.detail,
            r.status,
            r.created_at,
            r.closed_at,
            r.closed_by,
            r.note,
        )
        for r in rows
    ]
