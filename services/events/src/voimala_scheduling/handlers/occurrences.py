"""One occurrence: move or edit it, cancel it; everyone registered is told through events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from voimala_contracts.scheduling import OccurrenceCancelled, OccurrenceChanged
from voimala_kit import Connection, Outbox

from .. import clock
from ..domain.occurrences import info, registrant
from ..problems import conflict, invalid, not_found
from ..repository import occurrences, registrations, reminders
from ..schemas import CancelIn, OccurrenceChangeIn
from . import Policy
from .registrations import promote


@dataclass(frozen=True)
class ChangeOccurrence:
    occurrence_id: uuid.UUID
    change: OccurrenceChangeIn


@dataclass(frozen=True)
class CancelOccurrence:
    occurrence_id: uuid.UUID
    cancel: CancelIn


async def tell_changed(
    conn: Connection,
    outbox: Outbox,
    policy: Policy,
    occurrence_id: uuid.UUID,
    before: dict[str, Any],
) -> dict[str, Any]:
    """After a change: move reminders, fill added seats, and emit occurrence.changed.v1."""
    occ = await occurrences.get(conn, occurrence_id)
    assert occ is not None
    if occ["starts_at"] != before["starts_at"]:
        await reminders.move(conn, occ["id"], policy.reminder_lead.total_seconds(), clock.now())
    await promote(conn, outbox, policy, occ)
    live = await registrations.live_of(conn, occ["id"])
    event = OccurrenceChanged(
        occurrence=info(occ),
        previous_starts_at=before["starts_at"],
        previous_local_start=clock.local(before["starts_at"]),
        registrants=[registrant(r) for r in live],
    )
    await outbox.add(conn, event, subject=str(occ["id"]))
    return occ


async def change_occurrence(
    cmd: ChangeOccurrence, conn: Connection, outbox: Outbox, policy: Policy
) -> dict[str, Any]:
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ["status"] == "cancelled":
        raise conflict("Occurrence cancelled", "a cancelled occurrence cannot be changed")
    if occ["ends_at"] <= clock.now():
        raise conflict("Occurrence past", "the occurrence is over")
    c = cmd.change
    starts = _aware(c.starts_at) if c.starts_at else occ["starts_at"]
    ends = _aware(c.ends_at) if c.ends_at else occ["ends_at"]
    if c.starts_at and not c.ends_at:
        ends = starts + (occ["ends_at"] - occ["starts_at"])
    if ends <= starts:
        raise invalid("ends_at", "must be after starts_at")
    if (ends - starts).total_seconds() > 24 * 3600:
        raise invalid("ends_at", "an occurrence lasts at most a day")
    if starts <= clock.now() and starts != occ["starts_at"]:
        raise invalid("starts_at", "cannot be moved into the past")
    if c.capacity is not None and c.capacity < occ["confirmed"]:
        raise conflict("Capacity too small", "more seats are already confirmed")
    changes: dict[str, Any] = {"overridden": True, "starts_at": starts, "ends_at": ends}
    if c.title is not None:
        changes["title"] = c.title.model_dump()
    if c.location is not None:
        changes["location"] = c.location.model_dump()
    if "capacity" in c.model_fields_set:
        if c.capacity is None and occ["confirmed"] > 0:
            raise conflict("Registrations exist", "cannot become drop-in with registrations")
        changes["capacity"] = c.capacity
    await occurrences.set_fields(conn, occ["id"], changes)
    return await tell_changed(conn, outbox, policy, occ["id"], occ)


def _aware(at: Any) -> Any:
    return at.replace(tzinfo=clock.HELSINKI) if at.tzinfo is None else at


async def cancel_one(
    conn: Connection, outbox: Outbox, occ: dict[str, Any], reason: str | None
) -> None:
    """Cancel a locked occurrence and all its registrations; one event names them all."""
    live = await registrations.live_of(conn, occ["id"])
    await registrations.cancel_all(conn, occ["id"])
    await reminders.drop(conn, [r["id"] for r in live])
    await occurrences.set_fields(
        conn, occ["id"], {"status": "cancelled", "cancel_reason": reason, "overridden": True}
    )
    occ = {**occ, "status": "cancelled"}
    event = OccurrenceCancelled(
        occurrence=info(occ), reason=reason, registrants=[registrant(r) for r in live]
    )
    await outbox.add(conn, event, subject=str(occ["id"]))


async def cancel_occurrence(
    cmd: CancelOccurrence, conn: Connection, outbox: Outbox
) -> dict[str, Any]:
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    if occ["status"] == "cancelled":
        return occ  # the same request twice
    if occ["ends_at"] <= clock.now():
        raise conflict("Occurrence past", "the occurrence is over")
    await cancel_one(conn, outbox, occ, cmd.cancel.reason)
    found = await occurrences.get(conn, occ["id"])
    assert found is not None
    return found
