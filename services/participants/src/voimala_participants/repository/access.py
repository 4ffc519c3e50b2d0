"""Access requests (GDPR 15): the request with this service's own export, and the answers of
the other services. Every export is personal data, purged after its time (or on erasure)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from voimala_kit.db import Connection

_ADD = """
INSERT INTO access_request (id, participant_id, language, requested_by, requested_at, export)
VALUES ($1, $2, $3, $4, $5, $6::jsonb)
"""
_GET = """
SELECT id, participant_id, language, requested_by, requested_at, export::text AS export,
       purged_at
FROM access_request WHERE id = $1
"""
_ANSWERS = """
SELECT service, answered_at, export::text AS export FROM access_answer WHERE request_id = $1
"""
# Kept once per request and service; for a request that is not this participant's, nothing.
# An answer after the purge is noted as answered, its export not kept. The request row is
# locked (shared) against a purge running at the same time: a purge waits for the answer to
# commit, an answer for the purge (and then reads the request as purged). Without it an
# answer and an erasure crossing each other kept the export (seen once in CI).
_ANSWER = """
INSERT INTO access_answer (request_id, service, answered_at, export)
SELECT r.id, $2, $3, CASE WHEN r.purged_at IS NULL THEN $5::jsonb END
FROM access_request r WHERE r.id = $1 AND r.participant_id = $4
FOR SHARE OF r
ON CONFLICT DO NOTHING
"""
_PURGE = """
WITH purged AS (
    UPDATE access_request SET export = NULL, purged_at = $2
    WHERE purged_at IS NULL AND {which}
    RETURNING id
), answers AS (
    UPDATE access_answer SET export = NULL
    WHERE export IS NOT NULL AND request_id IN (SELECT id FROM purged)
)
SELECT count(*) FROM purged
"""
_PURGE_OLD = _PURGE.format(which="requested_at < $1")
_PURGE_OF = _PURGE.format(which="participant_id = $1")
# Before a purge, in its transaction: the requests it purges locked, so that the purge's own
# statement starts after every answer to them being written has committed and sees it.
_LOCK_OLD = "SELECT 1 FROM access_request WHERE purged_at IS NULL AND requested_at < $1 FOR UPDATE"
_LOCK_OF = "SELECT 1 FROM access_request WHERE purged_at IS NULL AND participant_id = $1 FOR UPDATE"


@dataclass(frozen=True, slots=True)
class AccessRequestRow:
    id: uuid.UUID
    participant_id: uuid.UUID
    #: The person's preferred language when they asked: the export's readable page is in it.
    language: str
    requested_by: str
    requested_at: datetime
    #: This service's own part, by data set; None once purged.
    export: dict[str, list[dict[str, Any]]] | None
    purged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    service: str
    answered_at: datetime
    #: The service's data sets; None once purged.
    export: dict[str, Any] | None


def _json(value: object) -> str:
    # orjson writes times and days as the API does (ISO 8601); asyncpg's own uuid as its text.
    return orjson.dumps(value, default=str, option=orjson.OPT_UTC_Z).decode()


async def add(conn: Connection, r: AccessRequestRow) -> None:
    export = None if r.export is None else _json(r.export)
    await conn.execute(
        _ADD, r.id, r.participant_id, r.language, r.requested_by, r.requested_at, export
    )


async def get(conn: Connection, request_id: uuid.UUID) -> AccessRequestRow | None:
    record = await conn.fetchrow(_GET, request_id)
    if record is None:
        return None
    values = dict(record)
    values["export"] = json.loads(values["export"]) if values["export"] else None
    return AccessRequestRow(**values)


async def answers(conn: Connection, request_id: uuid.UUID) -> list[AnswerRow]:
    return [
        AnswerRow(r["service"], r["answered_at"], json.loads(r["export"]) if r["export"] else None)
        for r in await conn.fetch(_ANSWERS, request_id)
    ]


@dataclass(frozen=True)
class Answer:
    request_id: uuid.UUID
    participant_id: uuid.UUID
    service: str
    answered_at: datetime
    export: dict[str, Any]


async def add_answer(conn: Connection, a: Answer) -> bool:
    """False if the request is unknown, not this participant's, or already answered."""
    status = await conn.execute(
        _ANSWER, a.request_id, a.service, a.answered_at, a.participant_id, _json(a.export)
    )
    return bool(status != "INSERT 0 0")


async def purge(conn: Connection, before: datetime, now: datetime) -> int:
    """Drop the exports of requests made before `before`: the requests stay, with when they
    were purged. (In the caller's transaction: the lock holds until it ends.)"""
    await conn.execute(_LOCK_OLD, before)
    purged: int = await conn.fetchval(_PURGE_OLD, before, now)
    return purged


async def purge_of(conn: Connection, participant_id: uuid.UUID, now: datetime) -> int:
    """Drop the exports of every request about the person (their erasure), in the caller's
    transaction."""
    await conn.execute(_LOCK_OF, participant_id)
    purged: int = await conn.fetchval(_PURGE_OF, participant_id, now)
    return purged
