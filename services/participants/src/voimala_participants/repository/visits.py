"""Drop-in visits to the service point."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A visit as recorded (the database stamps `recorded_at`, which only reports read)."""

    id: uuid.UUID
    #: None for an anonymous visit.
    participant_id: uuid.UUID | None
    purpose: str
    age_group: str
    #: People in an anonymous group; 1 for a participant's visit.
    count: int
    visited_at: datetime
    recorded_by: str


VISITS = Table("visit", VisitRow)
_ADD = VISITS.insert()
_PAGE = VISITS.select("""
WHERE ($1::timestamptz IS NULL OR (visited_at, id) < ($1, $2::uuid))
  AND ($3::timestamptz IS NULL OR visited_at >= $3)
  AND ($4::timestamptz IS NULL OR visited_at < $4)
ORDER BY visited_at DESC, id DESC
LIMIT $5
""")

_OF = VISITS.select("WHERE participant_id = $1 ORDER BY visited_at DESC, id DESC")


async def add(conn: Connection, visit: VisitRow) -> None:
    await conn.execute(_ADD, *VISITS.values(visit))


async def page(
    conn: Connection,
    before: tuple[datetime, uuid.UUID] | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[VisitRow]:
    """Newest first, visited in start..end (end excluded), before the cursor if given."""
    at, vid = before or (None, None)
    return VISITS.load_all(await conn.fetch(_PAGE, at, vid, start, end, limit))


async def of(conn: Connection, participant_id: uuid.UUID) -> list[VisitRow]:
    """A participant's own visits, newest first."""
    return VISITS.load_all(await conn.fetch(_OF, participant_id))
