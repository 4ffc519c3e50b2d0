"""Attendance: check-ins (also walk-ins) and no-shows."""

from __future__ import annotations

import uuid

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.attendance import Attendance
from ..domain.registrations import Registration
from .registrations import REGISTRATIONS

ATTENDANCE = Table("attendance", Attendance)


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
) -> Attendance | None:
    """None when that person's attendance is already recorded."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO attendance (id, occurrence_id, registration_id, participant_id, person_key,
            status, walk_in, recorded_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (occurrence_id, person_key) WHERE person_key IS NOT NULL DO NOTHING
        RETURNING {ATTENDANCE.column_list}
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
    return ATTENDANCE.load(row) if row else None


async def of_occurrence(conn: Connection, occurrence_id: uuid.UUID) -> list[Attendance]:
    rows = await conn.fetch(
        ATTENDANCE.select("WHERE occurrence_id = $1 ORDER BY recorded_at, id"), occurrence_id
    )
    return ATTENDANCE.load_all(rows)


async def unrecorded_confirmed(conn: Connection, occurrence_id: uuid.UUID) -> list[Registration]:
    """Confirmed registrations whose person's attendance is not recorded, in arrival order."""
    rows = await conn.fetch(
        REGISTRATIONS.select(
            """
            WHERE g.occurrence_id = $1 AND g.status = 'confirmed'
              AND NOT EXISTS (SELECT 1 FROM attendance a
                              WHERE a.occurrence_id = g.occurrence_id
                                AND a.person_key = g.person_key)
            ORDER BY g.arrival
            """,
            alias="g",
        ),
        occurrence_id,
    )
    return REGISTRATIONS.load_all(rows)


async def close(conn: Connection, occurrence_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE occurrence SET attendance_closed_at = now() WHERE id = $1", occurrence_id
    )
