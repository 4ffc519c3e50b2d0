"""Proposals of participants to openings and mentors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from voimala_contracts.matching import Explanation
from voimala_kit.db import Connection
from voimala_kit.rows import Table


@dataclass(frozen=True, slots=True)
class NewProposal:
    """A proposal as it is made (`handlers/proposing.py`, the one place that makes them)."""

    id: uuid.UUID
    participant_id: uuid.UUID
    kind: str
    opening_id: uuid.UUID | None
    mentor_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    score: float
    explanation: Explanation
    status: str
    proposed_by: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ProposalRow(NewProposal):
    proposed_at: datetime
    answered_at: datetime | None
    reason: str | None
    confirmed_at: datetime | None
    outcome: str | None
    outcome_at: datetime | None


@dataclass(frozen=True, slots=True)
class Proposal(ProposalRow):
    """A proposal with its opening's title (None for a mentor)."""

    title: str | None


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A partner or mentor who let proposals expire."""

    kind: str
    answerer_id: uuid.UUID
    name: str
    expired: int


@dataclass(frozen=True, slots=True)
class Filter:
    """Which proposals a page lists: None is any."""

    partner_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    participant_id: uuid.UUID | None = None
    opening_id: uuid.UUID | None = None
    status: str | None = None


PROPOSALS = Table("proposal", ProposalRow)
_NEW = Table("proposal", NewProposal)
# A proposal is made only while its participant's profile is there, and holds that row (key
# share) until it commits: an exit or an erasure deleting the profile waits for it and then
# sees the proposal (to withdraw and anonymise it), or came first and no proposal is made.
_INSERT = f"""
INSERT INTO proposal ({_NEW.column_list})
SELECT {", ".join(f"${n}" for n in range(1, len(_NEW.columns) + 1))}
WHERE EXISTS (SELECT 1 FROM profile WHERE participant_id = $2 FOR KEY SHARE)
ON CONFLICT DO NOTHING RETURNING id
"""  # noqa: S608 - columns from code
_SELECT = (
    f"SELECT {', '.join(f'p.{c}' for c in PROPOSALS.columns)}, o.title "  # noqa: S608 - columns from code
    "FROM proposal p LEFT JOIN opening o ON o.id = p.opening_id"
)


def _load(r: asyncpg.Record) -> Proposal:
    values = {c: r[c] for c in PROPOSALS.columns}
    values["explanation"] = Explanation.model_validate_json(r["explanation"])
    return Proposal(**values, title=r["title"])


async def insert(conn: Connection, p: NewProposal) -> bool:
    """False if the participant already has a live proposal for the same opening or mentor,
    or has no profile any more (exited or erased meanwhile)."""
    values = [
        json.dumps(v.model_dump(mode="json")) if isinstance(v, Explanation) else v
        for v in _NEW.values(p)
    ]
    done = await conn.fetchrow(_INSERT, *values)
    return done is not None


async def get(conn: Connection, proposal_id: uuid.UUID, *, lock: bool = False) -> Proposal | None:
    sql = f"{_SELECT} WHERE p.id = $1" + (" FOR UPDATE OF p" if lock else "")
    row = await conn.fetchrow(sql, proposal_id)
    return None if row is None else _load(row)


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
    conn: Connection, where: Filter, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Proposal]:
    """Newest first."""
    rows = await conn.fetch(
        f"""{_SELECT}
        WHERE ($1::uuid IS NULL OR p.partner_id = $1) AND ($2::uuid IS NULL OR p.mentor_id = $2)
          AND ($3::uuid IS NULL OR p.participant_id = $3)
          AND ($4::uuid IS NULL OR p.opening_id = $4) AND ($5::text IS NULL OR p.status = $5)
          AND ($6::timestamptz IS NULL OR (p.proposed_at, p.id) < ($6, $7::uuid))
        ORDER BY p.proposed_at DESC, p.id DESC LIMIT $8""",
        where.partner_id,
        where.mentor_id,
        where.participant_id,
        where.opening_id,
        where.status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_load(r) for r in rows]


async def of_participant(
    conn: Connection, participant_id: uuid.UUID, statuses: tuple[str, ...]
) -> list[Proposal]:
    rows = await conn.fetch(
        f"""{_SELECT} WHERE p.participant_id = $1 AND p.status = ANY($2)
        ORDER BY p.proposed_at FOR UPDATE OF p""",
        participant_id,
        list(statuses),
    )
    return [_load(r) for r in rows]


async def live_of(
    conn: Connection, *, opening_id: uuid.UUID | None = None, mentor_id: uuid.UUID | None = None
) -> list[Proposal]:
    """Unanswered proposals of an opening or a mentor, locked."""
    rows = await conn.fetch(
        f"""{_SELECT} WHERE p.status = 'proposed'
        AND (p.opening_id = $1 OR p.mentor_id = $2) ORDER BY p.proposed_at FOR UPDATE OF p""",
        opening_id,
        mentor_id,
    )
    return [_load(r) for r in rows]


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


async def mentors_tried(
    conn: Connection, participant_ids: list[uuid.UUID]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(participant, mentor) pairs already proposed and not to be proposed again."""
    rows = await conn.fetch(
        """SELECT participant_id, mentor_id FROM proposal
        WHERE kind = 'mentor' AND participant_id = ANY($1)""",
        participant_ids,
    )
    return {(r["participant_id"], r["mentor_id"]) for r in rows}


async def due(conn: Connection, limit: int) -> list[Proposal]:
    """Unanswered proposals past their time, claimed so that one replica handles each."""
    rows = await conn.fetch(
        f"""{_SELECT} WHERE p.status = 'proposed' AND p.expires_at <= now()
        ORDER BY p.expires_at LIMIT $1 FOR UPDATE OF p SKIP LOCKED""",
        limit,
    )
    return [_load(r) for r in rows]


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


async def unanswered_by_partner(conn: Connection) -> list[Unanswered]:
    """Per partner or mentor: proposals left to expire in the last 90 days."""
    rows = await conn.fetch(
        """SELECT p.kind, coalesce(p.partner_id, p.mentor_id) AS answerer_id,
               coalesce(pa.name, 'mentor') AS name, count(*) AS expired
        FROM proposal p LEFT JOIN partner pa ON pa.id = p.partner_id
        WHERE p.status = 'expired' AND p.expires_at > now() - interval '90 days'
        GROUP BY 1, 2, 3 ORDER BY expired DESC, answerer_id LIMIT 100"""
    )
    return [Unanswered(**r) for r in rows]


async def every_of(conn: Connection, participant_id: uuid.UUID) -> list[Proposal]:
    """Every proposal of the participant, whatever its state, newest first (as the API lists
    them): an access export."""
    rows = await conn.fetch(
        f"{_SELECT} WHERE p.participant_id = $1 ORDER BY p.proposed_at DESC, p.id DESC",
        participant_id,
    )
    return [_load(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Anonymised:
    """How many proposals lost their participant: to openings, to mentors, with an outcome."""

    proposals: int
    mentor_matches: int
    outcomes: int


# The participant's id becomes `$2` (one new id per erasure, known to no one, so that counts of
# distinct participants stay); the explanation keeps its score and factor values but not its
# notes or skills (what the person had); a reason stays only if it is one of the system's codes
# (`$3`), never a person's free text about them.
_ANONYMISE = """
WITH changed AS (
    UPDATE proposal SET participant_id = $2,
        reason = CASE WHEN reason = ANY($3::text[]) THEN reason END,
        explanation = jsonb_build_object(
            'score', explanation -> 'score',
            'factors', (SELECT coalesce(jsonb_agg(f.value - 'note' ORDER BY f.n), '[]'::jsonb)
                        FROM jsonb_array_elements(explanation -> 'factors')
                             WITH ORDINALITY AS f(value, n)),
            'missing_skills', '[]'::jsonb,
            'matched_skills', '[]'::jsonb)
    WHERE participant_id = $1
    RETURNING kind, outcome
)
SELECT count(*) FILTER (WHERE kind = 'opening') AS proposals,
       count(*) FILTER (WHERE kind = 'mentor') AS mentor_matches,
       count(outcome) AS outcomes
FROM changed
"""


async def anonymise(
    conn: Connection,
    participant_id: uuid.UUID,
    replacement: uuid.UUID,
    kept_reasons: Sequence[str],
) -> Anonymised:
    row = await conn.fetchrow(_ANONYMISE, participant_id, replacement, list(kept_reasons))
    assert row is not None
    return Anonymised(**row)
