"""Making proposals: the one place a proposal row and its `match.proposed.v1` are written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from voimala_contracts.matching import MatchProposed
from voimala_kit import Connection, Outbox
from voimala_kit.refusals import conflict

from ..repository import openings
from ..repository import proposals as repo
from ..settings import Settings
from . import ranking
from .events import match_event


def _expires(settings: Settings) -> datetime:
    return datetime.now(UTC) + timedelta(days=settings.proposal_days)


async def create(
    conn: Connection, outbox: Outbox, settings: Settings, p: dict[str, Any]
) -> dict[str, Any]:
    p = {"id": uuid.uuid4(), "expires_at": _expires(settings), **p}
    if not await repo.insert(conn, p):
        raise conflict("this participant already has a live proposal for it")
    row = await repo.get(conn, p["id"])
    assert row is not None
    event = match_event(
        MatchProposed, row, proposed_by=row["proposed_by"], expires_at=row["expires_at"]
    )
    await outbox.add(conn, event, subject=str(row["id"]))
    return row


async def propose_next(
    conn: Connection, outbox: Outbox, settings: Settings, opening_id: uuid.UUID
) -> int:
    """Fill the opening's free places with the best candidates not proposed to it before."""
    opening = await openings.get(conn, opening_id)
    if opening is None or opening["status"] != "open":
        return 0
    need = (
        opening["places"]
        - await openings.taken(conn, opening_id)
        - await repo.pending_count(conn, opening_id)
    )
    if need <= 0:
        return 0
    tried = await repo.ever_proposed(conn, opening_id)
    best = await ranking.candidates(conn, settings, opening, need, exclude=tried)
    for profile, explanation in best:
        await create(
            conn,
            outbox,
            settings,
            {
                "participant_id": profile["participant_id"],
                "kind": "opening",
                "opening_id": opening_id,
                "partner_id": opening["partner_id"],
                "score": explanation.score,
                "explanation": explanation.model_dump(mode="json"),
                "proposed_by": "engine",
            },
        )
    return len(best)
