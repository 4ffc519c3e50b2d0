"""The service path from other services' events, run in the consumer's transaction.

Each event becomes one timeline entry of its participant, keyed by the event id (so a
redelivery adds nothing). Only ids, kinds and titles are kept: never free text that could
hold personal data (a decline's reason, a message's body).
"""

from __future__ import annotations

import uuid
from typing import Any

from voimala_contracts import CloudEvent
from voimala_contracts.matching import (
    MatchAccepted,
    MatchConfirmed,
    MatchCore,
    MatchDeclined,
    MatchExpired,
    MatchOutcomeRecorded,
    MatchProposed,
)
from voimala_contracts.notifications import NotificationFailed, NotificationSent
from voimala_contracts.scheduling import (
    AttendanceRecorded,
    IdeaRealised,
    OccurrenceInfo,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from voimala_kit.db import Connection

from ..repository import ideas, participants, timeline
from .deps import Deps


def _match_detail(data: MatchCore) -> dict[str, Any]:
    detail: dict[str, Any] = {"proposal_id": str(data.proposal_id), "match_kind": data.kind}
    if data.opening_id:
        detail["opening_id"] = str(data.opening_id)
    if data.mentor_id:
        detail["mentor_id"] = str(data.mentor_id)
    if data.title:
        detail["title"] = data.title
    if isinstance(data, MatchOutcomeRecorded):
        detail["outcome"] = data.outcome
    if isinstance(data, MatchDeclined):
        detail["withdrawn"] = data.withdrawn
    return detail


AnyMatch = (
    MatchProposed
    | MatchAccepted
    | MatchDeclined
    | MatchExpired
    | MatchConfirmed
    | MatchOutcomeRecorded
)
AnyRegistration = (
    RegistrationConfirmed | RegistrationPromoted | RegistrationWaitlisted | RegistrationCancelled
)


async def note_match(deps: Deps, conn: Connection, data: AnyMatch, event: CloudEvent) -> None:
    """`match.proposed.v1` → timeline kind `match.proposed`, and so on."""
    kind = event.type.rsplit(".", 1)[0]
    await timeline.add(
        conn,
        data.participant_id,
        kind,
        event.time,
        source="matching",
        detail=_match_detail(data),
        event_id=event.id,
    )


# From the events service: registrations, attendance, realised ideas

_REGISTRATION_KINDS = {
    "registration.confirmed.v1": "activity.registered",
    "registration.promoted.v1": "activity.registered",
    "registration.waitlisted.v1": "activity.waitlisted",
    "registration.cancelled.v1": "activity.cancelled",
}


def _occurrence_detail(occurrence: OccurrenceInfo) -> dict[str, Any]:
    return {
        "occurrence_id": str(occurrence.occurrence_id),
        "category": occurrence.category,
        "title": occurrence.title.fi,
        "local_start": occurrence.local_start,
    }


async def note_registration(
    deps: Deps, conn: Connection, data: AnyRegistration, event: CloudEvent
) -> None:
    """A participant's registration (a guest's has no participant id and no place here)."""
    if data.participant_id is None:
        return
    await timeline.add(
        conn,
        data.participant_id,
        _REGISTRATION_KINDS[event.type],
        event.time,
        source="events",
        detail=_occurrence_detail(data.occurrence),
        event_id=event.id,
    )


async def note_attendance(
    deps: Deps, conn: Connection, data: AttendanceRecorded, event: CloudEvent
) -> None:
    if data.participant_id is None:
        return
    kind = "activity.attended" if data.status == "attended" else "activity.no_show"
    detail = {**_occurrence_detail(data.occurrence), "walk_in": data.walk_in}
    await timeline.add(
        conn,
        data.participant_id,
        kind,
        data.occurrence.starts_at,
        source="events",
        detail=detail,
        event_id=event.id,
    )


async def mark_ideas_realised(
    deps: Deps, conn: Connection, data: IdeaRealised, event: CloudEvent
) -> None:
    """The programme took up ideas: they are realised, and their authors' paths show it."""
    await ideas.mark_realised(conn, data.idea_ids)
    for author in data.author_participant_ids:
        await timeline.add(
            conn,
            author,
            "idea.realised",
            event.time,
            source="events",
            detail={"series_id": str(data.series_id), "title": data.title.fi},
            event_id=uuid.uuid5(event.id, str(author)),
        )


# From notifications: messages sent to a participant


async def note_message(
    deps: Deps, conn: Connection, data: NotificationSent | NotificationFailed, event: CloudEvent
) -> None:
    """Only messages to participants go on a path; partners and mentors have none here."""
    if not await participants.exists(conn, data.recipient_id):
        return
    sent = isinstance(data, NotificationSent)
    await timeline.add(
        conn,
        data.recipient_id,
        "message.sent" if sent else "message.failed",
        data.sent_at if isinstance(data, NotificationSent) else data.failed_at,
        source="notifications",
        detail={"channel": data.channel, "template": data.template, "category": data.category},
        event_id=event.id,
    )
