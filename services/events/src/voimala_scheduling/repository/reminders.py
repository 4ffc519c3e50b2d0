"""Reminders: one per confirmed registration, claimed by one replica with SKIP LOCKED."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder claimed for sending: which registration it is for."""

    id: uuid.UUID
    registration_id: uuid.UUID


_DUE = Table("reminder", DueReminder)


async def schedule(conn: Connection, registration_id: uuid.UUID, due_at: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO reminder (id, registration_id, due_at) VALUES ($1, $2, $3)
        ON CONFLICT (registration_id) DO UPDATE SET due_at = EXCLUDED.due_at, dropped_at = NULL
            WHERE reminder.sent_at IS NULL
        """,
        uuid.uuid4(),
        registration_id,
        due_at,
    )


async def drop(conn: Connection, registration_ids: list[uuid.UUID]) -> None:
    await conn.execute(
        "UPDATE reminder SET dropped_at = now() WHERE registration_id = ANY($1::uuid[]) "
        "AND sent_at IS NULL",
        registration_ids,
    )


async def move(conn: Connection, occurrence_id: uuid.UUID, lead_s: float, now: datetime) -> None:
    """The occurrence moved: the unsent reminders of its registrations move with it."""
    await conn.execute(
        """
        UPDATE reminder r SET due_at = GREATEST(o.starts_at - make_interval(secs => $2), $3)
        FROM registration g JOIN occurrence o ON o.id = g.occurrence_id
        WHERE r.registration_id = g.id AND g.occurrence_id = $1 AND r.sent_at IS NULL
        """,
        occurrence_id,
        lead_s,
        now,
    )


async def claim_due(conn: Connection, now: datetime, limit: int) -> list[DueReminder]:
    """Due reminders no other replica holds; locked until the caller's transaction ends."""
    rows = await conn.fetch(
        _DUE.select(
            """
            WHERE r.sent_at IS NULL AND r.dropped_at IS NULL AND r.due_at <= $1
            ORDER BY r.due_at LIMIT $2
            FOR UPDATE SKIP LOCKED
            """,
            alias="r",
        ),
        now,
        limit,
    )
    return _DUE.load_all(rows)


async def mark_sent(conn: Connection, reminder_ids: list[uuid.UUID]) -> None:
    await conn.execute(
        "UPDATE reminder SET sent_at = now() WHERE id = ANY($1::uuid[])", reminder_ids
    )
