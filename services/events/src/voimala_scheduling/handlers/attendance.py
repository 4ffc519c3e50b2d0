"""Attendance: staff check people in (walk-ins too); no-shows are recorded after the end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from voimala_contracts.scheduling import AttendanceRecorded
from voimala_kit import Connection, Outbox

from .. import clock
from ..domain.occurrences import info
from ..problems import conflict, invalid, not_found
from ..repository import attendance, occurrences, registrations
from ..schemas import AttendanceIn

#: Check-in is open from this long before the start.
CHECK_IN_EARLY = timedelta(hours=2)


@dataclass(frozen=True)
class CheckIn:
    occurrence_id: uuid.UUID
    who: AttendanceIn
    by: str


def _event(occ: dict[str, Any], row: dict[str, Any]) -> AttendanceRecorded:
    return AttendanceRecorded(
        attendance_id=row["id"],
        occurrence=info(occ),
        participant_id=row["participant_id"],
        registration_id=row["registration_id"],
        status=row["status"],
        walk_in=row["walk_in"],
        recorded_at=row["recorded_at"],
    )


async def check_in(cmd: CheckIn, conn: Connection, outbox: Outbox) -> dict[str, Any]:
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ["status"] == "cancelled":
        raise conflict("Occurrence cancelled", "the occurrence is cancelled")
    if clock.now() < occ["starts_at"] - CHECK_IN_EARLY:
        raise conflict("Too early", "check-in opens two hours before the start")
    if occ["attendance_closed_at"] is not None:
        raise conflict("Attendance closed", "no-shows were already recorded")
    w = cmd.who
    registration_id, participant_id, key, walk_in = None, w.participant_id, None, True
    if w.registration_id is not None:
        reg = await registrations.get(conn, w.registration_id)
        if reg is None or reg["occurrence_id"] != occ["id"] or reg["status"] != "confirmed":
            raise invalid("registration_id", "no confirmed registration of this occurrence")
        registration_id, participant_id, key, walk_in = (
            reg["id"],
            reg["participant_id"],
            reg["person_key"],
            False,
        )
    elif participant_id is not None:
        key = f"p:{participant_id}"
        reg = await registrations.live_for(conn, occ["id"], key)
        if reg is not None and reg["status"] == "confirmed":
            registration_id, walk_in = reg["id"], False
    row = await attendance.add(
        conn,
        occ["id"],
        registration_id=registration_id,
        participant_id=participant_id,
        person_key=key,
        status="attended",
        walk_in=walk_in,
        by=cmd.by,
    )
    if row is None:
        raise conflict("Already checked in", "this person's attendance is already recorded")
    await outbox.add(conn, _event(occ, row), subject=str(occ["id"]))
    return row


async def record_no_shows(
    conn: Connection, outbox: Outbox, occurrence_id: uuid.UUID, by: str
) -> list[dict[str, Any]]:
    """Every confirmed registration not checked in is a no-show; attendance then closes."""
    occ = await occurrences.get(conn, occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ["ends_at"] > clock.now():
        raise conflict("Not over", "no-shows are recorded after the occurrence")
    if occ["attendance_closed_at"] is not None or occ["status"] == "cancelled":
        return []
    recorded = []
    for reg in await attendance.unrecorded_confirmed(conn, occ["id"]):
        row = await attendance.add(
            conn,
            occ["id"],
            registration_id=reg["id"],
            participant_id=reg["participant_id"],
            person_key=reg["person_key"],
            status="no_show",
            walk_in=False,
            by=by,
        )
        if row is not None:
            await outbox.add(conn, _event(occ, row), subject=str(occ["id"]))
            recorded.append(row)
    await attendance.close(conn, occ["id"])
    return recorded
