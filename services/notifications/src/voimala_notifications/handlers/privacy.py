"""A person's rights through Kafka (GDPR 15, 17): an access request is answered with what this
service holds about them, an erasure deletes it, each once per request id, in the consumer's
transaction (the answer goes through the outbox with the work).

Erasure: the contact and preferences (the recipient row) go; what still waits for the person is
cancelled (no e-mail or text message leaves after it); their messages stay only as anonymous
delivery facts (channel, template, status, attempts, times: no recipient, no words), so counts
by channel and status stay; a message that carried their contact to a partner or mentor has it
replaced. The person is kept in `erased_participants`, and later events about them change
nothing (`repository.recipients` never brings the row back; `unless_erased` skips the
projections).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from voimala_contracts import CloudEvent
from voimala_contracts.privacy import (
    AccessRequested,
    ErasureRequested,
    ExportedData,
    NotificationsErased,
    NotificationsExported,
)
from voimala_kit import audit
from voimala_kit.db import Connection
from voimala_kit.logging import get_logger

from ..domain.privacy import SHARES_CONTACT, contact_strings, export, without_contact
from ..repository import deliveries, privacy, recipients
from .deps import Deps

log = get_logger(__name__)


async def export_participant(
    deps: Deps, conn: Connection, data: AccessRequested, event: CloudEvent
) -> None:
    """Answer an access request with the person's contact, preferences, messages, inbox and
    deliveries (`privacy.notifications_exported.v1`); a repeated request gets no answer."""
    now = deps.clock.now()
    if not await privacy.first_answer(conn, data.request_id, "access", now):
        return
    pid = data.participant_id
    person = await recipients.one(conn, pid)
    held = await privacy.held_messages(conn, pid)
    found = export(person, held)
    erased = await privacy.erased_at(conn, pid)
    if erased is not None:  # nothing held: the answer says why
        found["erasure"] = [{"erased_at": erased.isoformat()}]
    answer = NotificationsExported(
        request_id=data.request_id,
        participant_id=pid,
        exported_at=now,
        personal=ExportedData(data=found),
    )
    await audit.record(conn, audit.SYSTEM, [pid], "notifications.exported", "access_request")
    await deps.outbox.add(conn, answer, subject=str(pid))


async def erase_participant(
    deps: Deps, conn: Connection, data: ErasureRequested, event: CloudEvent
) -> None:
    """Erase the person and confirm with counts (`privacy.notifications_erased.v1`); a repeated
    request changes nothing and gets no second answer."""
    now = deps.clock.now()
    if not await privacy.first_answer(conn, data.erasure_id, "erasure", now):
        return
    pid = data.participant_id
    await deliveries.stop_sending_to(conn, pid)  # waits for a hand-off under way
    await privacy.mark_erased(conn, pid, data.erasure_id, now)
    counts = {"shared_contact": await _forget_shared_contact(conn, pid)}
    counts["cancelled"] = await privacy.cancel_pending(conn, pid)
    channels = await privacy.anonymise_messages(conn, pid)
    counts["inbox"] = channels.count("in_app")
    counts["messages"] = len(channels) - counts["inbox"]
    counts["waiting_events"] = await privacy.forget_waiting(conn, pid)
    counts["contact"] = counts["preferences"] = await privacy.forget_recipient(conn, pid)
    answer = NotificationsErased(
        erasure_id=data.erasure_id, participant_id=pid, erased_at=now, counts=counts
    )
    await audit.record(conn, audit.SYSTEM, [pid], "notifications.erased", f"erasure_{data.reason}")
    await deps.outbox.add(conn, answer, subject=str(pid))


async def _forget_shared_contact(conn: Connection, participant_id: uuid.UUID) -> int:
    """Messages to partners or mentors that carried the person's contact: without it now."""
    person = await recipients.one(conn, participant_id)
    if person is None:
        return 0
    secrets = contact_strings(person)
    shared = await privacy.shared_contact(conn, participant_id, person.email, SHARES_CONTACT)
    for message in shared:
        await privacy.rewrite(conn, without_contact(message, secrets))
    return len(shared)


class _AboutParticipant(Protocol):
    @property
    def participant_id(self) -> uuid.UUID: ...


Apply = Callable[[Connection, Any, CloudEvent], Awaitable[None]]


def unless_erased(apply: Apply) -> Apply:
    """The use case, except for an event about an erased participant: acknowledged, no effect
    (a replayed contact change must not bring the contact back, a later notice is not sent)."""

    async def guarded(conn: Connection, data: _AboutParticipant, event: CloudEvent) -> None:
        if await privacy.is_erased(conn, data.participant_id):
            log.info("privacy.erased_participant_event_ignored", event_type=event.type)
            return
        await apply(conn, data, event)

    return guarded
