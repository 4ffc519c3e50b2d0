"""HTTP input and output models. Inputs forbid unknown fields."""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from voimala_contracts import LanguageSkill
from voimala_contracts.languages import (
    LanguageSkillIn,
    MentorLanguage,
    MentorLanguageIn,
    preferred_language,
)
from voimala_contracts.matching import (
    Explanation,
    OpeningStatus,
    OpeningType,
    Outcome,
    PartnerKind,
)
from voimala_contracts.participants import Channel, Language

from ..domain.next_steps import NextStep
from ..domain.scoring import LEVELS
from ..repository.mentors import MentorRow
from ..repository.partners import Partner
from ..repository.profiles import ProfileRow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Text = Field(min_length=1, max_length=200)
_REQUIRED_LEVEL = "{code, level}: level is the least the opening asks (min_level accepted too)"
_MENTOR_LEVEL = (
    "{code, level} or a bare code (level null: not stated); a language is shared with a "
    "participant when both speak it at B1 or better (a level not stated counts as enough)"
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProfileOut(BaseModel):
    """A participant as matching sees them: pseudonymous (staff only)."""

    participant_id: uuid.UUID
    skills: list[str]
    languages: list[LanguageSkill]
    municipality: str | None
    youth: bool
    availability: list[str]
    goals: str | None
    wants_mentor: bool
    matching_consent: bool
    status: str
    updated_at: datetime


class CandidateProfile(BaseModel):
    """What a partner or mentor may see of a participant before confirmation."""

    skills: list[str]
    languages: list[LanguageSkill]
    availability: list[str]
    goals: str | None
    municipality: str | None


class ContactIn(_In):
    user_id: uuid.UUID | None = Field(None, description="their login subject; new if not given")
    name: str = Text
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, pattern=r"^\+[1-9][0-9]{6,14}$")
    preferred_language: Language = preferred_language()
    preferred_channel: Channel = "email"


class ContactOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    preferred_language: str
    preferred_channel: str


class PartnerIn(_In):
    kind: PartnerKind
    name: str = Text
    business_id: str | None = Field(None, max_length=9)
    municipality: str | None = Field(None, max_length=100)
    contacts: list[ContactIn] = Field(min_length=1, max_length=20)


class PartnerOut(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    business_id: str | None
    municipality: str | None
    created_at: datetime
    contacts: list[ContactOut]


class OpeningIn(_In):
    type: OpeningType
    title: str = Text
    description: str = Field("", max_length=5000)
    required_skills: list[str] = Field(default_factory=list, max_length=50)
    nice_skills: list[str] = Field(default_factory=list, max_length=50)
    languages: list[LanguageSkillIn] = Field(
        default_factory=list, max_length=10, description=_REQUIRED_LEVEL
    )
    municipality: str | None = Field(None, max_length=100)
    remote: bool = False
    hours: str | None = Field(None, max_length=50, description="e.g. full_time, part_time")
    start_date: date | None = None
    places: int = Field(1, ge=1, le=1000)
    deadline: date | None = None
    status: Literal["draft", "open"] = "open"


class OpeningPatch(_In):
    """Only the fields given change; `status` closes (closed) or publishes (open) a draft."""

    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    required_skills: list[str] | None = Field(None, max_length=50)
    nice_skills: list[str] | None = Field(None, max_length=50)
    languages: list[LanguageSkillIn] | None = Field(
        None, max_length=10, description=_REQUIRED_LEVEL
    )
    municipality: str | None = Field(None, max_length=100)
    remote: bool | None = None
    hours: str | None = Field(None, max_length=50)
    start_date: date | None = None
    places: int | None = Field(None, ge=1, le=1000)
    deadline: date | None = None
    status: Literal["open", "closed"] | None = None


class OpeningOut(BaseModel):
    id: uuid.UUID
    partner_id: uuid.UUID
    partner_name: str | None = Field(
        None, description="the employer's public name (the organisation's, never a person's)"
    )
    type: str
    title: str
    description: str
    required_skills: list[str]
    nice_skills: list[str]
    languages: list[LanguageSkill] = Field(description=_REQUIRED_LEVEL)
    municipality: str | None
    remote: bool
    hours: str | None
    start_date: date | None
    places: int
    deadline: date | None
    status: OpeningStatus
    created_at: datetime
    updated_at: datetime


class MentorIn(_In):
    user_id: uuid.UUID | None = Field(None, description="their login subject; new if not given")
    name: str = Text
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, pattern=r"^\+[1-9][0-9]{6,14}$")
    preferred_language: Language = preferred_language()
    fields: list[str] = Field(min_length=1, max_length=20)
    languages: list[MentorLanguageIn] = Field(
        default_factory=list, max_length=10, description=_MENTOR_LEVEL
    )
    capacity: int = Field(ge=0, le=100)
    available: bool = True
    prefers_youth: bool = False
    municipality: str | None = Field(None, max_length=100)


class MentorOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    preferred_language: str
    fields: list[str]
    languages: list[MentorLanguage] = Field(description=_MENTOR_LEVEL)
    capacity: int
    available: bool
    prefers_youth: bool
    municipality: str | None
    active_mentees: int
    created_at: datetime


class AvailabilityIn(_In):
    available: bool
    capacity: int | None = Field(None, ge=0, le=100)


class ProposalIn(_In):
    participant_id: uuid.UUID
    opening_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None


class DeclineIn(_In):
    reason: str = Field(min_length=1, max_length=500)


class WithdrawIn(_In):
    reason: str = Field("withdrawn_by_coordinator", min_length=1, max_length=500)


class OutcomeIn(_In):
    outcome: Outcome


class ProposalOut(BaseModel):
    """A proposal as its reader may see it: the candidate only pseudonymously, always."""

    id: uuid.UUID
    participant_id: uuid.UUID
    kind: str
    opening_id: uuid.UUID | None
    mentor_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    title: str | None
    score: float
    explanation: Explanation
    status: str
    proposed_by: str
    proposed_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    reason: str | None
    confirmed_at: datetime | None
    outcome: str | None
    candidate: CandidateProfile | None = None
    contact_delivery: str | None = Field(
        None,
        description="after confirmation: where the participant's contact was sent to you",
    )


class NextStepOut(BaseModel):
    """An upcoming occurrence of the programme that teaches a missing skill (issue 14)."""

    skill: str = Field(description="the missing skill: the vocabulary's id, or free text")
    occurrence_id: uuid.UUID
    series_id: uuid.UUID
    category: str
    title: dict[str, str | None] = Field(description="fi/sv/en")
    location: dict[str, str | None] = Field(description="fi/sv/en")
    starts_at: datetime = Field(description="UTC")
    local_start: str = Field(description="wall-clock start in Europe/Helsinki, YYYY-MM-DDTHH:MM")


class ExplanationOut(Explanation):
    """An explanation as its reader sees it: for the participant and staff with the next
    steps for what is missing; an employer's or a mentor's has none."""

    next_steps: list[NextStepOut] = Field(default_factory=list)


def explained(e: Explanation, steps: Sequence[NextStep] = ()) -> ExplanationOut:
    """The explanation with its next steps (none given: none shown)."""
    return ExplanationOut(**dict(e), next_steps=[_step(s) for s in steps])


def _step(s: NextStep) -> NextStepOut:
    o = s.occurrence
    return NextStepOut(
        skill=s.skill,
        occurrence_id=o.occurrence_id,
        series_id=o.series_id,
        category=o.category,
        title=o.title,
        location=o.location,
        starts_at=o.starts_at,
        local_start=o.local_start,
    )


class MissingLanguageOut(BaseModel):
    """A language the opening asks at a level the participant does not (yet) have."""

    code: str
    level_needed: str = Field(description="CEFR level or native: the least the opening asks")
    level_had: str | None = Field(description="the participant's level; null: none recorded")


_ELIGIBLE = (
    "false for a near one (asked with `near`): missed only by a language level, listed after "
    "the eligible ones with `missing_languages` and next steps that teach the language; never "
    "proposed"
)


class RankedCandidate(BaseModel):
    participant_id: uuid.UUID
    score: float
    explanation: ExplanationOut
    profile: CandidateProfile
    eligible: bool = Field(True, description=_ELIGIBLE)
    missing_languages: list[MissingLanguageOut] = Field(default_factory=list)


class RankedOpening(BaseModel):
    opening: OpeningOut
    score: float
    explanation: ExplanationOut
    eligible: bool = Field(True, description=_ELIGIBLE)
    missing_languages: list[MissingLanguageOut] = Field(default_factory=list)


class RankedMentor(BaseModel):
    mentor_id: uuid.UUID
    fields: list[str]
    score: float
    explanation: Explanation


class AssignmentOut(BaseModel):
    proposed: list[ProposalOut]


class UnansweredOut(BaseModel):
    kind: str
    answerer_id: uuid.UUID
    name: str
    expired: int


_LEVEL_NAMES = {number: name for name, number in LEVELS.items()}


def missing_languages(gaps: Sequence[tuple[str, int, int]]) -> list[MissingLanguageOut]:
    return [
        MissingLanguageOut(code=c, level_needed=_LEVEL_NAMES[need], level_had=_LEVEL_NAMES.get(had))
        for c, need, had in gaps
    ]


def candidate_view(profile: ProfileRow | None) -> CandidateProfile | None:
    if profile is None:
        return None
    return CandidateProfile.model_validate(fields_of(profile))


def mentor_out(mentor: MentorRow, active_mentees: int) -> MentorOut:
    levels = mentor.language_levels
    languages = [{"code": c, "level": levels.get(c)} for c in mentor.languages]
    return MentorOut.model_validate(
        fields_of(mentor) | {"active_mentees": active_mentees, "languages": languages}
    )


def partner_out(partner: Partner) -> PartnerOut:
    contacts = [fields_of(c) for c in partner.contacts]
    return PartnerOut.model_validate(fields_of(partner) | {"contacts": contacts})


def fields_of(row: DataclassInstance) -> dict[str, Any]:
    """A row's fields by name, for a response model to validate: from a dict pydantic is
    several times faster than with `from_attributes` (measured on these rows: the hot ranking
    reads), and not copied as `dataclasses.asdict` would copy every list."""
    return {name: getattr(row, name) for name in _names(type(row))}


@functools.cache
def _names(row: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(row))
