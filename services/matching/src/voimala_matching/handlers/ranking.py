"""Rankings: top-k candidates, openings and mentors, each with its explanation.

The two hot ones (candidates for an opening, openings for a participant, asked through the API)
rank in this process's in-memory indexes (`deps.indexes`), synced first; the engine's own
proposals and the mentors rank over the current rows, which gives the same order.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Callable, Collection
from typing import TypeVar

from voimala_contracts.matching import Explanation
from voimala_kit.db import Connection

from ..domain.index import Ranked
from ..domain.scoring import Filtered, language_gaps, norm, score_mentor, score_opening
from ..domain.vocabulary import stored_forms
from ..repository import mentors, openings, profiles
from ..repository.mentors import MentorRow
from ..repository.openings import OpeningRow
from ..repository.profiles import ProfileRow
from .deps import Deps

R = TypeVar("R")


def _top(
    scored: list[tuple[R, Explanation]], k: int, id_of: Callable[[R], uuid.UUID]
) -> list[tuple[R, Explanation]]:
    # Ties go to the smaller id, so that a ranking is stable from call to call.
    return heapq.nsmallest(k, scored, key=lambda x: (-x[1].score, str(id_of(x[0]))))


def _by_uuid(ranked: Ranked) -> list[tuple[uuid.UUID, Explanation]]:
    """The indexes' ids are the rows' UUIDs (`domain/index.py` asserts so as it adds them)."""
    return [(i, e) for i, e in ranked if isinstance(i, uuid.UUID)]


async def top_candidates(
    deps: Deps, conn: Connection, opening: OpeningRow, k: int
) -> list[tuple[ProfileRow, Explanation]]:
    """The best k consenting candidates for the opening, from the in-memory index."""
    await deps.indexes.sync(conn)
    best = _by_uuid(deps.indexes.profiles.top(openings.to_scoring(opening), k))
    rows = await profiles.many(conn, [pid for pid, _ in best])
    return [(rows[pid], e) for pid, e in best if pid in rows]


async def top_openings(
    deps: Deps, conn: Connection, profile: ProfileRow, k: int
) -> list[tuple[OpeningRow, Explanation]]:
    """The best k open openings for the participant, from the in-memory index."""
    await deps.indexes.sync(conn)
    best = _by_uuid(deps.indexes.openings.top(profiles.to_scoring(profile), k))
    rows = await openings.many(conn, [oid for oid, _ in best])
    return [(rows[oid], e) for oid, e in best if oid in rows]


Gaps = list[tuple[str, int, int]]


async def near_candidates(
    deps: Deps, conn: Connection, opening: OpeningRow, k: int
) -> list[tuple[ProfileRow, Explanation, Gaps]]:
    """The best k who miss the opening only by a language level (staff's near view)."""
    await deps.indexes.sync(conn)
    o = openings.to_scoring(opening)
    best = _by_uuid(deps.indexes.profiles.near(o, k))
    rows = await profiles.many(conn, [pid for pid, _ in best])
    return [
        (rows[pid], e, language_gaps(profiles.to_scoring(rows[pid]), o))
        for pid, e in best
        if pid in rows
    ]


async def near_openings(
    deps: Deps, conn: Connection, profile: ProfileRow, k: int
) -> list[tuple[OpeningRow, Explanation, Gaps]]:
    """The best k open openings the participant misses only by a language level."""
    await deps.indexes.sync(conn)
    p = profiles.to_scoring(profile)
    best = _by_uuid(deps.indexes.openings.near(p, k))
    rows = await openings.many(conn, [oid for oid, _ in best])
    return [
        (rows[oid], e, language_gaps(p, openings.to_scoring(rows[oid])))
        for oid, e in best
        if oid in rows
    ]


async def candidates(
    deps: Deps,
    conn: Connection,
    opening: OpeningRow,
    k: int,
    exclude: Collection[uuid.UUID] = frozenset(),
) -> list[tuple[ProfileRow, Explanation]]:
    """The best k candidates for the opening over the current rows (the engine's proposals)."""
    o = openings.to_scoring(opening)
    # Without a single one of its required skills nobody is a candidate (a hard filter):
    # the database narrows to those who hold one; with none named, everyone is considered.
    # (a narrower skill counts, and profiles stored before the vocabulary keep their words)
    wanted = stored_forms(norm(opening.required_skills))
    scored = []
    for row in await profiles.candidates(conn, wanted):
        if row.participant_id in exclude:
            continue
        result = score_opening(profiles.to_scoring(row), o, deps.settings.weights)
        if not isinstance(result, Filtered):
            scored.append((row, result))
    return _top(scored, k, lambda row: row.participant_id)


async def mentors_for(
    deps: Deps, conn: Connection, profile: ProfileRow, k: int
) -> list[tuple[MentorRow, Explanation]]:
    """The best k mentors with free room for the participant."""
    p = profiles.to_scoring(profile)
    scored = []
    for counted in await mentors.with_room(conn):
        result = score_mentor(p, mentors.to_scoring(counted.mentor), deps.settings.weights)
        if not isinstance(result, Filtered):
            scored.append((counted.mentor, result))
    return _top(scored, k, lambda row: row.id)
