"""Events of the events service (the service point's programme), on topic `voimala.events`.

Registration, attendance and reminder events are keyed by the occurrence id, so that one
occurrence's story (confirmed, cancelled, promoted) arrives in order; series events and
`idea.realised.v1` by the series id.

Every occurrence event carries what a notification needs without calling the events service:
the ids, the start and end in UTC and as Europe/Helsinki wall-clock time, and the title and
location in fi/sv/en. A participant is named by id only; a resident without an account (a
guest) by their contact inside `personal`, the one marked place for personal data.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from ._envelope import EventData

Language = Literal["fi", "sv", "en"]
Category = Literal[
    "workshop", "language_cafe", "counselling_hours", "info_session", "office_hours", "other"
]
Audience = Literal["everyone", "participants", "youth"]
RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]
AttendanceStatus = Literal["attended", "no_show"]
TIME_ZONE = "Europe/Helsinki"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Texts(_Part):
    """One text in the three languages of the service point (sv and en fall back to fi)."""

    fi: str
    sv: str | None = None
    en: str | None = None


class OccurrenceInfo(_Part):
    """One occurrence as a notification writes it: when (UTC and local), what, where."""

    occurrence_id: uuid.UUID
    series_id: uuid.UUID
    category: Category
    title: Texts
    location: Texts
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    local_start: str = Field(description="wall-clock start in Europe/Helsinki, YYYY-MM-DDTHH:MM")
    local_end: str = Field(description="wall-clock end in Europe/Helsinki, YYYY-MM-DDTHH:MM")
    time_zone: str = TIME_ZONE


class GuestContact(_Part):
    """A resident without an account: the contact they gave when registering."""

    name: str
    email: str | None = None
    phone: str | None = Field(None, description="E.164")
    language: Language = "fi"


class Registrant(_Part):
    """Who holds a registration: a participant (by id) or a guest (contact in `personal`)."""

    registration_id: uuid.UUID
    participant_id: uuid.UUID | None = None
    personal: GuestContact | None = None
    personal_subject: str | None = Field(
        None,
        description="the key `personal` is sealed with: the guest's own, `guest:<registration id>`"
        " (so one guest can be erased alone)",
    )


class SeriesScheduled(EventData):
    """A new event series was scheduled, or a series was changed from a date on."""

    TYPE: ClassVar[str] = "series.scheduled.v1"
    AGGREGATE: ClassVar[str] = "series"
    TOPIC: ClassVar[str] = topics.EVENTS

    series_id: uuid.UUID
    category: Category
    profession: str | None = None
    title: Texts
    location: Texts
    audience: Audience
    capacity: int | None = Field(None, description="None: drop-in, no registration")
    rrule: str = Field(description="RFC 5545 RRULE, local times in Europe/Helsinki")
    first_date: date
    local_start_time: str = Field(description="HH:MM")
    local_end_time: str = Field(description="HH:MM")
    occurrences: int = Field(description="occurrences generated within the horizon")
    time_zone: str = TIME_ZONE
    teaches: list[str] = Field(
        default_factory=list,
        description="skills and topics the series teaches: vocabulary ids or free text",
    )
    upcoming: list[OccurrenceInfo] = Field(
        default_factory=list,
        description="its next scheduled occurrences (at most 12), for matching's next steps",
    )


class OccurrenceChanged(EventData):
    """One occurrence was moved or edited; everyone registered is listed so they can be told."""

    TYPE: ClassVar[str] = "occurrence.changed.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS

    occurrence: OccurrenceInfo
    previous_starts_at: datetime
    previous_local_start: str
    registrants: list[Registrant] = Field(default_factory=list)


class OccurrenceCancelled(EventData):
    """One occurrence was cancelled; every registration on it is cancelled with it."""

    TYPE: ClassVar[str] = "occurrence.cancelled.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS

    occurrence: OccurrenceInfo
    reason: str | None = Field(None, max_length=500)
    registrants: list[Registrant] = Field(default_factory=list)


class _RegistrationFields(_Part):
    registration_id: uuid.UUID
    occurrence: OccurrenceInfo
    participant_id: uuid.UUID | None = None
    personal: GuestContact | None = None
    personal_subject: str | None = Field(
        None,
        description="the key `personal` is sealed with: the guest's own, `guest:<registration id>`"
        " (so one guest can be erased alone)",
    )
    slot_start: datetime | None = Field(None, description="UTC; for a bookable slot")
    local_slot_start: str | None = None


class RegistrationConfirmed(EventData, _RegistrationFields):
    """A seat (or a slot) is held for the person."""

    TYPE: ClassVar[str] = "registration.confirmed.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS


class RegistrationWaitlisted(EventData, _RegistrationFields):
    """The occurrence was full: the person is on its waitlist at `position` (1 = next)."""

    TYPE: ClassVar[str] = "registration.waitlisted.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS

    position: int = Field(ge=1)


class RegistrationPromoted(EventData, _RegistrationFields):
    """A seat became free and the first on the waitlist now holds it (confirmed)."""

    TYPE: ClassVar[str] = "registration.promoted.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS


class RegistrationCancelled(EventData, _RegistrationFields):
    """The person (or staff for them) cancelled; not sent for a cancelled occurrence."""

    TYPE: ClassVar[str] = "registration.cancelled.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS

    previous_status: RegistrationStatus


class AttendanceRecorded(EventData):
    """Staff checked someone in (also a walk-in), or recorded a no-show after the occurrence.

    Pseudonymous: a guest's attendance carries no contact, only `participant_id` None.
    """

    TYPE: ClassVar[str] = "attendance.recorded.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS

    attendance_id: uuid.UUID
    occurrence: OccurrenceInfo
    participant_id: uuid.UUID | None = None
    registration_id: uuid.UUID | None = None
    status: AttendanceStatus
    walk_in: bool = False
    recorded_at: datetime
    next_occurrence: OccurrenceInfo | None = Field(
        None,
        description="a no-show's: the next scheduled occurrence of the same series (for a nudge)",
    )


class ReminderDue(EventData):
    """A confirmed registration's occurrence is near: remind the person (sent exactly once)."""

    TYPE: ClassVar[str] = "reminder.due.v1"
    AGGREGATE: ClassVar[str] = "occurrence"
    TOPIC: ClassVar[str] = topics.EVENTS

    reminder_id: uuid.UUID
    registration_id: uuid.UUID
    occurrence: OccurrenceInfo
    participant_id: uuid.UUID | None = None
    personal: GuestContact | None = None
    personal_subject: str | None = Field(
        None,
        description="the key `personal` is sealed with: the guest's own, `guest:<registration id>`"
        " (so one guest can be erased alone)",
    )
    slot_start: datetime | None = None
    local_slot_start: str | None = None


class GuestErased(EventData):
    """Staff erased a guest (a resident without an account) in the events service: their
    registrations there are anonymised and the keys of their contact destroyed. Whoever kept the
    guest's contact from an earlier event forgets it (notifications: the recipient kept by each
    registration id, and the messages to it). Names no one: ids only."""

    TYPE: ClassVar[str] = "guest.erased.v1"
    AGGREGATE: ClassVar[str] = "guest_erasure"
    TOPIC: ClassVar[str] = topics.EVENTS

    guest_erasure_id: uuid.UUID
    registration_ids: list[uuid.UUID] = Field(description="every registration of the guest")
    erased_at: datetime


class IdeaRealised(EventData):
    """Staff linked ideas from the programme wishes to an event series: tell their authors."""

    TYPE: ClassVar[str] = "idea.realised.v1"
    AGGREGATE: ClassVar[str] = "series"
    TOPIC: ClassVar[str] = topics.EVENTS

    series_id: uuid.UUID
    idea_ids: list[uuid.UUID]
    author_participant_ids: list[uuid.UUID] = Field(
        default_factory=list, description="authors who were not anonymous"
    )
    title: Texts
    category: Category
    next_occurrence: OccurrenceInfo | None = None
