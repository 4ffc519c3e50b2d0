"""The public language between Voimala services: envelope, event models and topic names."""

from . import topics
from ._envelope import STRUCTURED, CloudEvent, EventData, new_event
from ._registry import (
    EVENT_MODELS,
    InvalidEventError,
    is_known,
    parse_data,
    parse_envelope,
    schema_of,
)
from .participants import (
    LanguageSkill,
    MatchingProfile,
    ParticipantPersonal,
    ParticipantRegistered,
)

__all__ = [
    "EVENT_MODELS",
    "STRUCTURED",
    "CloudEvent",
    "EventData",
    "InvalidEventError",
    "LanguageSkill",
    "MatchingProfile",
    "ParticipantPersonal",
    "ParticipantRegistered",
    "is_known",
    "new_event",
    "parse_data",
    "parse_envelope",
    "schema_of",
    "topics",
]
