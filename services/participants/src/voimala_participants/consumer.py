"""Kafka entrypoints: the other services' events that make up a participant's service path."""

from __future__ import annotations

from typing import Any

from voimala_contracts import topics
from voimala_contracts.matching import (
    MatchAccepted,
    MatchConfirmed,
    MatchDeclined,
    MatchExpired,
    MatchOutcomeRecorded,
    MatchProposed,
)
from voimala_contracts.notifications import NotificationFailed, NotificationSent
from voimala_contracts.scheduling import (
    AttendanceRecorded,
    IdeaRealised,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from voimala_kit import Handler

from .handlers.path_events import (
    mark_ideas_realised,
    note_attendance,
    note_match,
    note_message,
    note_registration,
)

SUBSCRIBE = [topics.EVENTS, topics.MATCHING, topics.NOTIFICATIONS]


def handlers() -> list[Handler[Any]]:
    return [
        Handler(MatchProposed, note_match),
        Handler(MatchAccepted, note_match),
        Handler(MatchDeclined, note_match),
        Handler(MatchExpired, note_match),
        Handler(MatchConfirmed, note_match),
        Handler(MatchOutcomeRecorded, note_match),
        Handler(RegistrationConfirmed, note_registration),
        Handler(RegistrationPromoted, note_registration),
        Handler(RegistrationWaitlisted, note_registration),
        Handler(RegistrationCancelled, note_registration),
        Handler(AttendanceRecorded, note_attendance),
        Handler(IdeaRealised, mark_ideas_realised),
        Handler(NotificationSent, note_message),
        Handler(NotificationFailed, note_message),
    ]
