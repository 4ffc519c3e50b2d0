"""Kafka entrypoints: the other services' events that make up a participant's service path,
and their answers to access requests and erasures (`privacy.*`); every other type is skipped."""

from __future__ import annotations

from functools import partial
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
from voimala_contracts.privacy import (
    EventsErased,
    EventsExported,
    MatchingErased,
    MatchingExported,
    NotificationsErased,
    NotificationsExported,
)
from voimala_contracts.scheduling import (
    AttendanceRecorded,
    IdeaRealised,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from voimala_kit.consumer import Handler

from .handlers.access import record_export
from .handlers.deps import Deps
from .handlers.erasure import record_erased
from .handlers.path_events import (
    mark_ideas_realised,
    note_match,
    note_message,
    note_registration,
)
from .handlers.worklist import note_attendance_and_notice

SUBSCRIBE = [topics.EVENTS, topics.MATCHING, topics.NOTIFICATIONS]


def handlers(deps: Deps) -> list[Handler[Any]]:
    match, registration = partial(note_match, deps), partial(note_registration, deps)
    message = partial(note_message, deps)
    exported, erased = partial(record_export, deps), partial(record_erased, deps)
    return [
        Handler(MatchProposed, match),
        Handler(MatchAccepted, match),
        Handler(MatchDeclined, match),
        Handler(MatchExpired, match),
        Handler(MatchConfirmed, match),
        Handler(MatchOutcomeRecorded, match),
        Handler(RegistrationConfirmed, registration),
        Handler(RegistrationPromoted, registration),
        Handler(RegistrationWaitlisted, registration),
        Handler(RegistrationCancelled, registration),
        Handler(AttendanceRecorded, partial(note_attendance_and_notice, deps)),
        Handler(IdeaRealised, partial(mark_ideas_realised, deps)),
        Handler(NotificationSent, message),
        Handler(NotificationFailed, message),
        Handler(EventsExported, exported),
        Handler(MatchingExported, exported),
        Handler(NotificationsExported, exported),
        Handler(EventsErased, erased),
        Handler(MatchingErased, erased),
        Handler(NotificationsErased, erased),
    ]
