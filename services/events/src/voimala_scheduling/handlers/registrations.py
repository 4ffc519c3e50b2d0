"""Registration: seats while they last, then the waitlist in arrival order; never overbooked.

Every change to an occurrence's registrations first locks the occurrence row
(SELECT ... FOR UPDATE), so concurrent registrations and cancellations of one occurrence
take turns: the seat count read is the seat count written.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voimala_contracts.scheduling import (
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from voimala_kit import Connection, Outbox, Problem

from .. import clock
from ..domain.occurrences import guest_of, info, is_drop_in, slots, window
from ..problems import conflict, invalid, not_found
from ..repository import occurrences, registrations, reminders
from ..schemas import GuestIn
from . import Policy


@dataclass(frozen=True)
class Register:
    occurrence_id: uuid.UUID
    participant_id: uuid.UUID | None
    guest: GuestIn | None
    slot_start: datetime | None
    by: str | None


@dataclass(frozen=True)
class CancelRegistration:
    registration_id: uuid.UUID
    #: None: the caller may cancel any registration (staff); else it must own it.
    owner: str | None
    cancel_token: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def person_key(participant_id: uuid.UUID | None, guest: GuestIn | None) -> str:
    if participant_id is not None:
        return f"p:{participant_id}"
    assert guest is not None
    if guest.email is not None:
        return "e:" + guest.email.strip().lower()
    return "t:" + (guest.phone or "")


def _event_fields(occ: dict[str, Any], reg: dict[str, Any]) -> dict[str, Any]:
    slot = reg["slot_start"]
    return {
        "registration_id": reg["id"],
        "occurrence": info(occ),
        "participant_id": reg["participant_id"],
        "personal": guest_of(reg),
        "slot_start": slot,
        "local_slot_start": clock.local(slot) if slot else None,
    }


async def _remind(
    conn: Connection, policy: Policy, occ: dict[str, Any], registration_id: uuid.UUID
) -> None:
    due = max(occ["starts_at"] - policy.reminder_lead, clock.now())
    await reminders.schedule(conn, registration_id, due)


def check_open(occ: dict[str, Any]) -> None:
    """An occurrence that can take registrations now, or a 409 saying why not."""
    now = clock.now()
    if occ["status"] == "cancelled":
        raise conflict("Occurrence cancelled", "the occurrence is cancelled")
    if occ["starts_at"] <= now:
        raise conflict("Occurrence past", "the occurrence has already started")
    if is_drop_in(occ):
        raise conflict("Drop-in", "the occurrence is drop-in: no registration needed")
    opens, closes = window(occ)
    if now < opens:
        raise conflict("Registration not open", f"registration opens at {clock.local(opens)}")
    if now >= closes:
        raise conflict("Registration closed", "registration for the occurrence has closed")


async def _free_slot(
    conn: Connection, occ: dict[str, Any], asked: datetime | None
) -> datetime | None:
    """The slot asked for, checked free under the occurrence's lock; None without slots."""
    if occ["slot_minutes"] is None:
        if asked is not None:
            raise invalid("slot_start", "the occurrence has no bookable slots")
        return None
    if asked is None:
        raise invalid("slot_start", "the occurrence has bookable slots: choose one")
    slot = asked.replace(tzinfo=clock.HELSINKI) if asked.tzinfo is None else asked
    if slot not in slots(occ):
        raise invalid("slot_start", "is not one of the occurrence's slots")
    if await registrations.slot_taken(conn, occ["id"], slot):
        raise conflict("Slot taken", "the slot is already booked")
    return slot


async def register(
    cmd: Register, conn: Connection, outbox: Outbox, policy: Policy
) -> tuple[dict[str, Any], int | None]:
    """Returns the registration and, when waitlisted, its position."""
    occ = await occurrences.get(conn, cmd.occurrence_id, lock=True)
    if occ is None:
        raise not_found("occurrence")
    check_open(occ)
    if occ["audience"] == "participants" and cmd.participant_id is None:
        raise conflict("For participants", "the occurrence is for participants of the programme")
    key = person_key(cmd.participant_id, cmd.guest)
    existing = await registrations.live_for(conn, occ["id"], key)
    if existing is not None:
        raise Problem(
            409,
            "Already registered",
            "this person already holds a registration for the occurrence",
            existing_registration_id=str(existing["id"]),
        )
    slot = await _free_slot(conn, occ, cmd.slot_start)
    if slot is not None:
        status = "confirmed"
    else:
        status = "confirmed" if occ["confirmed"] < occ["capacity"] else "waitlisted"
    guest = cmd.guest.model_dump(mode="json") if cmd.guest else None
    token = secrets.token_urlsafe(24) if guest else None
    reg = await registrations.add(
        conn,
        uuid.uuid4(),
        occ["id"],
        participant_id=cmd.participant_id,
        guest=guest,
        person_key=key,
        cancel_token=_digest(token) if token else None,
        status=status,
        slot_start=slot,
        by=cmd.by,
    )
    reg["cancel_token"] = token  # given to the guest once; only its digest is stored
    subject = str(occ["id"])
    if status == "confirmed":
        if slot is None:
            await occurrences.add_confirmed(conn, occ["id"], 1)
        await _remind(conn, policy, occ, reg["id"])
        await outbox.add(conn, RegistrationConfirmed(**_event_fields(occ, reg)), subject=subject)
        return reg, None
    position = await registrations.position(conn, occ["id"], reg["arrival"])
    event = RegistrationWaitlisted(**_event_fields(occ, reg), position=position)
    await outbox.add(conn, event, subject=subject)
    return reg, position


async def promote(
    conn: Connection, outbox: Outbox, policy: Policy, occ: dict[str, Any]
) -> list[uuid.UUID]:
    """Fill free seats from the waitlist, first come first served (occurrence row locked)."""
    promoted: list[uuid.UUID] = []
    confirmed = occ["confirmed"]
    while occ["capacity"] is not None and confirmed < occ["capacity"]:
        first = await registrations.first_waitlisted(conn, occ["id"])
        if first is None:
            break
        await registrations.set_status(conn, first["id"], "confirmed")
        await occurrences.add_confirmed(conn, occ["id"], 1)
        confirmed += 1
        await _remind(conn, policy, occ, first["id"])
        event = RegistrationPromoted(**_event_fields(occ, first))
        await outbox.add(conn, event, subject=str(occ["id"]))
        promoted.append(first["id"])
    return promoted


async def cancel_registration(
    cmd: CancelRegistration, conn: Connection, outbox: Outbox, policy: Policy
) -> dict[str, Any]:
    found = await registrations.get(conn, cmd.registration_id)
    if found is None:
        raise not_found("registration")
    if cmd.owner is not None:
        own = found["participant_id"] is not None and str(found["participant_id"]) == cmd.owner
        token_ok = (
            found["cancel_token"] is not None
            and cmd.cancel_token is not None
            and secrets.compare_digest(found["cancel_token"], _digest(cmd.cancel_token))
        )
        if not (own or token_ok):
            raise Problem(403, "Forbidden", "only the person registered or staff may cancel")
    occ = await occurrences.get(conn, found["occurrence_id"], lock=True)
    assert occ is not None
    reg = await registrations.get(conn, cmd.registration_id)  # as it is under the lock
    assert reg is not None
    if reg["status"] == "cancelled":
        return reg  # cancelling twice is the same as once
    if occ["starts_at"] <= clock.now():
        raise conflict("Occurrence past", "the occurrence has already started")
    await registrations.set_status(conn, reg["id"], "cancelled")
    await reminders.drop(conn, [reg["id"]])
    event = RegistrationCancelled(**_event_fields(occ, reg), previous_status=reg["status"])
    await outbox.add(conn, event, subject=str(occ["id"]))
    if reg["status"] == "confirmed" and reg["slot_start"] is None:
        await occurrences.add_confirmed(conn, occ["id"], -1)
        occ["confirmed"] -= 1
        if occ["status"] == "scheduled":
            await promote(conn, outbox, policy, occ)
    reg["status"] = "cancelled"
    return reg
