"""Registrations and the waitlist (arrival order is the `arrival` sequence)."""

from __future__ import annotations

import uuid
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.registrations import Guest, Registration

REGISTRATIONS = Table("registration", Registration)
_LIVE = "status <> 'cancelled'"


async def add(
    conn: Connection,
    registration_id: uuid.UUID,
    occurrence_id: uuid.UUID,
    *,
    participant_id: uuid.UUID | None,
    guest: Guest | None,
    person_key: str,
    cancel_token: str | None,
    status: str,
    slot_start: datetime | None,
    by: str | None,
) -> Registration:
    """A new registration; its arrival (the waitlist's order) is drawn from the sequence."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO registration (id, occurrence_id, participant_id, guest_name, guest_email,
            guest_phone, guest_language, person_key, cancel_token, status, slot_start, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        RETURNING {REGISTRATIONS.column_list}
        """,  # noqa: S608
        registration_id,
        occurrence_id,
        participant_id,
        guest.name if guest else None,
        guest.email if guest else None,
        guest.phone if guest else None,
        guest.language if guest else None,
        person_key,
        cancel_token,
        status,
        slot_start,
        by,
    )
    assert row is not None
    return REGISTRATIONS.load(row)


async def get(conn: Connection, registration_id: uuid.UUID) -> Registration | None:
    row = await conn.fetchrow(REGISTRATIONS.select("WHERE id = $1"), registration_id)
    return REGISTRATIONS.load(row) if row else None


async def live_for(
    conn: Connection, occurrence_id: uuid.UUID, person_key: str
) -> Registration | None:
    row = await conn.fetchrow(
        REGISTRATIONS.select(f"WHERE occurrence_id = $1 AND person_key = $2 AND {_LIVE}"),
        occurrence_id,
        person_key,
    )
    return REGISTRATIONS.load(row) if row else None


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


async def position(conn: Connection, occurrence_id: uuid.UUID, arrival: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM registration WHERE occurrence_id = $1 AND status = 'waitlisted' "
        "AND arrival <= $2",
        occurrence_id,
        arrival,
    )
    return count


async def first_waitlisted(conn: Connection, occurrence_id: uuid.UUID) -> Registration | None:
    row = await conn.fetchrow(
        REGISTRATIONS.select(
            "WHERE occurrence_id = $1 AND status = 'waitlisted' ORDER BY arrival LIMIT 1"
        ),
        occurrence_id,
    )
    return REGISTRATIONS.load(row) if row else None


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


async def live_of(conn: Connection, occurrence_id: uuid.UUID) -> list[Registration]:
    """Confirmed and waitlisted, in arrival order."""
    rows = await conn.fetch(
        REGISTRATIONS.select(f"WHERE occurrence_id = $1 AND {_LIVE} ORDER BY arrival"),
        occurrence_id,
    )
    return REGISTRATIONS.load_all(rows)


async def all_of(conn: Connection, occurrence_id: uuid.UUID) -> list[Registration]:
    rows = await conn.fetch(
        REGISTRATIONS.select("WHERE occurrence_id = $1 ORDER BY arrival"), occurrence_id
    )
    return REGISTRATIONS.load_all(rows)


async def of_participant(conn: Connection, participant_id: uuid.UUID) -> list[Registration]:
    rows = await conn.fetch(
        REGISTRATIONS.select("WHERE participant_id = $1 ORDER BY created_at DESC LIMIT 500"),
        participant_id,
    )
    return REGISTRATIONS.load_all(rows)


async def cancel_all(conn: Connection, occurrence_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE registration SET status = 'cancelled', cancelled_at = now() "
        "WHERE occurrence_id = $1 AND status <> 'cancelled'",
        occurrence_id,
    )


async def cancelled_in_this_transaction(
    conn: Connection, *, occurrence_id: uuid.UUID | None = None, series_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """The participants whose registrations (of an occurrence, or of a series' occurrences) the
    caller's transaction has cancelled, for its audit rows: `cancelled_at` is set to `now()`,
    which in PostgreSQL is the transaction's start, the same for every statement in it."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT g.participant_id FROM registration g
        JOIN occurrence o ON o.id = g.occurrence_id
        WHERE g.cancelled_at = now() AND g.participant_id IS NOT NULL
          AND (o.id = $1 OR o.series_id = $2)
        """,
        occurrence_id,
        series_id,
    )
    return [r["participant_id"] for r in rows]
