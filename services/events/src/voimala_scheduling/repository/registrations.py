"""Registrations and the waitlist (arrival order is the `arrival` sequence)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_kit import Connection

_COLUMNS = """id, occurrence_id, participant_id, guest_name, guest_email, guest_phone,
    guest_language, person_key, cancel_token, status, arrival, slot_start, created_at,
    promoted_at, cancelled_at"""


async def add(
    conn: Connection,
    registration_id: uuid.UUID,
    occurrence_id: uuid.UUID,
    *,
    participant_id: uuid.UUID | None,
    guest: dict[str, Any] | None,
    person_key: str,
    cancel_token: str | None,
    status: str,
    slot_start: datetime | None,
    by: str | None,
) -> dict[str, Any]:
    g = guest or {}
    row = await conn.fetchrow(
        f"""
        INSERT INTO registration (id, occurrence_id, participant_id, guest_name, guest_email,
            guest_phone, guest_language, person_key, cancel_token, status, slot_start, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        RETURNING {_COLUMNS}
        """,  # noqa: S608
        registration_id,
        occurrence_id,
        participant_id,
        g.get("name"),
        g.get("email"),
        g.get("phone"),
        g.get("language"),
        person_key,
        cancel_token,
        status,
        slot_start,
        by,
    )
    assert row is not None
    return dict(row)


async def get(conn: Connection, registration_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM registration WHERE id = $1", registration_id)  # noqa: S608
    return dict(row) if row else None


async def live_for(
    conn: Connection, occurrence_id: uuid.UUID, person_key: str
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM registration "  # noqa: S608
        "WHERE occurrence_id = $1 AND person_key = $2 AND status <> 'cancelled'",
        occurrence_id,
        person_key,
    )
    return dict(row) if row else None


async def slot_taken(conn: Connection, occurrence_id: uuid.UUID, slot: datetime) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM registration WHERE occurrence_id = $1 AND slot_start = $2 "
        "AND status <> 'cancelled'",
        occurrence_id,
        slot,
    )
    return found is not None


async def taken_slots(conn: Connection, occurrence_id: uuid.UUID) -> set[datetime]:
    rows = await conn.fetch(
        "SELECT slot_start FROM registration WHERE occurrence_id = $1 AND status <> 'cancelled' "
        "AND slot_start IS NOT NULL",
        occurrence_id,
    )
    return {r["slot_start"] for r in rows}


async def waitlist_count(conn: Connection, occurrence_id: uuid.UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM registration WHERE occurrence_id = $1 AND status = 'waitlisted'",
        occurrence_id,
    )
    return count


async def position(conn: Connection, occurrence_id: uuid.UUID, arrival: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM registration WHERE occurrence_id = $1 AND status = 'waitlisted' "
        "AND arrival <= $2",
        occurrence_id,
        arrival,
    )
    return count


async def first_waitlisted(conn: Connection, occurrence_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM registration WHERE occurrence_id = $1 AND status = 'waitlisted' "  # noqa: S608
        "ORDER BY arrival LIMIT 1",
        occurrence_id,
    )
    return dict(row) if row else None


async def set_status(conn: Connection, registration_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        """
        UPDATE registration SET status = $2,
            promoted_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE promoted_at END,
            cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END
        WHERE id = $1
        """,
        registration_id,
        status,
    )


async def live_of(conn: Connection, occurrence_id: uuid.UUID) -> list[dict[str, Any]]:
    """Confirmed and waitlisted, in arrival order."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM registration WHERE occurrence_id = $1 AND status <> 'cancelled' "  # noqa: S608
        "ORDER BY arrival",
        occurrence_id,
    )
    return [dict(r) for r in rows]


async def all_of(conn: Connection, occurrence_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM registration WHERE occurrence_id = $1 ORDER BY arrival",  # noqa: S608
        occurrence_id,
    )
    return [dict(r) for r in rows]


async def cancel_all(conn: Connection, occurrence_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE registration SET status = 'cancelled', cancelled_at = now() "
        "WHERE occurrence_id = $1 AND status <> 'cancelled'",
        occurrence_id,
    )


async def of_participant(conn: Connection, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM registration WHERE participant_id = $1 "  # noqa: S608
        "ORDER BY created_at DESC LIMIT 500",
        participant_id,
    )
    return [dict(r) for r in rows]
