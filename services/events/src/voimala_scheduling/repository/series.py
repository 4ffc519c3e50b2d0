"""Event series."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date

import asyncpg
from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.series import Series

SERIES = Table("series", Series)
#: Stored as jsonb: asyncpg reads and writes them as JSON text.
_JSON = frozenset({"title", "description", "location"})
_CHANGEABLE = frozenset(
    {"title", "description", "location", "capacity", "start_time", "end_time", "teaches"}
)
_BY_CREATION = "ORDER BY created_at, id"


def _load(record: asyncpg.Record) -> Series:
    """The row restored as pickle restores a `Series` (SERIES' statements name every field):
    a list of 200 series is read without 22 `object.__setattr__` calls a row."""
    found: Series = object.__new__(Series)
    fields = found.__dict__
    fields.update(record.items())
    for name in _JSON:  # jsonb comes as its text
        if isinstance(fields[name], str):
            fields[name] = json.loads(fields[name])
    return found


def _stored(column: str, value: object) -> object:
    return json.dumps(value) if column in _JSON else value


async def add(conn: Connection, s: Series) -> Series:
    row = await conn.fetchrow(
        SERIES.insert(),
        *(_stored(c, v) for c, v in zip(SERIES.columns, SERIES.values(s), strict=True)),
    )
    assert row is not None
    return _load(row)


async def get(conn: Connection, series_id: uuid.UUID, *, lock: bool = False) -> Series | None:
    row = await conn.fetchrow(
        SERIES.select("WHERE id = $1" + (" FOR UPDATE" if lock else "")), series_id
    )
    return _load(row) if row else None


async def active(conn: Connection) -> list[Series]:
    return [_load(r) for r in await conn.fetch(SERIES.select(_BY_CREATION))]


async def page(conn: Connection, limit: int, offset: int) -> list[Series]:
    rows = await conn.fetch(SERIES.select(_BY_CREATION + " LIMIT $1 OFFSET $2"), limit, offset)
    return [_load(r) for r in rows]


async def update(conn: Connection, series_id: uuid.UUID, changes: Mapping[str, object]) -> None:
    """Set the given columns (title, description, location, capacity, hours)."""
    sets: list[str] = []
    args: list[object] = [series_id]
    for key, value in changes.items():
        if key not in _CHANGEABLE:
            raise ValueError(f"series.{key} is not changed this way")
        args.append(_stored(key, value))
        sets.append(f"{key} = ${len(args)}" + ("::jsonb" if key in _JSON else ""))
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
