"""The service point: drop-in visits, and ideas for the monthly programme."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voimala_contracts import IdeaSubmitted, VisitRecorded
from voimala_kit import Connection, Outbox

from .. import clock
from ..problems import invalid, not_found
from ..repository import ideas, participants, visits
from ..schemas import IdeaIn, VisitIn
from .timeline import note


@dataclass(frozen=True)
class RecordVisit:
    visit: VisitIn
    recorded_by: str


@dataclass(frozen=True)
class SubmitIdea:
    idea: IdeaIn
    author: uuid.UUID | None


async def record_visit(cmd: RecordVisit, conn: Connection, outbox: Outbox) -> dict[str, Any]:
    v = cmd.visit
    visited_at = v.visited_at or clock.now()
    if visited_at.tzinfo is None:
        raise invalid("visited_at", "needs a time zone")
    if visited_at > clock.now():
        raise invalid("visited_at", "is in the future")
    if v.participant_id is not None:
        if v.age_group is not None:
            raise invalid("age_group", "is computed for a participant, not given")
        if v.count != 1:
            raise invalid("count", "an identified visit is one person")
        found = await participants.get(conn, v.participant_id)
        if found is None:
            raise invalid("participant_id", "no such participant")
        age_group = found.participant.age_group(visited_at.astimezone(clock.HELSINKI).date())
    else:
        age_group = v.age_group or "unknown"
    visit_id = uuid.uuid4()
    await visits.add(
        conn, visit_id, v.participant_id, v.purpose, age_group, v.count, visited_at, cmd.recorded_by
    )
    event = VisitRecorded(
        visit_id=visit_id,
        participant_id=v.participant_id,
        purpose=v.purpose,
        age_group=age_group,
        visited_at=visited_at,
        count=v.count,
    )
    await outbox.add(conn, event, subject=str(visit_id))
    if v.participant_id is not None:
        await note(conn, v.participant_id, "visit.recorded", {"purpose": v.purpose})
    return {
        "id": visit_id,
        "participant_id": v.participant_id,
        "purpose": v.purpose,
        "age_group": age_group,
        "count": v.count,
        "visited_at": visited_at,
    }


async def submit_idea(cmd: SubmitIdea, conn: Connection, outbox: Outbox) -> dict[str, Any]:
    i = cmd.idea
    idea_id = uuid.uuid4()
    at: datetime = await ideas.add(conn, idea_id, i.text, i.language, cmd.author)
    event = IdeaSubmitted(
        idea_id=idea_id,
        text=i.text,
        language=i.language,
        author_participant_id=cmd.author,
        submitted_at=at,
    )
    await outbox.add(conn, event, subject=str(idea_id))
    if cmd.author is not None:
        await note(conn, cmd.author, "idea.submitted", {"idea_id": str(idea_id)})
    return {
        "id": idea_id,
        "text": i.text,
        "language": i.language,
        "status": "submitted",
        "submitted_at": at,
        "from_participant": cmd.author is not None,
    }


async def set_idea_status(idea_id: uuid.UUID, status: str, conn: Connection) -> dict[str, Any]:
    row = await ideas.set_status(conn, idea_id, status)
    if row is None:
        raise not_found("idea")
    return {**row, "from_participant": row["author_participant_id"] is not None}
