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
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_contracts.scheduling import SeriesScheduled
from voimala_kit.consumer import Handler

from .handlers import actions, privacy, profiles, programme
from .handlers.deps import Deps
from .handlers.privacy import unless_erased

SUBSCRIBE = [topics.PARTICIPANTS, topics.NOTIFICATIONS, topics.EVENTS]


def handlers(deps: Deps) -> list[Handler[Any]]:
    # Nothing about an erased participant applies any more (a replay must not bring them back).
    keep = unless_erased(partial(profiles.keep_profile, deps))
    return [
        Handler(ParticipantRegistered, keep),
        Handler(ParticipantProfileUpdated, keep),
        Handler(ParticipantConsentChanged, unless_erased(partial(profiles.change_consent, deps))),
        Handler(ParticipantExited, unless_erased(partial(profiles.remove_participant, deps))),
        Handler(ActionAnswered, partial(actions.apply_answer, deps)),
        Handler(AccessRequested, partial(privacy.export_participant, deps)),
        Handler(ErasureRequested, partial(privacy.erase_participant, deps)),
        # The programme's upcoming occurrences and what they teach: next steps (issue 14).
        # (Only the series event: the events service sends it again whenever a teaching
        # series' occurrences change; the occurrence events carry registrants, sealed.)
        Handler(SeriesScheduled, partial(programme.keep_series, deps)),
    ]
