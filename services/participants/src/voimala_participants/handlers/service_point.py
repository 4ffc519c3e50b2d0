"""The service point: drop-in visits, and ideas for the monthly programme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_contracts import IdeaSubmitted, VisitRecorded
from voimala_kit.auth import Principal
from voimala_kit.clock import HELSINKI
from voimala_kit.db import Connection
from voimala_kit.refusals import invalid, not_found

from ..domain import AgeGroup, check_visit
from ..repository import erasures, ideas, participants, visits
from ..repository.ideas import IdeaRow
from ..repository.visits import VisitRow
from .deps import Deps
from .timeline import note


@dataclass(frozen=True)
class RecordVisit:
    #: None for an anonymous visit.
    participant_id: uuid.UUID | None
    purpose: str
    #: Given for an anonymous visit only; computed for a participant's.
    age_group: AgeGroup | None
    count: int
    #: Now when None.
    visited_at: datetime | None


@dataclass(frozen=True)
class SubmitIdea:
    text: str
    language: str
    author: uuid.UUID | None


@dataclass(frozen=True)
class SetIdeaStatus:
    idea_id: uuid.UUID
    status: str


async def _age_group(conn: Connection, cmd: RecordVisit, visited_at: datetime) -> str:
    """A participant's age group on the day of the visit; an anonymous visit's as given."""
    if cmd.participant_id is None:
        return cmd.age_group or "unknown"
    found = await participants.get(conn, cmd.participant_id)
    if found is None:
        raise invalid("participant_id", "no such participant")
    on = visited_at.astimezone(HELSINKI).date()
    return participants.as_participant(found).age_group(on)


async def record_visit(deps: Deps, conn: Connection, cmd: RecordVisit, who: Principal) -> VisitRow:
    now = deps.clock.now()
    visited_at = cmd.visited_at or now
    identified = cmd.participant_id is not None
    check_visit(visited_at, now, identified, cmd.age_group, cmd.count)
    visit = VisitRow(
        id=uuid.uuid4(),
        participant_id=cmd.participant_id,
        purpose=cmd.purpose,
        age_group=await _age_group(conn, cmd, visited_at),
        count=cmd.count,
        visited_at=visited_at,
        recorded_by=who.subject,
    )
    await visits.add(conn, visit)
    event = VisitRecorded(
        visit_id=visit.id,
        participant_id=visit.participant_id,
        purpose=visit.purpose,
        age_group=visit.age_group,
        visited_at=visited_at,
        count=visit.count,
    )
    await deps.outbox.add(conn, event, subject=str(visit.id))
    if cmd.participant_id is not None:
        await note(deps, conn, cmd.participant_id, "visit.recorded", {"purpose": cmd.purpose})
    return visit


async def submit_idea(deps: Deps, conn: Connection, cmd: SubmitIdea) -> IdeaRow:
    """An idea; in the author's name unless they were erased (then as anyone's)."""
    author = cmd.author
    if author is not None and await erasures.of_participant(conn, author) is not None:
        author = None
    idea = await ideas.add(conn, uuid.uuid4(), cmd.text, cmd.language, author)
    event = IdeaSubmitted(
        idea_id=idea.id,
        text=idea.text,
        language=idea.language,
        author_participant_id=idea.author_participant_id,
        submitted_at=idea.submitted_at,
    )
    await deps.outbox.add(conn, event, subject=str(idea.id))
    if author is not None:
        await note(deps, conn, author, "idea.submitted", {"idea_id": str(idea.id)})
    return idea


async def set_idea_status(deps: Deps, conn: Connection, cmd: SetIdeaStatus) -> IdeaRow:
    idea = await ideas.set_status(conn, cmd.idea_id, cmd.status)
    if idea is None:
        raise not_found("idea")
    return idea
