"""Kafka entrypoints: which events this service reacts to, and with which use case."""

from __future__ import annotations

from typing import Any

from voimala_contracts import ParticipantRegistered, topics
from voimala_kit import Handler

from .handlers import keep_profile

SUBSCRIBE = [topics.PARTICIPANTS]


def handlers() -> list[Handler[Any]]:
    return [Handler(ParticipantRegistered, keep_profile)]
