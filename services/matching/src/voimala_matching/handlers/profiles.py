"""Kafka use cases: the pseudonymous profiles and what consent and exit change."""

from __future__ import annotations

from typing import Any

from voimala_contracts import (
    CloudEvent,
    ParticipantConsentChanged,
    ParticipantExited,
    ParticipantProfileUpdated,
    ParticipantRegistered,
)
from voimala_kit import Connection, Outbox

from ..repository import profiles
from ..settings import Settings
from . import proposals


def keep_profile(settings: Settings) -> Any:
    async def keep(
        conn: Connection, data: ParticipantRegistered | ParticipantProfileUpdated, _: CloudEvent
    ) -> None:
        """Store the pseudonymous profile; a profile that leaves the candidates (consent gone,
        paused or exited) has its unanswered proposals withdrawn at once."""
        await profiles.upsert(conn, data.participant_id, data.profile)
        p = data.profile
        if not p.matching_consent or p.status != "active":
            await proposals.withdraw_participant(
                conn, Outbox(settings.service_name), settings, data.participant_id, "not_candidate"
            )

    return keep


def change_consent(settings: Settings) -> Any:
    async def change(conn: Connection, data: ParticipantConsentChanged, _: CloudEvent) -> None:
        """Matching withdrawn: no longer a candidate, unanswered proposals withdrawn.
        Contact sharing granted: the participant's accepted matches are confirmed."""
        outbox = Outbox(settings.service_name)
        if data.purpose not in ("matching", "contact_sharing"):
            return
        await profiles.set_consent(conn, data.participant_id, data.purpose, data.granted)
        if data.purpose == "matching" and not data.granted:
            await proposals.withdraw_participant(
                conn, outbox, settings, data.participant_id, "consent_withdrawn"
            )
        if data.purpose == "contact_sharing" and data.granted:
            await proposals.confirm_accepted(conn, outbox, data.participant_id, data.recorded_at)

    return change


def remove_participant(settings: Settings) -> Any:
    async def remove(conn: Connection, data: ParticipantExited, _: CloudEvent) -> None:
        """The participant left the programme: profile removed, unanswered proposals withdrawn."""
        await profiles.remove(conn, data.participant_id)
        await proposals.withdraw_participant(
            conn, Outbox(settings.service_name), settings, data.participant_id, "exited"
        )

    return remove
