"""Kafka entrypoints: programme ideas from the participants service."""

from __future__ import annotations

from typing import Any

from voimala_contracts import topics
from voimala_contracts.participants import IdeaSubmitted
from voimala_kit import Handler

from .handlers.ideas import note_idea

SUBSCRIBE = [topics.PARTICIPANTS]


def handlers() -> list[Handler[Any]]:
    return [Handler(IdeaSubmitted, note_idea)]
