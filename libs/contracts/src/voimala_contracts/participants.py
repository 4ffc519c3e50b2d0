"""Events of the participants service, on topic `voimala.participants`, keyed by participant id.

Contact data travels only in `participant.contact_changed.v1` (inside `personal`), and only
notifications keeps it. Every other event is pseudonymous: the participant id, the preferred
language and, for matching, the profile.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from ._envelope import EventData

# Re-exported where they were defined before (languages.py: one shape for every service).
from .languages import CefrLevel as CefrLevel  # noqa: PLC0414
from .languages import Language as Language  # noqa: PLC0414
from .languages import LanguageSkill as LanguageSkill  # noqa: PLC0414

Channel = Literal["email", "sms", "in_app"]
ConsentPurpose = Literal[
    "registry",
    "matching",
    "contact_sharing",
    "notifications_email",
    "notifications_sms",
    "statistics",
    "sensitive_characteristics",
]
ParticipantStatus = Literal["active", "paused", "exited"]
TargetGroup = Literal["subsidy_500_plus", "subsidy_300_499", "referred_by_staff"]
ExitOutcome = Literal[
    "employed",
    "pay_subsidised_job",
    "work_trial",
    "apprenticeship",
    "education",
    "other",
    "unknown",
]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MatchingProfile(_Part):
    """What matching may know of a participant: pseudonymous, no name, contact or birth date.

    `target_group` is for ranking only (the programme's priority for long subsidy duration):
    matching never shows it to employers or mentors.
    """

    skills: list[str] = Field(default_factory=list)
    languages: list[LanguageSkill] = Field(default_factory=list)
    municipality: str | None = None
    youth: bool = False
    education_level: int | None = Field(None, ge=0, le=8, description="ISCED 2011 level")
    availability: list[str] = Field(default_factory=list, description="e.g. full_time, mornings")
    goals: str | None = Field(None, max_length=2000)
    target_group: TargetGroup | None = None
    wants_mentor: bool = False
    matching_consent: bool = False
    status: ParticipantStatus = Field(
        "active", description="paused and exited participants are not to be proposed"
    )


class ParticipantContact(_Part):
    """The one marked place for a participant's personal data in events."""

    given_name: str
    family_name: str
    email: str | None = None
    phone: str | None = Field(None, description="E.164")
    preferred_channel: Channel = "in_app"


class ParticipantRegistered(EventData):
    """A coordinator or counsellor registered a new participant in the programme.

    Pseudonymous. Emitted right after `participant.contact_changed.v1` in the same transaction,
    so that a consumer of both has the contact before it handles the registration.
    """

    TYPE: ClassVar[str] = "participant.registered.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    participant_id: uuid.UUID
    preferred_language: Language = "fi"
    profile: MatchingProfile


class ParticipantProfileUpdated(EventData):
    """The matching profile or preferred language changed (never name, contact or birth date)."""

    TYPE: ClassVar[str] = "participant.profile_updated.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    participant_id: uuid.UUID
    preferred_language: Language = "fi"
    profile: MatchingProfile


class ParticipantContactChanged(EventData):
    """The participant's name or contact details were set or changed.

    The only participant event with personal data; only notifications keeps it.
    """

    TYPE: ClassVar[str] = "participant.contact_changed.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    participant_id: uuid.UUID
    preferred_language: Language = "fi"
    personal: ParticipantContact


class ParticipantConsentChanged(EventData):
    """A consent for one purpose was given or withdrawn; it takes effect in every service."""

    TYPE: ClassVar[str] = "participant.consent_changed.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    participant_id: uuid.UUID
    purpose: ConsentPurpose
    granted: bool
    text_version: str
    recorded_at: datetime


class ParticipantExited(EventData):
    """The participant left the programme: no more proposals or messages, except what is due."""

    TYPE: ClassVar[str] = "participant.exited.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    participant_id: uuid.UUID
    exit_date: date
    outcome: ExitOutcome


class VisitRecorded(EventData):
    """Staff recorded a drop-in visit to the service point (identified or anonymous)."""

    TYPE: ClassVar[str] = "visit.recorded.v1"
    AGGREGATE: ClassVar[str] = "visit"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    visit_id: uuid.UUID
    participant_id: uuid.UUID | None = None
    purpose: str
    age_group: str | None = None
    visited_at: datetime
    count: int = Field(1, ge=1, description="people in an anonymous group visit")


class IdeaSubmitted(EventData):
    """Someone submitted an idea or wish for the monthly programme (anonymous allowed)."""

    TYPE: ClassVar[str] = "idea.submitted.v1"
    AGGREGATE: ClassVar[str] = "idea"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    idea_id: uuid.UUID
    text: str = Field(max_length=2000)
    language: Language = "fi"
    author_participant_id: uuid.UUID | None = None
    submitted_at: datetime
