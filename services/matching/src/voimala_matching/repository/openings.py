"""Openings of partners."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
from voimala_kit import Connection

from ..domain.scoring import LEVELS, Opening

FIELDS = (
    "type",
    "title",
    "description",
    "required_skills",
    "nice_skills",
    "languages",
    "municipality",
    "remote",
    "hours",
    "start_date",
    "places",
    "deadline",
    "status",
)
_COLUMNS = "id, partner_id, " + ", ".join(FIELDS) + ", created_at, updated_at"


def _row(row: asyncpg.Record) -> dict[str, Any]:
    found = dict(row)
    found["languages"] = json.loads(found["languages"])
    return found


def _values(o: dict[str, Any]) -> list[Any]:
    return [json.dumps(o[f]) if f == "languages" else o[f] for f in FIELDS]


async def insert(
    conn: Connection, opening_id: uuid.UUID, partner_id: uuid.UUID, o: dict[str, Any]
) -> dict[str, Any]:
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(FIELDS)))
    row = await conn.fetchrow(
        f"INSERT INTO opening (id, partner_id, {', '.join(FIELDS)}) "  # noqa: S608 - constant
        f"VALUES ($1, $2, {placeholders}) RETURNING {_COLUMNS}",
        opening_id,
        partner_id,
        *_values(o),
    )
    assert row is not None
    return _row(row)


async def update(conn: Connection, opening_id: uuid.UUID, o: dict[str, Any]) -> dict[str, Any]:
    sets = ", ".join(f"{f} = ${i}" for i, f in enumerate(FIELDS, start=2))
    row = await conn.fetchrow(
        f"UPDATE opening SET {sets}, updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",  # noqa: S608 - constant
        opening_id,
        *_values(o),
    )
    assert row is not None
    return _row(row)


async def set_status(conn: Connection, opening_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        "UPDATE opening SET status = $2, updated_at = now() WHERE id = $1", opening_id, status
    )


async def get(
    conn: Connection, opening_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    sql = f"SELECT {_COLUMNS} FROM opening WHERE id = $1"  # noqa: S608 - constant
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), opening_id)
    return None if row is None else _row(row)


async def page(
    conn: Connection,
    partner_id: uuid.UUID | None,
    status: str | None,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM opening
        WHERE ($1::uuid IS NULL OR partner_id = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5""",  # noqa: S608 - constant
        partner_id,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_row(r) for r in rows]


async def open_ones(conn: Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM opening WHERE status = 'open'")  # noqa: S608 - constant
    return [_row(r) for r in rows]


async def taken(conn: Connection, opening_id: uuid.UUID) -> int:
    """Places taken: accepted or confirmed proposals, not ended as not hired."""
    n: int = await conn.fetchval(
        """SELECT count(*) FROM proposal WHERE opening_id = $1
        AND status IN ('accepted', 'confirmed') AND outcome IS DISTINCT FROM 'not_hired'""",
        opening_id,
    )
    return n


async def past_deadline(conn: Connection, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM opening WHERE status = 'open' AND deadline < current_date
        ORDER BY deadline LIMIT $1 FOR UPDATE SKIP LOCKED""",  # noqa: S608 - constant
        limit,
    )
    return [_row(r) for r in rows]


def to_scoring(row: dict[str, Any]) -> Opening:
    return Opening(
        opening_id=row["id"],
        type=row["type"],
        title=row["title"],
        description=row["description"],
        required_skills=tuple(row["required_skills"]),
        nice_skills=tuple(row["nice_skills"]),
        languages={lang["code"]: LEVELS[lang["min_level"]] for lang in row["languages"]},
        municipality=row["municipality"],
        remote=row["remote"],
        hours=row["hours"],
    )


async def changed_since(conn: Connection, since: Any) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM opening WHERE $1::timestamptz IS NULL OR updated_at > $1",  # noqa: S608 - constant
        since,
    )
    return [_row(r) for r in rows]


async def many(conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM opening WHERE id = ANY($1)", ids)  # noqa: S608 - constant
    return {r["id"]: _row(r) for r in rows}
