"""Use cases. Each runs inside the transaction its caller (the boundary) opened."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from voimala_kit import Connection, Outbox

from . import repository
from .domain import Participant
from .schemas import ParticipantIn


@dataclass(frozen=True)
class RegisterParticipant:
    details: ParticipantIn
    registered_by: str


async def register_participant(
    cmd: RegisterParticipant, conn: Connection, outbox: Outbox
) -> tuple[Participant, datetime]:
    d = cmd.details
    participant = Participant(
        id=uuid.uuid4(),
        given_name=d.given_name,
        family_name=d.family_name,
        preferred_language=d.preferred_language,
        email=str(d.email) if d.email else None,
        phone=d.phone,
        birth_year=d.birth_year,
        municipality=d.municipality,
        skills=list(dict.fromkeys(d.skills)),
        languages=d.languages,
        matching_consent=d.matching_consent,
    )
    created = await repository.add(conn, participant, cmd.registered_by)
    subject = str(participant.id)
    await outbox.add_many(
        conn, [(event, subject) for event in participant.registered(datetime.now(UTC).date())]
    )
    return participant, created
