"""Events of the notifications service, on topic `voimala.notifications`.

`notification.*` events are keyed by the message id; `action.answered.v1` by the proposal id.
None of them carries a message body or contact data: only ids, the channel, the template and
the outcome, so that staff, ops and reports can follow delivery without reading messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from ._envelope import EventData
from .participants import Channel

Answer = Literal["accept", "decline"]
Responder = Literal["partner", "mentor"]


class NotificationSent(EventData):
    """One message was handed to its channel (SMTP server, SMS provider or the inbox)."""

    TYPE: ClassVar[str] = "notification.sent.v1"
    AGGREGATE: ClassVar[str] = "message"
    TOPIC: ClassVar[str] = topics.NOTIFICATIONS

    message_id: uuid.UUID
    event_id: uuid.UUID = Field(description="the event that caused the message")
    recipient_id: uuid.UUID
    channel: Channel
    template: str
    category: str
    attempts: int = Field(ge=0)
    sent_at: datetime


class NotificationFailed(EventData):
    """One message could not be delivered and will not be tried again."""

    TYPE: ClassVar[str] = "notification.failed.v1"
    AGGREGATE: ClassVar[str] = "message"
    TOPIC: ClassVar[str] = topics.NOTIFICATIONS

    message_id: uuid.UUID
    event_id: uuid.UUID = Field(description="the event that caused the message")
    recipient_id: uuid.UUID
    channel: Channel
    template: str
    category: str
    attempts: int = Field(ge=0)
    reason: str = Field(
        max_length=200, description="e.g. smtp_recipient_refused, no_address: never the address"
    )
    failed_at: datetime


class ActionAnswered(EventData):
    """A partner's contact person or a mentor answered a proposal through a signed e-mail link.

    For matching to apply exactly as an answer through its own API (accept or decline by
    `responder_kind`/`responder_id`, acting as `user_id`). Each proposal is answered through
    links at most once.
    """

    TYPE: ClassVar[str] = "action.answered.v1"
    AGGREGATE: ClassVar[str] = "proposal"
    TOPIC: ClassVar[str] = topics.NOTIFICATIONS

    proposal_id: uuid.UUID
    answer: Answer
    responder_kind: Responder
    responder_id: uuid.UUID = Field(description="the partner id or the mentor id")
    user_id: uuid.UUID = Field(description="the person who clicked (their login subject)")
    link_id: uuid.UUID
    answered_at: datetime
