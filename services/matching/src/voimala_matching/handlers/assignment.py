"""Mentor assignment: all mentees who want a mentor, optimally, within every capacity."""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Hashable

from voimala_contracts.matching import Explanation
from voimala_kit.db import Connection

from ..domain.assignment import Edge, assign
from ..domain.scoring import Filtered, Mentor, score_mentor
from ..repository import mentors, profiles
from ..repository import proposals as repo
from ..repository.profiles import ProfileRow
from ..repository.proposals import Proposal
from .deps import Deps
from .proposing import Draft, create

_LOCK = "SELECT pg_advisory_xact_lock(hashtext('voimala.matching.assignment'))"
Explained = dict[tuple[Hashable, Hashable], Explanation]


async def reassign(
    deps: Deps, conn: Connection, only: list[uuid.UUID] | None = None
) -> list[Proposal]:
    """Propose mentors to the mentees without one (or to `only` those): an optimal
    assignment on the sparse graph of each mentee's best `mentor_candidates` mentors, with
    every mentor's free room (capacity less active and pending) as its capacity. Pairs
    proposed before (declined, expired) are not proposed again."""
    await conn.execute(_LOCK)  # one run at a time, so that free room is not given twice
    mentees = await profiles.mentees(conn, only)
    if not mentees:
        return []
    room = await mentors.with_room(conn)
    tried = await repo.mentors_tried(conn, [m.participant_id for m in mentees])
    scoring = [mentors.to_scoring(counted.mentor) for counted in room]
    explained = _candidates(deps, mentees, scoring, tried)
    edges = [Edge(mentee, mentor, e.score) for (mentee, mentor), e in explained.items()]
    chosen = assign(edges, {counted.mentor.id: counted.count for counted in room})
    made = []
    for participant_id, mentor_id in sorted(chosen.items(), key=lambda x: str(x[0])):
        assert isinstance(participant_id, uuid.UUID)
        assert isinstance(mentor_id, uuid.UUID)
        draft = Draft(
            participant_id=participant_id,
            kind="mentor",
            explanation=explained[(participant_id, mentor_id)],
            proposed_by="engine",
            mentor_id=mentor_id,
        )
        made.append(await create(deps, conn, draft))
    return made


def _candidates(
    deps: Deps,
    mentees: list[ProfileRow],
    scoring: list[Mentor],
    tried: set[tuple[uuid.UUID, uuid.UUID]],
) -> Explained:
    """Each mentee's best `mentor_candidates` mentors not tried before, explained."""
    explained: Explained = {}
    for row in mentees:
        p = profiles.to_scoring(row)
        scored = []
        for m in scoring:
            if (row.participant_id, m.mentor_id) in tried:
                continue
            result = score_mentor(p, m, deps.settings.weights)
            if not isinstance(result, Filtered):
                scored.append((result.score, str(m.mentor_id), m.mentor_id, result))
        for _, _, mid, result in heapq.nlargest(deps.settings.mentor_candidates, scored):
            explained[(row.participant_id, mid)] = result
    return explained
