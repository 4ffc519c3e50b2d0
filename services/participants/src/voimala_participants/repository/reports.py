"""The stored facts a report counts: episodes, visits and the service path, as of a moment.

Every fact carries the time it was recorded; counting only what was recorded by `as_of`
rebuilds a past report exactly, whatever was added since.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from voimala_kit.db import Connection

from ..domain.reports import Entry, Facts, Milestone, Outcome, VisitFact

_ENTRIES = """
SELECT number, gender, age_group, youth, education_level, target_group FROM episode
WHERE started_on BETWEEN $1 AND $2 AND started_at <= $3
"""
_EXITS = """
SELECT outcome FROM episode
WHERE exit_date BETWEEN $1 AND $2 AND exit_recorded_at <= $3
"""
_FOLLOW_UPS = """
SELECT follow_up_outcome AS outcome FROM episode
WHERE (follow_up_recorded_at AT TIME ZONE 'Europe/Helsinki')::date BETWEEN $1 AND $2
  AND follow_up_recorded_at <= $3
"""
_VISITS = """
SELECT purpose, age_group, count, participant_id IS NOT NULL AS identified FROM visit
WHERE (visited_at AT TIME ZONE 'Europe/Helsinki')::date BETWEEN $1 AND $2
  AND recorded_at <= $3
"""
_MILESTONES = """
WITH ep AS (
    SELECT participant_id, started_on, exit_date,
        CASE WHEN exit_recorded_at <= $3 THEN exit_date END AS outcome_on
    FROM episode WHERE started_at <= $3
), firsts AS (
    SELECT ep.started_on, ep.outcome_on,
        (SELECT min((t.occurred_at AT TIME ZONE 'Europe/Helsinki')::date) FROM timeline_entry t
         WHERE t.participant_id = ep.participant_id AND t.kind = ANY($4::text[])
           AND t.recorded_at <= $3
           AND (t.occurred_at AT TIME ZONE 'Europe/Helsinki')::date >= ep.started_on
           AND (ep.exit_date IS NULL
                OR (t.occurred_at AT TIME ZONE 'Europe/Helsinki')::date <= ep.exit_date)
        ) AS first_activity,
        (SELECT min((t.occurred_at AT TIME ZONE 'Europe/Helsinki')::date) FROM timeline_entry t
         WHERE t.participant_id = ep.participant_id AND t.kind = ANY($5::text[])
           AND t.recorded_at <= $3
           AND (t.occurred_at AT TIME ZONE 'Europe/Helsinki')::date >= ep.started_on
           AND (ep.exit_date IS NULL
                OR (t.occurred_at AT TIME ZONE 'Europe/Helsinki')::date <= ep.exit_date)
        ) AS first_proposal
    FROM ep
)
SELECT started_on, first_activity, first_proposal, outcome_on FROM firsts
WHERE first_activity BETWEEN $1 AND $2 OR first_proposal BETWEEN $1 AND $2
   OR outcome_on BETWEEN $1 AND $2
"""


async def _entries(conn: Connection, start: date, end: date, as_of: datetime) -> list[Entry]:
    return [Entry(**r) for r in await conn.fetch(_ENTRIES, start, end, as_of)]


async def _outcomes(
    conn: Connection, query: str, start: date, end: date, as_of: datetime
) -> list[Outcome]:
    return [Outcome(**r) for r in await conn.fetch(query, start, end, as_of)]


async def _visits(conn: Connection, start: date, end: date, as_of: datetime) -> list[VisitFact]:
    return [VisitFact(**r) for r in await conn.fetch(_VISITS, start, end, as_of)]


async def _milestones(
    conn: Connection,
    start: date,
    end: date,
    as_of: datetime,
    kinds: tuple[Sequence[str], Sequence[str]],
) -> list[Milestone]:
    activity, proposal = kinds
    records = await conn.fetch(_MILESTONES, start, end, as_of, list(activity), list(proposal))
    return [Milestone(**r) for r in records]


async def facts(
    conn: Connection,
    start: date,
    end: date,
    as_of: datetime,
    kinds: tuple[Sequence[str], Sequence[str]],
) -> Facts:
    """What a report for days start..end counts, as recorded by `as_of`; `kinds` are the
    timeline kinds that are an activity and a proposal. Read them in one snapshot."""
    return Facts(
        entries=await _entries(conn, start, end, as_of),
        exits=await _outcomes(conn, _EXITS, start, end, as_of),
        follow_ups=await _outcomes(conn, _FOLLOW_UPS, start, end, as_of),
        visits=await _visits(conn, start, end, as_of),
        milestones=await _milestones(conn, start, end, as_of, kinds),
    )
