"""Episodes: one per stay in the programme, with the facts of its entry, exit and follow-up."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from voimala_kit import Connection

# The participant row carries its current episode (migration 0003): set with the insert.
_INSERT = """
WITH started AS (
    INSERT INTO episode (participant_id, number, started_on, gender, age_group, youth,
        education_level, target_group)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING participant_id, number
)
UPDATE participant SET episode = started.number
FROM started WHERE participant.id = started.participant_id
"""
_LIST = """
SELECT number, started_on, age_group, youth, target_group, exit_date, outcome,
    follow_up_outcome
FROM episode WHERE participant_id = $1 ORDER BY number DESC
"""
_EXIT = """
UPDATE episode SET exit_date = $3, outcome = $4, exit_recorded_at = now(), exit_recorded_by = $5
WHERE participant_id = $1 AND number = $2 AND exit_date IS NULL
"""
_FOLLOW_UP = """
UPDATE episode SET follow_up_outcome = $3, follow_up_recorded_at = now()
WHERE participant_id = $1 AND number = $2 AND exit_date IS NOT NULL
  AND follow_up_outcome IS NULL
"""


async def start(
    conn: Connection,
    participant_id: uuid.UUID,
    number: int,
    started_on: date,
    *,
    gender: str | None,
    age_group: str,
    youth: bool,
    education_level: int | None,
    target_group: str | None,
) -> None:
    await conn.execute(
        _INSERT,
        participant_id,
        number,
        started_on,
        gender,
        age_group,
        youth,
        education_level,
        target_group,
    )


async def of(conn: Connection, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    """Newest first."""
    return [dict(r) for r in await conn.fetch(_LIST, participant_id)]


async def close(
    conn: Connection, participant_id: uuid.UUID, number: int, exit_date: date, outcome: str, by: str
) -> bool:
    return bool(
        await conn.execute(_EXIT, participant_id, number, exit_date, outcome, by) != "UPDATE 0"
    )


async def follow_up(conn: Connection, participant_id: uuid.UUID, number: int, outcome: str) -> bool:
    return bool(await conn.execute(_FOLLOW_UP, participant_id, number, outcome) != "UPDATE 0")
