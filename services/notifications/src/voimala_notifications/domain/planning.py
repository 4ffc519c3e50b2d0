"""Who is told what, on which channel, in which language and when: one rule of `rules.RULES`
applied to one event and the people it names.

Pure: `handlers.notify` reads the people (and, for a confirmed match, the participant's
contact), asks `plan` for the messages, and writes them. The time is given, never read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol, cast

from voimala_contracts import CloudEvent, EventData
from voimala_contracts.scheduling import Texts

from .choice import choose_channels
from .links import ActionLink, sign
from .messages import NewMessage
from .recipients import DIGEST_KINDS, Recipient
from .rules import Send
from .sms import measure
from .templates import Rendered, Templates
from .timing import next_local, release_time


class Policy(Protocol):
    """The settings that shape messages (the service's `Settings` has them)."""

    @property
    def quiet_start(self) -> time: ...
    @property
    def quiet_end(self) -> time: ...
    @property
    def digest_hour(self) -> time: ...
    @property
    def link_secret(self) -> str: ...
    @property
    def public_url(self) -> str: ...


class _Proposal(Protocol):
    """What a rule with `links` needs of its event (a `match.proposed.v1`)."""

    proposal_id: uuid.UUID
    notify_kind: str
    notify_id: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True)
class Occasion:
    """One rule's messages about one event: what they are about and when they are due."""

    send: Send
    event: CloudEvent
    data: EventData
    #: The event's own id for a rule's first message; derived from it for the others.
    event_id: uuid.UUID
    ref: uuid.UUID | None
    due: datetime
    now: datetime
    #: An old event (history read by a new deployment, a replay into a fresh database) is
    #: recorded in the inbox, never e-mailed or texted: yesterday's reminder is noise.
    stale: bool

    @property
    def awaits(self) -> uuid.UUID | None:
        """What a reminder is about (a proposal), which may be answered before it is due."""
        return self.ref if self.send.before is not None else None


@dataclass(frozen=True)
class Planned:
    messages: list[NewMessage]
    #: SMS the rule wanted whose template has no SMS text (a template bug: logged, skipped).
    without_sms: int = 0


def is_stale(event_time: datetime, now: datetime, after_hours: float) -> bool:
    return now - event_time > timedelta(hours=after_hours)


def due_time(send: Send, data: EventData, now: datetime) -> datetime | None:
    """When the message is due; None when a reminder's moment has already passed."""
    if send.before is None:
        return now
    field, ahead = send.before
    at: datetime = getattr(data, field) - ahead
    return at if at > now else None


def occasion(
    index: int, send: Send, data: EventData, event: CloudEvent, now: datetime, stale: bool
) -> Occasion | None:
    """The rule's `index`-th message about the event, or None when it is too late for it."""
    due = due_time(send, data, now)
    if due is None:
        return None
    ref: uuid.UUID | None = getattr(data, send.ref) if send.ref else None
    # The first message of a rule keeps the event's id; others get one derived from it.
    event_id = event.id if index == 0 else uuid.uuid5(event.id, send.template)
    return Occasion(send, event, data, event_id, ref, due, now, stale)


def plan(
    occasion: Occasion,
    people: Sequence[Recipient],
    templates: Templates,
    policy: Policy,
    contact: dict[str, str | None] | None = None,
) -> Planned:
    """Every message of the occasion, person by person, channel by channel.

    Raises what the template raises (jinja2's `TemplateError`): no half message.
    """
    messages: list[NewMessage] = []
    without_sms = 0
    for person in people:
        send = occasion.send
        channels = choose_channels(person.reachable(), send.channels, send.category, send.mandatory)
        if not channels:
            continue
        values = template_values(send, occasion.data, occasion.event, person, policy)
        if send.with_contact:
            values["contact"] = contact
        rendered = templates.render(send.template, person.preferred_language, values)
        for channel in channels:
            if occasion.stale and channel != "in_app":
                continue
            message = _message(channel, occasion, person, rendered, policy)
            if message is None:
                without_sms += 1
            else:
                messages.append(message)
    return Planned(messages, without_sms)


def _message(
    channel: str, occasion: Occasion, person: Recipient, rendered: Rendered, policy: Policy
) -> NewMessage | None:
    """One channel's message: its status, due time, digest or not, body and SMS segments."""
    due, now, send = occasion.due, occasion.now, occasion.send
    status, at, digest = ("queued" if due <= now else "held"), due, False
    body, segments = rendered.text, None
    if channel == "in_app":
        status = "sent" if due <= now else "held"
    elif channel == "sms":
        if rendered.sms is None:
            return None
        body, segments = rendered.sms, measure(rendered.sms).segments
        quiet_start = person.quiet_start or policy.quiet_start
        released = release_time(due, quiet_start, person.quiet_end or policy.quiet_end)
        if released is not None:
            status, at = "held", released
    elif person.digest and person.kind in DIGEST_KINDS and not send.mandatory and due <= now:
        status, at, digest = "held", next_local(now, policy.digest_hour), True
    return NewMessage(
        recipient_id=person.id,
        event_id=occasion.event_id,
        channel=channel,
        template=send.template,
        language=rendered.language,
        subject=rendered.subject,
        body=body,
        html=rendered.html if channel == "email" else None,
        status=status,
        not_before=at,
        category=send.category,
        mandatory=send.mandatory,
        ref=occasion.ref,
        segments=segments,
        digest=digest,
        caused_at=occasion.event.time,
    )


def template_values(
    send: Send, data: EventData, event: CloudEvent, person: Recipient, policy: Policy
) -> dict[str, Any]:
    """Everything a template may use but the contact: the event's data, the person's name and
    kind, the occurrence in the person's language, the portal's address, the signed links."""
    # The data's fields as `dict(data)` gives them, read off the model's own dict: pydantic's
    # iteration, and its `__getattr__` on every absent field looked for below, cost more than
    # the rendering (the contracts ignore extra fields, so the dict holds the fields alone).
    values: dict[str, Any] = dict(data.__dict__)
    language = person.preferred_language
    occurrence = values.get("occurrence") or values.get("next_occurrence")
    if occurrence is not None:
        values["what"] = _text(occurrence.title, language)
        values["where"] = _text(occurrence.location, language)
        values["when"] = _wall(occurrence.local_start)
    title = values.get("title")
    if isinstance(title, Texts):
        values["what"] = _text(title, language)
    previously = values.get("previous_local_start")
    if previously is not None:
        values["previously"] = _wall(previously)
    values["given_name"] = person.given_name
    values["recipient_kind"] = person.kind
    # Where people answer: the portal (public_url is its address; /actions/ links go there too).
    values["portal"] = policy.public_url.rstrip("/")
    if send.links:
        values["links"] = action_links(cast(_Proposal, data), person.id, event.id, policy)
    return values


def action_links(
    proposal: _Proposal, user_id: uuid.UUID, event_id: uuid.UUID, policy: Policy
) -> dict[str, str]:
    """The signed accept and decline links of a proposal, for one of its answerers."""
    links = {}
    for answer in ("accept", "decline"):
        link = ActionLink(
            # One id per (event, person, answer): the same link on a retry or a replay.
            link_id=uuid.uuid5(event_id, f"{user_id}:{answer}"),
            proposal_id=proposal.proposal_id,
            answer=answer,
            responder_kind=proposal.notify_kind,
            responder_id=proposal.notify_id,
            user_id=user_id,
            expires_at=proposal.expires_at,
        )
        token = sign(link, policy.link_secret)
        links[answer] = f"{policy.public_url.rstrip('/')}/actions/{token}"
    return links


def _text(texts: Texts, language: str) -> str:
    """A text in the person's language, else in Finnish."""
    return str(texts.__dict__.get(language) or texts.fi)


def _wall(local: str) -> str:
    """Helsinki wall-clock `YYYY-MM-DDTHH:MM` as people in Salo write it: 4.12.2026 18.00."""
    moment = datetime.fromisoformat(local)
    return f"{moment.day}.{moment.month}.{moment.year} {moment:%H.%M}"
