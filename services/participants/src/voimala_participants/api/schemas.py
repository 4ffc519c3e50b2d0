"""The HTTP API's models. Input models forbid unknown fields: a typo is an error, not ignored."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema
from voimala_contracts import LanguageSkill
from voimala_contracts.languages import LanguageSkillIn, preferred_language
from voimala_contracts.participants import (
    Channel,
    ConsentPurpose,
    ExitOutcome,
    Language,
    ParticipantStatus,
    TargetGroup,
)
from voimala_kit.clock import SystemClock
from voimala_kit.phones import to_e164

from ..domain import CONSENT_TEXT_VERSION, AgeGroup, Gender, VisitPurpose

#: The region a phone number without a country code is read in.


def _not_future(value: date) -> date:
    # A validator has no deps to take the clock from; the day is UTC's, as it always was here.
    if value > SystemClock().now().date():
        raise ValueError("the birth date is in the future")
    return value


def _past_year(value: int) -> int:
    if value > SystemClock().now().year:
        raise ValueError("the birth year is in the future")
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(to_e164)]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
EscoUri = Annotated[
    str, StringConstraints(pattern=r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}$")
]
BirthDate = Annotated[date, Field(ge=date(1900, 1, 1)), AfterValidator(_not_future)]
BirthYear = Annotated[int, Field(ge=1900), AfterValidator(_past_year)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
ReferralSource = Literal["employment_services", "career_coaching", "self", "other"]
Availability = Literal[
    "full_time", "part_time", "mornings", "afternoons", "evenings", "weekends", "shifts", "remote"
]
TextVersion = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]


class _ProfileIn(BaseModel):
    """What a participant's record holds; every field optional for a partial update."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    phone: Phone | None = Field(None, description="any usual form; stored as E.164 (FI default)")
    preferred_language: Language = preferred_language()
    preferred_channel: Channel = "in_app"
    birth_date: BirthDate | None = None
    birth_year: BirthYear | None = Field(None, description="when the date itself is not given")
    gender: Gender | None = None
    municipality: Annotated[str, StringConstraints(max_length=100)] | None = None
    languages: list[LanguageSkillIn] = Field(
        default_factory=list, max_length=20, description="{code, level}, as every service has it"
    )
    education_level: int | None = Field(None, ge=0, le=8, description="ISCED 2011 level")
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    skill_uris: dict[Skill, EscoUri] = Field(
        default_factory=dict, description="ESCO skill URI by skill tag, for tags that have one"
    )
    work_history: Text | None = None
    goals: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    availability: list[Availability] = Field(default_factory=list, max_length=8)
    wants_mentor: bool = False
    subsidy_days: int | None = Field(
        None, ge=0, le=20000, description="days on labour-market subsidy (staff only)"
    )
    referral_reason: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="why staff referred someone outside the subsidy groups (staff only)"
    )
    referral_source: ReferralSource | None = None


class ParticipantIn(_ProfileIn):
    given_name: Name
    family_name: Name
    matching_consent: bool | None = Field(None, description="shorthand for consents.matching")
    consents: dict[ConsentPurpose, bool] = Field(
        default_factory=dict,
        description="consents given on registration; registry is implied and cannot be false",
    )
    consent_text_version: TextVersion = CONSENT_TEXT_VERSION
    entered_on: date | None = Field(
        None, description="the day of entry, when recorded later; defaults to today"
    )


class ParticipantPatch(_ProfileIn):
    """A partial update: only the fields sent change; null clears an optional field. The
    fields a record cannot do without (names, status) may be left out, not sent as null: the
    schema refuses null for them, so that no request reaches the database's NOT NULL."""

    # Not sent: None, unchanged (a default is not validated); sent as null: a 422.
    given_name: Name | SkipJsonSchema[None] = Field(None, description="may be left out, not null")
    family_name: Name | SkipJsonSchema[None] = Field(None, description="may be left out, not null")
    status: Annotated[
        Literal["active", "paused"] | None,
        WithJsonSchema({"enum": ["active", "paused"], "type": "string"}),
    ] = Field(
        None, description="may be left out, not null; exiting has its own endpoint (staff only)"
    )

    @field_validator("given_name", "family_name", "status")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("send a value, or leave the field out to keep it")
        return value


class ParticipantOut(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    preferred_language: str
    preferred_channel: str
    birth_date: date | None
    birth_year: int | None
    youth: bool
    age_group: str
    gender: str | None
    municipality: str | None
    languages: list[LanguageSkill]
    education_level: int | None
    skills: list[str]
    skill_uris: dict[str, str]
    work_history: str | None
    goals: str | None
    availability: list[str]
    wants_mentor: bool
    subsidy_days: int | None
    referral_reason: str | None
    target_group: TargetGroup | None
    referral_source: str | None
    matching_consent: bool
    status: ParticipantStatus
    episode: int
    created_at: datetime
    updated_at: datetime


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    granted: bool
    text_version: TextVersion = Field(
        CONSENT_TEXT_VERSION, description="the version of the consent text that was shown"
    )


class ConsentOut(BaseModel):
    purpose: ConsentPurpose
    granted: bool
    text_version: str
    recorded_by: str
    recorded_at: datetime


class ConsentsOut(BaseModel):
    current: list[ConsentOut] = Field(description="the newest record per purpose")
    history: list[ConsentOut] = Field(description="every record, newest first")


class TimelineEntryOut(BaseModel):
    occurred_at: datetime
    kind: str
    source: str
    detail: dict[str, Any]


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exit_date: date
    outcome: ExitOutcome


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: ExitOutcome


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    returned_on: date | None = Field(None, description="defaults to today (Europe/Helsinki)")


class EpisodeOut(BaseModel):
    number: int
    started_on: date
    age_group: str
    youth: bool
    target_group: str | None
    exit_date: date | None
    outcome: str | None
    follow_up_outcome: str | None


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: uuid.UUID | None = Field(None, description="empty for an anonymous visit")
    purpose: VisitPurpose
    age_group: AgeGroup | None = Field(
        None, description="anonymous visits only; computed for a participant"
    )
    count: int = Field(1, ge=1, le=100, description="people in an anonymous group")
    visited_at: datetime | None = Field(None, description="defaults to now")


class VisitOut(BaseModel):
    id: uuid.UUID
    participant_id: uuid.UUID | None
    purpose: str
    age_group: str
    count: int
    visited_at: datetime


class IdeaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    language: Language = "fi"
    anonymous: bool = Field(False, description="a participant may submit without their id")


class PublicIdeaIn(BaseModel):
    """An idea without a token: the text and its language only (nothing that names anyone)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    language: Language = "fi"


class IdeaStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["submitted", "planned", "realised"]


class IdeaOut(BaseModel):
    id: uuid.UUID
    text: str
    language: str
    status: str
    submitted_at: datetime
    from_participant: bool


class AuditEntryOut(BaseModel):
    at: datetime
    actor: str
    actor_roles: list[str]
    action: str
    purpose: str


# A person's rights: access (GDPR 15) and erasure (GDPR 17)


class ServiceAnswerOut(BaseModel):
    service: str = Field(description="events, matching or notifications")
    status: Literal["answered", "waiting", "not_answered_in_time"]
    answered_at: datetime | None
    due_by: datetime = Field(description="after this, a silent service is not answered in time")


class AccessRequestOut(BaseModel):
    request_id: uuid.UUID
    participant_id: uuid.UUID
    language: Language = Field(description="the person's language: the readable page's")
    requested_by: str
    requested_at: datetime
    status: Literal["waiting", "complete", "incomplete", "purged"] = Field(
        description="complete: every service answered; incomplete: the silent ones are past "
        "their time (named in `services`), the export holds what came; purged: the export "
        "was deleted (its time passed, or the person was erased)"
    )
    services: list[ServiceAnswerOut]
    export: dict[str, dict[str, Any] | None] | None = Field(
        description="once complete or incomplete: by service (participants, events, matching, "
        "notifications; null for one that did not answer), its data sets by name, each a list "
        "of records with the service's API field names"
    )
    export_kept_until: datetime = Field(description="the export is purged then")


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["request", "retention", "consent_withdrawn", "other"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        None, description="the coordinator's; stays in this service, never in an event"
    )


class ErasureConfirmationOut(BaseModel):
    service: str
    status: Literal["erased", "waiting"]
    erased_at: datetime | None
    counts: dict[str, int] | None = Field(description="rows deleted or anonymised, by data set")


class ErasureOut(BaseModel):
    erasure_id: uuid.UUID
    participant_id: uuid.UUID
    reason: Literal["request", "retention", "consent_withdrawn", "other"]
    note: str | None
    requested_by: str
    requested_at: datetime
    status: Literal["complete", "waiting"] = Field(
        description="complete when every service has confirmed"
    )
    key_destroyed_at: datetime | None = Field(
        description="when the person's key was destroyed (what any topic holds sealed with it "
        "can no longer be read); null while pending"
    )
    services: list[ErasureConfirmationOut] = Field(description="participants first")
