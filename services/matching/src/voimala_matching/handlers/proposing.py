"""Making proposals: the one place a proposal row and its `match.proposed.v1` are written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from voimala_contracts.matching import Explanation, MatchProposed
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, not_found

from ..repository import profiles
from ..repository import proposals as repo
from ..repository.proposals import NewProposal, Proposal
from .deps import Deps
from .events import match_event


@dataclass(frozen=True)
class Draft:
    """A proposal to make: of a participant to an opening (of a partner) or to a mentor."""

    participant_id: uuid.UUID
    kind: str
    explanation: Explanation
    proposed_by: str
    opening_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None


async def create(deps: Deps, conn: Connection, draft: Draft) -> Proposal:
    new = NewProposal(
        id=uuid.uuid4(),
        participant_id=draft.participant_id,
        kind=draft.kind,
        opening_id=draft.opening_id,
        mentor_id=draft.mentor_id,
        partner_id=draft.partner_id,
        score=draft.explanation.score,
        explanation=draft.explanation,
        status="proposed",
        proposed_by=draft.proposed_by,
        expires_at=deps.clock.now() + timedelta(days=deps.settings.proposal_days),
    )
    if not await repo.insert(conn, new):
        if await profiles.get(conn, draft.participant_id) is None:
            raise not_found("candidate")  # exited or erased while this was being made
        raise conflict("this participant already has a live proposal for it")
    row = await repo.get(conn, new.id)
    assert row is not None
    event = match_event(MatchProposed, row, proposed_by=row.proposed_by, expires_at=row.expires_at)
    await deps.outbox.add(conn, event, subject=str(row.id))
    return row
