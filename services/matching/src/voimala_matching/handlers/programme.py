"""Kafka use cases (issue 14): the programme's upcoming occurrences and what they teach, from
`voimala.events`, and the next steps they give a ranking's explanations.

`series.scheduled.v1` carries a series' next occurrences and what it teaches (its skills as
the vocabulary's keys); it replaces what was kept of that series. The events service sends it
again whenever a teaching series' occurrences change (one moved or cancelled, the series
changed or cancelled, and daily), so the occurrence events are not read: they carry everyone
registered (sealed), of no use here. Nothing here is about a person.
"""

from __future__ import annotations

from collections.abc import Sequence

from voimala_contracts import CloudEvent
from voimala_contracts.matching import Explanation
from voimala_contracts.scheduling import OccurrenceInfo, SeriesScheduled
from voimala_contracts.vocabulary import language_skill
from voimala_kit.db import Connection

from ..domain.next_steps import NextStep, Upcoming, next_steps
from ..domain.scoring import norm
from ..repository import occurrences
from .deps import Deps


def _upcoming(o: OccurrenceInfo, teaches: list[str]) -> Upcoming:
    return Upcoming(
        occurrence_id=o.occurrence_id,
        series_id=o.series_id,
        category=o.category,
        title=o.title.model_dump(),
        location=o.location.model_dump(),
        starts_at=o.starts_at,
        local_start=o.local_start,
        teaches=teaches,
    )


async def keep_series(deps: Deps, conn: Connection, data: SeriesScheduled, _: CloudEvent) -> None:
    """The series' upcoming occurrences are now those the event names (none if it teaches
    nothing: only what teaches can be a next step)."""
    teaches = norm(data.teaches)
    kept = [_upcoming(o, teaches) for o in data.upcoming] if teaches else []
    await occurrences.replace_series(conn, data.series_id, kept)


async def steps_for(
    deps: Deps,
    conn: Connection,
    explanations: Sequence[Explanation],
    languages: Sequence[Sequence[tuple[str, int, int]]] = (),
) -> list[list[NextStep]]:
    """For each explanation, the upcoming occurrences that teach what it says is missing: the
    languages below the level asked first (`languages[i]`, a near view's gaps: series that
    teach the language, e.g. the language café teaching "suomen kieli"), then the skills."""
    missing = [
        [
            key
            for c, _, _ in (languages[i] if i < len(languages) else ())
            if (key := language_skill(c))
        ]
        + e.missing_skills
        for i, e in enumerate(explanations)
    ]
    if not any(missing):
        return [[] for _ in explanations]
    upcoming = await occurrences.teaching_after(conn, deps.clock.now())
    return [next_steps(keys, upcoming) for keys in missing]
