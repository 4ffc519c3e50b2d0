"""Many registrations of one occurrence in one transaction: one statement per step, not one
per person (handlers/registration_queue.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection

from ..domain.registrations import Guest

# As repository/privacy.hold takes it (shared: an erasure of the participant waits), for many
# participants in one statement, in one order (two batches never wait on each other in turn).
_HOLD_MANY = """
SELECT count(pg_advisory_xact_lock_shared(hashtextextended(p, 7305115)))
FROM (SELECT p FROM unnest($1::text[]) AS p ORDER BY p) AS held
"""
_ERASED = "SELECT participant_id FROM erased_participants WHERE participant_id = ANY($1::uuid[])"
# Who of them already holds a live registration, and how many wait already (one round trip).
_LIVE = """
SELECT (SELECT count(*) FROM registration WHERE occurrence_id = $1 AND status = 'waitlisted')
           AS waiting,
       COALESCE(array_agg(person_key), '{}') AS keys, COALESCE(array_agg(id), '{}') AS ids
FROM registration
WHERE occurrence_id = $1 AND person_key = ANY($2::text[]) AND status <> 'cancelled'
"""
_ARRIVALS = "SELECT nextval('registration_arrival') FROM generate_series(1, $1)"
# The rows, the seat counter and the confirmed ones' reminders in one statement (the
# reminders' foreign key is checked at the statement's end, when the rows are there).
_INSERT = """
WITH added AS (
    INSERT INTO registration (id, occurrence_id, participant_id, guest_name, guest_email,
        guest_phone, guest_language, person_key, cancel_token, status, arrival, created_by)
    SELECT r.id, $1, r.participant_id, r.guest_name, r.guest_email, r.guest_phone,
        r.guest_language, r.person_key, r.cancel_token, r.status, r.arrival, r.created_by
    FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[])
        AS r(id, participant_id, guest_name, guest_email, guest_phone, guest_language,
             person_key, cancel_token, status, arrival, created_by)
    RETURNING created_at
), seats AS (
    UPDATE occurrence SET confirmed = confirmed + cardinality($13::uuid[])
    WHERE id = $1 AND cardinality($13::uuid[]) > 0
), reminded AS (
    INSERT INTO reminder (id, registration_id, due_at)
    SELECT gen_random_uuid(), r, $14 FROM unnest($13::uuid[]) AS r
    ON CONFLICT (registration_id) DO UPDATE SET due_at = EXCLUDED.due_at, dropped_at = NULL
        WHERE reminder.sent_at IS NULL
)
SELECT created_at FROM added LIMIT 1
"""


@dataclass(frozen=True, slots=True)
class NewRegistration:
    """One row to insert; its arrival is drawn under the occurrence's lock."""

    id: uuid.UUID
    participant_id: uuid.UUID | None
    guest: Guest | None
    person_key: str
    cancel_token: str | None
    status: str
    created_by: str | None


async def hold_participants(conn: Connection, participant_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Hold the participants against an erasure (until the transaction ends); those already
    erased here."""
    if not participant_ids:
        return set()
    await conn.fetchval(_HOLD_MANY, [str(p) for p in participant_ids])
    rows = await conn.fetch(_ERASED, participant_ids)
    return {r["participant_id"] for r in rows}


async def live_ids(
    conn: Connection, occurrence_id: uuid.UUID, keys: list[str]
) -> tuple[dict[str, uuid.UUID], int]:
    """The live registration of each person (key) who already holds one for the occurrence,
    and how many are on its waitlist now."""
    row = await conn.fetchrow(_LIVE, occurrence_id, keys)
    assert row is not None
    return dict(zip(row["keys"], row["ids"], strict=True)), int(row["waiting"])


async def add_many(
    conn: Connection,
    occurrence_id: uuid.UUID,
    rows: list[NewRegistration],
    reminded_at: datetime,
) -> tuple[list[int], datetime]:
    """Insert the rows in the order given, count the confirmed ones' seats and schedule their
    reminders; the rows' arrivals (ascending, in that order) and when they were created. The
    caller holds the occurrence's lock, so every later registration of it arrives after
    these."""
    drawn = await conn.fetch(_ARRIVALS, len(rows))
    arrivals = sorted(r[0] for r in drawn)
    guests = [r.guest for r in rows]
    created: datetime = await conn.fetchval(
        _INSERT,
        occurrence_id,
        [r.id for r in rows],
        [r.participant_id for r in rows],
        [g.name if g else None for g in guests],
        [g.email if g else None for g in guests],
        [g.phone if g else None for g in guests],
        [g.language if g else None for g in guests],
        [r.person_key for r in rows],
        [r.cancel_token for r in rows],
        [r.status for r in rows],
        arrivals,
        [r.created_by for r in rows],
        [r.id for r in rows if r.status == "confirmed"],
        reminded_at,
    )
    return arrivals, created
