"""Attendance: check-ins (also walk-ins) and no-shows."""

from __future__ import annotations

import uuid
from typing import Any

from voimala_kit import Connection

_COLUMNS = "id, occurrence_id, registration_id, participant_id, status, walk_in, recorded_at"


async def add(
    conn: Connection,
    occurrence_id: uuid.UUID,
    *,
    registration_id: uuid.UUID | None,
    participant_id: uuid.UUID | None,
    person_key: str | None,
    status: str,
    walk_in: bool,
    by: str,
) -> dict[str, Any] | None:
    """None when that person's attendance is already recorded."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO attendance (id, occurrence_id, registration_id, participant_id, person_key,
            status, walk_in, recorded_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (occurrence_id, person_key) WHERE person_key IS NOT NULL DO NOTHING
        RETURNING {_COLUMNS}
        """,  # noqa: S608
        uuid.uuid4(),
        occurrence_id,
        registration_id,
        participant_id,
        person_key,
        status,
        walk_in,
        by,
    )
    return dict(row) if row else None


async def of_occurrence(conn: Connection, occurrence_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM attendance WHERE occurrence_id = $1 ORDER BY recorded_at, id",  # noqa: S608
        occurrence_id,
    )
    return [dict(r) for r in rows]


async def unrecorded_confirmed(conn: Connection, occurrence_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT g.id, g.participant_id, g.person_key FROM registration g
        WHERE g.occurrence_id = $1 AND g.status = 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM attendance a
                          WHERE a.occurrence_id = g.occurrence_id AND a.person_key = g.person_key)
        ORDER BY g.arrival
        """,
        occurrence_id,
    )
    return [dict(r) for r in rows]


async def close(conn: Connection, occurrence_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE occurrence SET attendance_closed_at = now() WHERE id = $1", occurrence_id
    )
