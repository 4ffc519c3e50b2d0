"""Kafka entrypoints: which events this service reacts to, and with which use case.

The projections (contacts, consent, exit, partners, mentors) and the rules' event types that
a contract module defines. Rules for event types no module defines yet wait for it; event
types without a rule are skipped (`unknown_types="skip"`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from voimala_contracts import (
    EVENT_MODELS,
    ParticipantConsentChanged,
    ParticipantContactChanged,
    ParticipantExited,
    ParticipantRegistered,
    topics,
)
from voimala_contracts.matching import MentorRegistered, PartnerRegistered
from voimala_contracts.portal import SigninRequested
from voimala_kit import Connection, Handler

from .handlers import (
    Deps,
    forget_exited,
    keep_consent,
    keep_contact,
    keep_mentor,
    keep_partner,
    notify,
    settle_proposal,
    welcome_participant,
)
from .handlers.signin import send_sign_in_link
from .rules import RULES, SETTLES_PROPOSAL

SUBSCRIBE = [topics.PARTICIPANTS, topics.EVENTS, topics.MATCHING, topics.PORTAL]


def _both(*steps: Any) -> Any:
    async def apply(conn: Connection, data: Any, event: Any) -> None:
        for step in steps:
            await step(conn, data, event)

    return apply


def handlers(deps: Deps) -> list[Handler[Any]]:
    own: dict[str, Any] = {
        ParticipantContactChanged.TYPE: keep_contact,
        ParticipantConsentChanged.TYPE: keep_consent,
        ParticipantExited.TYPE: forget_exited,
        PartnerRegistered.TYPE: partial(keep_partner, deps=deps),
        MentorRegistered.TYPE: partial(keep_mentor, deps=deps),
        ParticipantRegistered.TYPE: partial(welcome_participant, deps=deps),
        SigninRequested.TYPE: partial(send_sign_in_link, deps=deps),
    }
    for event_type in SETTLES_PROPOSAL:
        own[event_type] = partial(settle_proposal, deps=deps)
    for event_type in RULES:
        rule = partial(notify, deps=deps)
        if event_type in own and event_type != ParticipantRegistered.TYPE:
            own[event_type] = _both(own[event_type], rule)
        elif event_type not in own:
            own[event_type] = rule
    return [
        Handler(EVENT_MODELS[event_type], apply)
        for event_type, apply in own.items()
        if event_type in EVENT_MODELS
    ]
