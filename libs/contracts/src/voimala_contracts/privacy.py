"""A person's rights over their data, through every service: access and erasure (GDPR 15, 17).

Both start at the participants service (the coordinator's request) and travel through Kafka:
participants publishes `privacy.access_requested.v1` or `privacy.erasure_requested.v1` on its
topic, keyed by the participant id; events, matching and notifications each answer on their own
topic with what they hold (`privacy.<service>_exported.v1`) or with what they erased
(`privacy.<service>_erased.v1`), and participants gathers the answers. One answering type per
service, because every type has one producer and one topic.

An export is personal data: it travels only inside `personal`, which the platform encrypts with
the person's key (destroyed on erasure, see docs/privacy.md). A confirmation of erasure holds
counts only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from ._envelope import EventData

ErasureReason = Literal["request", "retention", "consent_withdrawn", "other"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AccessRequested(EventData):
    """A coordinator asked, for a participant, what every service holds about them (GDPR 15).

    Every service answers once per `request_id` with its `privacy.<service>_exported.v1`.
    """

    TYPE: ClassVar[str] = "privacy.access_requested.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    request_id: uuid.UUID
    participant_id: uuid.UUID
    requested_at: datetime


class ErasureRequested(EventData):
    """A participant is to be erased (GDPR 17): every service deletes or anonymises their data.

    Anonymous facts stay (a report for a past period gives the same counts). Every service
    confirms once per `erasure_id` with its `privacy.<service>_erased.v1`. The reason is a code;
    the coordinator's note stays in the participants service.
    """

    TYPE: ClassVar[str] = "privacy.erasure_requested.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.PARTICIPANTS

    erasure_id: uuid.UUID
    participant_id: uuid.UUID
    reason: ErasureReason
    requested_at: datetime


class ExportedData(_Part):
    """The one marked place for the export: the service's data on the person, by data set.

    Each key names a data set (e.g. `registrations`), each value is a list of records as JSON
    objects, field names as in the service's API.
    """

    data: dict[str, list[dict[str, Any]]]


class _Exported(BaseModel):
    request_id: uuid.UUID
    participant_id: uuid.UUID
    exported_at: datetime
    personal: ExportedData


class _Erased(BaseModel):
    erasure_id: uuid.UUID
    participant_id: uuid.UUID
    erased_at: datetime
    counts: dict[str, int] = Field(
        description="rows deleted or anonymised, by data set (no personal data)"
    )


class EventsExported(EventData, _Exported):
    """The events service's answer to an access request: registrations and attendance."""

    TYPE: ClassVar[str] = "privacy.events_exported.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.EVENTS


class MatchingExported(EventData, _Exported):
    """matching's answer to an access request: profile, proposals, explanations, outcomes."""

    TYPE: ClassVar[str] = "privacy.matching_exported.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.MATCHING


class NotificationsExported(EventData, _Exported):
    """notifications' answer: contact, preferences, messages and their deliveries."""

    TYPE: ClassVar[str] = "privacy.notifications_exported.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.NOTIFICATIONS


class EventsErased(EventData, _Erased):
    """The events service erased a participant: their registrations are anonymous facts now."""

    TYPE: ClassVar[str] = "privacy.events_erased.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.EVENTS


class MatchingErased(EventData, _Erased):
    """matching erased a participant: profile gone, proposals and outcomes anonymous."""

    TYPE: ClassVar[str] = "privacy.matching_erased.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.MATCHING


class NotificationsErased(EventData, _Erased):
    """notifications erased a participant: contact, preferences and message bodies gone."""

    TYPE: ClassVar[str] = "privacy.notifications_erased.v1"
    AGGREGATE: ClassVar[str] = "participant"
    TOPIC: ClassVar[str] = topics.NOTIFICATIONS


#: Which services answer, and with which types: participants waits for each of these.
ANSWERING: dict[str, tuple[type[EventData], type[EventData]]] = {
    "events": (EventsExported, EventsErased),
    "matching": (MatchingExported, MatchingErased),
    "notifications": (NotificationsExported, NotificationsErased),
}
