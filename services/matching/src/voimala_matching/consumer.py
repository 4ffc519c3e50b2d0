"""Kafka entrypoints: which events this service reacts to, and with which use case."""

from __future__ import annotations

from functools import partial
from typing import Any

from voimala_contracts import (
    ParticipantConsentChanged,
    ParticipantExited,
    ParticipantProfileUpdated,
    ParticipantRegistered,
    topics,
)
from voimala_contracts.notifications import ActionAnswered
from voimala_kit.consumer import Handler

from .handlers import actions, profiles
from .handlers.deps import Deps

SUBSCRIBE = [topics.PARTICIPANTS, topics.NOTIFICATIONS]


def handlers(deps: Deps) -> list[Handler[Any]]:
    keep = partial(profiles.keep_profile, deps)
    return [
        Handler(ParticipantRegistered, keep),
        Handler(ParticipantProfileUpdated, keep),
        Handler(ParticipantConsentChanged, partial(profiles.change_consent, deps)),
        Handler(ParticipantExited, partial(profiles.remove_participant, deps)),
        Handler(ActionAnswered, partial(actions.apply_answer, deps)),
    ]
