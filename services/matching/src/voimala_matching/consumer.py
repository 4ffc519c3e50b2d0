"""Kafka entrypoints: which events this service reacts to, and with which use case."""

from __future__ import annotations

from typing import Any

from voimala_contracts import (
    ParticipantConsentChanged,
    ParticipantExited,
    ParticipantProfileUpdated,
    ParticipantRegistered,
    topics,
)
from voimala_contracts.notifications import ActionAnswered
from voimala_kit import Handler

from .handlers.actions import apply_answer
from .handlers.profiles import change_consent, keep_profile, remove_participant
from .settings import Settings

SUBSCRIBE = [topics.PARTICIPANTS, topics.NOTIFICATIONS]


def handlers(settings: Settings) -> list[Handler[Any]]:
    keep = keep_profile(settings)
    return [
        Handler(ParticipantRegistered, keep),
        Handler(ParticipantProfileUpdated, keep),
        Handler(ParticipantConsentChanged, change_consent(settings)),
        Handler(ParticipantExited, remove_participant(settings)),
        Handler(ActionAnswered, apply_answer(settings)),
    ]
