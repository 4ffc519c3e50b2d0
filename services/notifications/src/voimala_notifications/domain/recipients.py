"""A recipient: whom the service can tell something, with how they want to be told.

Kept from other services' events (contact, consent, exit) and from the person's own
preferences; the repository reads a recipient's row as this.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time

from voimala_kit.refusals import Invalid

from .choice import Reachable

#: Who may take a daily digest instead of single e-mails.
DIGEST_KINDS = ("mentor", "staff")


@dataclass(frozen=True)
class Recipient:
    id: uuid.UUID
    kind: str  # participant | partner | mentor | staff | guest
    status: str  # active | exited
    preferred_language: str
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    preferred_channel: str
    #: None: the inbox and the preferred channel; else what the person chose.
    channels: list[str] | None
    email_allowed: bool
    sms_allowed: bool
    opted_out: list[str]
    quiet_start: time | None
    quiet_end: time | None
    digest: bool

    def reachable(self) -> Reachable:
        return Reachable(
            kind=self.kind,
            status=self.status,
            email=self.email,
            phone=self.phone,
            preferred_channel=self.preferred_channel,
            channels=self.channels,
            email_allowed=self.email_allowed,
            sms_allowed=self.sms_allowed,
            opted_out=self.opted_out,
        )

    def contact(self) -> dict[str, str | None]:
        """What a partner or mentor is told of a participant once a match is confirmed."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email,
            "phone": self.phone,
        }


def check_digest(kind: str, digest: bool) -> None:
    """A daily digest is offered to mentors and staff only."""
    if digest and kind not in DIGEST_KINDS:
        raise Invalid("a daily digest is for mentors and staff", title="Digest not offered")


@dataclass(frozen=True)
class Preferences:
    """What a person chose: language, channels, opt-outs, quiet hours, digest."""

    language: str
    channels: list[str] | None
    opted_out: list[str]
    quiet_start: time | None
    quiet_end: time | None
    digest: bool
