"""One realistic event of every type the rules know, and a recipient, for template, planning
and flow tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from voimala_contracts import EventData, MatchingProfile, ParticipantRegistered
from voimala_contracts.matching import (
    Explanation,
    MatchAccepted,
    MatchConfirmed,
    MatchExpired,
    MatchProposed,
)
from voimala_contracts.scheduling import (
    IdeaRealised,
    OccurrenceCancelled,
    OccurrenceChanged,
    OccurrenceInfo,
    Registrant,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
    ReminderDue,
    Texts,
)
from voimala_notifications.domain.recipients import Recipient

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def occurrence(starts_at: datetime = NOW + timedelta(days=1)) -> OccurrenceInfo:
    return OccurrenceInfo(
        occurrence_id=uuid.uuid4(),
        series_id=uuid.uuid4(),
        category="language_cafe",
        title=Texts(fi="Kielikahvila", sv="Språkcafé", en="Language café"),
        location=Texts(fi="Salon pääkirjasto, kahvila", sv="Salo huvudbibliotek, kaféet"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        local_start="2026-11-28T16:00",
        local_end="2026-11-28T18:00",
    )


def explanation() -> Explanation:
    return Explanation(score=0.82, matched_skills=["asiakaspalvelu", "kassatyö"])


def match_core(pid: uuid.UUID, notify_id: uuid.UUID, kind: str = "opening") -> dict[str, Any]:
    return {
        "proposal_id": uuid.uuid4(),
        "participant_id": pid,
        "kind": kind,
        "opening_id": uuid.uuid4() if kind == "opening" else None,
        "mentor_id": notify_id if kind == "mentor" else None,
        "partner_id": notify_id if kind == "opening" else None,
        "notify_kind": "partner" if kind == "opening" else "mentor",
        "notify_id": notify_id,
        "title": "Myyjä, työkokeilu" if kind == "opening" else None,
        "explanation": explanation(),
    }


def sample(event_type: str, pid: uuid.UUID | None = None) -> EventData:  # noqa: PLR0911
    pid = pid or uuid.uuid4()
    registration = {
        "registration_id": uuid.uuid4(),
        "occurrence": occurrence(),
        "participant_id": pid,
    }
    registrants = [Registrant(registration_id=uuid.uuid4(), participant_id=pid)]
    partner = uuid.uuid4()
    if event_type == "participant.registered.v1":
        return ParticipantRegistered(participant_id=pid, profile=MatchingProfile())
    if event_type == "registration.confirmed.v1":
        return RegistrationConfirmed(**registration)
    if event_type == "registration.waitlisted.v1":
        return RegistrationWaitlisted(**registration, position=2)
    if event_type == "registration.promoted.v1":
        return RegistrationPromoted(**registration)
    if event_type == "reminder.due.v1":
        return ReminderDue(reminder_id=uuid.uuid4(), **registration)
    if event_type == "occurrence.changed.v1":
        return OccurrenceChanged(
            occurrence=occurrence(),
            previous_starts_at=NOW,
            previous_local_start="2026-11-27T16:00",
            registrants=registrants,
        )
    if event_type == "occurrence.cancelled.v1":
        return OccurrenceCancelled(
            occurrence=occurrence(), reason="sairastuminen", registrants=registrants
        )
    if event_type == "idea.realised.v1":
        return IdeaRealised(
            series_id=uuid.uuid4(),
            idea_ids=[uuid.uuid4()],
            author_participant_ids=[pid],
            title=Texts(fi="Lautapeli-ilta", en="Board game evening"),
            category="other",
            next_occurrence=occurrence(),
        )
    if event_type == "match.proposed.v1":
        return MatchProposed(
            **match_core(pid, partner), proposed_by="engine", expires_at=NOW + timedelta(days=7)
        )
    if event_type == "match.accepted.v1":
        return MatchAccepted(**match_core(pid, partner), accepted_at=NOW)
    if event_type == "match.confirmed.v1":
        return MatchConfirmed(**match_core(pid, partner), confirmed_at=NOW)
    if event_type == "match.expired.v1":
        return MatchExpired(**match_core(pid, partner), proposed_at=NOW, unanswered_count=3)
    raise KeyError(event_type)


def recipient(**changes: Any) -> Recipient:
    """A participant who takes e-mail, with every channel allowed and no preferences set."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "kind": "participant",
        "status": "active",
        "preferred_language": "fi",
        "given_name": "Aino",
        "family_name": "Virtanen",
        "email": "aino@example.fi",
        "phone": "+358401234567",
        "preferred_channel": "email",
        "channels": None,
        "email_allowed": True,
        "sms_allowed": True,
        "opted_out": [],
        "quiet_start": None,
        "quiet_end": None,
        "digest": False,
    }
    return Recipient(**(values | changes))
