"""Partners: employers and associations, registered by coordinators with their contact people."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from voimala_contracts.matching import ContactPerson, PartnerPersonal, PartnerRegistered
from voimala_kit.db import Connection
from voimala_kit.refusals import conflict, invalid

from ..domain.business_id import is_valid_business_id
from ..repository import partners
from ..repository.partners import ContactRow, Partner, PartnerFields
from .deps import Deps


@dataclass(frozen=True)
class Contact:
    """A person who acts for the partner; `user_id` is their login subject (new if None)."""

    user_id: uuid.UUID | None
    name: str
    email: str | None
    phone: str | None
    preferred_language: str
    preferred_channel: str


@dataclass(frozen=True)
class RegisterPartner:
    kind: str
    name: str
    business_id: str | None
    municipality: str | None
    contacts: list[Contact]


def _check_business_id(cmd: RegisterPartner) -> None:
    if cmd.kind == "employer" and cmd.business_id is None:
        raise invalid("business_id", "an employer needs a Finnish business ID")
    if cmd.business_id is not None and not is_valid_business_id(cmd.business_id):
        raise invalid("business_id", "not a valid Finnish business ID (1234567-8, check digit)")


async def register_partner(deps: Deps, conn: Connection, cmd: RegisterPartner) -> Partner:
    _check_business_id(cmd)
    partner = PartnerFields(uuid.uuid4(), cmd.kind, cmd.name, cmd.business_id, cmd.municipality)
    contacts = [
        ContactRow(
            partner_id=partner.id,
            user_id=c.user_id or uuid.uuid4(),
            name=c.name,
            email=c.email,
            phone=c.phone,
            preferred_language=c.preferred_language,
            preferred_channel=c.preferred_channel,
        )
        for c in cmd.contacts
    ]
    if not await partners.insert(conn, partner, contacts):
        assert cmd.business_id is not None
        existing = await partners.by_business_id(conn, cmd.business_id)
        raise conflict(
            "a partner with this business ID is already registered",
            existing_partner_id=str(existing),
        )
    event = PartnerRegistered(
        partner_id=partner.id,
        kind=cmd.kind,
        name=cmd.name,
        business_id=cmd.business_id,
        municipality=cmd.municipality,
        personal=PartnerPersonal(
            contacts=[ContactPerson.model_validate(c, from_attributes=True) for c in contacts]
        ),
    )
    await deps.outbox.add(conn, event, subject=str(partner.id))
    found = await partners.get(conn, partner.id)
    assert found is not None
    return found
