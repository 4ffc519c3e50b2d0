"""Kafka entrypoints: which events this service reacts to, and with which use case."""

from __future__ import annotations

from functools import partial
from typing import Any

from voimala_contracts import ParticipantContactChanged, ParticipantRegistered, topics
from voimala_kit import Handler

from .handlers import keep_contact, welcome_participant
from .templates import Templates

SUBSCRIBE = [topics.PARTICIPANTS]


def handlers(templates: Templates) -> list[Handler[Any]]:
    return [
        Handler(ParticipantContactChanged, keep_contact),
        Handler(ParticipantRegistered, partial(welcome_participant, templates=templates)),
    ]
