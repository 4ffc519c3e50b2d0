"""A guest's erasure (a resident who registered without an account asks to be forgotten).

Staff find the guest by the e-mail or phone they gave, or by one of their registrations.
Every registration of theirs is anonymised as a participant's erasure anonymises: the contact
and the cancel token go, the rows stay as anonymous facts (a past month counts the same);
those for occurrences not yet started are cancelled first as the guest would cancel them, so
the seat goes to the waitlist. Then each registration's key (`guest:<registration id>`) is
destroyed in the keyring, before the transaction commits: every contact of theirs sealed in an
event, on any topic, becomes unreadable, while the other guests of the same occurrence keep
theirs. The keyring lets this service destroy guests' keys and nothing else. Last,
`guest.erased.v1` (ids only) tells notifications to forget the guest as a recipient.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_contracts.scheduling import GuestErased
from voimala_kit import audit
from voimala_kit.auth import Principal
from voimala_kit.db import Connection

from ..domain.registrations import GUEST_KEY, Registration
from ..repository import guests, occurrences, registrations
from .deps import Deps
from .registrations import release


@dataclass(frozen=True, slots=True)
class EraseGuest:
    """Exactly one of the three (the API checks)."""

    email: str | None = None
    phone: str | None = None
    registration_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class GuestErasure:
    """What was done: registrations and attendance rows anonymised, registrations cancelled,
    keys destroyed."""

    registrations: int
    cancelled: int
    attendance: int
    keys_destroyed: int


async def _lock(conn: Connection, regs: list[Registration]) -> None:
    """Lock the registrations' occurrences in id order, as every change of registrations
    takes them: a concurrent registration, cancellation or promotion waits."""
    for occurrence_id in sorted({r.occurrence_id for r in regs}):
        await occurrences.get(conn, occurrence_id, lock=True)


async def _find(conn: Connection, cmd: EraseGuest) -> list[Registration]:
    return await guests.registrations_of(
        conn, email=cmd.email, phone=cmd.phone, registration_id=cmd.registration_id
    )


async def _cancel(deps: Deps, conn: Connection, registration_id: uuid.UUID) -> None:
    """Cancel an (already anonymised) registration as its holder would; the event names no
    one."""
    reg = await registrations.get(conn, registration_id)
    occ = await occurrences.get(conn, reg.occurrence_id) if reg else None
    if reg is None or occ is None:
        raise RuntimeError("a registration or its occurrence is gone")
    await release(deps, conn, occ, reg)


async def erase_guest(
    deps: Deps, conn: Connection, cmd: EraseGuest, who: Principal
) -> GuestErasure:
    """Anonymise the guest's registrations, cancel the upcoming ones, destroy their keys and
    audit it (by registration id, action `guest.erased`: the audit log is by person id, and a
    guest has none). Nothing found: all counts 0, nothing recorded."""
    await _lock(conn, await _find(conn, cmd))
    found = await _find(conn, cmd)  # as they are under the locks
    now = deps.clock.now()
    starts = await occurrences.get_many(conn, sorted({r.occurrence_id for r in found}))
    upcoming = [
        r.id for r in found if r.status != "cancelled" and starts[r.occurrence_id].starts_at > now
    ]
    done = await guests.anonymise(conn, found)
    for registration_id in upcoming:
        await _cancel(deps, conn, registration_id)
    keyring = deps.outbox.keyring
    if found and keyring is None:
        raise RuntimeError("no keyring: a guest's keys cannot be destroyed")
    for reg in found:
        assert keyring is not None
        await keyring.destroy_guest(f"{GUEST_KEY}{reg.id}")
    await audit.record(conn, who, [r.id for r in found], "guest.erased", "guest_erasure")
    if found:  # the services that kept the guest's contact forget it
        told = GuestErased(
            guest_erasure_id=uuid.uuid4(), registration_ids=[r.id for r in found], erased_at=now
        )
        await deps.outbox.add(conn, told, subject=str(told.guest_erasure_id))
    return GuestErasure(
        registrations=done.registrations,
        cancelled=len(upcoming),
        attendance=done.attendance,
        keys_destroyed=len(found),
    )
