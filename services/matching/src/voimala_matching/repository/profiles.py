"""The pseudonymous profiles kept from `voimala.participants`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from voimala_contracts import MatchingProfile
from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.scoring import LEVELS, Profile, norm
from . import load, load_all, to_json


@dataclass(frozen=True, slots=True)
class ProfileFields:
    """What the participants service tells of a participant: no name, contact or birth date."""

    participant_id: uuid.UUID
    skills: list[str]
    #: As the event gave them: [{"code": "fi", "level": "B1"}, …] (jsonb).
    languages: list[dict[str, str]]
    municipality: str | None
    youth: bool
    matching_consent: bool
    education_level: int | None
    availability: list[str]
    goals: str | None
    #: For ranking only (the programme's priority): never shown to partners or mentors.
    target_group: str | None
    wants_mentor: bool
    status: str
    #: The skills as compared (`norm`); `skills` keeps them as entered.
    skill_keys: list[str]


@dataclass(frozen=True, slots=True)
class ProfileRow(ProfileFields):
    contact_sharing: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ExitRow:
    participant_id: uuid.UUID
    exited_at: datetime


PROFILES = Table("profile", ProfileRow, key="participant_id")
_WRITTEN = Table("profile", ProfileFields, key="participant_id")
EXITS = Table("exited_participant", ExitRow, key="participant_id")

_MARKS = ", ".join(f"${n}" for n in range(1, len(_WRITTEN.columns) + 1))
_CHANGES = ", ".join(f"{c} = EXCLUDED.{c}" for c in _WRITTEN.columns if c != "participant_id")
# A participant who has left (or was erased) stays out: a late profile event must not bring
# them back.
_UPSERT = f"""
INSERT INTO profile ({_WRITTEN.column_list}) SELECT {_MARKS}
WHERE NOT EXISTS (SELECT 1 FROM exited_participant WHERE participant_id = $1)
AND NOT EXISTS (SELECT 1 FROM erased_participants WHERE participant_id = $1)
ON CONFLICT (participant_id) DO UPDATE SET {_CHANGES}, updated_at = now()
"""  # noqa: S608 - columns from code
_CANDIDATE = "matching_consent AND status = 'active'"
_MENTEES = PROFILES.select(
    f"""WHERE {_CANDIDATE} AND wants_mentor
    AND ($1::uuid[] IS NULL OR participant_id = ANY($1))
    AND NOT EXISTS (SELECT 1 FROM proposal x WHERE x.participant_id = p.participant_id
        AND x.kind = 'mentor' AND x.status IN ('proposed', 'accepted', 'confirmed')
        AND x.outcome IS DISTINCT FROM 'mentoring_ended')""",  # noqa: S608 - constant
    alias="p",
)


def _load(record: asyncpg.Record) -> ProfileRow:
    return load(PROFILES, record, "languages")


async def upsert(conn: Connection, participant_id: uuid.UUID, p: MatchingProfile) -> None:
    fields = ProfileFields(
        participant_id=participant_id,
        skills=p.skills,
        languages=[lang.model_dump() for lang in p.languages],
        municipality=p.municipality,
        youth=p.youth,
        matching_consent=p.matching_consent,
        education_level=p.education_level,
        availability=p.availability,
        goals=p.goals,
        target_group=p.target_group,
        wants_mentor=p.wants_mentor,
        status=p.status,
        skill_keys=norm(p.skills),
    )
    await conn.execute(_UPSERT, *to_json(_WRITTEN, fields, "languages"))


async def set_consent(
    conn: Connection, participant_id: uuid.UUID, purpose: str, granted: bool
) -> None:
    column = {"matching": "matching_consent", "contact_sharing": "contact_sharing"}[purpose]
    await conn.execute(
        f"UPDATE profile SET {column} = $2, updated_at = now() WHERE participant_id = $1",  # noqa: S608 - column from a fixed map
        participant_id,
        granted,
    )


async def remove(conn: Connection, participant_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM profile WHERE participant_id = $1", participant_id)
    await conn.execute(
        "INSERT INTO exited_participant (participant_id) VALUES ($1) ON CONFLICT DO NOTHING",
        participant_id,
    )


async def erase(conn: Connection, participant_id: uuid.UUID) -> int:
    """Delete the profile and the record of an exit (`erased_participants` keeps the id now);
    how many profiles were deleted (0 or 1)."""
    await conn.execute("DELETE FROM exited_participant WHERE participant_id = $1", participant_id)
    deleted: int = await conn.fetchval(
        "WITH gone AS (DELETE FROM profile WHERE participant_id = $1 RETURNING 1) "
        "SELECT count(*) FROM gone",
        participant_id,
    )
    return deleted


async def exit_of(conn: Connection, participant_id: uuid.UUID) -> ExitRow | None:
    row = await conn.fetchrow(EXITS.select("WHERE participant_id = $1"), participant_id)
    return None if row is None else EXITS.load(row)


async def get(conn: Connection, participant_id: uuid.UUID) -> ProfileRow | None:
    row = await conn.fetchrow(PROFILES.select("WHERE participant_id = $1"), participant_id)
    return None if row is None else _load(row)


async def candidates(conn: Connection, skills: list[str]) -> list[ProfileRow]:
    """Consenting active participants; with skills given, those who have one of them."""
    if skills:
        sql = PROFILES.select(f"WHERE {_CANDIDATE} AND skill_keys && $1")
        rows = await conn.fetch(sql, skills)
    else:
        rows = await conn.fetch(PROFILES.select(f"WHERE {_CANDIDATE}"))
    return [_load(r) for r in rows]


async def mentees(conn: Connection, only: list[uuid.UUID] | None = None) -> list[ProfileRow]:
    """Consenting active participants who want a mentor and have no live mentor proposal."""
    return [_load(r) for r in await conn.fetch(_MENTEES, only)]


def to_scoring(row: ProfileRow) -> Profile:
    return Profile(
        participant_id=row.participant_id,
        skills=frozenset(row.skill_keys),
        languages={lang["code"]: LEVELS[lang["level"]] for lang in row.languages},
        municipality=row.municipality,
        youth=row.youth,
        availability=frozenset(row.availability),
        goals=row.goals,
        target_group=row.target_group,
        wants_mentor=row.wants_mentor,
        matching_consent=row.matching_consent,
        status=row.status,
    )


async def changed_since(conn: Connection, since: datetime | None) -> list[ProfileRow]:
    """Profiles changed after `since` (all with None), consent or not: the caller decides."""
    sql = PROFILES.select("WHERE $1::timestamptz IS NULL OR updated_at > $1")
    return [_load(r) for r in await conn.fetch(sql, since)]


# Who left the candidates for good: exits and erasures alike (each index drops both).
_GONE = """
SELECT participant_id, exited_at FROM exited_participant
WHERE $1::timestamptz IS NULL OR exited_at > $1
UNION ALL
SELECT participant_id, erased_at FROM erased_participants
WHERE $1::timestamptz IS NULL OR erased_at > $1
"""


async def exited_since(conn: Connection, since: datetime | None) -> list[ExitRow]:
    """Participants who exited or were erased after `since` (all with None)."""
    return load_all(EXITS, await conn.fetch(_GONE, since))


async def many(conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, ProfileRow]:
    rows = await conn.fetch(PROFILES.select("WHERE participant_id = ANY($1)"), ids)
    return {row.participant_id: row for row in map(_load, rows)}
