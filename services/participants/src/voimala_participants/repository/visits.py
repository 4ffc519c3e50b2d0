"""Drop-in visits to the service point."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_kit import Connection

_ADD = """
INSERT INTO visit (id, participant_id, purpose, age_group, count, visited_at, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
_PAGE = """
SELECT id, participant_id, purpose, age_group, count, visited_at FROM visit
WHERE ($1::timestamptz IS NULL OR (visited_at, id) < ($1, $2::uuid))
  AND ($3::timestamptz IS NULL OR visited_at >= $3)
  AND ($4::timestamptz IS NULL OR visited_at < $4)
ORDER BY visited_at DESC, id DESC
LIMIT $5
"""


async def add(
    conn: Connection,
    visit_id: uuid.UUID,
    participant_id: uuid.UUID | None,
    purpose: str,
    age_group: str,
    count: int,
    visited_at: datetime,
    recorded_by: str,
) -> None:
    await conn.execute(
        _ADD, visit_id, participant_id, purpose, age_group, count, visited_at, recorded_by
    )


async def page(
    conn: Connection,
    before: tuple[datetime, uuid.UUID] | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    at, vid = before or (None, None)
    return [dict(r) for r in await conn.fetch(_PAGE, at, vid, start, end, limit)]
