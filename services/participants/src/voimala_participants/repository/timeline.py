"""The service path: entries from this service's changes and from other services' events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voimala_kit.db import Connection

# Only a participant registered here has a path: nothing is added for an erased one (a late
# event about them), nor for anyone when the topics are replayed into an empty database.
_ADD = """
INSERT INTO timeline_entry (participant_id, occurred_at, kind, source, detail, event_id)
SELECT $1::uuid, $2::timestamptz, $3::text, $4::text, $5::jsonb, $6::uuid
WHERE EXISTS (SELECT 1 FROM participant WHERE id = $1::uuid)
ON CONFLICT (event_id) DO NOTHING
"""
_ALL = """
SELECT id, occurred_at, kind, source, detail FROM timeline_entry
WHERE participant_id = $1 ORDER BY occurred_at DESC, id DESC
"""
_PAGE = """
SELECT id, occurred_at, kind, source, detail FROM timeline_entry
WHERE participant_id = $1
  AND ($2::timestamptz IS NULL OR (occurred_at, id) < ($2, $3::bigint))
ORDER BY occurred_at DESC, id DESC
LIMIT $4
"""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    occurred_at: datetime
    kind: str
    source: str
    #: Ids, kinds and titles only: never a value that could be personal data.
    detail: dict[str, Any]


async def add(
    conn: Connection,
    participant_id: uuid.UUID,
    kind: str,
    occurred_at: datetime,
    *,
    source: str = "participants",
    detail: dict[str, Any] | None = None,
    event_id: uuid.UUID | None = None,
) -> None:
    """One entry; an event's (`event_id`) only once, however often it is delivered; none for
    a participant not (or no longer) registered here."""
    await conn.execute(
        _ADD, participant_id, occurred_at, kind, source, json.dumps(detail or {}), event_id
    )


async def page(
    conn: Connection, participant_id: uuid.UUID, before: tuple[datetime, int] | None, limit: int
) -> list[TimelineEntry]:
    """Newest first, before the (time, id) cursor if given."""
    at, eid = before or (None, None)
    return _entries(await conn.fetch(_PAGE, participant_id, at, eid, limit))


async def all_of(conn: Connection, participant_id: uuid.UUID) -> list[TimelineEntry]:
    """The whole path, newest first (an access request's export)."""
    return _entries(await conn.fetch(_ALL, participant_id))


def _entries(records: list[Any]) -> list[TimelineEntry]:
    return [
        TimelineEntry(r["id"], r["occurred_at"], r["kind"], r["source"], json.loads(r["detail"]))
        for r in records
    ]
