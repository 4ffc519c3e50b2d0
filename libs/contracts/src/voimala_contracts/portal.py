"""Sign-in by e-mail link: the portal asks, notifications answers who the address belongs to.

The portal does not know whose an address is (it keeps no personal data of the programme);
notifications does (its recipients). So the portal publishes `signin.requested.v1` with the
link and the address (inside `personal`), notifications sends the e-mail when it knows the
address and publishes `signin.identified.v1` with the role and login subject the portal's
session needs. Keyed by the link id, so both events of one link stay in order per topic.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import topics
from ._envelope import EventData

SigninRole = Literal["participant", "employer", "mentor"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SigninAddress(_Part):
    """The one marked place for personal data of a sign-in request."""

    email: str = Field(max_length=254, description="the address as the person typed it")
    link: str = Field(max_length=500, description="the single-use sign-in link (a secret)")


class SigninRequested(EventData):
    """Someone asked for a sign-in link to an address on the portal's sign-in page.

    Published for every well-formed request, known address or not: only notifications can
    tell, and it stays silent for an address it does not know. The link is valid until
    `expires_at`; a request read later than that is ignored.
    """

    TYPE: ClassVar[str] = "signin.requested.v1"
    AGGREGATE: ClassVar[str] = "signin_link"
    TOPIC: ClassVar[str] = topics.PORTAL

    link_id: uuid.UUID
    expires_at: datetime
    personal: SigninAddress


class SigninPerson(_Part):
    """The name the portal greets the person with ("Signed in as …")."""

    name: str = Field(max_length=200)


class SigninIdentified(EventData):
    """notifications knew the address of a sign-in request and sent the link to it.

    `subject` is what the person's tokens carry as `sub` for the services to accept them: a
    participant's id, an employer contact person's user id (with the partner as `org`), a
    mentor's user id. One address, one identity: an employer contact first, then a mentor,
    then a participant (see docs/portal.md).
    """

    TYPE: ClassVar[str] = "signin.identified.v1"
    AGGREGATE: ClassVar[str] = "signin_link"
    TOPIC: ClassVar[str] = topics.NOTIFICATIONS

    link_id: uuid.UUID
    role: SigninRole
    subject: uuid.UUID
    org: uuid.UUID | None = Field(None, description="the partner id, for an employer contact")
    personal: SigninPerson
