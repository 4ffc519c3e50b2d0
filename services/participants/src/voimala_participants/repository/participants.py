"""Participants: the registry rows, and the filtered, paged list."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from voimala_contracts import LanguageSkill
from voimala_kit import Connection

from ..domain import CEFR_ORDER, Participant

_COLUMNS = """id, given_name, family_name, email, phone, preferred_language, preferred_channel,
    birth_year, birth_date, gender, municipality, skills, skill_uris, languages, education_level,
    work_history, goals, availability, subsidy_days, referral_reason, referral_source,
    target_group, wants_mentor, matching_consent, status, created_at, updated_at, episode"""

#: Columns a save writes, in order ($1 is the id).
SAVED_FIELDS = (
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
    "preferred_channel",
    "birth_year",
    "birth_date",
    "gender",
    "municipality",
    "skills",
    "skill_uris",
    "languages",
    "education_level",
    "work_history",
    "goals",
    "availability",
    "subsidy_days",
    "referral_reason",
    "target_group",
    "referral_source",
    "wants_mentor",
    "matching_consent",
    "status",
    "search_text",
)
_INSERT = f"""
INSERT INTO participant (id, {", ".join(SAVED_FIELDS)}, registered_by)
VALUES ({", ".join(f"${i}" for i in range(1, len(SAVED_FIELDS) + 3))})
RETURNING created_at
"""  # noqa: S608 - constant columns
_UPDATE = f"""
UPDATE participant SET {", ".join(f"{f} = ${i}" for i, f in enumerate(SAVED_FIELDS, start=2))},
    updated_at = now()
WHERE id = $1
"""  # noqa: S608 - constant columns
_GET = f"SELECT {_COLUMNS} FROM participant WHERE id = $1"  # noqa: S608 - constant columns
_GET_FOR_UPDATE = _GET + " FOR UPDATE"
# Reads of personal data write their audit row in the same statement: one round trip, and
# atomic with the read by construction. Nothing is written when nothing is found.
_AUDIT = """INSERT INTO audit_log (actor, actor_roles, participant_id, action, purpose)"""
_GET_AUDITED = f"""
WITH found AS (SELECT {_COLUMNS} FROM participant WHERE id = $1),
audited AS ({_AUDIT} SELECT $2, $3, id, $4, $5 FROM found)
SELECT * FROM found
"""  # noqa: S608 - constant columns
_EXISTS = "SELECT EXISTS (SELECT 1 FROM participant WHERE id = $1)"
_BY_EMAIL = "SELECT id FROM participant WHERE lower(email) = lower($1)"
_PAGE = f"""
SELECT {_COLUMNS} FROM participant
WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid))
  AND ($3::text IS NULL OR status = $3)
  AND ($4::text IS NULL OR target_group = $4)
  AND ($5::jsonb IS NULL OR languages @> $5)
  AND ($15::text IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(languages) AS l
        WHERE l->>'code' = $5::jsonb->0->>'code'
          AND array_position($16::text[], l->>'level') >= array_position($16::text[], $15)))
  AND ($6::text IS NULL OR skills @> ARRAY[$6])
  AND ($7::text IS NULL OR search @@ to_tsquery('simple', $7))
  AND ($8::boolean IS NULL OR $8 = (
        CASE WHEN birth_date IS NOT NULL THEN birth_date > $9::date - interval '30 years'
             WHEN birth_year IS NOT NULL THEN extract(year FROM $9::date) - birth_year < 30
             ELSE false END))
ORDER BY created_at, id
LIMIT $10
"""  # noqa: S608 - constant columns
# The page is read one row longer than asked (to know if more follow); only the rows shown
# are audited.
_PAGE_AUDITED = f"""
WITH page AS ({_PAGE}),
audited AS ({_AUDIT}
    SELECT $12, $13, id, 'list', $14 FROM (SELECT id FROM page ORDER BY created_at, id LIMIT $11) s)
SELECT * FROM page ORDER BY created_at, id
"""  # noqa: S608 - constant columns


@dataclass(frozen=True)
class Row:
    """A participant as the domain works with it, and the row as stored (what the API shows)."""

    participant: Participant
    stored: asyncpg.Record

    @property
    def episode(self) -> int:
        return int(self.stored["episode"])


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    target_group: str | None = None
    language: str | None = None
    skill: str | None = None
    text: str | None = None
    youth: bool | None = None
    language_level: str | None = None


def _from_row(row: Any) -> Row:
    participant = Participant(
        id=row["id"],
        given_name=row["given_name"],
        family_name=row["family_name"],
        email=row["email"],
        phone=row["phone"],
        preferred_language=row["preferred_language"],
        preferred_channel=row["preferred_channel"],
        birth_year=row["birth_year"],
        birth_date=row["birth_date"],
        gender=row["gender"],
        municipality=row["municipality"],
        skills=list(row["skills"]),
        skill_uris=json.loads(row["skill_uris"]),
        languages=[LanguageSkill.model_validate(x) for x in json.loads(row["languages"])],
        education_level=row["education_level"],
        work_history=row["work_history"],
        goals=row["goals"],
        availability=list(row["availability"]),
        subsidy_days=row["subsidy_days"],
        referral_reason=row["referral_reason"],
        referral_source=row["referral_source"],
        wants_mentor=row["wants_mentor"],
        matching_consent=row["matching_consent"],
        status=row["status"],
    )
    return Row(participant, row)


def _values(p: Participant) -> list[Any]:
    return [
        p.given_name,
        p.family_name,
        p.email,
        p.phone,
        p.preferred_language,
        p.preferred_channel,
        p.birth_year,
        p.birth_date,
        p.gender,
        p.municipality,
        p.skills,
        json.dumps(p.skill_uris),
        json.dumps([lang.model_dump() for lang in p.languages]),
        p.education_level,
        p.work_history,
        p.goals,
        p.availability,
        p.subsidy_days,
        p.referral_reason,
        p.target_group,
        p.referral_source,
        p.wants_mentor,
        p.matching_consent,
        p.status,
        p.search_text(),
    ]


async def add(conn: Connection, p: Participant, registered_by: str) -> datetime:
    created: datetime = await conn.fetchval(_INSERT, p.id, *_values(p), registered_by)
    return created


async def save(conn: Connection, p: Participant) -> None:
    await conn.execute(_UPDATE, p.id, *_values(p))


async def get(conn: Connection, participant_id: uuid.UUID, *, lock: bool = False) -> Row | None:
    row = await conn.fetchrow(_GET_FOR_UPDATE if lock else _GET, participant_id)
    return _from_row(row) if row else None


@dataclass(frozen=True)
class Reader:
    """Who reads, why, and what the audit log calls the read."""

    actor: str
    roles: list[str]
    purpose: str
    action: str = "read_profile"


async def read_audited(
    conn: Connection, participant_id: uuid.UUID, reader: Reader
) -> asyncpg.Record | None:
    """The participant's row as stored (for the API to show), its reading audited."""
    found: asyncpg.Record | None = await conn.fetchrow(
        _GET_AUDITED, participant_id, reader.actor, reader.roles, reader.action, reader.purpose
    )
    return found


async def exists(conn: Connection, participant_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(_EXISTS, participant_id))


async def id_by_email(conn: Connection, email: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(_BY_EMAIL, email)
    return found


def _tsquery(text: str) -> str | None:
    """Every word as a prefix, all required; only letters and digits survive."""
    words = ["".join(c for c in w if c.isalnum()) for w in text.lower().split()]
    terms = [f"{w}:*" for w in words if w]
    return " & ".join(terms[:8]) or None


async def page(
    conn: Connection,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    filters: Filters,
    today: date,
    reader: Reader,
) -> list[asyncpg.Record]:
    """Up to `limit` + 1 rows as stored (the extra one says a next page exists); `limit` of
    them are audited."""
    created, pid = after or (None, None)
    language = json.dumps([{"code": filters.language}]) if filters.language else None
    return await conn.fetch(
        _PAGE_AUDITED,
        created,
        pid,
        filters.status,
        filters.target_group,
        language,
        filters.skill,
        _tsquery(filters.text) if filters.text else None,
        filters.youth,
        today,
        limit + 1,
        limit,
        reader.actor,
        reader.roles,
        reader.purpose,
        filters.language_level,
        list(CEFR_ORDER),
    )
