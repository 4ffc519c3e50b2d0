"""The public language between Voimala services: envelope, event models and topic names."""

from . import topics
from ._envelope import STRUCTURED, CloudEvent, EventData, envelope, new_event
from ._registry import (
    EVENT_MODELS,
    InvalidEventError,
    is_known,
    parse_data,
    parse_envelope,
    schema_of,
)
from .participants import (
    IdeaSubmitted,
    LanguageSkill,
    MatchingProfile,
    ParticipantConsentChanged,
    ParticipantContact,
    ParticipantContactChanged,
    ParticipantExited,
    ParticipantProfileUpdated,
    ParticipantRegistered,
    VisitRecorded,
)

__all__ = [
    "EVENT_MODELS",
    "STRUCTURED",
    "CloudEvent",
    "EventData",
    "IdeaSubmitted",
    "InvalidEventError",
    "LanguageSkill",
    "MatchingProfile",
    "ParticipantConsentChanged",
    "ParticipantContact",
    "ParticipantContactChanged",
    "ParticipantExited",
    "ParticipantProfileUpdated",
    "ParticipantRegistered",
    "VisitRecorded",
    "envelope",
    "is_known",
    "new_event",
    "parse_data",
    "parse_envelope",
    "schema_of",
    "topics",
]
