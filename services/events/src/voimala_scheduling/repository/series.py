"""Event series."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from voimala_kit import Connection

from ..schemas import SeriesIn

_COLUMNS = """id, category, profession, title, description, location, host_organisation,
    audience, capacity, rrule, first_date, start_time, end_time, skip_holidays, exdates,
    opens_days_before, closes_minutes_before, slot_minutes, slots_from, slots_until,
    ended_from, created_at, updated_at"""


_CHANGEABLE = frozenset({"title", "description", "location", "capacity", "start_time", "end_time"})


def decode(row: Any) -> dict[str, Any]:
    found = dict(row)
    for key in ("title", "description", "location"):
        if isinstance(found.get(key), str):
            found[key] = json.loads(found[key])
    return found


async def add(
    conn: Connection, series_id: uuid.UUID, s: SeriesIn, location: dict[str, Any], by: str
) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""
        INSERT INTO series (id, category, profession, title, description, location,
            host_organisation, audience, capacity, rrule, first_date, start_time, end_time,
            skip_holidays, exdates, opens_days_before, closes_minutes_before, slot_minutes,
            slots_from, slots_until, created_by)
        VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13,
            $14, $15, $16, $17, $18, $19, $20, $21)
        RETURNING {_COLUMNS}
        """,  # noqa: S608
        series_id,
        s.category,
        s.profession,
        json.dumps(s.title.model_dump()),
        json.dumps(s.description.model_dump() if s.description else {"fi": ""}),
        json.dumps(location),
        s.host_organisation,
        s.audience,
        s.capacity,
        s.rrule,
        s.first_date,
        s.start_time,
        s.end_time,
        s.skip_holidays,
        sorted(set(s.except_dates)),
        s.registration_opens_days_before,
        s.registration_closes_minutes_before,
        s.slots.minutes if s.slots else None,
        s.slots.start if s.slots else None,
        s.slots.end if s.slots else None,
        by,
    )
    return decode(row)


async def get(
    conn: Connection, series_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM series WHERE id = $1" + (" FOR UPDATE" if lock else ""),  # noqa: S608
        series_id,
    )
    return decode(row) if row else None


async def active(conn: Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM series ORDER BY created_at, id")  # noqa: S608
    return [decode(r) for r in rows]


async def page(conn: Connection, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM series ORDER BY created_at, id LIMIT $1 OFFSET $2",  # noqa: S608
        limit,
        offset,
    )
    return [decode(r) for r in rows]


async def update(conn: Connection, series_id: uuid.UUID, changes: dict[str, Any]) -> None:
    sets: list[str] = []
    args: list[Any] = [series_id]
    for key, value in changes.items():
        assert key in _CHANGEABLE
        args.append(json.dumps(value) if key in ("title", "description", "location") else value)
        cast = "::jsonb" if key in ("title", "description", "location") else ""
        sets.append(f"{key} = ${len(args)}{cast}")
    await conn.execute(
        f"UPDATE series SET {', '.join(sets)}, updated_at = now() WHERE id = $1",  # noqa: S608
        *args,
    )


async def end_from(conn: Connection, series_id: uuid.UUID, day: date) -> None:
    await conn.execute(
        "UPDATE series SET ended_from = LEAST(COALESCE(ended_from, $2), $2), updated_at = now() "
        "WHERE id = $1",
        series_id,
        day,
    )
