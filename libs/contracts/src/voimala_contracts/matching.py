"""Events of the matching service, on topic `voimala.matching`.

Partner events are keyed by partner id, opening events by opening id, mentor events by mentor
id, and every `match.*` event by its proposal id.

Participants appear only by their pseudonymous id: matching never knows their name or contact.
The contact details of partner contact people and of mentors (so that notifications can reach
them) travel only inside `personal`, in `partner.registered.v1` and `mentor.registered.v1`.

Every `match.*` event carries the same core (`MatchCore`): the proposal, the participant, the
opening or mentor, whom to notify (`notify_kind` + `notify_id`: the partner or the mentor), and
the explanation of the score. After `match.confirmed.v1` notifications, which alone keeps
participants' contact data, sends the participant's contact to the partner's contact people or
to the mentor; matching itself never stores it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from ._envelope import EventData
from .languages import Language
from .languages import LanguageRequirement as LanguageRequirement  # noqa: PLC0414 - re-exported
from .participants import Channel

PartnerKind = Literal["employer", "association"]
OpeningType = Literal[
    "job",
    "work_trial",
    "pay_subsidised_job",
    "apprenticeship",
    "summer_job_youth",
    "volunteering",
]
OpeningStatus = Literal["draft", "open", "filled", "closed"]
MatchKind = Literal["opening", "mentor"]
NotifyKind = Literal["partner", "mentor"]
ProposedBy = Literal["engine", "coordinator"]
Outcome = Literal[
    "hired",
    "trial_started",
    "apprenticeship",
    "mentoring_started",
    "mentoring_ended",
    "not_hired",
]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ContactPerson(_Part):
    """A person who acts for a partner; `user_id` is their login subject (the inbox id)."""

    user_id: uuid.UUID
    name: str
    email: str | None = None
    phone: str | None = Field(None, description="E.164")
    preferred_language: Language = "fi"
    preferred_channel: Channel = "email"


class PartnerPersonal(_Part):
    """The one marked place for personal data of a partner's contact people."""

    contacts: list[ContactPerson] = Field(default_factory=list)


class MentorPersonal(_Part):
    """The one marked place for a mentor's personal data."""

    user_id: uuid.UUID = Field(description="the mentor's login subject (the inbox id)")
    name: str
    email: str | None = None
    phone: str | None = Field(None, description="E.164")
    preferred_language: Language = "fi"
    preferred_channel: Channel = "email"


class Factor(_Part):
    """One contribution to a score: `contribution` = `weight` x `value`, over the weight sum."""

    name: str = Field(description="e.g. skills, languages, location, availability, goals, priority")
    weight: float = Field(ge=0)
    value: float = Field(ge=0, le=1, description="how well this factor fits, 0..1")
    contribution: float = Field(ge=0, le=1)
    note: str | None = None


class Explanation(_Part):
    """Why a participant was matched: factors with weights, and the skills they lack.

    Pseudonymous by construction: skills and factor names only. The priority factor (long
    subsidy duration, youth) is shown as a factor value, never as a target group.
    """

    score: float = Field(ge=0, le=1)
    factors: list[Factor] = Field(default_factory=list)
    missing_skills: list[str] = Field(default_factory=list)
    matched_skills: list[str] = Field(default_factory=list)


class PartnerRegistered(EventData):
    """A partner (employer or association) joined, or its contact people changed."""

    TYPE: ClassVar[str] = "partner.registered.v1"
    AGGREGATE: ClassVar[str] = "partner"
    TOPIC: ClassVar[str] = topics.MATCHING

    partner_id: uuid.UUID
    kind: PartnerKind
    name: str = Field(description="the organisation's name (not personal data)")
    business_id: str | None = Field(None, description="Finnish business ID (Y-tunnus)")
    municipality: str | None = None
    personal: PartnerPersonal


class _OpeningState(_Part):
    """The published state of an opening (a field set, not an event of its own)."""

    opening_id: uuid.UUID
    partner_id: uuid.UUID
    type: OpeningType
    title: str
    status: OpeningStatus
    municipality: str | None = None
    remote: bool = False
    places: int = Field(ge=1)
    start_date: date | None = None
    deadline: date | None = None
    required_skills: list[str] = Field(default_factory=list)
    nice_skills: list[str] = Field(default_factory=list)
    languages: list[LanguageRequirement] = Field(default_factory=list)


class OpeningPosted(_OpeningState, EventData):
    """An opening was published (status open)."""

    TYPE: ClassVar[str] = "opening.posted.v1"
    AGGREGATE: ClassVar[str] = "opening"
    TOPIC: ClassVar[str] = topics.MATCHING


class OpeningUpdated(_OpeningState, EventData):
    """A published opening changed; the whole new state."""

    TYPE: ClassVar[str] = "opening.updated.v1"
    AGGREGATE: ClassVar[str] = "opening"
    TOPIC: ClassVar[str] = topics.MATCHING


class OpeningClosed(EventData):
    """An opening stopped taking candidates: filled, closed by the partner, or past its deadline."""

    TYPE: ClassVar[str] = "opening.closed.v1"
    AGGREGATE: ClassVar[str] = "opening"
    TOPIC: ClassVar[str] = topics.MATCHING

    opening_id: uuid.UUID
    partner_id: uuid.UUID
    status: Literal["filled", "closed"]
    reason: Literal["filled", "closed_by_partner", "deadline_passed"]


class MentorRegistered(EventData):
    """A volunteer mentor joined, or their details changed."""

    TYPE: ClassVar[str] = "mentor.registered.v1"
    AGGREGATE: ClassVar[str] = "mentor"
    TOPIC: ClassVar[str] = topics.MATCHING

    mentor_id: uuid.UUID
    fields: list[str]
    languages: list[str] = Field(
        default_factory=list, description="ISO 639 codes (the API answers them as LanguageSkill)"
    )
    capacity: int = Field(ge=0)
    available: bool = True
    prefers_youth: bool = False
    municipality: str | None = None
    personal: MentorPersonal


class MentorAvailabilityChanged(EventData):
    """A mentor paused or resumed, or their capacity changed."""

    TYPE: ClassVar[str] = "mentor.availability_changed.v1"
    AGGREGATE: ClassVar[str] = "mentor"
    TOPIC: ClassVar[str] = topics.MATCHING

    mentor_id: uuid.UUID
    available: bool
    capacity: int = Field(ge=0)
    active_mentees: int = Field(ge=0)


class MatchCore(_Part):
    """What every `match.*` event carries (no personal data)."""

    proposal_id: uuid.UUID
    participant_id: uuid.UUID
    kind: MatchKind
    opening_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    notify_kind: NotifyKind = Field(description="who answers the proposal: partner or mentor")
    notify_id: uuid.UUID = Field(description="the partner id or the mentor id")
    title: str | None = Field(None, description="the opening's title, for messages")
    explanation: Explanation


class MatchProposed(MatchCore, EventData):
    """A participant was proposed to a partner (for an opening) or to a mentor."""

    TYPE: ClassVar[str] = "match.proposed.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.MATCHING

    proposed_by: ProposedBy
    expires_at: datetime


class MatchAccepted(MatchCore, EventData):
    """The partner or mentor accepted; the participant is now asked to share contact."""

    TYPE: ClassVar[str] = "match.accepted.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.MATCHING

    accepted_at: datetime


class MatchDeclined(MatchCore, EventData):
    """The partner or mentor declined (with a reason), or a coordinator withdrew the proposal."""

    TYPE: ClassVar[str] = "match.declined.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.MATCHING

    reason: str = Field(max_length=500)
    withdrawn: bool = Field(False, description="withdrawn by staff or by consent, not declined")


class MatchExpired(MatchCore, EventData):
    """Nobody answered in time. `unanswered_by_partner` counts expiries of that answerer."""

    TYPE: ClassVar[str] = "match.expired.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.MATCHING

    proposed_at: datetime
    unanswered_count: int = Field(
        ge=1, description="proposals this partner or mentor has let expire in the last 90 days"
    )


class MatchConfirmed(MatchCore, EventData):
    """The participant agreed to share contact: notifications now tells both sides."""

    TYPE: ClassVar[str] = "match.confirmed.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.MATCHING

    confirmed_at: datetime


class MatchOutcomeRecorded(MatchCore, EventData):
    """What came of a confirmed match."""

    TYPE: ClassVar[str] = "match.outcome_recorded.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.MATCHING

    outcome: Outcome
    recorded_at: datetime
