"""Occurrences, read together with their series (an occurrence's own values override)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime

import asyncpg
from voimala_kit.db import Connection

from ..domain.occurrences import Occurrence
from ..domain.recurrence import Instance

#: What an occurrence takes from its series when it has no value of its own, and what only the
#: series has; every other field of `Occurrence` is the occurrence's own column.
_OVERRIDDEN = {
    "capacity": "CASE WHEN o.capacity IS NOT NULL THEN o.capacity ELSE s.capacity END",
    "title": "COALESCE(o.title, s.title)",
    "location": "COALESCE(o.location, s.location)",
}
_OF_SERIES = frozenset(
    {
        "description",
        "category",
        "profession",
        "audience",
        "host_organisation",
        "start_time",
        "slot_minutes",
        "slots_from",
        "slots_until",
        "opens_days_before",
        "closes_minutes_before",
    }
)
_FIELDS = tuple(f.name for f in dataclasses.fields(Occurrence))
_JSON = frozenset({"title", "location", "description"})


def _column(name: str) -> str:
    if name in _OVERRIDDEN:
        return f"{_OVERRIDDEN[name]} AS {name}"
    return f"s.{name}" if name in _OF_SERIES else f"o.{name}"


SELECT = (
    f"SELECT {', '.join(_column(n) for n in _FIELDS)} "  # noqa: S608 - names from code
    "FROM occurrence o JOIN series s ON s.id = o.series_id"
)

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


def _load(record: asyncpg.Record) -> Occurrence:
    """The row as an `Occurrence`, restored as pickle restores one (the SELECT names every
    field): a frozen dataclass's `__init__` sets each of its 26 fields through
    `object.__setattr__`, which made reading a month's programme a third slower."""
    occ: Occurrence = object.__new__(Occurrence)
    fields = occ.__dict__
    fields.update(record.items())
    for name in _JSON:  # jsonb comes as its text
        if isinstance(fields[name], str):
            fields[name] = json.loads(fields[name])
    return occ


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
) -> Occurrence | None:
    row = await conn.fetchrow(
        SELECT + " WHERE o.id = $1" + (" FOR UPDATE OF o" if lock else ""), occurrence_id
    )
    return _load(row) if row else None


async def get_many(
    conn: Connection, occurrence_ids: list[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, Occurrence]:
    """By id; `lock`: each locked, in id order (as every change of registrations takes them)."""
    rows = await conn.fetch(
        SELECT
        + " WHERE o.id = ANY($1::uuid[])"
        + (" ORDER BY o.id FOR UPDATE OF o" if lock else ""),
        occurrence_ids,
    )
    return {occ.id: occ for occ in map(_load, rows)}


async def between(
    conn: Connection,
    since: datetime,
    until: datetime,
    series_id: uuid.UUID | None = None,
) -> list[Occurrence]:
    rows = await conn.fetch(
        SELECT
        + " WHERE o.starts_at >= $1 AND o.starts_at < $2"
        + " AND ($3::uuid IS NULL OR o.series_id = $3) ORDER BY o.starts_at, o.id",
        since,
        until,
        series_id,
    )
    return [_load(r) for r in rows]


async def of_series_from(
    conn: Connection, series_id: uuid.UUID, day: date, *, lock: bool = False
) -> list[Occurrence]:
    rows = await conn.fetch(
        SELECT
        + " WHERE o.series_id = $1 AND o.rule_date >= $2 AND o.status = 'scheduled'"
        + " ORDER BY o.rule_date"
        + (" FOR UPDATE OF o" if lock else ""),
        series_id,
        day,
    )
    return [_load(r) for r in rows]


async def next_of_series(
    conn: Connection, series_id: uuid.UUID, after: datetime
) -> Occurrence | None:
    row = await conn.fetchrow(
        SELECT
        + " WHERE o.series_id = $1 AND o.starts_at > $2 AND o.status = 'scheduled'"
        + " ORDER BY o.starts_at LIMIT 1",
        series_id,
        after,
    )
    return _load(row) if row else None


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


async def set_fields(
    conn: Connection, occurrence_id: uuid.UUID, changes: Mapping[str, object]
) -> None:
    """Set the given columns; every change counts in the iCalendar `sequence`."""
    sets: list[str] = []
    args: list[object] = [occurrence_id]
    for key, value in changes.items():
        if key not in _CHANGEABLE:
            raise ValueError(f"occurrence.{key} is not changed this way")
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
