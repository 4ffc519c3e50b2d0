"""Top-k candidates and openings, scored on the current rows (so always up to date)."""

from __future__ import annotations

import heapq
import uuid
from typing import Any

from voimala_contracts.matching import Explanation
from voimala_kit import Connection

from ..domain.scoring import Filtered, norm, score_mentor, score_opening
from ..repository import mentors, openings, profiles
from ..settings import Settings

Ranked = list[tuple[dict[str, Any], Explanation]]


def _top(scored: list[tuple[dict[str, Any], Explanation]], k: int, key: str) -> Ranked:
    # Ties go to the smaller id, so that a ranking is stable from call to call.
    return heapq.nsmallest(k, scored, key=lambda x: (-x[1].score, str(x[0][key])))


async def candidates(
    conn: Connection,
    settings: Settings,
    opening: dict[str, Any],
    k: int,
    exclude: set[uuid.UUID] | frozenset[uuid.UUID] = frozenset(),
) -> Ranked:
    o = openings.to_scoring(opening)
    # Without a single one of its required skills nobody is a candidate (a hard filter):
    # the database narrows to those who hold one; with none named, everyone is considered.
    wanted = norm(opening["required_skills"])
    scored = []
    for row in await profiles.candidates(conn, wanted):
        if row["participant_id"] in exclude:
            continue
        result = score_opening(profiles.to_scoring(row), o, settings.weights)
        if not isinstance(result, Filtered):
            scored.append((row, result))
    return _top(scored, k, "participant_id")


async def openings_for(
    conn: Connection, settings: Settings, profile: dict[str, Any], k: int
) -> Ranked:
    p = profiles.to_scoring(profile)
    scored = []
    for row in await openings.open_ones(conn):
        result = score_opening(p, openings.to_scoring(row), settings.weights)
        if not isinstance(result, Filtered):
            scored.append((row, result))
    return _top(scored, k, "id")


async def mentors_for(
    conn: Connection, settings: Settings, profile: dict[str, Any], k: int
) -> Ranked:
    p = profiles.to_scoring(profile)
    scored = []
    for row in await mentors.with_room(conn):
        result = score_mentor(p, mentors.to_scoring(row), settings.weights)
        if not isinstance(result, Filtered):
            scored.append((row, result))
    return _top(scored, k, "id")
