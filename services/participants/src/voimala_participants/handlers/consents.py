"""Consent per purpose: every change is recorded, published, and on the participant's path."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from voimala_contracts import ParticipantConsentChanged
from voimala_kit import Connection, Outbox

from .. import clock
from ..domain import Participant
from ..problems import not_found
from ..repository import consents, participants
from ..schemas import ConsentIn
from .timeline import note


@dataclass(frozen=True)
class RecordConsent:
    participant_id: uuid.UUID
    consent: ConsentIn
    recorded_by: str


async def record(
    conn: Connection,
    outbox: Outbox,
    p: Participant,
    purpose: str,
    granted: bool,
    text_version: str,
    recorded_by: str,
) -> datetime:
    """Append the record and publish it; the caller has the participant row locked."""
    at = await consents.record(conn, p.id, purpose, granted, text_version, recorded_by)
    event = ParticipantConsentChanged(
        participant_id=p.id,
        purpose=purpose,
        granted=granted,
        text_version=text_version,
        recorded_at=at,
    )
    await outbox.add(conn, event, subject=str(p.id))
    detail = {"purpose": purpose, "granted": granted, "text_version": text_version}
    await note(conn, p.id, "consent.changed", detail)
    return at


async def record_consent(cmd: RecordConsent, conn: Connection, outbox: Outbox) -> datetime:
    found = await participants.get(conn, cmd.participant_id, lock=True)
    if found is None:
        raise not_found()
    p = found.participant
    c = cmd.consent
    at = await record(conn, outbox, p, c.purpose, c.granted, c.text_version, cmd.recorded_by)
    if c.purpose == "matching" and p.matching_consent != c.granted:
        # Matching also reads the flag from the profile: keep both ways of knowing in step.
        p.matching_consent = c.granted
        await participants.save(conn, p)
        await outbox.add(conn, p.profile_updated(clock.today()), subject=str(p.id))
    return at
