"""A guest's registrations found by the contact they gave (or by one registration of theirs),
and anonymised for the guest's erasure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_kit.db import Connection

from ..domain.registrations import Registration
from .registrations import REGISTRATIONS


@dataclass(frozen=True, slots=True)
class GuestAnonymised:
    """Rows anonymised: the erasure's counts."""

    registrations: int
    attendance: int


async def registrations_of(
    conn: Connection,
    *,
    email: str | None = None,
    phone: str | None = None,
    registration_id: uuid.UUID | None = None,
) -> list[Registration]:
    """Every registration a guest holds (not yet anonymised): by e-mail (any case), by phone
    (E.164), or by one of their registrations, which stands for the e-mail or phone it gave."""
    if registration_id is not None:
        reg = await conn.fetchrow(
            "SELECT guest_email, guest_phone FROM registration "
            "WHERE id = $1 AND guest_name IS NOT NULL",
            registration_id,
        )
        if reg is None:
            return []
        email, phone = reg["guest_email"], reg["guest_phone"]
    if email is None and phone is None:
        return []
    rows = await conn.fetch(
        REGISTRATIONS.select(
            "WHERE guest_name IS NOT NULL AND (lower(guest_email) = lower($1) "
            "OR guest_phone = $2) ORDER BY occurrence_id, arrival"
        ),
        email,
        phone,
    )
    return REGISTRATIONS.load_all(rows)


_DROP_REMINDERS = """
UPDATE reminder SET dropped_at = now()
WHERE sent_at IS NULL AND dropped_at IS NULL AND registration_id = ANY($1::uuid[])
"""
# As a participant's erasure does: each row's person key becomes its own id (an attendance
# row's its registration's), the contact and the guest's cancel token go.
_ANONYMISE_REGISTRATIONS = """
UPDATE registration SET guest_name = NULL, guest_email = NULL, guest_phone = NULL,
    guest_language = NULL, cancel_token = NULL, person_key = 'x:' || id::text,
    anonymised_at = now()
WHERE id = ANY($1::uuid[]) AND guest_name IS NOT NULL
"""
_ANONYMISE_ATTENDANCE = """
UPDATE attendance SET person_key = 'x:' || COALESCE(registration_id, id)::text
WHERE registration_id = ANY($1::uuid[]) OR person_key = ANY($2::text[])
"""


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def anonymise(conn: Connection, regs: list[Registration]) -> GuestAnonymised:
    """Drop the registrations' unsent reminders, take the guest's contact off every row."""
    ids = [r.id for r in regs]
    keys = sorted({r.person_key for r in regs})
    await conn.execute(_DROP_REMINDERS, ids)
    attendance = _count(await conn.execute(_ANONYMISE_ATTENDANCE, ids, keys))
    registrations = _count(await conn.execute(_ANONYMISE_REGISTRATIONS, ids))
    return GuestAnonymised(registrations, attendance)
