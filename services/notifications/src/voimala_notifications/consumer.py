"""Kafka entrypoints: which events this service reacts to, and with which use case.

The projections (contacts, consent, exit, partners, mentors), a person's access and erasure
requests, and the rules' event types that a contract module defines. Events about an erased
participant change nothing. Rules for event types no module defines yet wait for it; event
types without a rule are skipped (`unknown_types="skip"`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from voimala_contracts import (
    EVENT_MODELS,
    CloudEvent,
    ParticipantConsentChanged,
    ParticipantContactChanged,
    ParticipantExited,
    ParticipantRegistered,
    topics,
)
from voimala_contracts.matching import MentorRegistered, PartnerRegistered
from voimala_contracts.portal import SigninRequested
from voimala_contracts.privacy import AccessRequested, ErasureRequested
from voimala_contracts.scheduling import GuestErased
from voimala_kit.consumer import Handler
from voimala_kit.db import Connection

from .domain.rules import RULES, SETTLES_PROPOSAL
from .handlers.actions import settle_proposal
from .handlers.contacts import (
    forget_exited,
    keep_consent,
    keep_contact,
    keep_mentor,
    keep_partner,
)
from .handlers.deps import Deps
from .handlers.guests import forget_guest
from .handlers.notify import notify, notify_many, welcome_participant
from .handlers.nudges import NUDGES
from .handlers.privacy import erase_participant, export_participant, unless_erased
from .handlers.signin import send_sign_in_link

SUBSCRIBE = [topics.PARTICIPANTS, topics.EVENTS, topics.MATCHING, topics.PORTAL]

#: A use case bound to the service's dependencies, as the kit's consumer calls it.
Apply = Callable[[Connection, Any, CloudEvent], Awaitable[None]]


def _both(*steps: Apply) -> Apply:
    """One event, two use cases, one after the other in the same transaction."""

    async def apply(conn: Connection, data: Any, event: CloudEvent) -> None:
        for step in steps:
            await step(conn, data, event)

    return apply


def handlers(deps: Deps) -> list[Handler[Any]]:
    own: dict[str, Apply] = {
        ParticipantContactChanged.TYPE: unless_erased(partial(keep_contact, deps)),
        ParticipantConsentChanged.TYPE: unless_erased(partial(keep_consent, deps)),
        ParticipantExited.TYPE: unless_erased(partial(forget_exited, deps)),
        PartnerRegistered.TYPE: partial(keep_partner, deps),
        MentorRegistered.TYPE: partial(keep_mentor, deps),
        ParticipantRegistered.TYPE: unless_erased(partial(welcome_participant, deps)),
        SigninRequested.TYPE: partial(send_sign_in_link, deps),
        AccessRequested.TYPE: partial(export_participant, deps),
        ErasureRequested.TYPE: partial(erase_participant, deps),
        GuestErased.TYPE: partial(forget_guest, deps),
    }
    for event_type in SETTLES_PROPOSAL:
        own[event_type] = partial(settle_proposal, deps)
    # The types whose only use case is the rules' go in batches (one `apply_many` for all).
    batched: set[str] = set()
    for event_type in RULES:
        rule = partial(notify, deps)
        if event_type in own and event_type != ParticipantRegistered.TYPE:
            own[event_type] = _both(own[event_type], rule)
        elif event_type not in own:
            own[event_type] = rule
            batched.add(event_type)
    for event_type, nudge in NUDGES.items():
        step = partial(nudge, deps)
        own[event_type] = _both(own[event_type], step) if event_type in own else step
        batched.discard(event_type)
    many = partial(notify_many, deps)
    return [
        Handler(EVENT_MODELS[event_type], apply, many if event_type in batched else None)
        for event_type, apply in own.items()
        if event_type in EVENT_MODELS
    ]
