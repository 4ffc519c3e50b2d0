"""The counsellor's worklist: the rules that add items (from the path) and staff closing them.

- a no-show that makes `no_shows_in_a_row` in a row adds a `no_shows_in_a_row` item, in the
  consumer's transaction that puts the no-show on the path;
- the worklist sweep (`workers.py`) adds an `inactive` item for every active participant with
  no activity for `inactive_days`;
- staff mark an item done or dismiss it with a note; the close is an entry on the path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_contracts import CloudEvent
from voimala_contracts.scheduling import AttendanceRecorded
from voimala_kit import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, not_found

from ..domain.worklist import CLOSED_KIND, NO_SHOW, Close, inactive_since, missed_in_a_row
from ..repository import timeline, worklist
from ..repository.worklist import WorklistRow
from .deps import Deps
from .path_events import note_attendance


async def note_attendance_and_notice(
    deps: Deps, conn: Connection, data: AttendanceRecorded, event: CloudEvent
) -> None:
    """The attendance on the path, then: a no-show that makes enough in a row is an item."""
    await note_attendance(deps, conn, data, event)
    needed = deps.settings.nudge_no_shows_in_a_row
    if data.participant_id is None or data.status != "no_show" or needed <= 0:
        return
    latest = await worklist.latest_attendance(conn, data.participant_id, needed)
    # Events arrive per occurrence: a no-show read late is judged where it falls in time.
    if not missed_in_a_row(latest, needed) or latest[0] != NO_SHOW:
        return
    detail = {
        "occurrence_id": str(data.occurrence.occurrence_id),
        "series_id": str(data.occurrence.series_id),
        "no_shows": needed,
    }
    await worklist.add(conn, data.participant_id, "no_shows_in_a_row", detail, deps.clock.now())


async def notice_inactive(deps: Deps, conn: Connection) -> list[uuid.UUID]:
    """An `inactive` item for everyone with no activity for `inactive_days` (none open yet);
    whom it was added for."""
    days = deps.settings.nudge_inactive_days
    now = deps.clock.now()
    cutoff = inactive_since(now, days)
    if cutoff is None:
        return []
    return await worklist.add_inactive(conn, now, cutoff, days)


@dataclass(frozen=True)
class CloseItem:
    item_id: uuid.UUID
    close: Close
    note: str | None = None


async def close_item(deps: Deps, conn: Connection, cmd: CloseItem, who: Principal) -> WorklistRow:
    """Mark an open item done or dismissed, with the note; an entry on the participant's path.
    404 for no such item, 409 for one closed before."""
    now = deps.clock.now()
    row = await worklist.close(conn, cmd.item_id, cmd.close, now, who.subject, cmd.note)
    if row is None:
        if await worklist.get(conn, cmd.item_id) is None:
            raise not_found("worklist item")
        raise conflict("this item is closed already", title="Already closed")
    await timeline.add(
        conn,
        row.participant_id,
        CLOSED_KIND[cmd.close],
        now,
        detail={"item_id": str(row.id), "reason": row.reason, "by": who.subject},
    )
    return row
