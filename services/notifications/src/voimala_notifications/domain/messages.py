"""A message to one person on one channel: as planned, as claimed for delivery, as it ended.

Once per (event, recipient, channel): the table's UNIQUE key makes a replay add nothing. The
events that say what became of a message carry no body and no address.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voimala_contracts.notifications import NotificationFailed, NotificationSent

from .templates import Rendered


@dataclass(frozen=True)
class NewMessage:
    """A message to add: `sent` (the inbox), `queued` (due now) or `held` (until `not_before`:
    quiet hours, a digest, a reminder before its time)."""

    recipient_id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    template: str
    language: str
    subject: str
    body: str
    status: str
    not_before: datetime
    html: str | None = None
    category: str = "programme"
    mandatory: bool = False
    ref: uuid.UUID | None = None
    segments: int | None = None
    digest: bool = False
    caused_at: datetime | None = None
    #: None: the repository gives it a new id.
    id: uuid.UUID | None = None


def queued_email(
    recipient_id: uuid.UUID,
    event_id: uuid.UUID,
    template: str,
    rendered: Rendered,
    now: datetime,
    **more: Any,
) -> NewMessage:
    """An e-mail due now, written as `rendered` (a digest, a sign-in link); `more` sets the
    message's other fields (category, mandatory, caused_at, id)."""
    return NewMessage(
        recipient_id=recipient_id,
        event_id=event_id,
        channel="email",
        template=template,
        language=rendered.language,
        subject=rendered.subject,
        body=rendered.text,
        html=rendered.html,
        status="queued",
        not_before=now,
        **more,
    )


@dataclass(frozen=True)
class Due:
    """A message claimed for delivery, with its recipient's status and address as they are now."""

    id: uuid.UUID
    recipient_id: uuid.UUID
    event_id: uuid.UUID
    channel: str
    template: str
    category: str
    subject: str
    body: str
    html: str | None
    attempts: int
    caused_at: datetime | None
    recipient_status: str
    email: str | None
    phone: str | None

    @property
    def address(self) -> str | None:
        return self.email if self.channel == "email" else self.phone


@dataclass(frozen=True)
class Outcome:
    message: Due
    result: str  # sent | retry | failed | cancelled
    reason: str = ""  # a code that holds no personal data


def inbox_note(message: NewMessage, message_id: uuid.UUID, at: datetime) -> NotificationSent:
    """A message put in the inbox is sent the moment it is added."""
    return NotificationSent(
        message_id=message_id,
        event_id=message.event_id,
        recipient_id=message.recipient_id,
        channel="in_app",
        template=message.template,
        category=message.category,
        attempts=0,
        sent_at=at,
    )


def sent_note(message: Due, at: datetime) -> NotificationSent:
    return NotificationSent(
        message_id=message.id,
        event_id=message.event_id,
        recipient_id=message.recipient_id,
        channel=message.channel,
        template=message.template,
        category=message.category,
        attempts=message.attempts + 1,
        sent_at=at,
    )


def failed_note(message: Due, reason: str, at: datetime) -> NotificationFailed:
    return NotificationFailed(
        message_id=message.id,
        event_id=message.event_id,
        recipient_id=message.recipient_id,
        channel=message.channel,
        template=message.template,
        category=message.category,
        attempts=message.attempts + 1,
        reason=reason[:200],
        failed_at=at,
    )
