"""Use cases, run inside the consumer's transaction (with the inbox row of the event)."""

from __future__ import annotations

from voimala_contracts import CloudEvent, ParticipantContactChanged, ParticipantRegistered
from voimala_kit import Connection

from . import repository
from .templates import Templates


async def keep_contact(
    conn: Connection, data: ParticipantContactChanged, event: CloudEvent
) -> None:
    """Keep the participant's contact: this service is the only one that does."""
    person = data.personal
    await repository.upsert_recipient(
        conn,
        data.participant_id,
        kind="participant",
        language=data.preferred_language,
        given_name=person.given_name,
        email=person.email,
        phone=person.phone,
    )


async def welcome_participant(
    conn: Connection, data: ParticipantRegistered, event: CloudEvent, templates: Templates
) -> None:
    """Greet the new participant in their inbox, in their language."""
    await repository.set_language(conn, data.participant_id, "participant", data.preferred_language)
    given_name = await repository.given_name(conn, data.participant_id)
    message = templates.render("welcome", data.preferred_language, {"given_name": given_name})
    await repository.add_message(
        conn,
        recipient_id=data.participant_id,
        event_id=event.id,
        channel="in_app",
        template="welcome",
        language=message.language,
        subject=message.subject,
        body=message.text,
        status="sent",
    )
