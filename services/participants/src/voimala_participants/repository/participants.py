"""Participants: the registry rows, and the filtered, paged list."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import asyncpg
from voimala_contracts import LanguageSkill
from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain import CEFR_ORDER, Participant, youth_limit


# Not frozen, unlike the other rows: a frozen dataclass's __init__ sets each of its 30 fields
# through object.__setattr__, which more than doubled the time to render a list page of 20
# (measured: 170 -> 360 us). Nothing changes a row once read; a save returns a new one.
@dataclass(slots=True)
class ParticipantRow:
    """A participant as stored: the one place that names the table's columns. The domain's
    `Participant` has the same names; jsonb columns come as their JSON text."""

    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    preferred_language: str
    preferred_channel: str
    birth_year: int | None
    birth_date: date | None
    gender: str | None
    municipality: str | None
    skills: list[str]
    skill_uris: str
    languages: str
    education_level: int | None
    work_history: str | None
    goals: str | None
    availability: list[str]
    subsidy_days: int | None
    referral_reason: str | None
    target_group: str | None
    referral_source: str | None
    wants_mentor: bool
    matching_consent: bool
    status: str
    search_text: str
    registered_by: str
    created_at: datetime
    updated_at: datetime
    #: The current episode's number (migration 0003), set by starting an episode.
    episode: int


PARTICIPANTS = Table("participant", ParticipantRow)
#: Columns the database fills: the times, and the episode (which starting one sets).
_STAMPED = ("created_at", "updated_at", "episode")
#: Columns a save writes, in order.
SAVED_FIELDS = tuple(c for c in PARTICIPANTS.columns if c not in ("id", "registered_by", *_STAMPED))

_INSERT = PARTICIPANTS.insert(columns=("id", *SAVED_FIELDS, "registered_by"))
_SAVE = PARTICIPANTS.update(SAVED_FIELDS, also="updated_at = now()")
_GET = PARTICIPANTS.select("WHERE id = $1")
_GET_FOR_UPDATE = _GET + " FOR UPDATE"
# Reads of personal data write their audit row in the same statement: one round trip, and
# atomic with the read by construction. Nothing is written when nothing is found.
_AUDIT = """INSERT INTO audit_log (actor, actor_roles, participant_id, action, purpose)"""
_GET_AUDITED = f"""
WITH found AS ({_GET}),
audited AS ({_AUDIT} SELECT $2, $3, id, $4, $5 FROM found)
SELECT * FROM found
"""  # noqa: S608 - constant columns
_EXISTS = "SELECT EXISTS (SELECT 1 FROM participant WHERE id = $1)"
_BY_EMAIL = "SELECT id FROM participant WHERE lower(email) = lower($1)"
# Youth compares the birth data with the domain's `youth_limit` of the day ($9: born after that
# date, $17: or, with only the year known, after that year): the rule is decided there.
# `{p}` is the participant's alias in the statement.
_FILTERS = """
  AND ($3::text IS NULL OR {p}status = $3)
  AND ($4::text IS NULL OR {p}target_group = $4)
  AND ($5::jsonb IS NULL OR {p}languages @> $5)
  AND ($15::text IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_array_elements({p}languages) AS l
        WHERE l->>'code' = $5::jsonb->0->>'code'
          AND array_position($16::text[], l->>'level') >= array_position($16::text[], $15)))
  AND ($7::text IS NULL OR {p}search @@ to_tsquery('simple', $7))
  AND ($8::boolean IS NULL OR $8 = (
        CASE WHEN {p}birth_date IS NOT NULL THEN {p}birth_date > $9::date
             WHEN {p}birth_year IS NOT NULL THEN {p}birth_year > $17::integer
             ELSE false END))
"""
_PAGE = PARTICIPANTS.select(f"""
WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid))
  AND ($6::text IS NULL OR skills @> ARRAY[$6])
  {_FILTERS.format(p="")}
ORDER BY created_at, id
LIMIT $10
""")
# With a skill ($6), the page walks that skill's rows of `participant_skill` (migration 0009) in
# the list's order: a skill few people have is answered from its few rows. (The array's GIN
# index finds who has a skill but not in that order, and the planner, unable to tell how few
# have a skill outside the statistics, walked the whole registration order: 0.3-0.5 s.)
_PAGE_BY_SKILL = PARTICIPANTS.select(
    f"""JOIN participant_skill k ON k.participant_id = p.id
WHERE k.skill = $6
  AND ($1::timestamptz IS NULL OR (k.created_at, k.participant_id) > ($1, $2::uuid))
  {_FILTERS.format(p="p.")}
ORDER BY k.created_at, k.participant_id
LIMIT $10
""",
    alias="p",
)
# The page is read one row longer than asked (to know if more follow); only the rows shown
# are audited.
_AUDITED = """
WITH page AS ({page}),
audited AS ({audit}
    SELECT $12, $13, id, 'list', $14 FROM (SELECT id FROM page ORDER BY created_at, id LIMIT $11) s)
SELECT * FROM page ORDER BY created_at, id
"""
_PAGE_AUDITED = _AUDITED.format(page=_PAGE, audit=_AUDIT)
_PAGE_BY_SKILL_AUDITED = _AUDITED.format(page=_PAGE_BY_SKILL, audit=_AUDIT)


# A list without free text (most of the staff's lists) walks one index in the list's order, the
# same plan for every value: a skill's rows (0009), a language's (0010), a target group's, a
# status's, or the registration order, the other filters checked on the rows walked. Each value
# is read as `(SELECT $n)`, which a custom plan cannot see into either: its cost is then the
# generic plan's, and PostgreSQL keeps the generic plan after five executions instead of
# planning each page anew (planning was 0.13-0.4 ms of PostgreSQL's CPU a page;
# `pg_prepared_statements` shows the switch). The walked key is bounded as `key >= v AND
# key <= v` and the rows ordered by it first: with `key = v` the key would drop out of the
# order and the planner could walk the registration order and filter, which for a value few
# have reads every row.
# (Free text has no such index: its pages keep the statement above, whose custom plan picks the
# GIN index or the registration order by what the statistics say.)
def _value(n: int, cast: str) -> str:
    return f"(SELECT ${n}::{cast})"


_STATUS, _GROUP, _SKILL = _value(3, "text"), _value(4, "text"), _value(5, "text")
_CODE, _LEVEL, _CEFR = _value(14, "text"), _value(15, "text"), _value(16, "text[]")
_START = (
    f"coalesce({_value(1, 'timestamptz')}, '-infinity'),"
    f" coalesce({_value(2, 'uuid')}, '00000000-0000-0000-0000-000000000000')"
)
_CHECKED = f"""
  AND ({_STATUS} IS NULL OR p.status = {_STATUS})
  AND ({_GROUP} IS NULL OR p.target_group = {_GROUP})
  AND ({_SKILL} IS NULL OR p.skills @> ARRAY[{_SKILL}])
  AND ({_CODE} IS NULL OR p.languages @> jsonb_build_array(jsonb_build_object('code', {_CODE})))
  AND ({_LEVEL} IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(p.languages) AS l
        WHERE l->>'code' = {_CODE}
          AND array_position({_CEFR}, l->>'level') >= array_position({_CEFR}, {_LEVEL})))
  AND ({_value(6, "boolean")} IS NULL OR {_value(6, "boolean")} = (
        CASE WHEN p.birth_date IS NOT NULL THEN p.birth_date > {_value(7, "date")}
             WHEN p.birth_year IS NOT NULL THEN p.birth_year > {_value(8, "integer")}
             ELSE false END))
ORDER BY {{order}}
LIMIT $9
"""  # noqa: S608 - constant parts


def _walk(key: str, value: str) -> str:
    """The page walking `p.<key>`'s index from its value's first row (or the cursor's)."""
    tail = f"""WHERE p.{key} >= {value} AND p.{key} <= {value}
  AND (p.{key}, p.created_at, p.id) > ({value}, {_START}){_CHECKED}"""
    return PARTICIPANTS.select(tail.format(order=f"p.{key}, p.created_at, p.id"), alias="p")


_WALKED_AUDITED = """
WITH page AS ({page}),
audited AS ({audit}
    SELECT $11, $12, id, 'list', $13 FROM (SELECT id FROM page ORDER BY created_at, id LIMIT $10) s)
SELECT * FROM page ORDER BY created_at, id
"""


def _walk_rows(table: str, key: str, value: str) -> str:
    """The page walking `table`'s rows of one value (a skill's, a language's), in the list's
    order, with the participant of each."""
    tail = f"""JOIN {table} k ON k.participant_id = p.id
WHERE k.{key} >= {value} AND k.{key} <= {value}
  AND (k.{key}, k.created_at, k.participant_id) > ({value}, {_START}){_CHECKED}"""
    return PARTICIPANTS.select(
        tail.format(order=f"k.{key}, k.created_at, k.participant_id"), alias="p"
    )


_BY_CREATED = PARTICIPANTS.select(
    f"WHERE (p.created_at, p.id) > ({_START}){_CHECKED}".format(order="p.created_at, p.id"),
    alias="p",
)
_WALKS = {
    name: _WALKED_AUDITED.format(page=page, audit=_AUDIT)
    for name, page in {
        "skill": _walk_rows("participant_skill", "skill", _SKILL),
        "language": _walk_rows("participant_language", "code", _CODE),
        "status": _walk("status", _STATUS),
        "target_group": _walk("target_group", _GROUP),
        "created": _BY_CREATED,
    }.items()
}


def _row(record: asyncpg.Record) -> ParticipantRow:
    # By position: every statement here reads PARTICIPANTS.columns, in the row's order. (By
    # name, as Table.load does, costs more than the rest of rendering a list page.)
    return ParticipantRow(*record)


#: The domain's fields that are stored as they are (the others are JSON).
_AS_THEY_ARE = tuple(
    f.name for f in fields(Participant) if f.name not in ("skill_uris", "languages")
)


def as_participant(row: ParticipantRow) -> Participant:
    """The row as the domain works with it."""
    values: dict[str, Any] = {name: getattr(row, name) for name in _AS_THEY_ARE}
    values["skill_uris"] = json.loads(row.skill_uris)
    values["languages"] = [LanguageSkill.model_validate(x) for x in json.loads(row.languages)]
    return Participant(**values)


def _columns(p: Participant) -> dict[str, object]:
    """The participant's SAVED_FIELDS: the domain's fields by name, and what is made of them."""
    made = {
        "skill_uris": json.dumps(p.skill_uris),
        "languages": json.dumps([lang.model_dump() for lang in p.languages]),
        "target_group": p.target_group,
        "search_text": p.search_text(),
    }
    return {c: made[c] if c in made else getattr(p, c) for c in SAVED_FIELDS}


async def add(conn: Connection, p: Participant, registered_by: str) -> ParticipantRow:
    """A new participant, in their first episode (which the caller starts)."""
    record = await conn.fetchrow(_INSERT, p.id, *_columns(p).values(), registered_by)
    assert record is not None
    return _row(record)


async def save(conn: Connection, p: Participant) -> ParticipantRow:
    record = await conn.fetchrow(_SAVE, p.id, *_columns(p).values())
    assert record is not None
    return _row(record)


async def get(
    conn: Connection, participant_id: uuid.UUID, *, lock: bool = False
) -> ParticipantRow | None:
    record = await conn.fetchrow(_GET_FOR_UPDATE if lock else _GET, participant_id)
    return _row(record) if record else None


@dataclass(frozen=True)
class Reader:
    """Who reads, why, and what the audit log calls the read."""

    actor: str
    roles: list[str]
    purpose: str
    action: str = "read_profile"


async def read_audited(
    conn: Connection, participant_id: uuid.UUID, reader: Reader
) -> ParticipantRow | None:
    """The participant's row, its reading audited."""
    record = await conn.fetchrow(
        _GET_AUDITED, participant_id, reader.actor, reader.roles, reader.action, reader.purpose
    )
    return _row(record) if record else None


async def exists(conn: Connection, participant_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(_EXISTS, participant_id))


async def id_by_email(conn: Connection, email: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(_BY_EMAIL, email)
    return found


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    target_group: str | None = None
    language: str | None = None
    skill: str | None = None
    text: str | None = None
    youth: bool | None = None
    language_level: str | None = None


def _tsquery(text: str) -> str | None:
    """Every word as a prefix, all required; only letters and digits survive."""
    words = ["".join(c for c in w if c.isalnum()) for w in text.lower().split()]
    terms = [f"{w}:*" for w in words if w]
    return " & ".join(terms[:8]) or None


def _who(reader: Reader) -> tuple[str, list[str], str]:
    return reader.actor, reader.roles, reader.purpose


def _walked(filters: Filters) -> str | None:
    """The statement of a page that walks one index (`_WALKS`), or None with free text. A
    skill's rows first, then a language's, a target group's, a status's."""
    if filters.text:
        return None
    for key in ("skill", "language", "target_group", "status"):
        if getattr(filters, key) is not None:
            return _WALKS[key]
    return _WALKS["created"]


async def page(
    conn: Connection,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    filters: Filters,
    today: date,
    reader: Reader,
) -> list[ParticipantRow]:
    """Up to `limit` + 1 rows (the extra one says a next page exists); `limit` of them are
    audited."""
    created, pid = after or (None, None)
    youth = youth_limit(today)
    walk = _walked(filters)
    if walk is not None:
        values = (filters.status, filters.target_group, filters.skill, filters.youth)
        at = (youth.born_after, youth.year_after, limit + 1, limit)
        level = (filters.language, filters.language_level, list(CEFR_ORDER))
        records = await conn.fetch(walk, created, pid, *values, *at, *_who(reader), *level)
        return [_row(r) for r in records]
    language = json.dumps([{"code": filters.language}]) if filters.language else None
    records = await conn.fetch(
        _PAGE_BY_SKILL_AUDITED if filters.skill else _PAGE_AUDITED,
        created,
        pid,
        filters.status,
        filters.target_group,
        language,
        filters.skill,
        _tsquery(filters.text) if filters.text else None,
        filters.youth,
        youth.born_after,
        limit + 1,
        limit,
        reader.actor,
        reader.roles,
        reader.purpose,
        filters.language_level,
        list(CEFR_ORDER),
        youth.year_after,
    )
    return [_row(r) for r in records]
