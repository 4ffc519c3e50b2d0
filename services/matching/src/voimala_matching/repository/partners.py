"""Partners and their contact people."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from voimala_kit.db import Connection
from voimala_kit.rows import Table

from . import load, load_all


@dataclass(frozen=True, slots=True)
class PartnerFields:
    id: uuid.UUID
    kind: str
    name: str
    business_id: str | None
    municipality: str | None


@dataclass(frozen=True, slots=True)
class PartnerRow(PartnerFields):
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A person who acts for a partner; `user_id` is their login subject."""

    partner_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    preferred_language: str
    preferred_channel: str


@dataclass(frozen=True, slots=True)
class Partner(PartnerRow):
    """A partner with its contact people (by name)."""

    contacts: list[ContactRow]


PARTNERS = Table("partner", PartnerRow)
CONTACTS = Table("partner_contact", ContactRow, key="user_id")
_NEW = Table("partner", PartnerFields)
_MARKS = ", ".join(f"${n}" for n in range(1, len(CONTACTS.columns) + 1))
# (Not CONTACTS.insert(): executemany needs no rows back.)
_NEW_CONTACT = f"INSERT INTO partner_contact ({CONTACTS.column_list}) VALUES ({_MARKS})"  # noqa: S608 - columns from code


async def insert(conn: Connection, partner: PartnerFields, contacts: Sequence[ContactRow]) -> bool:
    """False if a partner with this business ID is already there."""
    done = await conn.fetchrow(
        _NEW.insert("ON CONFLICT (business_id) DO NOTHING"), *_NEW.values(partner)
    )
    if done is None:
        return False
    await conn.executemany(_NEW_CONTACT, [CONTACTS.values(c) for c in contacts])
    return True


async def by_business_id(conn: Connection, business_id: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM partner WHERE business_id = $1", business_id
    )
    return found


async def get(conn: Connection, partner_id: uuid.UUID) -> Partner | None:
    row = await conn.fetchrow(PARTNERS.select("WHERE id = $1"), partner_id)
    if row is None:
        return None
    found = load(PARTNERS, row)
    sql = CONTACTS.select("WHERE partner_id = $1 ORDER BY name")
    return _with(found, load_all(CONTACTS, await conn.fetch(sql, partner_id)))


async def page(
    conn: Connection, kind: str | None, after: tuple[str, uuid.UUID] | None, limit: int
) -> list[Partner]:
    """Partners by name (then id, for a stable cursor), each with its contact people."""
    rows = await conn.fetch(
        PARTNERS.select(
            """WHERE ($1::text IS NULL OR kind = $1)
          AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
        ORDER BY name, id LIMIT $4"""
        ),
        kind,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    found = load_all(PARTNERS, rows)
    # One query for every partner's contacts on the page, not one per partner.
    contacts: dict[uuid.UUID, list[ContactRow]] = {p.id: [] for p in found}
    sql = CONTACTS.select("WHERE partner_id = ANY($1::uuid[]) ORDER BY name")
    for c in load_all(CONTACTS, await conn.fetch(sql, list(contacts))):
        contacts[c.partner_id].append(c)
    return [_with(p, contacts[p.id]) for p in found]


def _with(p: PartnerRow, contacts: list[ContactRow]) -> Partner:
    return Partner(**{name: getattr(p, name) for name in PARTNERS.columns}, contacts=contacts)
