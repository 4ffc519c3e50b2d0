"""Ideas and wishes for the monthly programme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True, slots=True)
class IdeaRow:
    """An idea as this service reads it (the database also keeps when it last changed)."""

    id: uuid.UUID
    text: str
    language: str
    #: None for an idea sent anonymously (or without a token).
    author_participant_id: uuid.UUID | None
    status: str
    submitted_at: datetime


IDEAS = Table("idea", IdeaRow)
#: The database fills the status (submitted) and the time.
_ADD = IDEAS.insert(columns=("id", "text", "language", "author_participant_id"))
_SET_STATUS = IDEAS.update(["status"], also="updated_at = now()")
_REALISED = """
UPDATE idea SET status = 'realised', updated_at = now()
WHERE id = ANY($1::uuid[]) AND status <> 'realised'
"""
_PAGE = IDEAS.select("""
WHERE ($1::timestamptz IS NULL OR (submitted_at, id) < ($1, $2::uuid))
  AND ($3::text IS NULL OR status = $3)
ORDER BY submitted_at DESC, id DESC
LIMIT $4
""")

_BY = IDEAS.select("WHERE author_participant_id = $1 ORDER BY submitted_at DESC, id DESC")


async def add(
    conn: Connection, idea_id: uuid.UUID, text: str, language: str, author: uuid.UUID | None
) -> IdeaRow:
    record = await conn.fetchrow(_ADD, idea_id, text, language, author)
    assert record is not None
    return IDEAS.load(record)


async def set_status(conn: Connection, idea_id: uuid.UUID, status: str) -> IdeaRow | None:
    record = await conn.fetchrow(_SET_STATUS, idea_id, status)
    return IDEAS.load(record) if record else None


async def page(
    conn: Connection, before: tuple[datetime, uuid.UUID] | None, status: str | None, limit: int
) -> list[IdeaRow]:
    """Newest first, before the cursor if given."""
    at, iid = before or (None, None)
    return IDEAS.load_all(await conn.fetch(_PAGE, at, iid, status, limit))


async def mark_realised(conn: Connection, idea_ids: list[uuid.UUID]) -> None:
    await conn.execute(_REALISED, idea_ids)


async def by_author(conn: Connection, participant_id: uuid.UUID) -> list[IdeaRow]:
    """The ideas a participant sent in their own name, newest first."""
    return IDEAS.load_all(await conn.fetch(_BY, participant_id))
