"""The HTTP models: input models forbid unknown fields; none echoes an address or a body to
someone who may not see it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from voimala_contracts.languages import PREFERRED_LANGUAGE_NAMES, preferred_language

from ..domain.recipients import Preferences, Recipient

Status = Literal["queued", "held", "sent", "failed", "cancelled"]
ChannelName = Literal["in_app", "email", "sms"]
Category = Literal["programme", "reminders", "matching", "ideas"]
Language = Literal["fi", "sv", "en"]

#: A wall-clock time in Helsinki, with no offset: quiet hours follow the day in Salo, not UTC.
#: (Not `format: time`: RFC 3339 times carry an offset, which these never do.)
_CLOCK_TIME_IN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
_CLOCK_TIME_OUT = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
_SAY_CLOCK_TIME = "expected a time of day in Helsinki as HH:MM, e.g. 21:30, with no offset"


def _clock_time(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(_CLOCK_TIME_IN, value):
        return time.fromisoformat(value)
    raise ValueError(_SAY_CLOCK_TIME)  # never quotes the value


ClockTimeIn = Annotated[
    time,
    BeforeValidator(_clock_time),
    WithJsonSchema({"type": "string", "pattern": _CLOCK_TIME_IN, "examples": ["21:30"]}),
]
ClockTimeOut = Annotated[
    time,
    PlainSerializer(lambda t: t.strftime("%H:%M:%S"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _CLOCK_TIME_OUT, "examples": ["21:30:00"]}),
]


_WITHHELD = (
    "null for ops, who see a message's metadata, never its words; the signed answer links "
    "in it are shown to the recipient alone"
)


class MessageOut(BaseModel):
    id: uuid.UUID
    channel: str
    template: str
    language: str
    subject: str | None = Field(None, description=_WITHHELD)
    body: str | None = Field(None, description=_WITHHELD)
    status: str
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None
    ref: uuid.UUID | None = Field(
        None, description="what the message is about (a proposal's id for match messages)"
    )


class DeliveryOut(BaseModel):
    """A message's delivery, without its body or the address it went to."""

    id: uuid.UUID
    recipient_id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    template: str
    category: str
    mandatory: bool
    status: str
    attempts: int
    last_error: str | None
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferred_language: Language = Field(
        validation_alias=PREFERRED_LANGUAGE_NAMES,
        description="the person's language for messages (also accepted as `language`)",
    )
    channels: list[ChannelName] | None = Field(
        None, description="null: the inbox and the preferred channel"
    )
    opted_out: list[Category] = Field(default_factory=list)
    quiet_start: ClockTimeIn | None = Field(None, description="HH:MM in Helsinki; null: 21:00")
    quiet_end: ClockTimeIn | None = Field(None, description="HH:MM in Helsinki; null: 08:00")
    digest: bool = False

    @field_validator("channels", "opted_out")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted(set(value))

    def chosen(self) -> Preferences:
        return Preferences(
            language=self.preferred_language,
            channels=list(self.channels) if self.channels is not None else None,
            opted_out=list(self.opted_out),
            quiet_start=self.quiet_start,
            quiet_end=self.quiet_end,
            digest=self.digest,
        )


class PreferencesOut(BaseModel):
    recipient_id: uuid.UUID
    kind: str
    preferred_language: str
    preferred_channel: str
    channels: list[str] | None
    opted_out: list[str]
    quiet_start: ClockTimeOut | None
    quiet_end: ClockTimeOut | None
    digest: bool
    email_allowed: bool
    sms_allowed: bool
    active: bool

    @classmethod
    def of(cls, person: Recipient) -> PreferencesOut:
        return cls(
            recipient_id=person.id,
            kind=person.kind,
            preferred_language=person.preferred_language,
            preferred_channel=person.preferred_channel,
            channels=person.channels,
            opted_out=list(person.opted_out),
            quiet_start=person.quiet_start,
            quiet_end=person.quiet_end,
            digest=person.digest,
            email_allowed=person.email_allowed,
            sms_allowed=person.sms_allowed,
            active=person.status == "active",
        )


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    preferred_language: Language = preferred_language()
