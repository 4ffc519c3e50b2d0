"""Proposals of participants to openings and mentors."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from voimala_kit import Connection

_COLUMNS = """p.id, p.participant_id, p.kind, p.opening_id, p.mentor_id, p.partner_id, p.score,
    p.explanation, p.status, p.proposed_by, p.proposed_at, p.expires_at, p.answered_at,
    p.reason, p.confirmed_at, p.outcome, p.outcome_at, o.title"""
_FROM = "proposal p LEFT JOIN opening o ON o.id = p.opening_id"
LIVE = ("proposed", "accepted", "confirmed")


def _row(row: asyncpg.Record) -> dict[str, Any]:
    found = dict(row)
    found["explanation"] = json.loads(found["explanation"])
    return found


async def insert(conn: Connection, p: dict[str, Any]) -> bool:
    """False if the participant already has a live proposal for the same opening or mentor."""
    done = await conn.fetchval(
        """INSERT INTO proposal (id, participant_id, kind, opening_id, mentor_id, partner_id,
        score, explanation, status, proposed_by, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9, $10)
        ON CONFLICT DO NOTHING RETURNING id""",
        p["id"],
        p["participant_id"],
        p["kind"],
        p.get("opening_id"),
        p.get("mentor_id"),
        p.get("partner_id"),
        p["score"],
        json.dumps(p["explanation"]),
        p["proposed_by"],
        p["expires_at"],
    )
    return done is not None


async def get(
    conn: Connection, proposal_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    sql = f"SELECT {_COLUMNS} FROM {_FROM} WHERE p.id = $1"  # noqa: S608 - constant
    row = await conn.fetchrow(sql + (" FOR UPDATE OF p" if lock else ""), proposal_id)
    return None if row is None else _row(row)


async def set_status(
    conn: Connection,
    proposal_id: uuid.UUID,
    status: str,
    *,
    answered_by: str | None = None,
    reason: str | None = None,
) -> datetime:
    at: datetime = await conn.fetchval(
        """UPDATE proposal SET status = $2,
            answered_by = coalesce($3, answered_by),
            answered_at = CASE WHEN $2 IN ('accepted', 'declined') THEN now()
                               ELSE answered_at END,
            confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END,
            reason = coalesce($4, reason)
        WHERE id = $1 RETURNING now()""",
        proposal_id,
        status,
        answered_by,
        reason,
    )
    return at


async def set_outcome(conn: Connection, proposal_id: uuid.UUID, outcome: str) -> datetime:
    at: datetime = await conn.fetchval(
        "UPDATE proposal SET outcome = $2, outcome_at = now() WHERE id = $1 RETURNING now()",
        proposal_id,
        outcome,
    )
    return at


async def page(
    conn: Connection,
    *,
    partner_id: uuid.UUID | None,
    mentor_id: uuid.UUID | None,
    participant_id: uuid.UUID | None,
    opening_id: uuid.UUID | None,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM}
        WHERE ($1::uuid IS NULL OR p.partner_id = $1) AND ($2::uuid IS NULL OR p.mentor_id = $2)
          AND ($3::uuid IS NULL OR p.participant_id = $3)
          AND ($4::uuid IS NULL OR p.opening_id = $4) AND ($5::text IS NULL OR p.status = $5)
          AND ($6::timestamptz IS NULL OR (p.proposed_at, p.id) < ($6, $7::uuid))
        ORDER BY p.proposed_at DESC, p.id DESC LIMIT $8""",  # noqa: S608 - constant
        partner_id,
        mentor_id,
        participant_id,
        opening_id,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_row(r) for r in rows]


async def of_participant(
    conn: Connection, participant_id: uuid.UUID, statuses: tuple[str, ...]
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM} WHERE p.participant_id = $1 AND p.status = ANY($2)
        ORDER BY p.proposed_at FOR UPDATE OF p""",  # noqa: S608 - constant
        participant_id,
        list(statuses),
    )
    return [_row(r) for r in rows]


async def live_of(
    conn: Connection, *, opening_id: uuid.UUID | None = None, mentor_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Unanswered proposals of an opening or a mentor, locked."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM} WHERE p.status = 'proposed'
        AND (p.opening_id = $1 OR p.mentor_id = $2) ORDER BY p.proposed_at FOR UPDATE OF p""",  # noqa: S608 - constant
        opening_id,
        mentor_id,
    )
    return [_row(r) for r in rows]


async def ever_proposed(conn: Connection, opening_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await conn.fetch(
        "SELECT DISTINCT participant_id FROM proposal WHERE opening_id = $1", opening_id
    )
    return {r["participant_id"] for r in rows}


async def pending_count(conn: Connection, opening_id: uuid.UUID) -> int:
    n: int = await conn.fetchval(
        "SELECT count(*) FROM proposal WHERE opening_id = $1 AND status = 'proposed'", opening_id
    )
    return n


async def mentors_tried(conn: Connection, participant_ids: list[uuid.UUID]) -> set[tuple[Any, Any]]:
    """(participant, mentor) pairs already proposed and not to be proposed again."""
    rows = await conn.fetch(
        """SELECT participant_id, mentor_id FROM proposal
        WHERE kind = 'mentor' AND participant_id = ANY($1)""",
        participant_ids,
    )
    return {(r["participant_id"], r["mentor_id"]) for r in rows}


async def due(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """Unanswered proposals past their time, claimed so that one replica handles each."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM} WHERE p.status = 'proposed' AND p.expires_at <= now()
        ORDER BY p.expires_at LIMIT $1 FOR UPDATE OF p SKIP LOCKED""",  # noqa: S608 - constant
        limit,
    )
    return [_row(r) for r in rows]


async def expired_count(
    conn: Connection, *, partner_id: uuid.UUID | None, mentor_id: uuid.UUID | None
) -> int:
    n: int = await conn.fetchval(
        """SELECT count(*) FROM proposal WHERE status = 'expired'
        AND expires_at > now() - interval '90 days'
        AND (($1::uuid IS NOT NULL AND partner_id = $1)
             OR ($1::uuid IS NULL AND mentor_id = $2))""",
        partner_id,
        mentor_id,
    )
    return n


async def unanswered_by_partner(conn: Connection) -> list[dict[str, Any]]:
    """Per partner or mentor: proposals left to expire in the last 90 days."""
    rows = await conn.fetch(
        """SELECT p.kind, coalesce(p.partner_id, p.mentor_id) AS answerer_id,
               coalesce(pa.name, 'mentor') AS name, count(*) AS expired
        FROM proposal p LEFT JOIN partner pa ON pa.id = p.partner_id
        WHERE p.status = 'expired' AND p.expires_at > now() - interval '90 days'
        GROUP BY 1, 2, 3 ORDER BY expired DESC, answerer_id LIMIT 100"""
    )
    return [dict(r) for r in rows]
