"""Mentors."""

from __future__ import annotations

import uuid
from typing import Any

from voimala_kit import Connection

from ..domain.scoring import Mentor

_COLUMNS = """id, user_id, name, email, phone, preferred_language, fields, languages, capacity,
    available, prefers_youth, municipality, created_at"""
#: Mentees who count against a mentor's capacity: accepted or confirmed, mentoring not ended.
ACTIVE = """status IN ('accepted', 'confirmed') AND outcome IS DISTINCT FROM 'mentoring_ended'"""


async def insert(conn: Connection, m: dict[str, Any]) -> bool:
    done = await conn.fetchval(
        """INSERT INTO mentor (id, user_id, name, email, phone, preferred_language, fields,
        languages, capacity, available, prefers_youth, municipality)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (user_id) DO NOTHING RETURNING id""",
        m["id"],
        m["user_id"],
        m["name"],
        m.get("email"),
        m.get("phone"),
        m["preferred_language"],
        m["fields"],
        m["languages"],
        m["capacity"],
        m["available"],
        m["prefers_youth"],
        m.get("municipality"),
    )
    return done is not None


async def get(
    conn: Connection, mentor_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    sql = f"SELECT {_COLUMNS} FROM mentor WHERE id = $1"  # noqa: S608 - constant
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), mentor_id)
    return None if row is None else dict(row)


async def all_with_active(conn: Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, (SELECT count(*) FROM proposal x WHERE x.mentor_id = m.id
              AND x.status IN ('accepted', 'confirmed')
              AND x.outcome IS DISTINCT FROM 'mentoring_ended') AS active_mentees
        FROM mentor m ORDER BY name, id"""  # noqa: S608 - constant
    )
    return [dict(r) for r in rows]


async def by_user(conn: Connection, user_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM mentor WHERE user_id = $1", user_id
    )
    return found


async def set_availability(
    conn: Connection, mentor_id: uuid.UUID, available: bool, capacity: int
) -> None:
    await conn.execute(
        "UPDATE mentor SET available = $2, capacity = $3 WHERE id = $1",
        mentor_id,
        available,
        capacity,
    )


async def active(conn: Connection, mentor_id: uuid.UUID) -> int:
    n: int = await conn.fetchval(
        f"SELECT count(*) FROM proposal WHERE mentor_id = $1 AND {ACTIVE}",  # noqa: S608 - constant
        mentor_id,
    )
    return n


async def with_room(conn: Connection) -> list[dict[str, Any]]:
    """Available mentors and their free room: capacity less active and pending mentees."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, capacity - (SELECT count(*) FROM proposal x
              WHERE x.mentor_id = m.id AND (x.status = 'proposed' OR (x.status IN
              ('accepted', 'confirmed') AND x.outcome IS DISTINCT FROM 'mentoring_ended')))
              AS room
        FROM mentor m WHERE available"""  # noqa: S608 - constant
    )
    return [dict(r) for r in rows if r["room"] > 0]


def to_scoring(row: dict[str, Any]) -> Mentor:
    return Mentor(
        mentor_id=row["id"],
        fields=tuple(row["fields"]),
        languages=frozenset(row["languages"]),
        municipality=row["municipality"],
        prefers_youth=row["prefers_youth"],
        available=row["available"],
    )
