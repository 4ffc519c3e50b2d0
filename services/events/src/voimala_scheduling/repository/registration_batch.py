"""Many registrations of one occurrence in one transaction: one statement per step, not one
per person (handlers/registration_queue.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voimala_kit.db import Connection, mark_outbox_written

from ..domain.registrations import Guest

# As repository/privacy.hold takes it (shared: an erasure of the participant waits), for many
# participants in one statement, in one order (two batches never wait on each other in turn).
_HOLD_MANY = """
SELECT count(pg_advisory_xact_lock_shared(hashtextextended(p, 7305115)))
FROM (SELECT p FROM unnest($1::text[]) AS p ORDER BY p) AS held
"""
_ERASED = "SELECT participant_id FROM erased_participants WHERE participant_id = ANY($1::uuid[])"
# Who of them already holds a live registration, how many wait already on each occurrence
# whose seats will not do, and an arrival for each of them with the transaction's time (one
# round trip; each count from that occurrence's part of the waitlist index,
# registration_waitlist: counted over all occurrences at once, PostgreSQL read the whole
# table, 7-17 ms a batch at 11,000 rows). Arrivals drawn for a duplicate go unused (a gap in
# the order, as a rolled-back registration leaves one).
_LIVE = """
SELECT 'live' AS kind, r.occurrence_id, r.person_key, r.id, 0::bigint AS n, NULL::timestamptz AS at
FROM unnest($1::uuid[], $2::text[]) AS k(occurrence_id, person_key)
JOIN registration r ON r.occurrence_id = k.occurrence_id AND r.person_key = k.person_key
WHERE r.status <> 'cancelled'
UNION ALL
SELECT 'waiting', o.id, NULL, NULL, (
    SELECT count(*) FROM registration w WHERE w.occurrence_id = o.id AND w.status = 'waitlisted'
), NULL FROM unnest($3::uuid[]) AS o(id)
UNION ALL
SELECT 'arrival', NULL, NULL, NULL, nextval('registration_arrival'), now()
FROM generate_series(1, cardinality($1::uuid[]))
"""
# The rows, the seat counters, the confirmed ones' reminders and every registration's event
# (to the outbox, in the order given) in one statement (the reminders' foreign key is checked
# at the statement's end, when the rows are there).
_INSERT = """
WITH added AS (
    INSERT INTO registration (id, occurrence_id, participant_id, guest_name, guest_email,
        guest_phone, guest_language, person_key, cancel_token, status, arrival, created_by)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
        $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[])
), published AS (
    INSERT INTO outbox (event_id, topic, key, payload)
    SELECT * FROM unnest($17::uuid[], $18::text[], $19::text[], $20::bytea[])
), seats AS (
    UPDATE occurrence o SET confirmed = o.confirmed + s.n
    FROM unnest($13::uuid[], $14::int[]) AS s(id, n)
    WHERE o.id = s.id
), reminded AS (
    INSERT INTO reminder (id, registration_id, due_at)
    SELECT gen_random_uuid(), x.registration_id, x.due_at
    FROM unnest($15::uuid[], $16::timestamptz[]) AS x(registration_id, due_at)
    ON CONFLICT (registration_id) DO UPDATE SET due_at = EXCLUDED.due_at, dropped_at = NULL
        WHERE reminder.sent_at IS NULL
)
SELECT 1
"""


@dataclass(frozen=True, slots=True)
class NewRegistration:
    """One row to insert; its arrival is drawn under the occurrence's lock."""

    id: uuid.UUID
    occurrence_id: uuid.UUID
    participant_id: uuid.UUID | None
    guest: Guest | None
    person_key: str
    cancel_token: str | None
    status: str
    created_by: str | None
    #: When a confirmed one is reminded (None: waitlisted).
    reminded_at: datetime | None


async def hold_participants(conn: Connection, participant_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Hold the participants against an erasure (until the transaction ends); those already
    erased here."""
    if not participant_ids:
        return set()
    await conn.fetchval(_HOLD_MANY, [str(p) for p in participant_ids])
    rows = await conn.fetch(_ERASED, participant_ids)
    return {r["participant_id"] for r in rows}


@dataclass(frozen=True, slots=True)
class Holders:
    """Who already holds a live registration (by occurrence and person), how many wait, and
    arrivals drawn under the locks (ascending, one per pair asked) at the transaction's time."""

    live: dict[tuple[uuid.UUID, str], uuid.UUID]
    waiting: dict[uuid.UUID, int]
    arrivals: list[int]
    now: datetime


async def holders(
    conn: Connection, asked: list[tuple[uuid.UUID, str]], counted: list[uuid.UUID]
) -> Holders:
    """For the (occurrence, person key) pairs asked (at least one): the live registrations
    already held; the waitlists' lengths of the occurrences `counted` (0 for the others); an
    arrival for each pair, and the transaction's time (every row's `created_at`). The caller
    holds the occurrences' locks, so every later registration of them arrives after these."""
    rows = await conn.fetch(_LIVE, [o for o, _ in asked], [k for _, k in asked], counted)
    by_kind: dict[str, list[Any]] = {"live": [], "waiting": [], "arrival": []}
    for r in rows:
        by_kind[r["kind"]].append(r)
    return Holders(
        live={(r["occurrence_id"], r["person_key"]): r["id"] for r in by_kind["live"]},
        waiting={r["occurrence_id"]: int(r["n"]) for r in by_kind["waiting"]},
        arrivals=sorted(int(r["n"]) for r in by_kind["arrival"]),
        now=by_kind["arrival"][0]["at"],
    )


#: One event for the outbox: its id, topic, key and payload (sealed already).
OutboxRow = tuple[uuid.UUID, str, str, bytes]


async def add_many(
    conn: Connection, rows: list[NewRegistration], arrivals: list[int], events: list[OutboxRow]
) -> None:
    """Insert the rows in the order given with their arrivals (drawn by `holders`), count the
    confirmed ones' seats, schedule their reminders and write their events to the outbox (in
    the order given: the relay publishes each key's in that order), to be published once
    committed."""
    guests = [r.guest for r in rows]
    seats: dict[uuid.UUID, int] = {}
    for r in rows:
        if r.reminded_at is not None:
            seats[r.occurrence_id] = seats.get(r.occurrence_id, 0) + 1
    reminded = [r for r in rows if r.reminded_at is not None]
    await conn.execute(
        _INSERT,
        [r.id for r in rows],
        [r.occurrence_id for r in rows],
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
        list(seats),
        list(seats.values()),
        [r.id for r in reminded],
        [r.reminded_at for r in reminded],
        [e[0] for e in events],
        [e[1] for e in events],
        [e[2] for e in events],
        [e[3] for e in events],
    )
    if events:
        mark_outbox_written()
