"""EURA 2021 forms marked done (migration 0006), and the facts of the reconciliation list."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from voimala_kit.db import Connection

from ..domain.eura import EuraFacts, Form, FormDone

_MARK = """
INSERT INTO eura_form (participant_id, episode, form, done_on, recorded_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (participant_id, episode, form)
DO UPDATE SET done_on = EXCLUDED.done_on, recorded_by = EXCLUDED.recorded_by, recorded_at = now()
"""
_UNMARK = "DELETE FROM eura_form WHERE participant_id = $1 AND episode = $2 AND form = $3"
_OF_EPISODE = """
SELECT form, done_on, recorded_by FROM eura_form WHERE participant_id = $1 AND episode = $2
"""
_OF_PARTICIPANT = """
SELECT episode, form, done_on, recorded_by, recorded_at FROM eura_form
WHERE participant_id = $1 ORDER BY episode, form
"""
_ERASE = "DELETE FROM eura_form WHERE participant_id = $1"
# Episodes started or ended in the period, of participants still registered (an erased
# person's episodes are kept without a name: nothing to reconcile), by name.
_FACTS = """
SELECT e.participant_id, e.number AS episode, p.given_name, p.family_name, p.birth_date,
       p.birth_year, p.gender, p.education_level, p.municipality, e.started_on, e.exit_date,
       e.outcome,
       s.done_on AS start_done_on, s.recorded_by AS start_recorded_by,
       x.done_on AS exit_done_on, x.recorded_by AS exit_recorded_by,
       en.labour_market_status, en.unemployed_since, en.municipality_code, en.rural,
       r.results::text AS exit_results
FROM episode e
JOIN participant p ON p.id = e.participant_id
-- The ESF+ facts (migration 0005): the newest entry facts, the newest results upon leaving.
LEFT JOIN LATERAL (
    SELECT labour_market_status, unemployed_since, municipality_code, rural FROM esf_entry
    WHERE participant_id = e.participant_id AND episode = e.number
    ORDER BY recorded_at DESC, id DESC LIMIT 1
) en ON true
LEFT JOIN LATERAL (
    SELECT results FROM esf_results
    WHERE participant_id = e.participant_id AND episode = e.number AND stage = 'leaving'
    ORDER BY recorded_at DESC, id DESC LIMIT 1
) r ON true
LEFT JOIN eura_form s ON s.participant_id = e.participant_id AND s.episode = e.number
                      AND s.form = 'start'
LEFT JOIN eura_form x ON x.participant_id = e.participant_id AND x.episode = e.number
                      AND x.form = 'exit'
WHERE e.started_on BETWEEN $1 AND $2 OR e.exit_date BETWEEN $1 AND $2
ORDER BY lower(p.family_name), lower(p.given_name), p.id, e.number
"""


async def mark(
    conn: Connection, participant_id: uuid.UUID, episode: int, form: Form, done: FormDone
) -> None:
    await conn.execute(_MARK, participant_id, episode, form, done.done_on, done.recorded_by)


async def unmark(conn: Connection, participant_id: uuid.UUID, episode: int, form: Form) -> bool:
    """False if the form was not marked done."""
    return bool(await conn.execute(_UNMARK, participant_id, episode, form) != "DELETE 0")


async def of_episode(
    conn: Connection, participant_id: uuid.UUID, episode: int
) -> dict[str, FormDone]:
    rows = await conn.fetch(_OF_EPISODE, participant_id, episode)
    return {r["form"]: FormDone(r["done_on"], r["recorded_by"]) for r in rows}


async def of_participant(conn: Connection, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every form marked done for the person (their access export)."""
    return [dict(r) for r in await conn.fetch(_OF_PARTICIPANT, participant_id)]


async def erase(conn: Connection, participant_id: uuid.UUID) -> int:
    status = await conn.execute(_ERASE, participant_id)
    return int(status.split()[-1])


def _facts(r: Any) -> EuraFacts:
    start = FormDone(r["start_done_on"], r["start_recorded_by"]) if r["start_done_on"] else None
    done = FormDone(r["exit_done_on"], r["exit_recorded_by"]) if r["exit_done_on"] else None
    return EuraFacts(
        participant_id=r["participant_id"],
        episode=r["episode"],
        given_name=r["given_name"],
        family_name=r["family_name"],
        birth_date=r["birth_date"],
        birth_year=r["birth_year"],
        gender=r["gender"],
        education_level=r["education_level"],
        municipality=r["municipality"],
        started_on=r["started_on"],
        exit_date=r["exit_date"],
        outcome=r["outcome"],
        start_form=start,
        exit_form=done,
        labour_market_status=r["labour_market_status"],
        unemployed_since=r["unemployed_since"],
        municipality_code=r["municipality_code"],
        rural=r["rural"],
        exit_results=None
        if r["exit_results"] is None
        else tuple(sorted(json.loads(r["exit_results"]))),
    )


async def facts(conn: Connection, start: date, end: date) -> list[EuraFacts]:
    return [_facts(r) for r in await conn.fetch(_FACTS, start, end)]
