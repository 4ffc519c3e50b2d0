"""What a series teaches, told to matching (issue 14): `series.scheduled.v1` with the series'
next occurrences, whenever they change for a series that teaches something (scheduled or
changed, one occurrence moved or cancelled, cancelled from a date, and daily as the days
pass). Matching keeps only these (it does not read the occurrence events, whose registrants
it has no use for)."""

from __future__ import annotations

import uuid

from voimala_kit.db import Connection

from ..domain.occurrences import info
from ..domain.series import Series, scheduled
from ..repository import occurrences, series
from .deps import Deps

#: How many next occurrences `series.scheduled.v1` carries.
UPCOMING = 12


async def announce(deps: Deps, conn: Connection, s: Series, count: int) -> None:
    """`series.scheduled.v1` with the series' next occurrences (`count`: newly generated)."""
    upcoming = await occurrences.of_series_from(conn, s.id, deps.clock.today())
    event = scheduled(s, count, [info(o) for o in upcoming[:UPCOMING]])
    await deps.outbox.add(conn, event, subject=str(s.id))


async def announce_if_teaching(deps: Deps, conn: Connection, series_id: uuid.UUID) -> None:
    """After one of its occurrences changed: the series again, if it teaches something."""
    s = await series.get(conn, series_id)
    if s is not None and s.teaches:
        await announce(deps, conn, s, 0)
