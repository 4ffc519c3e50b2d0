"""The openings optimiser: proposals to openings chosen all at once, by the same min-cost
flow as mentors (`domain/assignment.py`), so that a strong candidate is not proposed
everywhere while another gets nothing.

Every open opening gets at most (places - taken) x `proposals_per_place` unanswered proposals,
every participant at most `proposals_per_participant` (K) open proposals to openings in all
(proposed or accepted), and the new pairs maximise the total score. Proposals already out
stay (no churn): a run fills only the free room. Pairs proposed before (declined, expired,
withdrawn) are never proposed again. The graph is sparse: each opening's best
`opening_candidates` candidates among those with room left.

Runs are serialised with an advisory transaction lock. A run for one opening (`fill` with
`only`) is made at once after a decline or an expiry of its proposal and when a partner asks
for candidates; the whole picture is run again by the `openings_optimiser` worker when
something asked for it (`request`: a decline, an expiry, a new or changed opening or profile),
so that a burst of changes makes one run.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence

from voimala_contracts.matching import Explanation
from voimala_kit.db import Connection

from ..domain.assignment import Edge, choose
from ..repository import optimiser as repo
from ..repository.openings import OpeningRow
from ..repository.proposals import Proposal
from . import ranking
from .deps import Deps
from .proposing import Draft, create

_KEY = "hashtext('voimala.matching.openings_optimiser')"
_LOCK = f"SELECT pg_advisory_xact_lock({_KEY})"
_TRY_LOCK = f"SELECT pg_try_advisory_xact_lock({_KEY})"
Pair = tuple[uuid.UUID, uuid.UUID]  # (participant, opening)


async def request(deps: Deps, conn: Connection, reason: str) -> None:
    """Ask for a run of the whole picture, in the caller's transaction (nothing if the
    service does not run it by itself, `optimiser_auto`)."""
    if deps.settings.optimiser_auto:
        await repo.request(conn, reason)


async def fill(
    deps: Deps, conn: Connection, only: Sequence[uuid.UUID] | None = None
) -> list[Proposal]:
    """Fill the free room of every open opening (or of `only` those) optimally; waits for a
    run in progress. The proposals made."""
    await conn.execute(_LOCK)
    return await _run(deps, conn, only)


async def run_requested(deps: Deps, conn: Connection) -> int | None:
    """The worker's run: if something asked for one and no other run is in progress, every
    opening filled. How many proposals it made, or None when it did not run."""
    if not await conn.fetchval(_TRY_LOCK):
        return None  # another process runs; the requests stay for the next look
    if not await repo.take_requests(conn):
        return None
    return len(await _run(deps, conn, None))


async def _run(deps: Deps, conn: Connection, only: Sequence[uuid.UUID] | None) -> list[Proposal]:
    settings = deps.settings
    rooms = await repo.openings_with_room(conn, settings.proposals_per_place, only)
    if not rooms:
        return []
    k = settings.proposals_per_participant
    counts = await repo.open_counts(conn)
    full = {pid for pid, n in counts.items() if n >= k}
    explained = await _candidates(deps, conn, [o for o, _ in rooms], full)
    edges = [Edge(pid, oid, e.score) for (pid, oid), e in explained.items()]
    left: dict[Hashable, int] = {pid: k - counts.get(pid, 0) for pid, _ in explained}
    right: dict[Hashable, int] = {o.id: room for o, room in rooms}
    chosen = choose(edges, left, right)
    by_id = {o.id: o for o, _ in rooms}
    made = []
    for e in sorted(chosen, key=lambda e: (str(e.mentor), -e.score, str(e.mentee))):
        assert isinstance(e.mentee, uuid.UUID)
        assert isinstance(e.mentor, uuid.UUID)
        opening = by_id[e.mentor]
        draft = Draft(
            participant_id=e.mentee,
            kind="opening",
            explanation=explained[(e.mentee, e.mentor)],
            proposed_by="engine",
            opening_id=opening.id,
            partner_id=opening.partner_id,
        )
        made.append(await create(deps, conn, draft))
    return made


async def _candidates(
    deps: Deps, conn: Connection, rooms: list[OpeningRow], full: set[uuid.UUID]
) -> dict[Pair, Explanation]:
    """Each opening's best `opening_candidates` candidates: not proposed to it before, and
    with room for one more proposal (not in `full`), explained."""
    tried: dict[uuid.UUID, set[uuid.UUID]] = {}
    for pid, oid in await repo.tried(conn, [o.id for o in rooms]):
        tried.setdefault(oid, set()).add(pid)
    explained: dict[Pair, Explanation] = {}
    for opening in rooms:
        exclude = full | tried.get(opening.id, set())
        best = await ranking.candidates(
            deps, conn, opening, deps.settings.opening_candidates, exclude=exclude
        )
        for row, e in best:
            explained[(row.participant_id, opening.id)] = e
    return explained
