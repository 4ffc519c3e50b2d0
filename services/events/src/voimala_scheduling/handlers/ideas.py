"""Ideas into the programme: kept from idea.submitted.v1, linked to a series by staff."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from voimala_contracts import CloudEvent
from voimala_contracts.participants import IdeaSubmitted
from voimala_contracts.scheduling import IdeaRealised
from voimala_kit import Connection, Outbox

from .. import clock
from ..domain.occurrences import info, texts
from ..problems import conflict, invalid, not_found
from ..repository import ideas, occurrences, series

_NOT_WORD = re.compile(r"[\W_]+")


def theme_of(text: str) -> str:
    """Ideas asking for the same thing group together: case, punctuation and spacing aside."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())[:200]


async def note_idea(conn: Connection, data: IdeaSubmitted, event: CloudEvent) -> None:
    await ideas.add(
        conn,
        data.idea_id,
        data.text,
        theme_of(data.text),
        data.language,
        data.author_participant_id,
        data.submitted_at,
    )


@dataclass(frozen=True)
class LinkIdeas:
    series_id: uuid.UUID
    idea_ids: list[uuid.UUID]


async def link_ideas(cmd: LinkIdeas, conn: Connection, outbox: Outbox) -> IdeaRealised:
    s = await series.get(conn, cmd.series_id)
    if s is None:
        raise not_found("series")
    wanted = sorted(set(cmd.idea_ids))
    found = await ideas.get_many(conn, wanted)
    if len(found) != len(wanted):
        raise invalid("idea_ids", "names an idea this service does not know")
    if any(i["series_id"] is not None and i["series_id"] != s["id"] for i in found):
        raise conflict("Idea already realised", "an idea is already linked to another series")
    fresh = [i for i in found if i["series_id"] is None]
    await ideas.link(conn, [i["id"] for i in fresh], s["id"])
    nxt = await occurrences.next_of_series(conn, s["id"], clock.now())
    authors = sorted({i["author_participant_id"] for i in fresh if i["author_participant_id"]})
    event = IdeaRealised(
        series_id=s["id"],
        idea_ids=[i["id"] for i in fresh],
        author_participant_ids=authors,
        title=texts(s["title"]),
        category=s["category"],
        next_occurrence=info(nxt) if nxt else None,
    )
    if fresh:
        await outbox.add(conn, event, subject=str(s["id"]))
    return event
