"""Kafka use cases: the pseudonymous profiles and what consent and exit change."""

from __future__ import annotations

from voimala_contracts import (
    CloudEvent,
    ParticipantConsentChanged,
    ParticipantExited,
    ParticipantProfileUpdated,
    ParticipantRegistered,
)
from voimala_kit.db import Connection

from ..repository import profiles
from . import openings_optimiser, proposals
from .deps import Deps


async def keep_profile(
    deps: Deps,
    conn: Connection,
    data: ParticipantRegistered | ParticipantProfileUpdated,
    _: CloudEvent,
) -> None:
    """Store the pseudonymous profile; a profile that leaves the candidates (consent gone,
    paused or exited) has its unanswered proposals withdrawn at once."""
    await profiles.upsert(conn, data.participant_id, data.profile)
    p = data.profile
    if not p.matching_consent or p.status != "active":
        await proposals.withdraw_participant(deps, conn, data.participant_id, "not_candidate")
    else:
        await openings_optimiser.request(deps, conn, "profile")


async def change_consent(
    deps: Deps, conn: Connection, data: ParticipantConsentChanged, _: CloudEvent
) -> None:
    """Matching withdrawn: no longer a candidate, unanswered proposals withdrawn.
    Contact sharing granted: the participant's accepted matches are confirmed."""
    if data.purpose not in ("matching", "contact_sharing"):
        return
    await profiles.set_consent(conn, data.participant_id, data.purpose, data.granted)
    if data.purpose == "matching" and not data.granted:
        await proposals.withdraw_participant(deps, conn, data.participant_id, "consent_withdrawn")
    if data.purpose == "matching" and data.granted:
        await openings_optimiser.request(deps, conn, "profile")
    if data.purpose == "contact_sharing" and data.granted:
        await proposals.confirm_accepted(deps, conn, data.participant_id)


async def remove_participant(
    deps: Deps, conn: Connection, data: ParticipantExited, _: CloudEvent
) -> None:
    """The participant left the programme: profile removed, unanswered proposals withdrawn."""
    await profiles.remove(conn, data.participant_id)
    await proposals.withdraw_participant(deps, conn, data.participant_id, "exited")
