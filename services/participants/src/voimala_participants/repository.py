"""Plain SQL for participants, run on the caller's connection (and transaction)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from voimala_contracts import LanguageSkill
from voimala_kit import Connection

from .domain import Participant

_COLUMNS = """id, given_name, family_name, email, phone, preferred_language, birth_year,
    municipality, skills, languages, matching_consent, status, created_at"""

_INSERT = """
INSERT INTO participant (id, given_name, family_name, email, phone, preferred_language,
    birth_year, municipality, skills, languages, matching_consent, registered_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING created_at
"""
_GET = f"SELECT {_COLUMNS} FROM participant WHERE id = $1"  # noqa: S608 - constant columns
_PAGE = f"""
SELECT {_COLUMNS} FROM participant
WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid))
ORDER BY created_at, id
LIMIT $3
"""  # noqa: S608 - constant columns


def _from_row(row: Any) -> tuple[Participant, datetime]:
    participant = Participant(
        id=row["id"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        email=row["email"],
        phone=row["phone"],
        preferred_language=row["preferred_language"],
        birth_year=row["birth_year"],
        municipality=row["municipality"],
        skills=list(row["skills"]),
        languages=[LanguageSkill.model_validate(x) for x in json.loads(row["languages"])],
        matching_consent=row["matching_consent"],
        status=row["status"],
    )
    return participant, row["created_at"]


async def add(conn: Connection, p: Participant, registered_by: str) -> datetime:
    created: datetime = await conn.fetchval(
        _INSERT,
        p.id,
        p.given_name,
        p.family_name,
        p.email,
        p.phone,
        p.preferred_language,
        p.birth_year,
        p.municipality,
        p.skills,
        json.dumps([lang.model_dump() for lang in p.languages]),
        p.matching_consent,
        registered_by,
    )
    return created


async def get(conn: Connection, participant_id: uuid.UUID) -> tuple[Participant, datetime] | None:
    row = await conn.fetchrow(_GET, participant_id)
    return _from_row(row) if row else None


async def page(
    conn: Connection, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[tuple[Participant, datetime]]:
    created, pid = after or (None, None)
    return [_from_row(r) for r in await conn.fetch(_PAGE, created, pid, limit)]
