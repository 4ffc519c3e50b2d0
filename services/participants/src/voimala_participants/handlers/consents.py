"""Consent per purpose: every change is recorded, published, and on the participant's path."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_contracts import ParticipantConsentChanged
from voimala_kit.auth import Principal
from voimala_kit.db import Connection
from voimala_kit.refusals import not_found

from ..domain import Consent, Participant
from ..domain.esf import SENSITIVE_PURPOSE
from ..repository import consents, participants
from .deps import Deps
from .esf import sensitive_consent_withdrawn
from .timeline import note


@dataclass(frozen=True)
class RecordConsent:
    participant_id: uuid.UUID
    purpose: str
    granted: bool
    #: The version of the consent text that was shown.
    text_version: str


async def record(
    deps: Deps, conn: Connection, p: Participant, cmd: RecordConsent, recorded_by: str
) -> Consent:
    """Append the record and publish it; the caller has the participant row locked."""
    consent = await consents.record(
        conn, p.id, cmd.purpose, cmd.granted, cmd.text_version, recorded_by
    )
    event = ParticipantConsentChanged(
        participant_id=p.id,
        purpose=consent.purpose,
        granted=consent.granted,
        text_version=consent.text_version,
        recorded_at=consent.recorded_at,
    )
    await deps.outbox.add(conn, event, subject=str(p.id))
    detail = {"purpose": cmd.purpose, "granted": cmd.granted, "text_version": cmd.text_version}
    await note(deps, conn, p.id, "consent.changed", detail)
    return consent


async def record_consent(
    deps: Deps, conn: Connection, cmd: RecordConsent, who: Principal
) -> Consent:
    found = await participants.get(conn, cmd.participant_id, lock=True)
    if found is None:
        raise not_found("participant")
    p = participants.as_participant(found)
    consent = await record(deps, conn, p, cmd, who.subject)
    if cmd.purpose == SENSITIVE_PURPOSE and not cmd.granted:
        # Processing on this consent stops: the values go (docs/reporting.md).
        await sensitive_consent_withdrawn(conn, p.id, who, "consent_withdrawn")
    if cmd.purpose == "matching" and p.matching_consent != cmd.granted:
        # Matching also reads the flag from the profile: keep both ways of knowing in step.
        p.matching_consent = cmd.granted
        await participants.save(conn, p)
        await deps.outbox.add(conn, p.profile_updated(deps.clock.today()), subject=str(p.id))
    return consent
