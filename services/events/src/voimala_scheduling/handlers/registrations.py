"""Registration: seats while they last, then the waitlist in arrival order; never overbooked.

Every change to an occurrence's registrations first locks the occurrence row
(SELECT ... FOR UPDATE), so concurrent registrations and cancellations of one occurrence
take turns: the seat count read is the seat count written.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from voimala_contracts.scheduling import (
    OccurrenceInfo,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from voimala_kit.auth import STAFF, Principal
from voimala_kit.clock import local_minute
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, forbidden, invalid, not_found

from ..domain.occurrences import Occurrence, check_open, in_helsinki, info, slots
from ..domain.registrations import Guest, Registration, guest_key, guest_of, person_key
from ..repository import occurrences, privacy, registrations, reminders
from .deps import Deps


@dataclass(frozen=True)
class Register:
    occurrence_id: uuid.UUID
    #: Whom staff register (a participant registers themselves: None).
    participant_id: uuid.UUID | None = None
    guest: Guest | None = None
    slot_start: datetime | None = None


@dataclass(frozen=True)
class Registered:
    registration: Registration
    #: Place on the waitlist (1 = next); None when confirmed.
    position: int | None
    #: A guest's token to cancel with, given once: only its digest is stored.
    cancel_token: str | None


@dataclass(frozen=True)
class CancelRegistration:
    registration_id: uuid.UUID
    #: What a guest without an account shows to cancel.
    cancel_token: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _participant_of(cmd: Register, who: Principal | None) -> uuid.UUID | None:
    """Whom the registration is for: a guest (no token), a participant themselves, or whoever
    staff name; the registration's own participant id (None for a guest)."""
    if who is None:
        if cmd.guest is None or cmd.participant_id is not None:
            raise invalid("guest", "without an account, give a name and an e-mail or phone")
        return None
    if who.has(*STAFF):
        if (cmd.participant_id is None) == (cmd.guest is None):
            raise invalid("participant_id", "give exactly one of participant_id and guest")
        return cmd.participant_id
    if not who.has("participant"):
        raise forbidden("your role may not register")
    if cmd.guest is not None:
        raise invalid("guest", "a participant registers themselves")
    try:
        own = uuid.UUID(who.subject)
    except ValueError:
        raise forbidden("the token names no participant") from None
    if cmd.participant_id is not None and cmd.participant_id != own:
        raise forbidden("participants register only themselves")
    return own


async def refuse_erased(conn: Connection, participant_id: uuid.UUID) -> None:
    """An erased participant is not brought back: nothing new is recorded about them. (Called
    before any occurrence is locked: an erasure running beside is waited for.)"""
    await privacy.hold(conn, participant_id)
    if await privacy.is_erased(conn, participant_id):
        raise conflict("the participant's data has been erased", title="Participant erased")


def _event_fields(
    occ: Occurrence, reg: Registration, about: OccurrenceInfo | None = None
) -> dict[str, Any]:
    """An event's fields for the registration (`about`: the occurrence's `info`, made once for
    a batch's many)."""
    slot = reg.slot_start
    return {
        "registration_id": reg.id,
        "occurrence": about or info(occ),
        "participant_id": reg.participant_id,
        "personal": guest_of(reg),
        "personal_subject": guest_key(reg),
        "slot_start": slot,
        "local_slot_start": local_minute(slot) if slot else None,
    }


async def _remind(
    deps: Deps, conn: Connection, occ: Occurrence, registration_id: uuid.UUID
) -> None:
    due = max(occ.starts_at - deps.reminder_lead, deps.clock.now())
    await reminders.schedule(conn, registration_id, due)


async def _free_slot(conn: Connection, occ: Occurrence, asked: datetime | None) -> datetime | None:
    """The slot asked for, checked free under the occurrence's lock; None without slots."""
    if occ.slot_minutes is None:
        if asked is not None:
            raise invalid("slot_start", "the occurrence has no bookable slots")
        return None
    if asked is None:
        raise invalid("slot_start", "the occurrence has bookable slots: choose one")
    slot = in_helsinki(asked)
    if slot not in slots(occ):
        raise invalid("slot_start", "is not one of the occurrence's slots")
    if await registrations.slot_taken(conn, occ.id, slot):
        raise conflict("the slot is already booked", title="Slot taken")
    return slot


async def _open_for(
    deps: Deps, conn: Connection, cmd: Register, participant_id: uuid.UUID | None, key: str
) -> Occurrence:
    """The occurrence, locked, if this person (`key`) may register for it now."""
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    check_open(occ, deps.clock.now())
    if occ.audience == "participants" and participant_id is None:
        raise conflict(
            "the occurrence is for participants of the programme", title="For participants"
        )
    existing = await registrations.live_for(conn, occ.id, key)
    if existing is not None:
        raise conflict(
            "this person already holds a registration for the occurrence",
            title="Already registered",
            existing_registration_id=str(existing.id),
        )
    return occ


async def register(
    deps: Deps, conn: Connection, cmd: Register, who: Principal | None
) -> Registered:
    """Confirmed while seats remain (or with a free slot), else waitlisted."""
    participant_id = _participant_of(cmd, who)
    if participant_id is not None:
        await refuse_erased(conn, participant_id)
    key = person_key(participant_id, cmd.guest)
    occ = await _open_for(deps, conn, cmd, participant_id, key)
    slot = await _free_slot(conn, occ, cmd.slot_start)
    has_seat = slot is not None or (occ.capacity is not None and occ.confirmed < occ.capacity)
    token = secrets.token_urlsafe(24) if cmd.guest else None
    reg = await registrations.add(
        conn,
        uuid.uuid4(),
        occ.id,
        participant_id=participant_id,
        guest=cmd.guest,
        person_key=key,
        cancel_token=_digest(token) if token else None,
        status="confirmed" if has_seat else "waitlisted",
        slot_start=slot,
        by=who.subject if who else None,
    )
    subject = str(occ.id)
    if has_seat:
        if slot is None:
            await occurrences.add_confirmed(conn, occ.id, 1)
        await _remind(deps, conn, occ, reg.id)
        await deps.outbox.add(
            conn, RegistrationConfirmed(**_event_fields(occ, reg)), subject=subject
        )
        return Registered(reg, None, token)
    position = await registrations.position(conn, occ.id, reg.arrival)
    event = RegistrationWaitlisted(**_event_fields(occ, reg), position=position)
    await deps.outbox.add(conn, event, subject=subject)
    return Registered(reg, position, token)


async def promote(deps: Deps, conn: Connection, occ: Occurrence) -> list[uuid.UUID]:
    """Fill free seats from the waitlist, first come first served (occurrence row locked)."""
    promoted: list[uuid.UUID] = []
    confirmed = occ.confirmed
    while occ.capacity is not None and confirmed < occ.capacity:
        first = await registrations.first_waitlisted(conn, occ.id)
        if first is None:
            break
        await registrations.set_status(conn, first.id, "confirmed")
        await occurrences.add_confirmed(conn, occ.id, 1)
        confirmed += 1
        await _remind(deps, conn, occ, first.id)
        event = RegistrationPromoted(**_event_fields(occ, first))
        await deps.outbox.add(conn, event, subject=str(occ.id))
        promoted.append(first.id)
    return promoted


def _may_cancel(reg: Registration, cmd: CancelRegistration, who: Principal | None) -> bool:
    """Staff any registration; a participant their own; a guest with the token given them."""
    if who is not None and who.has(*STAFF):
        return True
    owner = who.subject if who else ""
    own = reg.participant_id is not None and str(reg.participant_id) == owner
    token_ok = (
        reg.cancel_token is not None
        and cmd.cancel_token is not None
        and secrets.compare_digest(reg.cancel_token, _digest(cmd.cancel_token))
    )
    return own or token_ok


async def cancel_registration(
    deps: Deps, conn: Connection, cmd: CancelRegistration, who: Principal | None
) -> Registration:
    found = await registrations.get(conn, cmd.registration_id)
    if found is None:
        raise not_found("registration")
    if not _may_cancel(found, cmd, who):
        raise forbidden("only the person registered or staff may cancel")
    occ = await occurrences.get(conn, found.occurrence_id, lock=True)
    reg = await registrations.get(conn, cmd.registration_id)  # as it is under the lock
    if occ is None or reg is None:
        raise RuntimeError("a registration's occurrence is gone")
    if reg.status == "cancelled":
        return reg  # cancelling twice is the same as once
    if occ.starts_at <= deps.clock.now():
        raise conflict("the occurrence has already started", title="Occurrence past")
    await release(deps, conn, occ, reg)
    return replace(reg, status="cancelled")


async def release(deps: Deps, conn: Connection, occ: Occurrence, reg: Registration) -> None:
    """Cancel a live registration of a locked occurrence: its reminder is dropped and its seat
    goes to the first on the waitlist (`registration.cancelled.v1`, then `.promoted.v1`)."""
    await registrations.set_status(conn, reg.id, "cancelled")
    await reminders.drop(conn, [reg.id])
    event = RegistrationCancelled(**_event_fields(occ, reg), previous_status=reg.status)
    await deps.outbox.add(conn, event, subject=str(occ.id))
    if reg.status == "confirmed" and reg.slot_start is None:
        await occurrences.add_confirmed(conn, occ.id, -1)
        if occ.status == "scheduled":
            await promote(deps, conn, replace(occ, confirmed=occ.confirmed - 1))
