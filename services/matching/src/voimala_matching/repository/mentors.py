"""Mentors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.scoring import LEVELS, Mentor
from . import load, to_json


@dataclass(frozen=True, slots=True)
class MentorFields:
    """A volunteer mentor as a coordinator registers them; `user_id` is their login subject."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    preferred_language: str
    fields: list[str]
    languages: list[str]
    capacity: int
    available: bool
    prefers_youth: bool
    municipality: str | None
    #: code -> CEFR level or native, for the languages whose level the mentor stated
    language_levels: dict[str, str]


@dataclass(frozen=True, slots=True)
class MentorRow(MentorFields):
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Counted:
    """A mentor with a count of mentees: active ones, or free room (`with_room`)."""

    mentor: MentorRow
    count: int


MENTORS = Table("mentor", MentorRow)
_NEW = Table("mentor", MentorFields)
_LEVELS = "language_levels"  # (jsonb)
#: Mentees who count against a mentor's capacity: accepted or confirmed, mentoring not ended.
ACTIVE = """status IN ('accepted', 'confirmed') AND outcome IS DISTINCT FROM 'mentoring_ended'"""


async def insert(conn: Connection, m: MentorFields) -> bool:
    """False if a mentor with this login is already registered."""
    sql = _NEW.insert("ON CONFLICT (user_id) DO NOTHING")
    done = await conn.fetchrow(sql, *to_json(_NEW, m, _LEVELS))
    return done is not None


async def get(conn: Connection, mentor_id: uuid.UUID, *, lock: bool = False) -> MentorRow | None:
    sql = MENTORS.select("WHERE id = $1" + (" FOR UPDATE" if lock else ""))
    row = await conn.fetchrow(sql, mentor_id)
    return None if row is None else load(MENTORS, row, _LEVELS)


async def all_with_active(conn: Connection) -> list[Counted]:
    """Every mentor, by name, with their active mentees."""
    rows = await conn.fetch(
        f"""SELECT {MENTORS.column_list}, (SELECT count(*) FROM proposal x WHERE x.mentor_id = m.id
              AND x.status IN ('accepted', 'confirmed')
              AND x.outcome IS DISTINCT FROM 'mentoring_ended') AS n
        FROM mentor m ORDER BY name, id"""  # noqa: S608 - columns from code
    )
    return [Counted(load(MENTORS, r, _LEVELS), r["n"]) for r in rows]


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


async def with_room(conn: Connection) -> list[Counted]:
    """Available mentors and their free room (capacity less active and pending mentees), those
    with any."""
    rows = await conn.fetch(
        f"""SELECT {MENTORS.column_list}, capacity - (SELECT count(*) FROM proposal x
              WHERE x.mentor_id = m.id AND (x.status = 'proposed' OR (x.status IN
              ('accepted', 'confirmed') AND x.outcome IS DISTINCT FROM 'mentoring_ended')))
              AS room
        FROM mentor m WHERE available"""  # noqa: S608 - columns from code
    )
    return [Counted(load(MENTORS, r, _LEVELS), r["room"]) for r in rows if r["room"] > 0]


def to_scoring(row: MentorRow) -> Mentor:
    return Mentor(
        mentor_id=row.id,
        fields=tuple(row.fields),
        languages=frozenset(row.languages),
        levels={code: LEVELS[level] for code, level in row.language_levels.items()},
        municipality=row.municipality,
        prefers_youth=row.prefers_youth,
        available=row.available,
    )
