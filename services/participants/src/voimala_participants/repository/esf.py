"""ESF+ entry facts and results of episodes: appended, never changed; the newest recorded by a
moment is the one in force then (docs/reporting.md)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from ..domain.esf import EntryFacts, EpisodeFact, EsfFacts, QualityFact


@dataclass(frozen=True, slots=True)
class EsfEntryRow:
    """A row of `esf_entry`: the entry facts as recorded, or as corrected."""

    id: int
    participant_id: uuid.UUID
    episode: int
    labour_market_status: str
    unemployed_since: date | None
    gender: str | None
    age_from: int | None
    age_to: int | None
    education_level: int | None
    municipality_code: str | None
    rural: bool | None
    disability: bool | None
    third_country_national: bool | None
    foreign_background: bool | None
    minority: bool | None
    homeless: bool | None
    #: When the sensitive values were erased (their consent withdrawn); None: never.
    sensitive_erased_at: datetime | None
    recorded_by: str
    recorded_at: datetime

    def facts(self) -> EntryFacts:
        values = {f: getattr(self, f) for f in EntryFacts.__slots__}
        return EntryFacts(**values)


@dataclass(frozen=True, slots=True)
class EsfResultsRow:
    id: int
    participant_id: uuid.UUID
    episode: int
    stage: str
    #: result -> the day observed.
    results: dict[str, date]
    #: six_months only: improvement -> the day observed; None: not asked.
    improvements: dict[str, date] | None
    recorded_by: str
    recorded_at: datetime


ENTRIES = Table("esf_entry", EsfEntryRow)
_STAMPED = ("id", "recorded_at")
_ADD_ENTRY = ENTRIES.insert(columns=[c for c in ENTRIES.columns if c not in _STAMPED])
_ENTRY_HISTORY = ENTRIES.select(
    "WHERE participant_id = $1 AND episode = $2 ORDER BY recorded_at DESC, id DESC"
)
_ENTRIES_OF = ENTRIES.select("WHERE participant_id = $1 ORDER BY episode, recorded_at, id")
_RESULTS_COLUMNS = (
    "id, participant_id, episode, stage, results::text AS results, "
    "improvements::text AS improvements, recorded_by, recorded_at"
)
_ADD_RESULTS = f"""
INSERT INTO esf_results (participant_id, episode, stage, results, improvements, recorded_by)
VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING {_RESULTS_COLUMNS}
"""  # noqa: S608 - constant columns
_RESULTS_HISTORY = f"""
SELECT {_RESULTS_COLUMNS} FROM esf_results WHERE participant_id = $1 AND episode = $2
ORDER BY recorded_at DESC, id DESC
"""  # noqa: S608 - constant columns
_RESULTS_OF = f"""
SELECT {_RESULTS_COLUMNS} FROM esf_results WHERE participant_id = $1
ORDER BY episode, stage, recorded_at, id
"""  # noqa: S608 - constant columns
_SENSITIVE_CONSENT = """
SELECT granted FROM consent WHERE participant_id = $1 AND purpose = 'sensitive_characteristics'
ORDER BY recorded_at DESC, id DESC LIMIT 1
"""

# What the ESF+ report counts, as recorded by $1.
_EPISODES = """
SELECT participant_id, number, started_on, gender, age_group, education_level,
    CASE WHEN exit_recorded_at <= $1 THEN exit_date END AS exit_date
FROM episode WHERE started_at <= $1
"""
_ENTRIES_IN_FORCE = ENTRIES.select(
    "WHERE recorded_at <= $1 ORDER BY participant_id, episode, recorded_at DESC, id DESC"
).replace("SELECT", "SELECT DISTINCT ON (participant_id, episode)", 1)
_RESULTS_IN_FORCE = f"""
SELECT DISTINCT ON (participant_id, episode, stage) {_RESULTS_COLUMNS} FROM esf_results
WHERE recorded_at <= $1 ORDER BY participant_id, episode, stage, recorded_at DESC, id DESC
"""  # noqa: S608 - constant columns


def _days(stored: str) -> dict[str, date]:
    return {k: date.fromisoformat(v) for k, v in json.loads(stored).items()}


def _stored(days: dict[str, date]) -> str:
    return json.dumps({k: v.isoformat() for k, v in sorted(days.items())})


def _results(record: Any) -> EsfResultsRow:
    values = dict(record)
    values["results"] = _days(values["results"])
    if values["improvements"] is not None:
        values["improvements"] = _days(values["improvements"])
    return EsfResultsRow(**values)


@dataclass(frozen=True)
class NewEntry:
    participant_id: uuid.UUID
    episode: int
    facts: EntryFacts
    recorded_by: str


async def add_entry(conn: Connection, new: NewEntry) -> EsfEntryRow:
    f = new.facts
    record = await conn.fetchrow(
        _ADD_ENTRY,
        new.participant_id,
        new.episode,
        *(getattr(f, name) for name in EntryFacts.__slots__),
        new.recorded_by,
    )
    assert record is not None
    return ENTRIES.load(record)


async def entry_history(
    conn: Connection, participant_id: uuid.UUID, episode: int
) -> list[EsfEntryRow]:
    """Newest first: the first is in force."""
    return ENTRIES.load_all(await conn.fetch(_ENTRY_HISTORY, participant_id, episode))


@dataclass(frozen=True)
class NewResults:
    participant_id: uuid.UUID
    episode: int
    stage: str
    results: dict[str, date]
    #: six_months only; None: not asked.
    improvements: dict[str, date] | None
    recorded_by: str


async def add_results(conn: Connection, new: NewResults) -> EsfResultsRow:
    improvements = None if new.improvements is None else _stored(new.improvements)
    record = await conn.fetchrow(
        _ADD_RESULTS,
        new.participant_id,
        new.episode,
        new.stage,
        _stored(new.results),
        improvements,
        new.recorded_by,
    )
    return _results(record)


async def results_history(
    conn: Connection, participant_id: uuid.UUID, episode: int
) -> list[EsfResultsRow]:
    """Newest first, both stages."""
    return [_results(r) for r in await conn.fetch(_RESULTS_HISTORY, participant_id, episode)]


_ERASE_SENSITIVE = """
UPDATE esf_entry SET disability = NULL, third_country_national = NULL,
    foreign_background = NULL, minority = NULL, homeless = NULL, sensitive_erased_at = now()
WHERE participant_id = $1 AND (disability IS NOT NULL OR third_country_national IS NOT NULL
    OR foreign_background IS NOT NULL OR minority IS NOT NULL OR homeless IS NOT NULL)
"""


async def erase_sensitive(conn: Connection, participant_id: uuid.UUID) -> int:
    """Erase the sensitive values of every version of the person's entry facts; how many
    versions held any."""
    status = await conn.execute(_ERASE_SENSITIVE, participant_id)
    return int(status.split()[-1])


async def sensitive_consent(conn: Connection, participant_id: uuid.UUID) -> bool:
    """Whether the consent to record sensitive characteristics is in force."""
    return bool(await conn.fetchval(_SENSITIVE_CONSENT, participant_id))


async def of_participant(
    conn: Connection, participant_id: uuid.UUID
) -> dict[str, list[dict[str, Any]]]:
    """Every row of the person's, for their access export."""
    entries = ENTRIES.load_all(await conn.fetch(_ENTRIES_OF, participant_id))
    results = [_results(r) for r in await conn.fetch(_RESULTS_OF, participant_id)]
    drop = ("id", "participant_id")
    return {
        "esf_entry": [
            {k: getattr(e, k) for k in ENTRIES.columns if k not in drop} for e in entries
        ],
        "esf_results": [
            {
                "episode": r.episode,
                "stage": r.stage,
                "results": {k: v.isoformat() for k, v in r.results.items()},
                "improvements": None
                if r.improvements is None
                else {k: v.isoformat() for k, v in r.improvements.items()},
                "recorded_by": r.recorded_by,
                "recorded_at": r.recorded_at,
            }
            for r in results
        ],
    }


_COUNT = """
SELECT (SELECT count(*) FROM esf_entry WHERE participant_id = $1) AS entries,
       (SELECT count(*) FROM esf_results WHERE participant_id = $1) AS results
"""


async def count_of(conn: Connection, participant_id: uuid.UUID) -> tuple[int, int]:
    """The person's rows (kept, anonymous, with their episodes on an erasure)."""
    record = await conn.fetchrow(_COUNT, participant_id)
    assert record is not None
    return int(record["entries"]), int(record["results"])


async def facts(conn: Connection, as_of: datetime) -> EsfFacts:
    """Every episode, entry and result set in force by `as_of` (the caller's snapshot)."""
    episodes = [EpisodeFact(**r) for r in await conn.fetch(_EPISODES, as_of)]
    entries = {
        (e.participant_id, e.episode): e.facts()
        for e in ENTRIES.load_all(await conn.fetch(_ENTRIES_IN_FORCE, as_of))
    }
    in_force = [_results(x) for x in await conn.fetch(_RESULTS_IN_FORCE, as_of)]
    results = {(r.participant_id, r.episode, r.stage): r.results for r in in_force}
    improvements = {
        (r.participant_id, r.episode): r.improvements for r in in_force if r.stage == "six_months"
    }
    return EsfFacts(episodes, entries, results, improvements)


_QUALITY = """
WITH entry AS (
    SELECT DISTINCT ON (participant_id, episode) participant_id, episode, municipality_code
    FROM esf_entry ORDER BY participant_id, episode, recorded_at DESC, id DESC
), stages AS (
    SELECT participant_id, episode, array_agg(DISTINCT stage) AS stages
    FROM esf_results GROUP BY participant_id, episode
), six AS (
    SELECT DISTINCT ON (participant_id, episode) participant_id, episode, results, improvements
    FROM esf_results WHERE stage = 'six_months'
    ORDER BY participant_id, episode, recorded_at DESC, id DESC
), first_entry AS (
    SELECT DISTINCT ON (participant_id) participant_id, labour_market_status
    FROM esf_entry ORDER BY participant_id, episode, recorded_at DESC, id DESC
)
SELECT p.id AS participant_id, e.number AS episode, e.started_on, e.exit_date,
    p.birth_date IS NULL AS no_birth_date,
    coalesce(p.gender, 'unknown') = 'unknown' AS no_gender,
    p.education_level IS NULL AS no_education,
    en.participant_id IS NULL AS no_status,
    en.municipality_code IS NULL AS no_municipality_code,
    NOT coalesce('leaving' = ANY(s.stages), false) AS no_leaving,
    NOT coalesce('six_months' = ANY(s.stages), false) AS no_six_months,
    coalesce(six.improvements IS NULL AND (six.results ? 'employed' OR six.results ?
        'self_employed') AND fe.labour_market_status IN ('employed', 'self_employed'), false)
        AS no_improvements
FROM participant p
JOIN episode e ON e.participant_id = p.id AND e.number = p.episode
LEFT JOIN entry en ON en.participant_id = e.participant_id AND en.episode = e.number
LEFT JOIN stages s ON s.participant_id = e.participant_id AND s.episode = e.number
LEFT JOIN six ON six.participant_id = e.participant_id AND six.episode = e.number
LEFT JOIN first_entry fe ON fe.participant_id = e.participant_id
ORDER BY p.created_at, p.id, e.number
"""


async def quality(conn: Connection) -> list[QualityFact]:
    """Every episode of everyone in the registry, with what is missing of it."""
    return [QualityFact(**r) for r in await conn.fetch(_QUALITY)]
