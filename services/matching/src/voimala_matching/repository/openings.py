"""Openings of partners."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.scoring import LEVELS, Opening
from . import load, to_json


@dataclass(frozen=True, slots=True)
class OpeningFields:
    """What a partner says of an opening: the columns that posting and changing it write."""

    type: str
    title: str
    description: str
    required_skills: list[str]
    nice_skills: list[str]
    #: [{"code": "fi", "level": "B1"}, …] (jsonb; rows written before issue 17 say min_level).
    languages: list[dict[str, str]]
    municipality: str | None
    remote: bool
    hours: str | None
    start_date: date | None
    places: int
    deadline: date | None
    status: str


@dataclass(frozen=True, slots=True)
class OpeningRow(OpeningFields):
    id: uuid.UUID
    partner_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


OPENINGS = Table("opening", OpeningRow)
_FIELDS = Table("opening", OpeningFields)
_MARKS = ", ".join(f"${n}" for n in range(3, 3 + len(_FIELDS.columns)))
_INSERT = f"""INSERT INTO opening (id, partner_id, {_FIELDS.column_list}) VALUES ($1, $2, {_MARKS})
RETURNING {OPENINGS.column_list}"""  # noqa: S608 - columns from code
_SETS = ", ".join(f"{c} = ${n}" for n, c in enumerate(_FIELDS.columns, start=2))
_UPDATE = f"""UPDATE opening SET {_SETS}, updated_at = now() WHERE id = $1
RETURNING {OPENINGS.column_list}"""  # noqa: S608 - columns from code


def _load(record: asyncpg.Record) -> OpeningRow:
    return load(OPENINGS, record, "languages")


async def insert(
    conn: Connection, opening_id: uuid.UUID, partner_id: uuid.UUID, o: OpeningFields
) -> OpeningRow:
    row = await conn.fetchrow(_INSERT, opening_id, partner_id, *to_json(_FIELDS, o, "languages"))
    assert row is not None
    return _load(row)


async def update(conn: Connection, opening_id: uuid.UUID, o: OpeningFields) -> OpeningRow:
    row = await conn.fetchrow(_UPDATE, opening_id, *to_json(_FIELDS, o, "languages"))
    assert row is not None
    return _load(row)


async def set_status(conn: Connection, opening_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        "UPDATE opening SET status = $2, updated_at = now() WHERE id = $1", opening_id, status
    )


async def get(conn: Connection, opening_id: uuid.UUID, *, lock: bool = False) -> OpeningRow | None:
    sql = OPENINGS.select("WHERE id = $1" + (" FOR UPDATE" if lock else ""))
    row = await conn.fetchrow(sql, opening_id)
    return None if row is None else _load(row)


async def page(
    conn: Connection,
    partner_id: uuid.UUID | None,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[OpeningRow]:
    rows = await conn.fetch(
        OPENINGS.select(
            """WHERE ($1::uuid IS NULL OR partner_id = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5"""
        ),
        partner_id,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_load(r) for r in rows]


async def taken(conn: Connection, opening_id: uuid.UUID) -> int:
    """Places taken: accepted or confirmed proposals, not ended as not hired."""
    n: int = await conn.fetchval(
        """SELECT count(*) FROM proposal WHERE opening_id = $1
        AND status IN ('accepted', 'confirmed') AND outcome IS DISTINCT FROM 'not_hired'""",
        opening_id,
    )
    return n


async def past_deadline(conn: Connection, limit: int) -> list[OpeningRow]:
    """Open openings past their deadline, claimed so that one replica closes each."""
    sql = OPENINGS.select(
        """WHERE status = 'open' AND deadline < current_date
        ORDER BY deadline LIMIT $1 FOR UPDATE SKIP LOCKED"""
    )
    return [_load(r) for r in await conn.fetch(sql, limit)]


def to_scoring(row: OpeningRow) -> Opening:
    return Opening(
        opening_id=row.id,
        type=row.type,
        title=row.title,
        description=row.description,
        required_skills=tuple(row.required_skills),
        nice_skills=tuple(row.nice_skills),
        languages={lang["code"]: LEVELS[_level(lang)] for lang in row.languages},
        municipality=row.municipality,
        remote=row.remote,
        hours=row.hours,
    )


def _level(requirement: dict[str, str]) -> str:
    # `level` since issue 17's one shape of language; older rows keep `min_level`.
    return requirement.get("level") or requirement["min_level"]


async def changed_since(conn: Connection, since: datetime | None) -> list[OpeningRow]:
    sql = OPENINGS.select("WHERE $1::timestamptz IS NULL OR updated_at > $1")
    return [_load(r) for r in await conn.fetch(sql, since)]


async def many(conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, OpeningRow]:
    rows = await conn.fetch(OPENINGS.select("WHERE id = ANY($1)"), ids)
    return {row.id: row for row in map(_load, rows)}
