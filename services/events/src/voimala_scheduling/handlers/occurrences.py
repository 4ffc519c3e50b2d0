"""One occurrence: move or edit it, cancel it; everyone registered is told through events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from voimala_contracts.scheduling import OccurrenceCancelled, OccurrenceChanged
from voimala_kit.clock import local_minute
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid, not_found

from ..domain.occurrences import Occurrence, in_helsinki, info
from ..domain.registrations import registrant
from ..domain.texts import TextsByLanguage
from ..repository import occurrences, registrations, reminders
from .deps import Deps
from .registrations import promote
from .teaching import announce_if_teaching


@dataclass(frozen=True)
class ChangeOccurrence:
    """Naive times are Helsinki wall-clock time; None leaves a value as it is, but for
    `capacity` when `capacity_given` (None then makes the occurrence drop-in)."""

    occurrence_id: uuid.UUID
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    title: TextsByLanguage | None = None
    location: TextsByLanguage | None = None
    capacity: int | None = None
    capacity_given: bool = False


@dataclass(frozen=True)
class CancelOccurrence:
    occurrence_id: uuid.UUID
    reason: str | None = None


async def tell_changed(
    deps: Deps, conn: Connection, occurrence_id: uuid.UUID, before: Occurrence
) -> Occurrence:
    """After a change: move reminders, fill added seats, and emit occurrence.changed.v1."""
    occ = await occurrences.get(conn, occurrence_id)
    if occ is None:
        raise RuntimeError("a changed occurrence is gone")
    if occ.starts_at != before.starts_at:
        lead = deps.reminder_lead.total_seconds()
        await reminders.move(conn, occ.id, lead, deps.clock.now())
    await promote(deps, conn, occ)
    live = await registrations.live_of(conn, occ.id)
    event = OccurrenceChanged(
        occurrence=info(occ),
        previous_starts_at=before.starts_at,
        previous_local_start=local_minute(before.starts_at),
        registrants=[registrant(r) for r in live],
    )
    await deps.outbox.add(conn, event, subject=str(occ.id))
    return occ


def _new_times(occ: Occurrence, cmd: ChangeOccurrence, now: datetime) -> tuple[datetime, datetime]:
    """Where the occurrence moves: moving only the start keeps its length."""
    starts = in_helsinki(cmd.starts_at) if cmd.starts_at else occ.starts_at
    ends = in_helsinki(cmd.ends_at) if cmd.ends_at else occ.ends_at
    if cmd.starts_at and not cmd.ends_at:
        ends = starts + (occ.ends_at - occ.starts_at)
    if ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    if (ends - starts).total_seconds() > 24 * 3600:
        raise invalid("ends_at", "an occurrence lasts at most a day")
    if starts <= now and starts != occ.starts_at:
        raise invalid("starts_at", "cannot be moved into the past")
    return starts, ends


async def change_occurrence(deps: Deps, conn: Connection, cmd: ChangeOccurrence) -> Occurrence:
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ.cancelled:
        raise conflict("a cancelled occurrence cannot be changed", title="Occurrence cancelled")
    now = deps.clock.now()
    if occ.ends_at <= now:
        raise conflict("the occurrence is over", title="Occurrence past")
    starts, ends = _new_times(occ, cmd, now)
    if cmd.capacity is not None and cmd.capacity < occ.confirmed:
        raise conflict("more seats are already confirmed", title="Capacity too small")
    changes: dict[str, object] = {"overridden": True, "starts_at": starts, "ends_at": ends}
    if cmd.title is not None:
        changes["title"] = cmd.title
    if cmd.location is not None:
        changes["location"] = cmd.location
    if cmd.capacity_given:
        if cmd.capacity is None and occ.confirmed > 0:
            raise conflict("cannot become drop-in with registrations", title="Registrations exist")
        changes["capacity"] = cmd.capacity
    await occurrences.set_fields(conn, occ.id, changes)
    changed = await tell_changed(deps, conn, occ.id, occ)
    await announce_if_teaching(deps, conn, occ.series_id)
    return changed


async def cancel_one(deps: Deps, conn: Connection, occ: Occurrence, reason: str | None) -> None:
    """Cancel a locked occurrence and all its registrations; one event names them all."""
    live = await registrations.live_of(conn, occ.id)
    await registrations.cancel_all(conn, occ.id)
    await reminders.drop(conn, [r.id for r in live])
    await occurrences.set_fields(
        conn, occ.id, {"status": "cancelled", "cancel_reason": reason, "overridden": True}
    )
    event = OccurrenceCancelled(
        occurrence=info(replace(occ, status="cancelled")),
        reason=reason,
        registrants=[registrant(r) for r in live],
    )
    await deps.outbox.add(conn, event, subject=str(occ.id))


async def cancel_occurrence(deps: Deps, conn: Connection, cmd: CancelOccurrence) -> Occurrence:
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ.cancelled:
        return occ  # the same request twice
    if occ.ends_at <= deps.clock.now():
        raise conflict("the occurrence is over", title="Occurrence past")
    await cancel_one(deps, conn, occ, cmd.reason)
    await announce_if_teaching(deps, conn, occ.series_id)
    found = await occurrences.get(conn, occ.id)
    if found is None:
        raise RuntimeError("a cancelled occurrence is gone")
    return found
