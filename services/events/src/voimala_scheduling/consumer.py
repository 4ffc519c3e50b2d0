"""Kafka entrypoints, all from the participants service: programme ideas, and a participant's
requests for access to and erasure of their data."""

from __future__ import annotations

from functools import partial
from typing import Any

from voimala_contracts import topics
from voimala_contracts.participants import IdeaSubmitted
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_kit.consumer import Handler

from .handlers.deps import Deps
from .handlers.ideas import note_idea
from .handlers.privacy import erase_participant, export_participant

SUBSCRIBE = [topics.PARTICIPANTS]


def handlers(deps: Deps) -> list[Handler[Any]]:
    return [
        Handler(IdeaSubmitted, partial(note_idea, deps)),
        Handler(AccessRequested, partial(export_participant, deps)),
        Handler(ErasureRequested, partial(erase_participant, deps)),
    ]
