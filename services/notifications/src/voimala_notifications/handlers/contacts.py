"""The recipients projection: contact data, consent and status, and nothing else."""

from __future__ import annotations

from voimala_contracts import (
    CloudEvent,
    ParticipantConsentChanged,
    ParticipantContactChanged,
    ParticipantExited,
)
from voimala_contracts.matching import MentorRegistered, PartnerRegistered
from voimala_kit.db import Connection

from ..repository import recipients
from .deps import Deps
from .notify import apply_waiting

_CONSENT_CHANNEL = {"notifications_email": "email", "notifications_sms": "sms"}


async def keep_contact(
    deps: Deps, conn: Connection, data: ParticipantContactChanged, event: CloudEvent
) -> None:
    """Keep the participant's contact: this service is the only one that does."""
    person = data.personal
    await recipients.upsert(
        conn,
        data.participant_id,
        kind="participant",
        language=data.preferred_language,
        given_name=person.given_name,
        family_name=person.family_name,
        email=person.email,
        phone=person.phone,
        preferred_channel=person.preferred_channel,
    )


async def keep_consent(
    deps: Deps, conn: Connection, data: ParticipantConsentChanged, event: CloudEvent
) -> None:
    """A withdrawn notifications_email/_sms consent switches that channel off (and back on)."""
    channel = _CONSENT_CHANNEL.get(data.purpose)
    if channel is not None:
        await recipients.set_consent(conn, data.participant_id, channel, data.granted)


async def forget_exited(
    deps: Deps, conn: Connection, data: ParticipantExited, event: CloudEvent
) -> None:
    """An exited participant is not contacted any more; what waits for them is not sent."""
    await recipients.set_exited(conn, data.participant_id)


async def keep_partner(
    deps: Deps, conn: Connection, data: PartnerRegistered, event: CloudEvent
) -> None:
    """The partner's contact people: who is told of proposals for its openings."""
    for person in data.personal.contacts:
        await recipients.upsert(
            conn,
            person.user_id,
            kind="partner",
            language=person.preferred_language,
            given_name=person.name,
            email=person.email,
            phone=person.phone,
            preferred_channel=person.preferred_channel,
        )
    await recipients.set_owned(
        conn, "partner", data.partner_id, [p.user_id for p in data.personal.contacts]
    )
    if data.personal.contacts:
        await apply_waiting(deps, conn, "partner", data.partner_id)


async def keep_mentor(
    deps: Deps, conn: Connection, data: MentorRegistered, event: CloudEvent
) -> None:
    person = data.personal
    await recipients.upsert(
        conn,
        person.user_id,
        kind="mentor",
        language=person.preferred_language,
        given_name=person.name,
        email=person.email,
        phone=person.phone,
        preferred_channel=person.preferred_channel,
    )
    await recipients.set_owned(conn, "mentor", data.mentor_id, [person.user_id])
    await apply_waiting(deps, conn, "mentor", data.mentor_id)
