"""Nudges (`domain/nudges.py`), in the consumer's transaction beside the rules of the table:

- `attendance.recorded.v1` of a no-show → the participant is told when the series meets next;
- `match.proposed.v1` to a mentor → a reminder to the mentor and a notice to coordinators, held
  until their day; `match.accepted/declined/expired.v1` → what still waits is cancelled.

The messages are planned and written as the table's are (`handlers.notify`): preferences,
consent, opt-outs, quiet hours and the once-per-(event, person, channel) rule all apply.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from voimala_contracts import CloudEvent
from voimala_contracts.matching import MatchCore, MatchProposed
from voimala_contracts.scheduling import AttendanceRecorded
from voimala_kit.db import Connection

from ..domain.nudges import (
    MENTOR_REMINDER,
    MENTOR_SILENT,
    NO_SHOW,
    WAITING_FOR_ANSWER,
    MentorSilence,
    MissedOccurrence,
    mentor_due,
    was_reminded,
)
from ..domain.planning import Occasion, is_stale
from ..domain.rules import Send
from ..repository import answers, messages, recipients
from .deps import Deps
from .notify import _add, _people, _plan


async def nudge_no_show(
    deps: Deps, conn: Connection, data: AttendanceRecorded, event: CloudEvent
) -> None:
    """A participant's no-show: when the same series meets next (nothing if it does not)."""
    if not deps.settings.nudge_no_show or data.status != "no_show":
        return
    if data.participant_id is None or data.next_occurrence is None:
        return
    about = MissedOccurrence(
        participant_id=data.participant_id,
        occurrence=data.next_occurrence,
        missed=data.occurrence,
    )
    # The message keeps the event's own id: the row's UNIQUE (event, person, channel) makes it
    # one message however often the event is read.
    await _send(deps, conn, NO_SHOW, about, event, event.id, deps.clock.now())


async def nudge_mentor(
    deps: Deps, conn: Connection, data: MatchProposed, event: CloudEvent
) -> None:
    """A proposal to a mentor: the reminder and the coordinators' notice, held until due.
    The notice says whether the mentor was reminded: the reminder rule may be off."""
    if data.notify_kind != "mentor" or await answers.of(conn, data.proposal_id):
        return
    settings = deps.settings
    reminder = mentor_due(event.time, settings.nudge_mentor_reminder_days, data.expires_at)
    if reminder is not None:
        ids = uuid.uuid5(event.id, MENTOR_REMINDER.template)
        await _send(deps, conn, MENTOR_REMINDER, data, event, ids, reminder)
    notice = mentor_due(event.time, settings.nudge_mentor_coordinator_days, data.expires_at)
    if notice is not None:
        told = MentorSilence(**dict(data), reminded=was_reminded(reminder, notice))
        ids = uuid.uuid5(event.id, MENTOR_SILENT.template)
        await _send(deps, conn, MENTOR_SILENT, told, event, ids, notice)


async def settle_nudges(deps: Deps, conn: Connection, data: MatchCore, event: CloudEvent) -> None:
    """The proposal was settled: the nudges waiting for its answer will not go."""
    await messages.cancel_pending(conn, data.proposal_id, WAITING_FOR_ANSWER)


async def _send(
    deps: Deps,
    conn: Connection,
    send: Send,
    data: Any,
    event: CloudEvent,
    message_event_id: uuid.UUID,
    due: datetime,
) -> None:
    now = deps.clock.now()
    stale = is_stale(event.time, now, deps.settings.stale_after_hours)
    ref: uuid.UUID | None = getattr(data, send.ref) if send.ref else None
    about = Occasion(send, event, data, message_event_id, ref, max(due, now), now, stale)
    if send.to == "answerer":
        # Known mentors only: a proposal that overtook its mentor's registration waits for
        # the table's rules (`waiting`), not for its nudges.
        ids = await recipients.owned(conn, data.notify_kind, data.notify_id)
        people = await recipients.many(conn, ids)
    else:
        people = await _people(conn, send.to, data, event)
    if people:
        await _add(deps, conn, _plan(deps, about, people, None), now)


#: Event type → the nudge applied to it (beside the table's rules, in `consumer.py`).
NUDGES: dict[str, Any] = {
    AttendanceRecorded.TYPE: nudge_no_show,
    MatchProposed.TYPE: nudge_mentor,
    "match.accepted.v1": settle_nudges,
    "match.declined.v1": settle_nudges,
    "match.expired.v1": settle_nudges,
}
