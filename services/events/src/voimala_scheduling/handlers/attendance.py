"""Attendance: staff check people in (walk-ins too); no-shows are recorded after the end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.attendance import Attendance, recorded
from ..domain.occurrences import Occurrence, check_in_open
from ..repository import attendance, occurrences, registrations
from .deps import Deps
from .registrations import refuse_erased


@dataclass(frozen=True)
class CheckIn:
    """One of: a registration, a participant (registered or a walk-in), or, with neither, an
    anonymous walk-in guest."""

    occurrence_id: uuid.UUID
    registration_id: uuid.UUID | None = None
    participant_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RecordNoShows:
    occurrence_id: uuid.UUID
    #: Who records them: a staff member's subject, or "scheduler".
    by: str


@dataclass(frozen=True)
class _Person:
    registration_id: uuid.UUID | None
    participant_id: uuid.UUID | None
    key: str | None
    walk_in: bool


async def _who_came(conn: Connection, occ: Occurrence, cmd: CheckIn) -> _Person:
    if cmd.registration_id is not None:
        reg = await registrations.get(conn, cmd.registration_id)
        if reg is None or reg.occurrence_id != occ.id or reg.status != "confirmed":
            raise invalid("registration_id", "no confirmed registration of this occurrence")
        return _Person(reg.id, reg.participant_id, reg.person_key, walk_in=False)
    if cmd.participant_id is None:
        return _Person(None, None, None, walk_in=True)
    key = f"p:{cmd.participant_id}"
    reg = await registrations.live_for(conn, occ.id, key)
    if reg is not None and reg.status == "confirmed":
        return _Person(reg.id, cmd.participant_id, key, walk_in=False)
    return _Person(None, cmd.participant_id, key, walk_in=True)


async def check_in(deps: Deps, conn: Connection, cmd: CheckIn, who: Principal) -> Attendance:
    if cmd.participant_id is not None:
        await refuse_erased(conn, cmd.participant_id)
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    check_in_open(occ, deps.clock.now())
    person = await _who_came(conn, occ, cmd)
    row = await attendance.add(
        conn,
        occ.id,
        registration_id=person.registration_id,
        participant_id=person.participant_id,
        person_key=person.key,
        status="attended",
        walk_in=person.walk_in,
        by=who.subject,
    )
    if row is None:
        raise conflict("this person's attendance is already recorded", title="Already checked in")
    await deps.outbox.add(conn, recorded(occ, row), subject=str(occ.id))
    return row


async def record_no_shows(deps: Deps, conn: Connection, cmd: RecordNoShows) -> list[Attendance]:
    """Every confirmed registration not checked in is a no-show; attendance then closes."""
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ.ends_at > deps.clock.now():
        raise conflict("no-shows are recorded after the occurrence", title="Not over")
    if occ.attendance_closed_at is not None or occ.cancelled:
        return []
    found = []
    nxt = await occurrences.next_of_series(conn, occ.series_id, deps.clock.now())
    for reg in await attendance.unrecorded_confirmed(conn, occ.id):
        row = await attendance.add(
            conn,
            occ.id,
            registration_id=reg.id,
            participant_id=reg.participant_id,
            person_key=reg.person_key,
            status="no_show",
            walk_in=False,
            by=cmd.by,
        )
        if row is not None:
            await deps.outbox.add(conn, recorded(occ, row, nxt), subject=str(occ.id))
            found.append(row)
    await attendance.close(conn, occ.id)
    return found
