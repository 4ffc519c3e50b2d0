"""Ideas into the programme: kept from idea.submitted.v1, linked to a series by staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_contracts import CloudEvent
from voimala_contracts.participants import IdeaSubmitted
from voimala_contracts.scheduling import IdeaRealised
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.ideas import Idea, theme_of
from ..domain.occurrences import info
from ..domain.texts import texts
from ..repository import ideas, occurrences, privacy, series
from .deps import Deps


async def note_idea(deps: Deps, conn: Connection, data: IdeaSubmitted, event: CloudEvent) -> None:
    """Kept with its theme; an erased participant's idea (a late or replayed event) is not."""
    author = data.author_participant_id
    if author is not None:
        await privacy.hold(conn, author)
        if await privacy.is_erased(conn, author):
            return
    idea = Idea(
        id=data.idea_id,
        text=data.text,
        theme=theme_of(data.text),
        language=data.language,
        author_participant_id=data.author_participant_id,
        submitted_at=data.submitted_at,
    )
    await ideas.add(conn, idea)


@dataclass(frozen=True)
class LinkIdeas:
    series_id: uuid.UUID
    idea_ids: list[uuid.UUID]


async def link_ideas(deps: Deps, conn: Connection, cmd: LinkIdeas) -> IdeaRealised:
    s = await series.get(conn, cmd.series_id)
    if s is None:
        raise not_found("series")
    wanted = sorted(set(cmd.idea_ids))
    found = await ideas.get_many(conn, wanted)
    if len(found) != len(wanted):
        raise invalid("idea_ids", "names an idea this service does not know")
    if any(i.series_id is not None and i.series_id != s.id for i in found):
        raise conflict("an idea is already linked to another series", title="Idea already realised")
    fresh = [i for i in found if i.series_id is None]
    await ideas.link(conn, [i.id for i in fresh], s.id)
    nxt = await occurrences.next_of_series(conn, s.id, deps.clock.now())
    authors = sorted({i.author_participant_id for i in fresh if i.author_participant_id})
    event = IdeaRealised(
        series_id=s.id,
        idea_ids=[i.id for i in fresh],
        author_participant_ids=authors,
        title=texts(s.title),
        category=s.category,
        next_occurrence=info(nxt) if nxt else None,
    )
    if fresh:
        await deps.outbox.add(conn, event, subject=str(s.id))
    return event
