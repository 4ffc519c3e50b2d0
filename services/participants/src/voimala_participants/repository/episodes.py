"""Episodes: one per stay in the programme, with the facts of its entry, exit and follow-up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    """An episode as this service reads and starts it. The database stamps when each fact was
    recorded (`started_at`, `exit_recorded_at`, …): only reports read those, in SQL."""

    participant_id: uuid.UUID
    number: int
    started_on: date
    #: The facts of the entry, as they were on the day it started.
    gender: str | None
    age_group: str
    youth: bool
    education_level: int | None
    target_group: str | None
    exit_date: date | None = None
    outcome: str | None = None
    follow_up_outcome: str | None = None


EPISODES = Table("episode", EpisodeRow)

# The participant row carries its current episode (migration 0003): set with the insert.
_START = f"""
WITH started AS ({EPISODES.insert()})
UPDATE participant SET episode = started.number
FROM started WHERE participant.id = started.participant_id
"""  # noqa: S608 - constant columns
_LIST = EPISODES.select("WHERE participant_id = $1 ORDER BY number DESC")
_EXIT = """
UPDATE episode SET exit_date = $3, outcome = $4, exit_recorded_at = now(), exit_recorded_by = $5
WHERE participant_id = $1 AND number = $2 AND exit_date IS NULL
"""
_FOLLOW_UP = """
UPDATE episode SET follow_up_outcome = $3, follow_up_recorded_at = now()
WHERE participant_id = $1 AND number = $2 AND exit_date IS NOT NULL
  AND follow_up_outcome IS NULL
"""


async def start(conn: Connection, episode: EpisodeRow) -> None:
    await conn.execute(_START, *EPISODES.values(episode))


async def of(conn: Connection, participant_id: uuid.UUID) -> list[EpisodeRow]:
    """Newest first."""
    return EPISODES.load_all(await conn.fetch(_LIST, participant_id))


@dataclass(frozen=True)
class Exit:
    participant_id: uuid.UUID
    number: int
    exit_date: date
    outcome: str
    recorded_by: str


async def close(conn: Connection, e: Exit) -> bool:
    """Record the exit of an open episode; False if it was not open."""
    status = await conn.execute(
        _EXIT, e.participant_id, e.number, e.exit_date, e.outcome, e.recorded_by
    )
    return bool(status != "UPDATE 0")


async def follow_up(conn: Connection, participant_id: uuid.UUID, number: int, outcome: str) -> bool:
    """Record the follow-up of an ended episode, once; False if there was none to record."""
    status = await conn.execute(_FOLLOW_UP, participant_id, number, outcome)
    return bool(status != "UPDATE 0")
