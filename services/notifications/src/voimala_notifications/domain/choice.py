"""Which channels one message goes by, for one person, by a rule's wish and the person's will."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHANNELS = ("in_app", "email", "sms")


@dataclass(frozen=True)
class Reachable:
    """What this service knows of a person that decides how to reach them."""

    kind: str
    status: str
    email: str | None
    phone: str | None
    preferred_channel: str
    channels: Sequence[str] | None
    email_allowed: bool
    sms_allowed: bool
    opted_out: Sequence[str]


def choose_channels(
    person: Reachable, wanted: Sequence[str], category: str, mandatory: bool
) -> list[str]:
    """The rule's channels that the person takes, can be reached by, and allowed.

    - an exited person gets nothing;
    - the inbox is the record of what the programme said: it gets every message the rule
      sends there, also in an opted-out category;
    - an opted-out category gets nothing else unless the message is mandatory;
    - e-mail and SMS need an address and the channel's consent, mandatory or not (a withdrawn
      consent is a withdrawn consent);
    - a guest (no account) has no inbox;
    - by default a person takes the inbox and their preferred channel; a chosen set replaces it.
    """
    if person.status != "active":
        return []
    takes = (
        set(person.channels)
        if person.channels is not None
        else {"in_app", person.preferred_channel}
    )
    if mandatory:
        takes.add(person.preferred_channel)
    chosen = []
    for channel in wanted:
        if channel == "in_app":
            if person.kind != "guest":  # a guest has no login, so no inbox to read
                chosen.append(channel)
            continue
        if channel not in takes or (category in person.opted_out and not mandatory):
            continue
        address, allowed = {
            "email": (person.email, person.email_allowed),
            "sms": (person.phone, person.sms_allowed),
        }[channel]
        if address and allowed:
            chosen.append(channel)
    return chosen
