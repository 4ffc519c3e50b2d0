"""Rules of a registration: who a person is to the programme, what an event says of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_contracts.scheduling import (
    GuestContact,
    Language,
    Registrant,
    RegistrationStatus,
)


@dataclass(frozen=True, slots=True)
class Guest:
    """A resident without an account: reached by e-mail or phone (personal data)."""

    name: str
    email: str | None
    phone: str | None
    language: Language = "fi"


@dataclass(frozen=True, slots=True)
class Registration:
    """A row of `registration`: a participant's or a guest's, in arrival order."""

    id: uuid.UUID
    occurrence_id: uuid.UUID
    participant_id: uuid.UUID | None
    guest_name: str | None
    guest_email: str | None
    guest_phone: str | None
    guest_language: Language | None
    person_key: str
    #: The sha256 of the token a guest cancels with (the token itself is never stored).
    cancel_token: str | None
    status: RegistrationStatus
    arrival: int
    slot_start: datetime | None
    created_at: datetime
    promoted_at: datetime | None
    cancelled_at: datetime | None


def person_key(participant_id: uuid.UUID | None, guest: Guest | None) -> str:
    """One person, however they registered: a participant by id, a guest by e-mail (in lower
    case) or else by phone. One live registration per person per occurrence."""
    if participant_id is not None:
        return f"p:{participant_id}"
    if guest is None:
        raise ValueError("a registration is a participant's or a guest's")
    if guest.email is not None:
        return "e:" + guest.email.strip().lower()
    return "t:" + (guest.phone or "")


def guest_of(reg: Registration) -> GuestContact | None:
    """A guest's contact, for the events that must reach them (inside `personal`)."""
    if reg.guest_name is None:
        return None
    return GuestContact(
        name=reg.guest_name,
        email=reg.guest_email,
        phone=reg.guest_phone,
        language=reg.guest_language or "fi",
    )


#: voimala_kit.personal.GUEST (the domain imports no I/O library): the prefix of a guest's
#: key subject, the only keys this service may destroy (docs/events-service.md).
GUEST_KEY = "guest:"


def guest_key(reg: Registration) -> str | None:
    """The key a guest's contact is sealed with: their own (`guest:<registration id>`), so
    that one guest can be erased alone (their key destroyed)."""
    return None if reg.guest_name is None else f"{GUEST_KEY}{reg.id}"


def registrant(reg: Registration) -> Registrant:
    return Registrant(
        registration_id=reg.id,
        participant_id=reg.participant_id,
        personal=guest_of(reg),
        personal_subject=guest_key(reg),
    )
