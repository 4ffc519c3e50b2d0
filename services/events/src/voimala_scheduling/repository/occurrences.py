"""Occurrences, read together with their series (an occurrence's own values override)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from voimala_kit import Connection

from ..domain.recurrence import Instance

SELECT = """
SELECT o.id, o.series_id, o.rule_date, o.starts_at, o.ends_at, o.status, o.cancel_reason,
       o.overridden, o.confirmed, o.attendance_closed_at, o.sequence, o.updated_at,
       CASE WHEN o.capacity IS NOT NULL THEN o.capacity ELSE s.capacity END AS capacity,
       COALESCE(o.title, s.title) AS title, COALESCE(o.location, s.location) AS location,
       s.description, s.category, s.profession, s.audience, s.host_organisation,
       s.start_time, s.slot_minutes, s.slots_from, s.slots_until,
       s.opens_days_before, s.closes_minutes_before
FROM occurrence o JOIN series s ON s.id = o.series_id
"""


_CHANGEABLE = frozenset(
    {
        "starts_at",
        "ends_at",
        "title",
        "location",
        "capacity",
        "status",
        "cancel_reason",
        "overridden",
    }
)


def decode(row: Any) -> dict[str, Any]:
    found = dict(row)
    for key in ("title", "location", "description"):
        if isinstance(found.get(key), str):
            found[key] = json.loads(found[key])
    return found


async def programme_stamp(conn: Connection) -> str:
    """Changes whenever anything a public programme shows changes."""
    row = await conn.fetchrow(
        "SELECT (SELECT max(updated_at) FROM occurrence) o, (SELECT count(*) FROM occurrence) n,"
        " (SELECT max(updated_at) FROM series) s"
    )
    assert row is not None
    return f"{row['o']}/{row['n']}/{row['s']}"


async def add_many(conn: Connection, series_id: uuid.UUID, instances: list[Instance]) -> int:
    """Insert the instances not there yet (the horizon job and a new series both call this)."""
    if not instances:
        return 0
    rows = await conn.fetch(
        """
        INSERT INTO occurrence (id, series_id, rule_date, starts_at, ends_at)
        SELECT gen_random_uuid(), $1, d, s, e
        FROM unnest($2::date[], $3::timestamptz[], $4::timestamptz[]) AS i(d, s, e)
        ON CONFLICT (series_id, rule_date) DO NOTHING
        RETURNING id
        """,
        series_id,
        [i.rule_date for i in instances],
        [i.starts_at for i in instances],
        [i.ends_at for i in instances],
    )
    return len(rows)


async def get(
    conn: Connection, occurrence_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        SELECT + " WHERE o.id = $1" + (" FOR UPDATE OF o" if lock else ""), occurrence_id
    )
    return decode(row) if row else None


async def between(
    conn: Connection,
    since: datetime,
    until: datetime,
    series_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        SELECT
        + " WHERE o.starts_at >= $1 AND o.starts_at < $2"
        + " AND ($3::uuid IS NULL OR o.series_id = $3) ORDER BY o.starts_at, o.id",
        since,
        until,
        series_id,
    )
    return [decode(r) for r in rows]


async def of_series_from(
    conn: Connection, series_id: uuid.UUID, day: date, *, lock: bool = False
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        SELECT
        + " WHERE o.series_id = $1 AND o.rule_date >= $2 AND o.status = 'scheduled'"
        + " ORDER BY o.rule_date"
        + (" FOR UPDATE OF o" if lock else ""),
        series_id,
        day,
    )
    return [decode(r) for r in rows]


async def next_of_series(
    conn: Connection, series_id: uuid.UUID, after: datetime
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        SELECT
        + " WHERE o.series_id = $1 AND o.starts_at > $2 AND o.status = 'scheduled'"
        + " ORDER BY o.starts_at LIMIT 1",
        series_id,
        after,
    )
    return decode(row) if row else None


async def freeze_before(conn: Connection, series_id: uuid.UUID, day: date) -> None:
    """Copy the series' title, location and capacity onto its occurrences before `day`."""
    await conn.execute(
        """
        UPDATE occurrence o SET title = COALESCE(o.title, s.title),
            location = COALESCE(o.location, s.location),
            capacity = COALESCE(o.capacity, s.capacity)
        FROM series s WHERE s.id = o.series_id AND o.series_id = $1 AND o.rule_date < $2
        """,
        series_id,
        day,
    )


async def set_fields(conn: Connection, occurrence_id: uuid.UUID, changes: dict[str, Any]) -> None:
    sets: list[str] = []
    args: list[Any] = [occurrence_id]
    for key, value in changes.items():
        assert key in _CHANGEABLE
        jsonish = key in ("title", "location")
        args.append(json.dumps(value) if jsonish and value is not None else value)
        sets.append(f"{key} = ${len(args)}" + ("::jsonb" if jsonish else ""))
    await conn.execute(
        f"UPDATE occurrence SET {', '.join(sets)}, sequence = sequence + 1, updated_at = now() "  # noqa: S608
        "WHERE id = $1",
        *args,
    )


async def add_confirmed(conn: Connection, occurrence_id: uuid.UUID, delta: int) -> None:
    await conn.execute(
        "UPDATE occurrence SET confirmed = confirmed + $2 WHERE id = $1", occurrence_id, delta
    )


async def ended_open(conn: Connection, before: datetime, limit: int) -> list[uuid.UUID]:
    """Occurrences over whose no-shows are not recorded yet (claimed by one replica)."""
    rows = await conn.fetch(
        """
        SELECT id FROM occurrence
        WHERE ends_at < $1 AND attendance_closed_at IS NULL AND status = 'scheduled'
        ORDER BY ends_at LIMIT $2 FOR UPDATE SKIP LOCKED
        """,
        before,
        limit,
    )
    return [r["id"] for r in rows]
