"""Mentor assignment: all mentees who want a mentor, optimally, within every capacity."""

from __future__ import annotations

import heapq
import uuid
from typing import Any

from voimala_kit import Connection, Outbox

from ..domain.assignment import Edge, assign
from ..domain.scoring import Filtered, score_mentor
from ..repository import mentors, profiles
from ..repository import proposals as repo
from ..settings import Settings
from .proposing import create

_LOCK = "SELECT pg_advisory_xact_lock(hashtext('voimala.matching.assignment'))"


async def reassign(
    conn: Connection,
    outbox: Outbox,
    settings: Settings,
    only: list[uuid.UUID] | None = None,
) -> list[dict[str, Any]]:
    """Propose mentors to the mentees without one (or to `only` those): an optimal
    assignment on the sparse graph of each mentee's best `mentor_candidates` mentors, with
    every mentor's free room (capacity less active and pending) as its capacity. Pairs
    proposed before (declined, expired) are not proposed again."""
    await conn.execute(_LOCK)  # one run at a time, so that free room is not given twice
    mentees = await profiles.mentees(conn, only)
    if not mentees:
        return []
    room = await mentors.with_room(conn)
    tried = await repo.mentors_tried(conn, [m["participant_id"] for m in mentees])
    scoring = [(m, mentors.to_scoring(m)) for m in room]
    edges: list[Edge] = []
    explanations: dict[tuple[Any, Any], Any] = {}
    for row in mentees:
        p = profiles.to_scoring(row)
        scored = []
        for m, ms in scoring:
            if (row["participant_id"], m["id"]) in tried:
                continue
            result = score_mentor(p, ms, settings.weights)
            if not isinstance(result, Filtered):
                scored.append((result.score, str(m["id"]), m["id"], result))
        for score, _, mid, result in heapq.nlargest(settings.mentor_candidates, scored):
            edges.append(Edge(row["participant_id"], mid, score))
            explanations[(row["participant_id"], mid)] = result
    chosen = assign(edges, {m["id"]: m["room"] for m in room})
    made = []
    for participant_id, mentor_id in sorted(chosen.items(), key=lambda x: str(x[0])):
        explanation = explanations[(participant_id, mentor_id)]
        made.append(
            await create(
                conn,
                outbox,
                settings,
                {
                    "participant_id": participant_id,
                    "kind": "mentor",
                    "mentor_id": mentor_id,
                    "score": explanation.score,
                    "explanation": explanation.model_dump(mode="json"),
                    "proposed_by": "engine",
                },
            )
        )
    return made
