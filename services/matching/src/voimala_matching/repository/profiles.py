"""The pseudonymous profiles kept from `voimala.participants`."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
from voimala_contracts import MatchingProfile
from voimala_kit import Connection

from ..domain.scoring import LEVELS, Profile, norm

_UPSERT = """
INSERT INTO profile (participant_id, skills, languages, municipality, youth, matching_consent,
                     education_level, availability, goals, target_group, wants_mentor, status,
                     skill_keys)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
WHERE NOT EXISTS (SELECT 1 FROM exited_participant WHERE participant_id = $1)
ON CONFLICT (participant_id) DO UPDATE SET skills = EXCLUDED.skills,
    languages = EXCLUDED.languages, municipality = EXCLUDED.municipality,
    youth = EXCLUDED.youth, matching_consent = EXCLUDED.matching_consent,
    education_level = EXCLUDED.education_level, availability = EXCLUDED.availability,
    goals = EXCLUDED.goals, target_group = EXCLUDED.target_group,
    wants_mentor = EXCLUDED.wants_mentor, status = EXCLUDED.status,
    skill_keys = EXCLUDED.skill_keys, updated_at = now()
"""
_COLUMNS = """participant_id, skills, languages, municipality, youth, matching_consent,
    education_level, availability, goals, target_group, wants_mentor, status, contact_sharing,
    skill_keys, updated_at"""


async def upsert(conn: Connection, participant_id: uuid.UUID, p: MatchingProfile) -> None:
    await conn.execute(
        _UPSERT,
        participant_id,
        p.skills,
        json.dumps([lang.model_dump() for lang in p.languages]),
        p.municipality,
        p.youth,
        p.matching_consent,
        p.education_level,
        p.availability,
        p.goals,
        p.target_group,
        p.wants_mentor,
        p.status,
        norm(p.skills),
    )


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


def _row(row: asyncpg.Record) -> dict[str, Any]:
    found = dict(row)
    found["languages"] = json.loads(found["languages"])
    return found


async def get(conn: Connection, participant_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM profile WHERE participant_id = $1",  # noqa: S608 - constant
        participant_id,
    )
    return None if row is None else _row(row)


async def candidates(conn: Connection, skills: list[str]) -> list[dict[str, Any]]:
    """Consenting active participants; with skills given, those who have one of them."""
    where = "matching_consent AND status = 'active'"
    if skills:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM profile WHERE {where} AND skill_keys && $1",  # noqa: S608 - constant
            skills,
        )
    else:
        rows = await conn.fetch(f"SELECT {_COLUMNS} FROM profile WHERE {where}")  # noqa: S608 - constant
    return [_row(r) for r in rows]


async def mentees(conn: Connection, only: list[uuid.UUID] | None = None) -> list[dict[str, Any]]:
    """Consenting active participants who want a mentor and have no live mentor proposal."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM profile p
        WHERE matching_consent AND status = 'active' AND wants_mentor
          AND ($1::uuid[] IS NULL OR participant_id = ANY($1))
          AND NOT EXISTS (SELECT 1 FROM proposal x WHERE x.participant_id = p.participant_id
                AND x.kind = 'mentor' AND x.status IN ('proposed', 'accepted', 'confirmed')
                AND x.outcome IS DISTINCT FROM 'mentoring_ended')""",  # noqa: S608 - constant
        only,
    )
    return [_row(r) for r in rows]


def to_scoring(row: dict[str, Any]) -> Profile:
    return Profile(
        participant_id=row["participant_id"],
        skills=frozenset(row["skill_keys"]),
        languages={lang["code"]: LEVELS[lang["level"]] for lang in row["languages"]},
        municipality=row["municipality"],
        youth=row["youth"],
        availability=frozenset(row["availability"]),
        goals=row["goals"],
        target_group=row["target_group"],
        wants_mentor=row["wants_mentor"],
        matching_consent=row["matching_consent"],
        status=row["status"],
    )


async def changed_since(conn: Connection, since: Any) -> list[dict[str, Any]]:
    """Profiles changed after `since` (all with None), consent or not: the caller decides."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM profile WHERE $1::timestamptz IS NULL OR updated_at > $1",  # noqa: S608 - constant
        since,
    )
    return [_row(r) for r in rows]


async def exited_since(conn: Connection, since: Any) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT participant_id, exited_at FROM exited_participant
        WHERE $1::timestamptz IS NULL OR exited_at > $1""",
        since,
    )
    return [dict(r) for r in rows]


async def many(conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM profile WHERE participant_id = ANY($1)",  # noqa: S608 - constant
        ids,
    )
    return {r["participant_id"]: _row(r) for r in rows}
