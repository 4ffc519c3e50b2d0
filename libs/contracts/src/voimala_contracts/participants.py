"""Events of the participants service, on topic `voimala.participants`, keyed by participant id."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from ._envelope import EventData

Language = Literal["fi", "sv", "en"]
CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2", "native"]


class LanguageSkill(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str = Field(min_length=2, max_length=3, description="ISO 639 language code")
    level: CefrLevel


class MatchingProfile(BaseModel):
    """What matching may know of a participant: pseudonymous, no name, contact or birth date."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    skills: list[str] = Field(default_factory=list)
    languages: list[LanguageSkill] = Field(default_factory=list)
    municipality: str | None = None
    youth: bool = False
    matching_consent: bool = False


class ParticipantPersonal(BaseModel):
    """The one marked place for personal data in participant events (contact for messages)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    given_name: str
    family_name: str
    email: str | None = None
    phone: str | None = None


class ParticipantRegistered(EventData):
    """A coordinator or counsellor registered a new participant in the programme.

    Consumed by matching (keeps the pseudonymous profile) and notifications (keeps the
    contact, sends a welcome in the participant's language).
    """

    TYPE: ClassVar[str] = "participant.registered.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    participant_id: uuid.UUID
    preferred_language: Language = "fi"
    profile: MatchingProfile
    personal: ParticipantPersonal
