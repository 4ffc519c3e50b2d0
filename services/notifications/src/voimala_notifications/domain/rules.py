"""Which event tells whom what: the service's rules, as one readable table.

Each event type maps to the messages it causes. A message (`Send`) names:

- `to`: whose inbox, address or phone (resolved in `handlers.notify`):
  `participant` (the event's participant), `registrant` (the participant or guest holding a
  registration), `registrants` (everyone registered for an occurrence), `answerer` (the
  partner's contact people or the mentor who answers a proposal), `coordinators` (staff who
  registered for notices), `authors` (the people behind an idea);
- `template`: the message, in `templates/<template>.<lang>.j2`;
- `channels`: the channels the rule may use; each person's preferences, consent and contact
  data narrow them (`domain.choice`);
- `category`: what a person may opt out of; `mandatory` messages bypass opt-outs (never
  quiet hours, never a withdrawn channel consent);
- `links`: accept/decline links signed for the answerer;
- `before`: send this long before a time in the event (e.g. the proposal's expiry), not now;
- `ref`: the field naming what the message is about (a proposal), to cancel a pending reminder
  once the proposal is answered.

Event types that no contract module defines yet are left out at start; event types with no
rule are ignored (not dead-lettered).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ALL = ("in_app", "email", "sms")
NO_SMS = ("in_app", "email")


@dataclass(frozen=True)
class Send:
    to: str
    template: str
    category: str
    channels: tuple[str, ...] = ALL
    mandatory: bool = False
    links: bool = False
    with_contact: bool = False
    before: tuple[str, timedelta] | None = None
    ref: str | None = None


RULES: dict[str, tuple[Send, ...]] = {
    # participants
    "participant.registered.v1": (
        Send("participant", "welcome", "programme", channels=("in_app",)),
    ),
    # events (scheduling)
    "registration.confirmed.v1": (Send("registrant", "registration_confirmed", "programme"),),
    "registration.waitlisted.v1": (Send("registrant", "registration_waitlisted", "programme"),),
    "registration.promoted.v1": (
        Send("registrant", "registration_promoted", "programme", mandatory=True),
    ),
    "reminder.due.v1": (Send("registrant", "reminder", "reminders"),),
    "occurrence.changed.v1": (
        Send("registrants", "occurrence_changed", "programme", mandatory=True),
    ),
    "occurrence.cancelled.v1": (
        Send("registrants", "occurrence_cancelled", "programme", mandatory=True),
    ),
    "idea.realised.v1": (Send("authors", "idea_realised", "ideas", channels=NO_SMS),),
    # matching
    "match.proposed.v1": (
        Send("answerer", "match_proposed", "matching", links=True, ref="proposal_id"),
        Send(
            "answerer",
            "match_expiring",
            "matching",
            links=True,
            ref="proposal_id",
            before=("expires_at", timedelta(hours=24)),
        ),
    ),
    "match.accepted.v1": (
        Send("participant", "match_accepted", "matching", mandatory=True, ref="proposal_id"),
    ),
    "match.confirmed.v1": (
        Send("participant", "match_confirmed", "matching", mandatory=True, ref="proposal_id"),
        Send(
            "answerer",
            "match_contact",
            "matching",
            channels=NO_SMS,
            mandatory=True,
            with_contact=True,
            ref="proposal_id",
        ),
    ),
    "match.expired.v1": (
        Send("coordinators", "proposal_unanswered", "matching", channels=NO_SMS, ref="proposal_id"),
    ),
}

#: Events that settle a proposal: a reminder still waiting for it is cancelled.
SETTLES_PROPOSAL = ("match.accepted.v1", "match.declined.v1", "match.expired.v1")
