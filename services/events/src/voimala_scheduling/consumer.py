"""Kafka entrypoints: programme ideas from the participants service."""

from __future__ import annotations

from functools import partial
from typing import Any

from voimala_contracts import topics
from voimala_contracts.participants import IdeaSubmitted
from voimala_kit.consumer import Handler

from .handlers.deps import Deps
from .handlers.ideas import note_idea

SUBSCRIBE = [topics.PARTICIPANTS]


def handlers(deps: Deps) -> list[Handler[Any]]:
    return [Handler(IdeaSubmitted, partial(note_idea, deps))]
