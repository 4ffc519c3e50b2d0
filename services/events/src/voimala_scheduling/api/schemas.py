"""What the API accepts and answers. Inputs forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from voimala_contracts.scheduling import Audience, Category, Language
from voimala_kit.phones import to_e164

from .plain_email import plain_email

#: The region a phone number without a country code is read in (as the participants service).


Phone = Annotated[str, Field(max_length=40), AfterValidator(to_e164)]
#: One skill or topic a series teaches (a vocabulary id or free text).
Teaches = Annotated[str, Field(min_length=1, max_length=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TextsIn(_In):
    fi: str = Field(min_length=1, max_length=2000)
    sv: str | None = Field(None, max_length=2000)
    en: str | None = Field(None, max_length=2000)


class SlotsIn(_In):
    """Bookable slots inside the hours, one person each; the rest of the hours are drop-in."""

    minutes: int = Field(ge=5, le=240)
    start: time = Field(description="local time the first slot starts")
    end: time = Field(description="local time the last slot ends")


class SeriesIn(_In):
    category: Category
    profession: str | None = Field(
        None, max_length=100, description="for office hours: the profession that holds them"
    )
    title: TextsIn
    description: TextsIn | None = None
    location: TextsIn | None = Field(None, description="default: the service point")
    host_organisation: str | None = Field(None, max_length=200)
    audience: Audience = "everyone"
    rrule: str = Field(max_length=300, description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=WE")
    first_date: date
    start_time: time = Field(description="local time, Europe/Helsinki")
    end_time: time
    capacity: int | None = Field(None, ge=0, le=10000, description="None: drop-in")
    skip_holidays: bool = True
    except_dates: list[date] = Field(default_factory=list, max_length=400)
    registration_opens_days_before: int = Field(30, ge=0, le=365)
    registration_closes_minutes_before: int = Field(0, ge=0, le=10080)
    slots: SlotsIn | None = None
    teaches: list[Teaches] = Field(
        default_factory=list,
        max_length=30,
        description="skills and topics it teaches: vocabulary ids (e.g. `finnish`) or free text",
    )

    @model_validator(mode="after")
    def _times(self) -> SeriesIn:
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        if self.slots is not None:
            s = self.slots
            if s.end <= s.start or s.start < self.start_time or s.end > self.end_time:
                raise ValueError("slots must lie within the hours")
        return self


class SeriesChangeIn(_In):
    """Changes to a series from a date on (earlier occurrences keep what they were)."""

    from_date: date
    title: TextsIn | None = None
    description: TextsIn | None = None
    location: TextsIn | None = None
    capacity: int | None = Field(None, ge=0, le=10000)
    start_time: time | None = None
    end_time: time | None = None
    teaches: list[Teaches] | None = Field(None, max_length=30)


class CancelIn(_In):
    reason: str | None = Field(None, max_length=500)


class SeriesCancelIn(CancelIn):
    from_date: date


class OccurrenceChangeIn(_In):
    """Move or edit one occurrence. Naive times are Helsinki wall-clock time."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    title: TextsIn | None = None
    location: TextsIn | None = None
    capacity: int | None = Field(None, ge=0, le=10000)


class GuestIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: Phone | None = Field(
        None, description="E.164, or a Finnish number as people write it (040 123 4567)"
    )
    language: Language = "fi"

    @field_validator("email", mode="wrap")
    @classmethod
    def _email(cls, value: object, full: ValidatorFunctionWrapHandler) -> str | None:
        """As `EmailStr` answers, a plain address from its domain's earlier answer."""
        if value is None:
            return None
        return plain_email(value, full)

    @model_validator(mode="after")
    def _reachable(self) -> GuestIn:
        if self.email is None and self.phone is None:
            raise ValueError("an e-mail address or a phone number is needed")
        return self


class RegistrationIn(_In):
    """A participant registers themselves (no body fields); staff name a participant or a guest;
    a resident without an account sends `guest` without a token."""

    participant_id: uuid.UUID | None = None
    guest: GuestIn | None = None
    slot_start: datetime | None = Field(None, description="for bookable slots")


class RegistrationCancelIn(_In):
    cancel_token: str | None = Field(None, max_length=100)


class RegistrationOut(BaseModel):
    id: uuid.UUID
    occurrence_id: uuid.UUID
    status: Literal["confirmed", "waitlisted", "cancelled"]
    position: int | None = Field(None, description="place on the waitlist, 1 = next")
    participant_id: uuid.UUID | None = None
    guest_name: str | None = None
    slot_start: datetime | None = None
    created_at: datetime
    cancel_token: str | None = Field(None, description="only for a guest, only when created")


class AttendanceIn(_In):
    registration_id: uuid.UUID | None = None
    participant_id: uuid.UUID | None = None
    walk_in_guest: bool = Field(False, description="an unregistered person without an account")

    @model_validator(mode="after")
    def _one(self) -> AttendanceIn:
        given = [self.registration_id, self.participant_id, self.walk_in_guest or None]
        if sum(x is not None for x in given) != 1:
            raise ValueError("give exactly one of registration_id, participant_id, walk_in_guest")
        return self


class AttendanceOut(BaseModel):
    id: uuid.UUID
    occurrence_id: uuid.UUID
    registration_id: uuid.UUID | None
    participant_id: uuid.UUID | None
    status: Literal["attended", "no_show"]
    walk_in: bool
    recorded_at: datetime


class IdeaLinkIn(_In):
    idea_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
