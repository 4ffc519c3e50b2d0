"""A sign-in link asked on the portal: whose address it is, the e-mail they get, and what the
portal is told (`signin.identified.v1`).

The e-mail is mandatory (the person asked for it just now): no opt-out, digest or quiet hours
hold it, and it goes by e-mail whatever channel the person prefers; the inbox does not keep
it (a used or expired link is no message worth keeping).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from voimala_contracts.portal import SigninIdentified, SigninPerson

from .messages import NewMessage, queued_email
from .templates import Rendered

TEMPLATE: Final = "sign_in"
#: The role a recipient of each kind signs in with on the portal.
ROLE = {"partner": "employer", "mentor": "mentor", "participant": "participant"}


@dataclass(frozen=True)
class SigninIdentity:
    """The one person who signs in with an address (see `repository.signin`)."""

    id: uuid.UUID
    kind: str  # partner | mentor | participant
    preferred_language: str
    given_name: str | None
    family_name: str | None
    #: The partner, for an employer's contact person.
    org: uuid.UUID | None


def sign_in_values(
    person: SigninIdentity, link: str, expires_at: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "given_name": person.given_name,
        # The page the link opens speaks the person's language (and remembers it).
        "link": f"{link}?lang={person.preferred_language}",
        "minutes": max(1, int((expires_at - now).total_seconds() // 60)),
    }


def sign_in_email(
    person: SigninIdentity,
    rendered: Rendered,
    event_id: uuid.UUID,
    caused_at: datetime,
    now: datetime,
) -> NewMessage:
    return queued_email(
        person.id,
        event_id,
        TEMPLATE,
        rendered,
        now,
        category="account",
        mandatory=True,
        caused_at=caused_at,
    )


def identified(person: SigninIdentity, link_id: uuid.UUID) -> SigninIdentified:
    name = " ".join(p for p in (person.given_name, person.family_name) if p)
    return SigninIdentified(
        link_id=link_id,
        role=ROLE[person.kind],
        subject=person.id,
        org=person.org,
        personal=SigninPerson(name=name[:200]),
    )
