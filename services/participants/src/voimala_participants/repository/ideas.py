"""Ideas and wishes for the monthly programme."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_kit import Connection

_ADD = """
INSERT INTO idea (id, text, language, author_participant_id) VALUES ($1, $2, $3, $4)
RETURNING submitted_at
"""
_SET_STATUS = """
UPDATE idea SET status = $2, updated_at = now() WHERE id = $1
RETURNING id, text, language, status, submitted_at, author_participant_id
"""
_REALISED = """
UPDATE idea SET status = 'realised', updated_at = now()
WHERE id = ANY($1::uuid[]) AND status <> 'realised'
"""
_PAGE = """
SELECT id, text, language, status, submitted_at, author_participant_id FROM idea
WHERE ($1::timestamptz IS NULL OR (submitted_at, id) < ($1, $2::uuid))
  AND ($3::text IS NULL OR status = $3)
ORDER BY submitted_at DESC, id DESC
LIMIT $4
"""


async def add(
    conn: Connection, idea_id: uuid.UUID, text: str, language: str, author: uuid.UUID | None
) -> datetime:
    at: datetime = await conn.fetchval(_ADD, idea_id, text, language, author)
    return at


async def set_status(conn: Connection, idea_id: uuid.UUID, status: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_SET_STATUS, idea_id, status)
    return dict(row) if row else None


async def page(
    conn: Connection, before: tuple[datetime, uuid.UUID] | None, status: str | None, limit: int
) -> list[dict[str, Any]]:
    at, iid = before or (None, None)
    return [dict(r) for r in await conn.fetch(_PAGE, at, iid, status, limit)]


async def mark_realised(conn: Connection, idea_ids: list[uuid.UUID]) -> None:
    await conn.execute(_REALISED, idea_ids)
