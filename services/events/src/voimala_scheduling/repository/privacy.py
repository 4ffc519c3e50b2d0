"""What the service holds about one participant, read for an access request or anonymised for
an erasure; who was erased; which requests were answered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.attendance import Attendance
from ..domain.privacy import IdeaRecord, ReminderRecord
from ..domain.registrations import Registration
from .attendance import ATTENDANCE
from .registrations import REGISTRATIONS

_REMINDERS = Table("reminder", ReminderRecord)
_IDEAS = Table("idea", IdeaRecord)


@dataclass(frozen=True, slots=True)
class Anonymised:
    """Rows anonymised by data set: the erasure's confirmation counts. (Reminders are only
    dropped: they name no one, only a registration.)"""

    registrations: int
    attendance: int
    ideas: int


async def first_answer(conn: Connection, request_id: uuid.UUID, kind: str, now: datetime) -> bool:
    """Whether this request is answered now for the first time (it is then noted)."""
    found = await conn.fetchval(
        "INSERT INTO privacy_answer (request_id, kind, answered_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (request_id) DO NOTHING RETURNING 1",
        request_id,
        kind,
        now,
    )
    return found is not None


# One advisory lock per participant (a hash of the id; a collision only makes two people
# wait for each other): an erasure holds it exclusively, whatever would write a new row
# naming the participant holds it shared, so that nothing slips in between an erasure's
# check and its commit. Taken before any occurrence's row lock, as the erasure takes it.
_HOLD = "SELECT pg_advisory_xact_lock{}(hashtextextended($1::text, 7305115))"


async def hold(conn: Connection, participant_id: uuid.UUID, *, exclusive: bool = False) -> None:
    """Until the transaction ends: no erasure of the participant (or, `exclusive`, nothing
    else about them) runs beside it."""
    await conn.execute(_HOLD.format("" if exclusive else "_shared"), str(participant_id))


async def is_erased(conn: Connection, participant_id: uuid.UUID) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM erased_participants WHERE participant_id = $1", participant_id
    )
    return found is not None


async def erased_at(conn: Connection, participant_id: uuid.UUID) -> datetime | None:
    """When the participant was erased here (None: not erased)."""
    found: datetime | None = await conn.fetchval(
        "SELECT erased_at FROM erased_participants WHERE participant_id = $1", participant_id
    )
    return found


async def mark_erased(
    conn: Connection, participant_id: uuid.UUID, erasure_id: uuid.UUID, now: datetime
) -> None:
    """Noted once: an erasure asked again for the same person keeps the first."""
    await conn.execute(
        "INSERT INTO erased_participants (participant_id, erasure_id, erased_at) "
        "VALUES ($1, $2, $3) ON CONFLICT (participant_id) DO NOTHING",
        participant_id,
        erasure_id,
        now,
    )


async def registrations_of(conn: Connection, participant_id: uuid.UUID) -> list[Registration]:
    """Every registration of the participant, newest first (no limit: an export is whole)."""
    rows = await conn.fetch(
        REGISTRATIONS.select("WHERE participant_id = $1 ORDER BY created_at DESC, id"),
        participant_id,
    )
    return REGISTRATIONS.load_all(rows)


async def attendance_of(conn: Connection, participant_id: uuid.UUID) -> list[Attendance]:
    rows = await conn.fetch(
        ATTENDANCE.select("WHERE participant_id = $1 ORDER BY recorded_at DESC, id"),
        participant_id,
    )
    return ATTENDANCE.load_all(rows)


async def reminders_of(conn: Connection, participant_id: uuid.UUID) -> list[ReminderRecord]:
    rows = await conn.fetch(
        _REMINDERS.select(
            "JOIN registration g ON g.id = r.registration_id WHERE g.participant_id = $1 "
            "ORDER BY r.due_at DESC, r.id",
            alias="r",
        ),
        participant_id,
    )
    return _REMINDERS.load_all(rows)


async def ideas_of(conn: Connection, participant_id: uuid.UUID) -> list[IdeaRecord]:
    rows = await conn.fetch(
        _IDEAS.select("WHERE author_participant_id = $1 ORDER BY submitted_at DESC, id"),
        participant_id,
    )
    return _IDEAS.load_all(rows)


async def upcoming_occurrences(
    conn: Connection, participant_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Occurrences not yet started on which the participant holds a live registration: the
    ones whose seat or waitlist place an erasure gives up, in the order they are locked."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT g.occurrence_id FROM registration g
        JOIN occurrence o ON o.id = g.occurrence_id
        WHERE g.participant_id = $1 AND g.status <> 'cancelled' AND o.starts_at > $2
        ORDER BY g.occurrence_id
        """,
        participant_id,
        now,
    )
    return [r["occurrence_id"] for r in rows]


async def live_on(
    conn: Connection, participant_id: uuid.UUID, occurrence_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """The participant's live registrations on these occurrences (read under their locks)."""
    rows = await conn.fetch(
        "SELECT id FROM registration WHERE participant_id = $1 "
        "AND occurrence_id = ANY($2::uuid[]) AND status <> 'cancelled' ORDER BY arrival",
        participant_id,
        occurrence_ids,
    )
    return [r["id"] for r in rows]


_DROP_REMINDERS = """
UPDATE reminder SET dropped_at = now()
WHERE sent_at IS NULL AND dropped_at IS NULL
  AND registration_id IN (SELECT id FROM registration WHERE participant_id = $1)
"""

# A registration's person key becomes its own id; an attendance row's becomes its
# registration's (so that no-shows still see who was checked in), or its own for a walk-in.
# Who created a registration is dropped when it was the participant themselves.
_ANONYMISE_REGISTRATIONS = """
UPDATE registration SET participant_id = NULL, person_key = 'x:' || id::text,
    created_by = CASE WHEN created_by = $1::text THEN NULL ELSE created_by END,
    anonymised_at = now()
WHERE participant_id = $1
"""
_ANONYMISE_ATTENDANCE = """
UPDATE attendance SET participant_id = NULL,
    person_key = 'x:' || COALESCE(registration_id, id)::text
WHERE participant_id = $1
"""
_ANONYMISE_IDEAS = """
UPDATE idea SET author_participant_id = NULL WHERE author_participant_id = $1
"""


def _count(status: str) -> int:
    """Rows an `UPDATE n` touched."""
    return int(status.rsplit(" ", 1)[-1])


async def anonymise(conn: Connection, participant_id: uuid.UUID) -> Anonymised:
    """Drop the participant's unsent reminders and take their id off every row that had it."""
    await conn.execute(_DROP_REMINDERS, participant_id)
    attendance = _count(await conn.execute(_ANONYMISE_ATTENDANCE, participant_id))
    registrations = _count(await conn.execute(_ANONYMISE_REGISTRATIONS, participant_id))
    ideas = _count(await conn.execute(_ANONYMISE_IDEAS, participant_id))
    return Anonymised(registrations, attendance, ideas)
