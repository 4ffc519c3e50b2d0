"""Erasures (GDPR 17): this service's own data of a person erased, the erasure recorded, and
the other services' confirmations gathered.

What a report counts stays, under a pseudonym that nothing links to the person: the episodes
(the entry's facts, the exit and follow-up outcomes), the visits (counted as identified) and
the path's activity and proposal entries (the lead times), without their details. Everything
else of the person is deleted: the record, the consents, the rest of the path, their ideas,
the exports of their access requests.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from voimala_kit.db import Connection

_ADD = """
INSERT INTO erasure (id, participant_id, reason, note, requested_by, requested_at, counts)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
"""
_COLUMNS = """id, participant_id, reason, note, requested_by, requested_at,
              counts::text AS counts, key_destroyed_at"""
_GET = f"SELECT {_COLUMNS} FROM erasure WHERE id = $1"  # noqa: S608 - constant columns
_OF = f"SELECT {_COLUMNS} FROM erasure WHERE participant_id = $1"  # noqa: S608
_CONFIRMATIONS = """
SELECT service, erased_at, counts::text AS counts FROM erasure_confirmation
WHERE erasure_id = $1 ORDER BY service
"""
_CONFIRM = """
INSERT INTO erasure_confirmation (erasure_id, service, erased_at, counts)
SELECT id, $2, $3, $4::jsonb FROM erasure WHERE id = $1 AND participant_id = $5
ON CONFLICT DO NOTHING
"""
_KEYS_PENDING = f"""
SELECT {_COLUMNS} FROM erasure WHERE key_destroyed_at IS NULL
ORDER BY requested_at LIMIT $1 FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - constant columns
_KEY_DESTROYED = "UPDATE erasure SET key_destroyed_at = $2 WHERE id = $1"
# Exited, and their last exit before the cut-off day. Claimed so that replicas share the work.
_EXITED_BEFORE = """
SELECT p.id FROM participant p
JOIN episode e ON e.participant_id = p.id AND e.number = p.episode
WHERE p.status = 'exited' AND e.exit_date < $1
ORDER BY e.exit_date, p.id
LIMIT $2
FOR UPDATE OF p SKIP LOCKED
"""

# The erasure of one person's own rows, in this order ($1 the person, $2 the pseudonym).
_ERASE: tuple[tuple[str, str], ...] = (
    ("consents", "DELETE FROM consent WHERE participant_id = $1"),
    (
        "timeline_deleted",
        "DELETE FROM timeline_entry WHERE participant_id = $1 AND NOT kind = ANY($2::text[])",
    ),
    (
        "timeline_anonymised",
        """UPDATE timeline_entry SET participant_id = $2, detail = '{}', event_id = NULL
           WHERE participant_id = $1""",
    ),
    ("episodes_anonymised", "UPDATE episode SET participant_id = $2 WHERE participant_id = $1"),
    ("visits_anonymised", "UPDATE visit SET participant_id = $2 WHERE participant_id = $1"),
    ("ideas", "DELETE FROM idea WHERE author_participant_id = $1"),
    ("participant", "DELETE FROM participant WHERE id = $1"),
)


@dataclass(frozen=True, slots=True)
class ErasureRow:
    id: uuid.UUID
    participant_id: uuid.UUID
    reason: str
    #: The coordinator's; stays in this service, never in an event.
    note: str | None
    requested_by: str
    requested_at: datetime
    #: This service's own rows erased, by data set.
    counts: dict[str, int]
    key_destroyed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConfirmationRow:
    service: str
    erased_at: datetime
    counts: dict[str, int]


def _load(record: object) -> ErasureRow:
    values = dict(record)  # type: ignore[call-overload]
    values["counts"] = json.loads(values["counts"])
    return ErasureRow(**values)


async def add(conn: Connection, e: ErasureRow) -> None:
    await conn.execute(
        _ADD,
        e.id,
        e.participant_id,
        e.reason,
        e.note,
        e.requested_by,
        e.requested_at,
        json.dumps(e.counts),
    )


async def get(conn: Connection, erasure_id: uuid.UUID) -> ErasureRow | None:
    record = await conn.fetchrow(_GET, erasure_id)
    return _load(record) if record else None


async def of_participant(conn: Connection, participant_id: uuid.UUID) -> ErasureRow | None:
    record = await conn.fetchrow(_OF, participant_id)
    return _load(record) if record else None


async def confirmations(conn: Connection, erasure_id: uuid.UUID) -> list[ConfirmationRow]:
    return [
        ConfirmationRow(r["service"], r["erased_at"], json.loads(r["counts"]))
        for r in await conn.fetch(_CONFIRMATIONS, erasure_id)
    ]


@dataclass(frozen=True)
class Confirmation:
    erasure_id: uuid.UUID
    participant_id: uuid.UUID
    service: str
    erased_at: datetime
    counts: dict[str, int]


async def confirm(conn: Connection, c: Confirmation) -> bool:
    """False if the erasure is unknown, not this participant's, or already confirmed."""
    status = await conn.execute(
        _CONFIRM, c.erasure_id, c.service, c.erased_at, json.dumps(c.counts), c.participant_id
    )
    return bool(status != "INSERT 0 0")


def _rows(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def erase_own(
    conn: Connection, participant_id: uuid.UUID, report_kinds: Sequence[str]
) -> dict[str, int]:
    """Erase the person's rows here (see the module); rows affected, by data set. The
    pseudonym is new and stored nowhere else: nothing leads from the person to it."""
    pseudonym = uuid.uuid4()
    counts: dict[str, int] = {}
    for name, statement in _ERASE:
        if name == "timeline_deleted":
            args: tuple[object, ...] = (participant_id, list(report_kinds))
        elif "$2" in statement:
            args = (participant_id, pseudonym)
        else:
            args = (participant_id,)
        counts[name] = _rows(await conn.execute(statement, *args))
    return counts


async def keys_pending(conn: Connection, limit: int) -> list[ErasureRow]:
    """Erasures whose person's key is still to be destroyed, claimed (SKIP LOCKED)."""
    return [_load(r) for r in await conn.fetch(_KEYS_PENDING, limit)]


async def key_destroyed(conn: Connection, erasure_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(_KEY_DESTROYED, erasure_id, at)


async def exited_before(conn: Connection, cutoff: date, limit: int) -> list[uuid.UUID]:
    """Exited participants whose last exit was before `cutoff`, claimed (SKIP LOCKED)."""
    return [r["id"] for r in await conn.fetch(_EXITED_BEFORE, cutoff, limit)]
