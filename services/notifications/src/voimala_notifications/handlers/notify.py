"""Turn one event into messages by the rules: whom, which template, which channels, when."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

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
from voimala_kit import Connection, PermanentError, get_logger

from .. import repository
from ..domain.choice import Reachable, choose_channels
from ..domain.links import ActionLink, sign
from ..domain.sms import measure
from ..domain.timing import next_local, release_time
from ..rules import RULES, Send
from ..templates import Rendered
from .deps import Deps

log = get_logger(__name__)

#: Channels that keep quiet hours: an SMS wakes people, an e-mail waits in the mailbox.
QUIET_CHANNELS = ("sms",)
#: Who may take a daily digest instead of single e-mails.
DIGEST_KINDS = ("mentor", "staff")


async def _holder(conn: Connection, holder: Any) -> uuid.UUID | None:
    """A registration's holder: a participant, or a guest kept by the registration's id."""
    if holder.participant_id is not None:
        await repository.ensure(conn, holder.participant_id, "participant")
        return uuid.UUID(str(holder.participant_id))
    guest = holder.personal
    if guest is None:
        return None
    await repository.upsert_recipient(
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


async def _recipients(conn: Connection, to: str, data: Any, event: CloudEvent) -> list[uuid.UUID]:
    if to == "participant":
        await repository.ensure(conn, data.participant_id, "participant")
        return [data.participant_id]
    if to == "registrant":
        one = await _holder(conn, data)
        return [one] if one is not None else []
    if to == "registrants":
        found = [await _holder(conn, r) for r in data.registrants]
        return [r for r in found if r is not None]
    if to == "answerer":
        owned = await repository.owned(conn, data.notify_kind, data.notify_id)
        if not owned:
            # Partner and proposal events have different keys, so a proposal may overtake its
            # partner's registration: kept, and applied again when the partner arrives.
            envelope = event.to_json()
            await repository.wait_for_owner(
                conn, data.notify_kind, data.notify_id, event.id, envelope
            )
        return owned
    if to == "coordinators":
        return await repository.staff(conn)
    if to == "authors":
        ids = list(getattr(data, "author_participant_ids", None) or [])
        single = getattr(data, "author_participant_id", None)
        return ids + ([single] if single else [])
    raise PermanentError(f"no recipients named {to}")


def _links(send: Send, data: Any, person: Any, deps: Deps, event: CloudEvent) -> dict[str, str]:
    links = {}
    for answer in ("accept", "decline"):
        link = ActionLink(
            # One id per (event, person, answer): the same link on a retry or a replay.
            link_id=uuid.uuid5(event.id, f"{person['id']}:{answer}"),
            proposal_id=data.proposal_id,
            answer=answer,
            responder_kind=data.notify_kind,
            responder_id=data.notify_id,
            user_id=person["id"],
            expires_at=data.expires_at,
        )
        token = sign(link, deps.settings.link_secret)
        links[answer] = f"{deps.settings.public_url.rstrip('/')}/actions/{token}"
    return links


async def template_values(
    conn: Connection, send: Send, data: EventData, event: CloudEvent, person: Any, deps: Deps
) -> dict[str, Any]:
    """Everything a template may use: the event's data, the recipient's name, links, contact."""
    values = base_values(send, data, event, person, deps)
    if send.with_contact:
        row = await repository.contact(conn, getattr(data, "participant_id"))  # noqa: B009
        values["contact"] = dict(row) if row is not None else None
    return values


def base_values(
    send: Send, data: EventData, event: CloudEvent, person: Any, deps: Deps
) -> dict[str, Any]:
    """The values that come from the event and the person alone (no database)."""
    values: dict[str, Any] = dict(data)
    language = person["preferred_language"]
    occurrence = getattr(data, "occurrence", None) or getattr(data, "next_occurrence", None)
    if occurrence is not None:
        values["what"] = _text(occurrence.title, language)
        values["where"] = _text(occurrence.location, language)
        values["when"] = _wall(occurrence.local_start)
    if hasattr(data, "title") and hasattr(data.title, "fi"):
        values["what"] = _text(data.title, language)
    if hasattr(data, "previous_local_start"):
        values["previously"] = _wall(data.previous_local_start)
    values["given_name"] = person["given_name"]
    values["recipient_kind"] = person["kind"]
    if send.links:
        values["links"] = _links(send, data, person, deps, event)
    return values


def _text(texts: Any, language: str) -> str:
    """A text in the person's language, else in Finnish."""
    return str(getattr(texts, language, None) or texts.fi)


def _wall(local: str) -> str:
    """Helsinki wall-clock `YYYY-MM-DDTHH:MM` as people in Salo write it: 4.12.2026 18.00."""
    moment = datetime.fromisoformat(local)
    return f"{moment.day}.{moment.month}.{moment.year} {moment:%H.%M}"


def _when(send: Send, data: Any, now: datetime) -> datetime | None:
    """When the message is due; None when a reminder's moment has already passed."""
    if send.before is None:
        return now
    field, ahead = send.before
    at: datetime = getattr(data, field) - ahead
    return at if at > now else None


def _render(deps: Deps, send: Send, language: str, values: dict[str, Any]) -> Rendered:
    try:
        return deps.templates.render(send.template, language, values)
    except TemplateError as exc:
        # Caught by the template tests; in production: no half message, a dead letter.
        raise PermanentError(f"template {send.template} failed: {type(exc).__name__}") from None


Plan = tuple[str, datetime, bool, str, int | None]


def _plan(
    channel: str,
    send: Send,
    person: Any,
    rendered: Rendered,
    due: datetime,
    now: datetime,
    deps: Deps,
) -> Plan | None:
    """Status, due time, digest or not, body and SMS segments of one channel's message."""
    settings = deps.settings
    if channel == "in_app":
        return ("sent" if due <= now else "held", due, False, rendered.text, None)
    if channel == "sms":
        if rendered.sms is None:
            log.warning("notify.no_sms_text", template=send.template)
            return None
        quiet = release_time(
            due,
            person["quiet_start"] or settings.quiet_start,
            person["quiet_end"] or settings.quiet_end,
        )
        segments = measure(rendered.sms).segments
        if quiet is not None:
            return ("held", quiet, False, rendered.sms, segments)
        return ("queued" if due <= now else "held", due, False, rendered.sms, segments)
    if person["digest"] and person["kind"] in DIGEST_KINDS and not send.mandatory and due <= now:
        return ("held", next_local(now, settings.digest_hour), True, rendered.text, None)
    return ("queued" if due <= now else "held", due, False, rendered.text, None)


async def notify(conn: Connection, data: EventData, event: CloudEvent, deps: Deps) -> None:
    """Apply the event's rules; a message already there for (event, person, channel) stays."""
    now = deps.clock.now()
    # An old event (a new deployment reading history, a replay into a fresh database) is
    # recorded in the inbox, never e-mailed or texted: yesterday's reminder is noise.
    stale = now - event.time > timedelta(hours=deps.settings.stale_after_hours)
    for index, send in enumerate(RULES.get(event.type, ())):
        due = _when(send, data, now)
        if due is None:
            continue
        ref = getattr(data, send.ref) if send.ref else None
        if send.before is not None and ref is not None and await repository.answer_of(conn, ref):
            continue
        # The first message of a rule keeps the event's id; others get one derived from it.
        event_id = event.id if index == 0 else uuid.uuid5(event.id, send.template)
        ids = await _recipients(conn, send.to, data, event)
        sent: list[tuple[NotificationSent, str]] = []
        for person in await repository.reachable(conn, ids):
            reach = Reachable(
                kind=person["kind"],
                status=person["status"],
                email=person["email"],
                phone=person["phone"],
                preferred_channel=person["preferred_channel"],
                channels=person["channels"],
                email_allowed=person["email_allowed"],
                sms_allowed=person["sms_allowed"],
                opted_out=person["opted_out"],
            )
            channels = choose_channels(reach, send.channels, send.category, send.mandatory)
            if not channels:
                continue
            values = await template_values(conn, send, data, event, person, deps)
            rendered = _render(deps, send, person["preferred_language"], values)
            for channel in channels:
                if stale and channel != "in_app":
                    continue
                plan = _plan(channel, send, person, rendered, due, now, deps)
                if plan is None:
                    continue
                status, not_before, digest, body, segments = plan
                message_id = await repository.add_message(
                    conn,
                    recipient_id=person["id"],
                    event_id=event_id,
                    channel=channel,
                    template=send.template,
                    language=rendered.language,
                    subject=rendered.subject,
                    body=body,
                    html=rendered.html if channel == "email" else None,
                    status=status,
                    at=not_before,
                    category=send.category,
                    mandatory=send.mandatory,
                    ref=ref,
                    segments=segments,
                    digest=digest,
                    caused_at=event.time,
                )
                if message_id is not None and status == "sent":
                    note = NotificationSent(
                        message_id=message_id,
                        event_id=event_id,
                        recipient_id=person["id"],
                        channel="in_app",
                        template=send.template,
                        category=send.category,
                        attempts=0,
                        sent_at=now,
                    )
                    sent.append((note, str(message_id)))
        if sent:
            await deps.outbox.add_many(conn, sent)


async def welcome_participant(
    conn: Connection, data: ParticipantRegistered, event: CloudEvent, deps: Deps
) -> None:
    """Greet the new participant in their language (kept from the registration)."""
    await repository.set_language(conn, data.participant_id, "participant", data.preferred_language)
    await notify(conn, data, event, deps)


async def apply_waiting(conn: Connection, owner_kind: str, owner_id: uuid.UUID, deps: Deps) -> None:
    """The partner or mentor is known now: apply the events that waited for them."""
    for envelope in await repository.take_waiting(conn, owner_kind, owner_id):
        event = parse_envelope(envelope)
        model = EVENT_MODELS.get(event.type)
        if model is not None:
            await notify(conn, parse_data(event, model), event, deps)
