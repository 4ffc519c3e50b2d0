"""What the openings optimiser reads: the openings' and participants' free room, the pairs
tried before, and the queue of requests for a run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from voimala_kit.db import Connection

from . import openings
from .openings import OpeningRow

#: A participant's open proposals to openings: not yet answered, or accepted and not confirmed.
OPEN = ("proposed", "accepted")

_OPEN = """SELECT id FROM opening WHERE status = 'open' AND ($1::uuid[] IS NULL OR id = ANY($1))
ORDER BY created_at, id"""
_COUNTS = """
SELECT opening_id,
       count(*) FILTER (WHERE status IN ('accepted', 'confirmed')
                        AND outcome IS DISTINCT FROM 'not_hired') AS taken,
       count(*) FILTER (WHERE status = 'proposed') AS pending
FROM proposal WHERE opening_id = ANY($1) GROUP BY opening_id
"""


async def openings_with_room(
    conn: Connection, per_place: int, only: Sequence[uuid.UUID] | None = None
) -> list[tuple[OpeningRow, int]]:
    """Open openings (or `only` those) with their room for new proposals:
    (places - taken) x `per_place` - unanswered; only those with room."""
    ids = [r["id"] for r in await conn.fetch(_OPEN, None if only is None else list(only))]
    found_rows = await openings.many(conn, ids)
    rows = [found_rows[i] for i in ids if i in found_rows]
    counts = {r["opening_id"]: r for r in await conn.fetch(_COUNTS, [o.id for o in rows])}
    found = []
    for o in rows:
        c = counts.get(o.id)
        taken, pending = (c["taken"], c["pending"]) if c else (0, 0)
        room = (o.places - taken) * per_place - pending
        if room > 0:
            found.append((o, room))
    return found


async def open_counts(conn: Connection, at_least: int = 1) -> dict[uuid.UUID, int]:
    """Participants with at least `at_least` open proposals to openings: how many each."""
    rows = await conn.fetch(
        """SELECT participant_id, count(*) AS n FROM proposal
        WHERE kind = 'opening' AND status = ANY($1)
        GROUP BY participant_id HAVING count(*) >= $2""",
        list(OPEN),
        at_least,
    )
    return {r["participant_id"]: r["n"] for r in rows}


async def tried(
    conn: Connection, opening_ids: Sequence[uuid.UUID]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(participant, opening) pairs proposed before, whatever came of them: never again."""
    rows = await conn.fetch(
        "SELECT DISTINCT participant_id, opening_id FROM proposal WHERE opening_id = ANY($1)",
        list(opening_ids),
    )
    return {(r["participant_id"], r["opening_id"]) for r in rows}


async def request(conn: Connection, reason: str) -> None:
    """Ask for a run (in the caller's transaction: it counts once that commits)."""
    await conn.execute("INSERT INTO optimiser_request (reason) VALUES ($1)", reason)


async def take_requests(conn: Connection) -> int:
    """Every request there is, taken (gone if the caller's transaction commits): how many."""
    n: int = await conn.fetchval(
        "WITH taken AS (DELETE FROM optimiser_request RETURNING 1) SELECT count(*) FROM taken"
    )
    return n
