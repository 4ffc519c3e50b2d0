"""Use cases, run inside the consumer's transaction (with the inbox row of the event)."""

from __future__ import annotations

from voimala_contracts import CloudEvent, ParticipantRegistered
from voimala_kit import Connection

from . import repository


async def keep_profile(conn: Connection, data: ParticipantRegistered, event: CloudEvent) -> None:
    """Store the participant's pseudonymous profile; the personal part is not kept here."""
    await repository.upsert_profile(conn, data.participant_id, data.profile)
