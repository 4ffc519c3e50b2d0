"""Turn one event into messages by the rules: read whom they name, plan, write.

The planning (which channels, quiet hours, digests, language, links) is `domain.planning`'s;
here are the reads and writes around it, in the consumer's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from jinja2 import TemplateError
from voimala_contracts import (
    EVENT_MODELS,
    CloudEvent,
    EventData,
    ParticipantRegistered,
    parse_data,
    parse_envelope,
)
from voimala_contracts.notifications import NotificationSent
from voimala_contracts.scheduling import GuestContact
from voimala_kit.db import Connection
from voimala_kit.errors import PermanentError
from voimala_kit.logging import get_logger

from ..domain.messages import NewMessage, inbox_note
from ..domain.planning import Occasion, Planned, is_stale, occasion, plan
from ..domain.recipients import Recipient
from ..domain.rules import RULES, Send
from ..repository import answers, messages, recipients, waiting
from .deps import Deps

log = get_logger(__name__)


class _OfParticipant(Protocol):
    participant_id: uuid.UUID


class _Answered(Protocol):
    """An event whose answerer is a partner's contact people or a mentor (`match.*`)."""

    notify_kind: str
    notify_id: uuid.UUID


class _Holder(Protocol):
    """Who holds a registration (a registration event, or one of an occurrence's registrants)."""

    @property
    def registration_id(self) -> uuid.UUID: ...
    @property
    def participant_id(self) -> uuid.UUID | None: ...
    @property
    def personal(self) -> GuestContact | None: ...


class _ForRegistrants(Protocol):
    @property
    def registrants(self) -> Sequence[_Holder]: ...


async def notify(deps: Deps, conn: Connection, data: EventData, event: CloudEvent) -> None:
    """Apply the event's rules; a message already there for (event, person, channel) stays."""
    now = deps.clock.now()
    stale = is_stale(event.time, now, deps.settings.stale_after_hours)
    for index, send in enumerate(RULES.get(event.type, ())):
        about = occasion(index, send, data, event, now, stale)
        if about is None:
            continue
        if about.awaits is not None and await answers.of(conn, about.awaits):
            continue
        people = await _people(conn, send.to, data, event)
        contact = await _contact(conn, send, data) if people else None
        await _add(deps, conn, _plan(deps, about, people, contact), now)


async def notify_many(
    deps: Deps, conn: Connection, items: Sequence[tuple[EventData, CloudEvent]]
) -> None:
    """`notify` for a fetch's events at once (the kit's batch handler): the participants they
    name added and read in one statement, all their messages in one, the inbox messages'
    `notification.sent` in one. An event whose rules need more (a guest, someone else than
    the event's participant, a reminder that waits for an answer, a contact passed on) goes
    through `notify` on its own, in the same transaction."""
    now = deps.clock.now()
    simple: list[Occasion] = []
    for data, event in items:
        found = _simple_occasions(deps, data, event, now)
        if found is None:
            await notify(deps, conn, data, event)
        else:
            simple.extend(found)
    if not simple:
        return
    pids = sorted({_participant(o.data) for o in simple})  # in id order: no lock cycles
    people = {p.id: p for p in await recipients.ensure_many(conn, pids, "participant")}
    planned: list[NewMessage] = []
    for about in simple:
        person = people.get(_participant(about.data))
        planned += _plan(deps, about, [person] if person else [], None).messages
    await _add(deps, conn, Planned(planned), now)


def _simple_occasions(
    deps: Deps, data: EventData, event: CloudEvent, now: datetime
) -> list[Occasion] | None:
    """The event's occasions when each goes to the event's own participant alone and needs no
    read beyond the recipient; else None."""
    stale = is_stale(event.time, now, deps.settings.stale_after_hours)
    found: list[Occasion] = []
    for index, send in enumerate(RULES.get(event.type, ())):
        if send.to not in ("participant", "registrant") or send.with_contact:
            return None
        if getattr(data, "participant_id", None) is None:
            return None
        about = occasion(index, send, data, event, now, stale)
        if about is None:
            continue
        if about.awaits is not None:
            return None
        found.append(about)
    return found


def _participant(data: EventData) -> uuid.UUID:
    return cast(_OfParticipant, data).participant_id


async def welcome_participant(
    deps: Deps, conn: Connection, data: ParticipantRegistered, event: CloudEvent
) -> None:
    """Greet the new participant in their language (kept from the registration)."""
    await recipients.set_language(conn, data.participant_id, "participant", data.preferred_language)
    await notify(deps, conn, data, event)


async def apply_waiting(deps: Deps, conn: Connection, owner_kind: str, owner_id: uuid.UUID) -> None:
    """The partner or mentor is known now: apply the events that waited for them."""
    for envelope in await waiting.take(conn, owner_kind, owner_id):
        event = parse_envelope(envelope)
        model = EVENT_MODELS.get(event.type)
        if model is not None:
            await notify(deps, conn, parse_data(event, model), event)


def _plan(
    deps: Deps,
    about: Occasion,
    people: Sequence[Recipient],
    contact: dict[str, str | None] | None,
) -> Planned:
    template = about.send.template
    try:
        planned = plan(about, people, deps.templates, deps.settings, contact)
    except TemplateError as exc:
        # Caught by the template tests; in production: no half message, a dead letter.
        raise PermanentError(f"template {template} failed: {type(exc).__name__}") from None
    for _ in range(planned.without_sms):
        log.warning("notify.no_sms_text", template=template)
    return planned


async def _add(deps: Deps, conn: Connection, planned: Planned, now: datetime) -> None:
    """Add the planned messages (one statement); those that went to the inbox are told as
    sent (one more)."""
    sent: list[tuple[NotificationSent, str]] = []
    added = await messages.add_many(conn, planned.messages)
    for message, message_id in zip(planned.messages, added, strict=True):
        if message_id is not None and message.status == "sent":
            sent.append((inbox_note(message, message_id, now), str(message_id)))
    if sent:
        await deps.outbox.add_many(conn, sent)


async def _contact(conn: Connection, send: Send, data: EventData) -> dict[str, str | None] | None:
    """The participant's contact, for a rule that passes it on (a confirmed match)."""
    if not send.with_contact:
        return None
    person = await recipients.one(conn, cast(_OfParticipant, data).participant_id)
    return person.contact() if person is not None else None


async def _people(conn: Connection, to: str, data: EventData, event: CloudEvent) -> list[Recipient]:
    """Whom a rule's `to` names, as recipients: a participant (the event's, or the one holding
    a registration) is added if new and read in one round trip, the others as `_recipients`."""
    if to in ("participant", "registrant"):
        pid = cast(_OfParticipant, data).participant_id
        if pid is not None:
            return await recipients.ensure_many(conn, [pid], "participant")
    return await recipients.many(conn, await _recipients(conn, to, data, event))


async def _recipients(
    conn: Connection, to: str, data: EventData, event: CloudEvent
) -> list[uuid.UUID]:
    """Whom a rule's `to` names for this event (see `domain.rules`)."""
    if to == "participant":
        pid = cast(_OfParticipant, data).participant_id
        await recipients.ensure(conn, pid, "participant")
        return [pid]
    if to == "registrant":
        one = await _holder(conn, cast(_Holder, data))
        return [one] if one is not None else []
    if to == "registrants":
        found = [await _holder(conn, r) for r in cast(_ForRegistrants, data).registrants]
        return [r for r in found if r is not None]
    if to == "answerer":
        return await _answerers(conn, cast(_Answered, data), event)
    if to == "coordinators":
        return await recipients.staff(conn)
    if to == "authors":
        ids = list(getattr(data, "author_participant_ids", None) or [])
        single = getattr(data, "author_participant_id", None)
        return ids + ([single] if single else [])
    raise PermanentError(f"no recipients named {to}")


async def _answerers(conn: Connection, data: _Answered, event: CloudEvent) -> list[uuid.UUID]:
    owned = await recipients.owned(conn, data.notify_kind, data.notify_id)
    if not owned:
        # Partner and proposal events have different keys, so a proposal may overtake its
        # partner's registration: kept, and applied again when the partner arrives.
        kept = waiting.Waiting(data.notify_kind, data.notify_id, event.id, event.to_json())
        await waiting.wait(conn, kept)
    return owned


async def _holder(conn: Connection, holder: _Holder) -> uuid.UUID | None:
    """A registration's holder: a participant, or a guest kept by the registration's id."""
    if holder.participant_id is not None:
        await recipients.ensure(conn, holder.participant_id, "participant")
        return uuid.UUID(str(holder.participant_id))
    guest = holder.personal
    if guest is None:
        return None
    await recipients.upsert(
        conn,
        holder.registration_id,
        kind="guest",
        language=guest.language,
        given_name=guest.name,
        email=guest.email,
        phone=guest.phone,
        preferred_channel="email" if guest.email else "sms",
    )
    return uuid.UUID(str(holder.registration_id))
